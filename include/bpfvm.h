/* bpfvm.h — the public API of bpfvm, a BPF runtime (RFC 9669).
 *
 * Everything a host needs: load a program (raw bytecode or assembly), run it with
 * the interpreter, give it helpers, read its errors. Types are opaque; every
 * function that can fail returns 0 on success or a negative bpfvm_status and fills
 * the caller's bpfvm_error (which may be NULL). The library never prints and never
 * aborts. Distinct VMs share nothing; one loaded program may run on many threads.
 */
#ifndef BPFVM_H
#define BPFVM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BPFVM_VERSION "0.1.0"

/* ---- errors ------------------------------------------------------------------ */

typedef enum bpfvm_status {
    BPFVM_OK = 0,
    BPFVM_E_INVALID = 1,     /* malformed input: bytecode, assembly, object, capture */
    BPFVM_E_FAULT = 2,       /* run time: memory access outside the allowed regions */
    BPFVM_E_BUDGET = 3,      /* run time: step budget exhausted (runaway program) */
    BPFVM_E_HELPER = 4,      /* run time: a helper failed */
    BPFVM_E_CALL_DEPTH = 5,  /* run time: more than 8 nested local calls */
    BPFVM_E_VERIFY = 6,      /* the verifier rejected the program */
    BPFVM_E_UNSUPPORTED = 7, /* valid, but not supported by this build or engine */
    BPFVM_E_NOMEM = 8,
    BPFVM_E_IO = 9,
    BPFVM_E_ARG = 10,        /* API misuse: bad argument */
} bpfvm_status;

typedef struct bpfvm_error {
    bpfvm_status code;
    long insn;      /* instruction index the error concerns, or -1 */
    int line;       /* source line (assembly or C via BTF line info), or 0 */
    char msg[512];  /* complete message, e.g. "instruction 3: unknown opcode 0x8e" */
} bpfvm_error;

const char *bpfvm_status_name(bpfvm_status s);

/* ---- ISA capabilities ------------------------------------------------------- */

/* RFC 9669 conformance groups (bit numbers of bpfvm_groups()). */
enum {
    BPFVM_GROUP_BASE32, BPFVM_GROUP_BASE64, BPFVM_GROUP_ATOMIC32, BPFVM_GROUP_ATOMIC64,
    BPFVM_GROUP_DIVMUL32, BPFVM_GROUP_DIVMUL64, BPFVM_GROUP_PACKET,
    /* non-RFC extensions, decoded only when enabled with the BPFVM_EXT_* flag */
    BPFVM_GROUP_CALLX, BPFVM_GROUP_ACQREL, BPFVM_GROUP_MAY_GOTO,
    BPFVM_GROUP_COUNT
};
#define BPFVM_EXT_CALLX    (1u << BPFVM_GROUP_CALLX)    /* 0x8d: call helper whose id is in dst */
#define BPFVM_EXT_ACQREL   (1u << BPFVM_GROUP_ACQREL)   /* load-acquire / store-release */
#define BPFVM_EXT_MAY_GOTO (1u << BPFVM_GROUP_MAY_GOTO) /* 0xe5 may_goto */
#define BPFVM_EXT_ALL      (BPFVM_EXT_CALLX | BPFVM_EXT_ACQREL | BPFVM_EXT_MAY_GOTO)

/* Bit mask of the groups bpfvm implements (RFC groups always; extensions listed too). */
unsigned bpfvm_groups(void);
const char *bpfvm_group_name(unsigned group);
/* True for the RFC 9669 groups, false for the non-RFC extension groups. */
bool bpfvm_group_is_rfc(unsigned group);

#define BPFVM_MAX_INSNS 1000000u
#define BPFVM_STACK_SIZE 512u
#define BPFVM_MAX_FRAMES 8u
/* Default step budget: stops a runaway loop in well under a second. */
#define BPFVM_DEFAULT_BUDGET 250000000ull

/* ---- VM: the environment programs are loaded into (helpers, options) ------------ */

