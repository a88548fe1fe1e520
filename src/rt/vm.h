/* vm.h — internal shape of the VM and program objects, shared by the runtime,
 * the execution engines and the tools' in-tree helpers.
 * Invariant: a bpfvm_prog is immutable once bpfvm_prog_load returns, except for
 * its lazily built engine caches, which are built under prog->lock.
 */
#ifndef BPFVM_VM_H
#define BPFVM_VM_H

#include "common.h"
#include "isa/isa.h"
#include "isa/validate.h"

#include <pthread.h>

typedef struct helper_entry {
    bpfvm_helper_fn fn;
    char *name;
    bpfvm_helper_proto proto;
    bool std;               /* one of bpfvm's standard Linux helpers */
} helper_entry;

struct bpfvm_vm {
    helper_entry *helpers;  /* indexed by helper id */
    uint32_t nhelpers;      /* capacity of helpers[] */
    pthread_mutex_t lock;   /* guards the map registry (creation, lookup by id) */
    bpfvm_map **maps;       /* maps[i] has id i + 1; freed with the VM */
    uint32_t nmaps, capmaps;
    uint32_t ncpus;         /* value copies in per-CPU maps; default 1 */
    uint64_t map_mem_limit; /* bytes all maps may take together (under lock) */
    uint64_t map_mem_used;  /* bytes charged by the maps created so far (under lock) */
    bpfvm_perf_fn perf;     /* bpf_perf_event_output records */
    void *perf_user;
    bpfvm_print_fn print;   /* bpf_trace_printk output */
    void *print_user;
    bpfvm_region *probe;    /* memory bpf_probe_read_* may read */
    size_t nprobe;
    uint64_t seed;          /* bpf_get_prandom_u32, and the hash function of hash maps */
    uint64_t prng;          /* bpf_get_prandom_u32 state (atomic) */
    /* memory of all maps, for checked mode; rebuilt when maps were added */
    bpfvm_region *map_regions;
    size_t nmap_regions;
    uint32_t map_regions_for;   /* nmaps when map_regions was built */
};

/* The regions of every map of the VM (rebuilt if maps were created since). */
void vm_map_regions(bpfvm_vm *vm, const bpfvm_region **regions, size_t *n);

#define BPFVM_MAX_HELPER_ID 65535u

struct interp_code;
struct jit_code;

/* Per-instruction facts proven by the verifier (prog->facts[i]). */
enum {
    FACT_MEM_SAFE = 1, /* this load/store/atomic is proven in bounds: no run-time check */
};

/* One BTF line-info record, mapped to a program slot. Strings live in the object. */
typedef struct prog_line {
    uint32_t insn;
    uint32_t line, col;
    const char *file;
    const char *src;
} prog_line;

struct bpfvm_prog {
    bpfvm_vm *vm;
    prog_line *lines;           /* sorted by insn; NULL without BTF line info */
    uint32_t nlines;
    bpfvm_prog_type type;
    char *section;              /* ELF section, or NULL */
    struct bpfvm_obj *obj;      /* the object it came from, or NULL */
    bool non_gpl;               /* its license is not GPL-compatible (GPL-only helpers refused) */
    isa_insn *insns;
    uint32_t n;
    unsigned ext;
    char *name;
    isa_prog_info info;
    struct interp_code *interp; /* decoded form for the interpreter */
    uint8_t *facts;             /* per slot FACT_* bits from the verifier; NULL = unverified */
    uint64_t *lddw_values;      /* per slot: the value a map-referencing lddw loads; NULL if none */
    uint32_t verified_mem_size; /* BPFVM_PROG_MEM verified for a memory block of this size */
    uint32_t zero_stack;        /* verified programs may read unwritten stack: bytes to clear per run */
    bool jit_blind;             /* constant blinding requested at load */
    bpfvm_error *unrunnable;    /* why it loaded but cannot run here (ELF objects), or NULL */
    pthread_mutex_t lock;       /* guards the lazy JIT compile */
    struct jit_code *jit;       /* machine code, built on first JIT run or bpfvm_prog_jit */
    int jit_status;             /* 0 not tried, 1 compiled, < 0 the error it gave */
    bpfvm_error jit_err;
};

/* bpfvm_prog_load; defer: what bpfvm cannot run (unknown helpers, kfuncs, maps of
 * types it does not implement) marks the program unrunnable instead of failing,
 * so that ELF objects load and list (bpfvm_prog_can_run gives the reason). */
int vm_prog_load(bpfvm_vm *vm, const void *code, size_t len, const bpfvm_load_opts *opts, bool defer,
                 bpfvm_prog **out, bpfvm_error *err);

/* Helper lookup; NULL when id is not registered. */
static inline bpfvm_helper_fn vm_helper(const bpfvm_vm *vm, uint64_t id)
{
    return id < vm->nhelpers ? vm->helpers[id].fn : NULL;
}

/* Records a successful verification: facts (owned by prog from now on), and
 * rebuilds the interpreter's code without the proven checks. */
int prog_set_verified(bpfvm_prog *p, uint8_t *facts, uint32_t mem_size, uint32_t zero_stack);

/* The code value `lddw rX, code_addr(...)` loads: a tag and the function's slot. */
#define VM_FUNC_TAG 0xbf5c000000000000ull
#define VM_FUNC_TAG_MASK 0xffffffff00000000ull

struct bpfvm_packet;

/* pending bits: set by helpers, tested by the engines after every helper call */
enum { PENDING_FAIL = 1, PENDING_TAIL = 2 };

/* The state of one run, visible to helpers as bpfvm_call. Lives on the C stack of
 * the run function, so concurrent runs of one program share nothing. */
struct bpfvm_call {
    const bpfvm_prog *prog;     /* the program running now (changes on tail calls) */
    bpfvm_vm *vm;
    uint32_t cpu;
    bool checked;               /* unverified: helpers check pointer arguments */
    uint8_t pending;            /* PENDING_* */
    const bpfvm_prog *tail_prog; /* tail call target, with PENDING_TAIL */
    uint32_t tail_count;
    struct bpfvm_packet *pkt;   /* packet programs: the packet and its context */
    uint64_t ctx;               /* r1 at entry */
    /* Engine hook for helpers that call back into BPF (bpf_loop): runs the
     * function at slot with r1..r5 = args one frame below the current one. The
     * engine keeps depth and r10 current whenever it calls a helper. */
    int (*call_fn)(struct bpfvm_call *c, uint32_t slot, const uint64_t args[5], uint64_t *ret);
    unsigned depth;
    uint64_t r10;
    bpfvm_error *err;           /* where call_fn reports an error */
    void *ringbuf_open[8];      /* reserved ring buffer records not yet submitted */
    void *ringbuf_map[8];
    unsigned nringbuf_open;
    void *user;
    uint64_t stack_lo, stack_hi;   /* whole stack area: all frames */
    uint64_t mem_lo, mem_len;      /* memory block (r1, r2) */
    const bpfvm_region *regions;   /* the caller's and the context's regions */
    size_t nregions;
    const bpfvm_region *vm_regions; /* the maps' memory */
    size_t nvm_regions;
    const uint8_t *ldabs_pkt;      /* buffer of the legacy packet loads (ABS/IND) */
    uint64_t ldabs_len;
    int64_t budget;                /* remaining steps */
    uint64_t may_goto_left;
    bpfvm_trace_fn trace;
    void *trace_user;
    char fail_msg[256];
};


#endif
