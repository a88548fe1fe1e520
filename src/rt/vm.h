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
} helper_entry;

struct bpfvm_vm {
    helper_entry *helpers;  /* indexed by helper id */
    uint32_t nhelpers;      /* capacity of helpers[] */
};

#define BPFVM_MAX_HELPER_ID 65535u

struct interp_code;
struct jit_code;

/* Per-instruction facts proven by the verifier (prog->facts[i]). */
enum {
    FACT_MEM_SAFE = 1, /* this load/store/atomic is proven in bounds: no run-time check */
};

struct bpfvm_prog {
    bpfvm_vm *vm;
    isa_insn *insns;
    uint32_t n;
    unsigned ext;
    char *name;
    isa_prog_info info;
    struct interp_code *interp; /* decoded form for the interpreter */
    uint8_t *facts;             /* per slot FACT_* bits from the verifier; NULL = unverified */
    bool jit_blind;             /* constant blinding requested at load */
    pthread_mutex_t lock;       /* guards the lazy JIT compile */
    struct jit_code *jit;       /* machine code, built on first JIT run or bpfvm_prog_jit */
    int jit_status;             /* 0 not tried, 1 compiled, < 0 the error it gave */
    bpfvm_error jit_err;
};

/* Helper lookup; NULL when id is not registered. */
static inline bpfvm_helper_fn vm_helper(const bpfvm_vm *vm, uint64_t id)
{
    return id < vm->nhelpers ? vm->helpers[id].fn : NULL;
}

/* The state of one run, visible to helpers as bpfvm_call. Lives on the C stack of
 * the run function, so concurrent runs of one program share nothing. */
struct bpfvm_call {
    const bpfvm_prog *prog;
    void *user;
    uint64_t stack_lo, stack_hi;   /* whole stack area: all frames */
    uint64_t mem_lo, mem_len;      /* memory block (r1, r2) */
    const bpfvm_region *regions;
    size_t nregions;
    const uint8_t *pkt;            /* legacy packet loads */
    uint64_t pkt_len;
    int64_t budget;                /* remaining steps */
    uint64_t may_goto_left;
    bpfvm_trace_fn trace;
    void *trace_user;
    bool failed;                   /* set by bpfvm_call_fail */
    char fail_msg[256];
};


#endif