typedef struct bpfvm_vm bpfvm_vm;
typedef struct bpfvm_prog bpfvm_prog;
typedef struct bpfvm_call bpfvm_call;

bpfvm_vm *bpfvm_vm_new(void);
void bpfvm_vm_free(bpfvm_vm *vm);

/* A helper: arguments in r1..r5, result to r0. `call` gives the run's context. */
typedef uint64_t (*bpfvm_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                    uint64_t r5, bpfvm_call *call);

/* Registers (or replaces) helper `id`. Programs loaded afterwards may call it.
 * `name` is used in disassembly, traces and errors. */
int bpfvm_register_helper(bpfvm_vm *vm, uint32_t id, const char *name, bpfvm_helper_fn fn,
                          bpfvm_error *err);
/* Name of helper `id`, or NULL when none is registered. */
const char *bpfvm_helper_name(const bpfvm_vm *vm, uint32_t id);

/* Inside a helper: the host's pointer given in bpfvm_run_opts.user. */
void *bpfvm_call_user(bpfvm_call *call);
/* Inside a helper: stop the program with BPFVM_E_HELPER and this message. */
void bpfvm_call_fail(bpfvm_call *call, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Inside a helper: true when [addr, addr+len) lies inside memory the program may
 * access (its stack, its memory block, registered regions). `write` asks for write. */
bool bpfvm_call_mem_ok(bpfvm_call *call, uint64_t addr, uint64_t len, bool write);

/* Program types: Linux numbering (enum bpf_prog_type), see "program types" below. */
typedef enum bpfvm_prog_type {
    BPFVM_PROG_UNSPEC = 0,
    BPFVM_PROG_SOCKET_FILTER = 1,
    BPFVM_PROG_KPROBE = 2,
    BPFVM_PROG_SCHED_CLS = 3,
    BPFVM_PROG_SCHED_ACT = 4,
    BPFVM_PROG_TRACEPOINT = 5,
    BPFVM_PROG_XDP = 6,
    BPFVM_PROG_PERF_EVENT = 7,
    BPFVM_PROG_CGROUP_SKB = 8,
    BPFVM_PROG_RAW_TRACEPOINT = 17,
    BPFVM_PROG_MEM = 1000, /* bpfvm's own: r1 = memory block, r2 = its length */
} bpfvm_prog_type;

/* ---- programs ------------------------------------------------------------------- */

typedef struct bpfvm_load_opts {
    unsigned ext;        /* BPFVM_EXT_* extensions to accept; 0 = RFC 9669 only */
    const char *name;    /* program name for messages; may be NULL */
    bool jit_blind;      /* JIT: blind immediates (constant blinding) for untrusted programs */
    bpfvm_prog_type type; /* program type; 0 = BPFVM_PROG_MEM for raw bytecode */
} bpfvm_load_opts;

/* Decodes and validates raw bytecode (8-byte little-endian slots) into a program.
 * Rejects, naming the instruction: unknown opcodes, non-zero unused fields, bad
 * registers, writes to r10, jumps out of range or into lddw, truncated lddw, calls
 * to non-instructions or unknown helpers, falling off the end, empty or oversized
 * programs. */
int bpfvm_prog_load(bpfvm_vm *vm, const void *code, size_t len, const bpfvm_load_opts *opts,
                    bpfvm_prog **out, bpfvm_error *err);
void bpfvm_prog_free(bpfvm_prog *prog);
/* Number of 8-byte slots, and the bytes themselves (as loaded). */
size_t bpfvm_prog_len(const bpfvm_prog *prog);
const void *bpfvm_prog_code(const bpfvm_prog *prog);
const char *bpfvm_prog_name(const bpfvm_prog *prog);

/* ---- running ---------------------------------------------------------------- */

typedef enum bpfvm_engine { BPFVM_ENGINE_INTERP = 0, BPFVM_ENGINE_JIT = 1 } bpfvm_engine;

/* Called after each executed instruction when tracing: `insn` is its index,
 * `regs` the 11 registers after it, `depth` the call depth (0 = main). */
typedef void (*bpfvm_trace_fn)(void *user, long insn, const uint64_t regs[11], unsigned depth);

/* A memory region a program may access besides its stack and memory block. */
typedef struct bpfvm_region {
    uint64_t start;
    uint64_t len;
    bool writable;
} bpfvm_region;

typedef struct bpfvm_run_opts {
    bpfvm_engine engine;
    uint64_t step_budget;          /* instructions; 0 = BPFVM_DEFAULT_BUDGET, UINT64_MAX = none */
    bpfvm_trace_fn trace;          /* optional: per-instruction trace (interpreter only) */
    void *trace_user;
    void *user;                    /* given to helpers through bpfvm_call_user() */
    const bpfvm_region *regions;   /* extra accessible regions */
    size_t nregions;
    const void *packet;            /* buffer for the legacy ABS/IND loads; default: the memory block */
    size_t packet_len;
    uint32_t cpu;                  /* CPU id seen by the program (per-CPU maps); < ncpus */
} bpfvm_run_opts;

/* Runs the program with r1 = mem, r2 = mem_len, r10 = top of a fresh 512-byte stack.
 * Unverified programs run in checked mode: every load and store is checked against
 * the stack, the memory block and opts->regions; a bad access stops the program
 * with BPFVM_E_FAULT naming the instruction, address and size. On success *r0 holds
 * the program's 64-bit return value. */
int bpfvm_run(bpfvm_prog *prog, void *mem, size_t mem_len, const bpfvm_run_opts *opts,
              uint64_t *r0, bpfvm_error *err);

/* Same with explicit r1..r5 (the memory block is then only what opts->regions lists). */
int bpfvm_run_args(bpfvm_prog *prog, const uint64_t args[5], const bpfvm_run_opts *opts,
                   uint64_t *r0, bpfvm_error *err);

/* Compiles the program with the JIT now (otherwise the first JIT run does it).
 * Thread-safe; compiling happens once. */
int bpfvm_prog_jit(bpfvm_prog *prog, bpfvm_error *err);

typedef struct bpfvm_jit_info {
    const uint8_t *code;          /* generated x86-64 machine code */
    size_t code_size;
    const uint32_t *insn_offsets; /* per BPF slot: offset of its code; [n] = code_size */
    uint64_t compile_ns;          /* time the compile took */
} bpfvm_jit_info;

/* Compiles if needed and describes the generated code (valid while prog lives). */
int bpfvm_prog_jit_info(bpfvm_prog *prog, bpfvm_jit_info *info, bpfvm_error *err);

/* ---- maps -------------------------------------------------------------------
 * Maps belong to a VM and are shared by the programs loaded into it and the host.
 * Types, flags, errors and semantics follow Linux (enum bpf_map_type numbering).
 * All operations are thread-safe. A map's id is what `lddw rX, map_by_fd(ID)`
 * refers to (ids start at 1). */

typedef struct bpfvm_map bpfvm_map;

typedef enum bpfvm_map_type {
    BPFVM_MAP_HASH = 1,
    BPFVM_MAP_ARRAY = 2,
    BPFVM_MAP_PROG_ARRAY = 3,
    BPFVM_MAP_PERF_EVENT_ARRAY = 4, /* entries: the CPU of a perf buffer (see bpfvm_vm_set_perf_output) */
    BPFVM_MAP_PERCPU_HASH = 5,
    BPFVM_MAP_PERCPU_ARRAY = 6,
    BPFVM_MAP_LRU_HASH = 9,
    BPFVM_MAP_LRU_PERCPU_HASH = 10,
    BPFVM_MAP_ARRAY_OF_MAPS = 12,
    BPFVM_MAP_HASH_OF_MAPS = 13,
    BPFVM_MAP_DEVMAP = 14,          /* redirect targets: values struct bpf_devmap_val */
    BPFVM_MAP_CPUMAP = 16,          /* values struct bpf_cpumap_val, keys CPUs < ncpus */
    BPFVM_MAP_XSKMAP = 17,          /* values: AF_XDP socket ids (no sockets here) */
    BPFVM_MAP_QUEUE = 22,
    BPFVM_MAP_STACK = 23,
    BPFVM_MAP_DEVMAP_HASH = 25,
    BPFVM_MAP_RINGBUF = 27,
} bpfvm_map_type;

/* Update flags (Linux BPF_ANY / BPF_NOEXIST / BPF_EXIST). */
#define BPFVM_ANY 0
#define BPFVM_NOEXIST 1
#define BPFVM_EXIST 2

/* Map creation flags (Linux values). */
#define BPFVM_F_NO_PREALLOC (1u << 0)
#define BPFVM_F_RDONLY_PROG (1u << 7) /* programs may read, not write (.rodata) */

typedef struct bpfvm_map_def {
    bpfvm_map_type type;
    uint32_t key_size;
    uint32_t value_size;   /* per CPU for per-CPU maps; ring buffer: 0 */
    uint32_t max_entries;  /* ring buffer: data size in bytes, a power of 2 >= 4096 */
    uint32_t flags;
    const char *name;      /* may be NULL */
    const bpfvm_map *inner; /* map-in-map: a map whose shape every inner map must have */
} bpfvm_map_def;

int bpfvm_map_create(bpfvm_vm *vm, const bpfvm_map_def *def, bpfvm_map **out, bpfvm_error *err);
/* Maps are freed with their VM. */

/* The most memory the maps of a VM may take together, in bytes (default
 * BPFVM_DEFAULT_MAP_MEMORY). A map whose storage would pass it, or whose size
 * overflows, is refused at creation with BPFVM_E_NOMEM and a message naming it. */
#define BPFVM_DEFAULT_MAP_MEMORY (4ull << 30)
void bpfvm_vm_set_map_memory_limit(bpfvm_vm *vm, uint64_t bytes);

/* Number of CPUs per-CPU maps keep values for (default 1; set before creating maps)
 * and the CPU a run executes on is bpfvm_run_opts.cpu. */
int bpfvm_vm_set_ncpus(bpfvm_vm *vm, uint32_t ncpus, bpfvm_error *err);
uint32_t bpfvm_vm_ncpus(const bpfvm_vm *vm);

uint32_t bpfvm_map_id(const bpfvm_map *map);
bpfvm_map *bpfvm_map_by_id(bpfvm_vm *vm, uint32_t id);
bpfvm_map *bpfvm_map_by_name(bpfvm_vm *vm, const char *name);
/* Maps of the VM in creation order: index 0..count-1. */
size_t bpfvm_map_count(const bpfvm_vm *vm);
bpfvm_map *bpfvm_map_at(bpfvm_vm *vm, size_t index);
const bpfvm_map_def *bpfvm_map_get_def(const bpfvm_map *map);
const char *bpfvm_map_type_name(bpfvm_map_type type);

/* Host-side element access. Values are copied; for per-CPU maps `value` holds
 * ncpus values of value_size bytes each (rounded up to 8 bytes, as in Linux).
 * Return 0 or a negative errno (-ENOENT, -EEXIST, -E2BIG, -EINVAL, ...). */
int bpfvm_map_lookup(bpfvm_map *map, const void *key, void *value);
int bpfvm_map_update(bpfvm_map *map, const void *key, const void *value, uint64_t flags);
int bpfvm_map_delete(bpfvm_map *map, const void *key);
/* Iteration, as Linux's BPF_MAP_GET_NEXT_KEY: key NULL, or a key not in the map,
 * gives the first key; -ENOENT after the last. Arrays go by index; hash maps in
 * an order that depends only on their contents and the VM's seed
 * (bpfvm_vm_set_seed), not on the order keys were inserted or deleted in. */
int bpfvm_map_next_key(bpfvm_map *map, const void *key, void *next_key);
/* Queue/stack maps: push / pop (key is unused). */
int bpfvm_map_push(bpfvm_map *map, const void *value, uint64_t flags);
int bpfvm_map_pop(bpfvm_map *map, void *value);
/* Prog arrays and map-in-map: store a program / map at an index (or key). */
int bpfvm_map_set_prog(bpfvm_map *map, uint32_t index, bpfvm_prog *prog);
int bpfvm_map_set_map(bpfvm_map *map, const void *key, bpfvm_map *inner);
/* Ring buffer: calls fn for each committed record (discarded ones are skipped) and
 * consumes it. Returns the number of records, or a negative errno. */
typedef int (*bpfvm_ringbuf_fn)(void *user, const void *data, size_t size);
int bpfvm_ringbuf_consume(bpfvm_map *map, bpfvm_ringbuf_fn fn, void *user);

/* ---- helpers with prototypes -----------------------------------------------------
 * Every helper has a prototype: the types of its arguments and result, in Linux's
 * terms. The verifier checks calls against it, and in checked mode (unverified
 * programs) the runtime checks pointer arguments against it before the call. */

typedef enum bpfvm_arg_type {
    BPFVM_ARG_NONE = 0,          /* unused argument */
    BPFVM_ARG_ANYTHING,          /* any scalar or pointer */
    BPFVM_ARG_MAP,               /* a map (lddw map_by_fd) */
    BPFVM_ARG_MAP_KEY,           /* pointer to key_size readable bytes of the map argument */
    BPFVM_ARG_MAP_VALUE,         /* pointer to value_size readable bytes */
    BPFVM_ARG_MAP_VALUE_UNINIT,  /* pointer to value_size writable bytes */
    BPFVM_ARG_MEM,               /* pointer to readable memory; size is the next argument */
    BPFVM_ARG_MEM_UNINIT,        /* pointer to writable memory; size is the next argument */
    BPFVM_ARG_MEM_OR_NULL,       /* like MEM, NULL allowed */
    BPFVM_ARG_SIZE,              /* size of the previous MEM argument, > 0 */
    BPFVM_ARG_SIZE_OR_ZERO,      /* size of the previous MEM argument, may be 0 */
    BPFVM_ARG_CTX,               /* the program's context */
    BPFVM_ARG_FUNC,              /* a callback: lddw code_addr of a BPF function */
    BPFVM_ARG_ALLOC_MEM,         /* a record returned by a RET_ALLOC_MEM helper (released) */
    BPFVM_ARG_CONST_STR,         /* pointer to a NUL-terminated read-only string */
    BPFVM_ARG_STACK_OR_NULL,     /* pointer into the stack, or NULL */
} bpfvm_arg_type;

typedef enum bpfvm_ret_type {
    BPFVM_RET_INTEGER = 0,
    BPFVM_RET_VOID,
    BPFVM_RET_MAP_VALUE_OR_NULL, /* pointer to the map argument's value, or NULL */
    BPFVM_RET_ALLOC_MEM_OR_NULL, /* pointer to memory of the size given by the 2nd arg, or NULL;
                                    must be released on every path (ringbuf reserve) */
    BPFVM_RET_NEVER,             /* does not return on success (tail call) */
} bpfvm_ret_type;

typedef struct bpfvm_helper_proto {
    bpfvm_ret_type ret;
    bpfvm_arg_type args[5];
    bool releases_ref;           /* frees its ALLOC_MEM argument (ringbuf submit/discard) */
    bool changes_packet;         /* invalidates packet pointers (xdp_adjust_head, ...) */
    bool gpl_only;
} bpfvm_helper_proto;

/* Registers a helper with its prototype (bpfvm_register_helper registers one with
 * every argument ANYTHING and an INTEGER result). */
int bpfvm_register_helper_proto(bpfvm_vm *vm, uint32_t id, const char *name, bpfvm_helper_fn fn,
                                const bpfvm_helper_proto *proto, bpfvm_error *err);
/* The prototype of helper id, or NULL. */
const bpfvm_helper_proto *bpfvm_helper_get_proto(const bpfvm_vm *vm, uint32_t id);

/* Host hooks used by the standard Linux helpers. */
typedef void (*bpfvm_print_fn)(void *user, const char *text);
/* Output of bpf_trace_printk (default: discarded). */
void bpfvm_vm_set_print(bpfvm_vm *vm, bpfvm_print_fn fn, void *user);
/* Memory bpf_probe_read_kernel/user may read (default: none; reads outside fail
 * with -EFAULT and zero the destination, as in Linux). */
int bpfvm_vm_add_probe_region(bpfvm_vm *vm, const void *start, size_t len, bpfvm_error *err);
/* Seed of bpf_get_prandom_u32 and of the hash function of hash maps created
 * afterwards (default: fixed, so runs and map iteration are reproducible). A host
 * that puts keys from untrusted input into hash maps should set a random seed
 * before creating them, as Linux seeds each map randomly against hash flooding. */
void bpfvm_vm_set_seed(bpfvm_vm *vm, uint64_t seed);
/* Output of bpf_perf_event_output: the record (data, then for packet programs the
 * first bytes of the packet asked for in flags' upper 32 bits), the perf event
 * array and the entry (CPU) it went to. An entry is open once the host stored a
 * CPU number in it (bpfvm_map_update, as libbpf's perf buffer stores the perf
 * event it opened on that CPU); output to an empty entry gives -ENOENT, to an
 * entry of another CPU -EOPNOTSUPP, as in Linux. Default: records are discarded. */
typedef void (*bpfvm_perf_fn)(void *user, bpfvm_map *map, uint32_t index, const void *data, size_t size);
void bpfvm_vm_set_perf_output(bpfvm_vm *vm, bpfvm_perf_fn fn, void *user);

/* ---- program types and contexts --------------------------------------------------
 * Linux numbering (enum bpf_prog_type). Programs loaded from ELF objects get their
 * type from the section name, as libbpf does. XDP, socket filter, tc (sched_cls /
 * sched_act) and raw memory programs can run here; the others load, list and verify. */

const char *bpfvm_prog_type_name(bpfvm_prog_type type);
/* Parses a name ("xdp", "socket", "tc", "kprobe", "mem", ...). -1 when unknown. */
int bpfvm_prog_type_parse(const char *name);
/* The type libbpf gives a SEC() name ("xdp", "kprobe/sys_open", "tc", ...). */
bpfvm_prog_type bpfvm_prog_type_of_section(const char *section);
bpfvm_prog_type bpfvm_prog_get_type(const bpfvm_prog *prog);
/* True when prog can run here: its type has a context bpfvm builds, and it calls
 * no helper, kfunc or map type bpfvm lacks (programs of ELF objects load and list
 * with those; running them fails with this reason, given in why). */
bool bpfvm_prog_can_run(const bpfvm_prog *prog, bpfvm_error *why);
int bpfvm_prog_set_type(bpfvm_prog *prog, bpfvm_prog_type type, bpfvm_error *err);
const char *bpfvm_prog_section(const bpfvm_prog *prog);

/* XDP return codes. */
enum { BPFVM_XDP_ABORTED = 0, BPFVM_XDP_DROP, BPFVM_XDP_PASS, BPFVM_XDP_TX, BPFVM_XDP_REDIRECT };

/* A packet for XDP / socket filter / tc programs, in a buffer with Linux's XDP
 * layout: 256 bytes of headroom before the data and room to grow at the end, so
 * bpf_xdp_adjust_head/tail/meta work as in the kernel. Reusable across runs; one
 * packet per thread. */
typedef struct bpfvm_packet bpfvm_packet;

bpfvm_packet *bpfvm_packet_new(void);
void bpfvm_packet_free(bpfvm_packet *pkt);
/* Copies len bytes in (an Ethernet frame) and resets head/tail/meta. */
int bpfvm_packet_set(bpfvm_packet *pkt, const void *data, size_t len, bpfvm_error *err);
/* The packet as the program left it (after adjust_head/tail and writes). */
const uint8_t *bpfvm_packet_data(const bpfvm_packet *pkt, size_t *len);
/* Metadata the context exposes: interface and queue. */
void bpfvm_packet_set_ifindex(bpfvm_packet *pkt, uint32_t ingress_ifindex, uint32_t rx_queue);

/* Where the last run sent the packet when it returned XDP_REDIRECT or
 * TC_ACT_REDIRECT (as the kernel's test run, bpfvm does not forward it). */
typedef struct bpfvm_redirect {
    const bpfvm_map *map; /* bpf_redirect_map's map; NULL for bpf_redirect */
    uint32_t key;         /* the map's key (devmap/xskmap index, cpumap CPU) */
    uint32_t ifindex;     /* bpf_redirect's interface, or the devmap entry's */
    uint64_t flags;       /* the helper's flags (BPF_F_BROADCAST, BPF_F_INGRESS, ...) */
} bpfvm_redirect;
/* False when the last run did not redirect (a later helper call that failed
 * clears an earlier target, as in Linux). */
bool bpfvm_packet_redirect(const bpfvm_packet *pkt, bpfvm_redirect *out);

/* Runs an XDP, socket filter or tc program on the packet, with the context its type
 * defines (struct xdp_md or struct __sk_buff). *ret is the program's return value
 * (an XDP action; bytes to keep for socket filters; a TC action). Socket filters
 * see the packet from its network header, as the kernel's BPF_PROG_TEST_RUN does. */
int bpfvm_run_packet(bpfvm_prog *prog, bpfvm_packet *pkt, const bpfvm_run_opts *opts,
                     uint64_t *ret, bpfvm_error *err);

/* ---- ELF objects ---------------------------------------------------------------------
 * Objects built by `clang -target bpf` against libbpf's bpf_helpers.h: programs in
 * SEC() sections (several per section), subprograms and bpf-to-bpf calls, maps in
 * `.maps` (BTF) and `maps` (legacy), global data (.data, .rodata, .bss, ...) as
 * single-entry array maps, the license, and BTF line info. Opening an object creates
 * its maps in the VM and loads (validates) every program with the type its section
 * name gives. What bpfvm lacks does not stop an object from loading and listing:
 * a map of a type it does not implement is created empty (host operations fail with
 * -EOPNOTSUPP), and a program that uses it, or calls an unknown helper, a kfunc or a
 * kconfig/ksym extern, loads but cannot run (bpfvm_prog_can_run says why).
 * The programs belong to the object: free them with bpfvm_obj_free. */

typedef struct bpfvm_obj bpfvm_obj;

int bpfvm_obj_open(bpfvm_vm *vm, const char *path, unsigned ext, bpfvm_obj **out, bpfvm_error *err);
/* Same from memory; name is used in messages. */
int bpfvm_obj_open_mem(bpfvm_vm *vm, const void *data, size_t len, const char *name, unsigned ext,
                       bpfvm_obj **out, bpfvm_error *err);
void bpfvm_obj_free(bpfvm_obj *obj);

const char *bpfvm_obj_name(const bpfvm_obj *obj);
bpfvm_vm *bpfvm_obj_vm(const bpfvm_obj *obj);
const char *bpfvm_obj_license(const bpfvm_obj *obj);
size_t bpfvm_obj_prog_count(const bpfvm_obj *obj);
bpfvm_prog *bpfvm_obj_prog(const bpfvm_obj *obj, size_t index);
/* A program by function name, or the first program of a section. */
bpfvm_prog *bpfvm_obj_find_prog(const bpfvm_obj *obj, const char *name);
size_t bpfvm_obj_map_count(const bpfvm_obj *obj);
bpfvm_map *bpfvm_obj_map(const bpfvm_obj *obj, size_t index);

/* The C source position of instruction insn, from BTF line info: false when the
 * object had none. src is the source line's text (may be NULL). */
bool bpfvm_prog_line(const bpfvm_prog *prog, long insn, const char **file, int *line, int *col,
                     const char **src);

/* Prints a map's key or value as its C type (BTF), e.g. "(struct stats){.pkts = 3,}";
 * falls back to hex bytes without BTF. Returns the length written. */
size_t bpfvm_map_format(const bpfvm_map *map, bool key, const void *data, char *buf, size_t size);

/* ---- the verifier --------------------------------------------------------------------
 * Proves, before a program runs, that it terminates, touches only memory it may
 * touch and calls helpers correctly — for its program type, its maps and helpers,
 * as the Linux verifier does. A verified program runs without run-time checks. */

typedef void (*bpfvm_log_fn)(void *user, const char *line);

typedef struct bpfvm_verify_opts {
    bpfvm_prog_type type;    /* 0: the program's own type */
    bool unprivileged;       /* also refuse pointer leaks, pointer comparisons, ... */
    bool strict_alignment;   /* require naturally aligned accesses */
    int log_level;           /* 0: none; 1: the state at a rejection; 2: the whole walk */
    bpfvm_log_fn log;        /* receives the log line by line (may be NULL) */
    void *log_user;
    uint32_t mem_size;       /* BPFVM_PROG_MEM: size of the memory block r1 points to */
} bpfvm_verify_opts;

typedef struct bpfvm_verify_stats {
    uint64_t insns_processed;  /* instructions checked over all paths (Linux's "processed") */
    uint32_t states;           /* states stored for pruning */
    uint32_t peak_states;      /* most states held at once (stored + pending) */
    uint32_t passes;           /* walks (a walk repeats when it learns a precision need) */
    uint64_t time_ns;
    size_t peak_bytes;         /* most memory held by states at once */
    uint32_t stack_depth;      /* deepest combined stack of any call chain, in bytes */
} bpfvm_verify_stats;

/* Verifies prog. On success the program's memory accesses are marked proven and
 * later runs skip their checks. On rejection, err names the instruction, the
 * source line (BTF line info) and the reason; the log has the register state. */
int bpfvm_verify(bpfvm_prog *prog, const bpfvm_verify_opts *opts, bpfvm_verify_stats *stats,
                 bpfvm_error *err);
/* True once bpfvm_verify accepted the program. */
bool bpfvm_prog_verified(const bpfvm_prog *prog);

/* ---- assembler / disassembler -------------------------------------------------- */

typedef enum bpfvm_syntax {
    BPFVM_SYNTAX_AUTO = 0,  /* assembler: detect per file; disassembler: LLVM */
    BPFVM_SYNTAX_UBPF = 1,  /* the conformance suite's dialect: mov %r0, 1 */
    BPFVM_SYNTAX_LLVM = 2,  /* as llvm-objdump -d prints: r0 = 1 */
} bpfvm_syntax;

/* Assembles text into bytecode. On success *out is malloc'ed (free() it) and *len
 * its size in bytes. Errors name the line: "line 3: unknown mnemonic 'ldxq'". */
int bpfvm_asm(const char *text, bpfvm_syntax syntax, unsigned ext, uint8_t **out, size_t *len,
              bpfvm_error *err);

/* Disassembles the instruction at slot `idx` of `code` (n slots) into buf.
 * Returns the number of slots it used (1, or 2 for lddw), or a negative status.
 * Jump targets are printed as relative offsets (+3) so text reassembles to the
 * same bytes. */
int bpfvm_disasm_insn(const void *code, size_t n, size_t idx, bpfvm_syntax syntax,
                      unsigned ext, char *buf, size_t bufsz);

/* Disassembles a whole program, one instruction per line, into a malloc'ed string. */
char *bpfvm_disasm(const void *code, size_t n, bpfvm_syntax syntax, unsigned ext);

#ifdef __cplusplus
}
#endif
#endif
