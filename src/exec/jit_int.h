/* jit_int.h — what the JIT's driver (jit.c) and its per-row emitters (jit_emit.c)
 * share: the run-time state the generated code reads through r12, the register
 * mapping, the compile context with its two code buffers and fixups.
 *
 * Code layout: [cold: entry, exits, shared trampolines, out-of-line stubs][body:
 * one block per BPF slot, in program order]. The two are emitted into separate
 * buffers and joined at the end; references between them are rel32 fixups.
 * Register mapping (whole program): r0 rax, r1 rdi, r2 rsi, r3 rdx, r4 rcx, r5 r8,
 * r6 rbx, r7 r13, r8 r14, r9 r15, r10 rbp; r12 = the jit_state, r10 = the step
 * budget, r9 and r11 scratch. Helper arguments r1..r5 are thus already where the
 * SysV ABI wants them, and the bpfvm_call goes in r9.
 * Body invariant: rsp ≡ 0 (mod 16) in every function body.
 * Entries: the program entry, and the callback entry helpers like bpf_loop use
 * (through bpfvm_call.call_fn) to run one function one frame below; both share the
 * exits. A program with helper calls saves and zeroes all of r6–r9's registers, so a
 * tail call (which keeps the registers) can jump into any other program's code.
 */
#ifndef BPFVM_JIT_INT_H
#define BPFVM_JIT_INT_H

#include "exec/jit.h"
#include "exec/jit_x86.h"

#include <stddef.h>

/* The per-run state, on jit_run's C stack; the generated code holds it in r12.
 * The hot fields are within a disp8 of it. */
typedef struct jit_state {
    uint64_t stack_lo;       /* 0   whole stack area (all frames) */
    uint64_t stk2mem;        /* 8   stack_lo - mem_lo */
    uint64_t mem_lo;         /* 16  memory block */
    uint64_t mem_lim[4];     /* 24  valid start offsets in the block for sizes 1, 2, 4, 8 */
    uint64_t depth_lim;      /* 56  a local call faults when r10 <= this (8 frames in use) */
    struct bpfvm_call *call; /* 64 */
    uint64_t may_goto_left;  /* 72 */
    uint64_t rsp0;           /* 80  rsp before the call of the main function (fault unwinding) */
    int64_t budget;          /* 88  in and out */
    uint64_t r0;             /* 96  out */
    uint64_t stack_hi;       /* 104 */
    const uint8_t *pkt;      /* 112 legacy packet loads */
    uint64_t pkt_len;        /* 120 */
    const bpfvm_vm *vm;      /* 128 callx: the running program's VM */
    uint32_t fault;          /* 136 kind << 24 | instruction */
    uint32_t fault_aux;      /* 140 memory faults: size | write << 4 */
    uint64_t fault_val;      /* 144 address, or the callx id */
    const uint8_t *epilogue; /* 152 where faults leave: the epilogue of the entry that ran
                                (a tail-called program's faults leave through its caller's) */
    bool unlimited;          /* no step budget: the code variant without charges runs */
} jit_state;

#define ST_OFF(f) ((int32_t)offsetof(jit_state, f))

enum jit_fault_kind {
    JF_MEM = 1, JF_MISALIGNED, JF_BUDGET, JF_DEPTH, JF_HELPER, JF_CALLX, JF_KFUNC, JF_TAILDEPTH,
};
#define JF_CODE(kind, insn) ((uint32_t)(kind) << 24 | (uint32_t)(insn))

/* x86 register of each BPF register, and the JIT's own. */
extern const uint8_t jit_reg[11];
#define RSTATE R12
#define RBUDGET R10

/* A reference to fix once positions are final. */
typedef struct jit_fix {
    uint32_t pos;      /* offset of the rel field in its buffer */
    uint32_t target;   /* slot (jumps), or offset in the target buffer */
    uint8_t kind;      /* JX_* */
    uint8_t size;      /* 1 or 4 */
} jit_fix;

enum {
    JX_SLOT,      /* body -> body slot `target` (forward) */
    JX_B2C,       /* body -> cold offset */
    JX_C2B,       /* cold -> body offset */
    JX_C2SLOT,    /* cold -> body slot */
};

/* Labels in the cold header. */
enum {
    JL_ENTRY, JL_CB_ENTRY, JL_NORMAL_EXIT, JL_EPILOGUE, JL_FAULT, JL_FAULT_RECORDED, JL_UNWIND,
    JL_PKT_ABORT, JL_MEM_SLOW, JL_GROUP_SLOW, JL_PENDING, JL_COUNT
};

typedef struct jit_buf {
    uint8_t *base;
    size_t len, cap;
} jit_buf;

/* What jit_prove found per slot. */
enum {
    LOC_SAFE = 1,   /* in the current frame through r10 + a known range: no check */
    LOC_LEAD = 2,   /* first load of a group: checks the group's union */
    LOC_MEMBER = 4, /* later load of a group: checked by its lead */
    LOC_TARGET = 8, /* execution may arrive here other than from the slot before */
    LOC_FUSE = 16,  /* `if c goto +1; goto L` here: one `if !c goto L` (see jit_prove.c) */
    LOC_DST01 = 32, /* a multiply whose dst is 0 or 1 here: `neg dst; and dst, src` */
    LOC_SRC01 = 64, /* a multiply whose src register is 0 or 1: `dst &= -src` */
};

/* Loads of one base register in a basic block sharing one check. */
typedef struct jit_group {
    int32_t lo;         /* union [base + lo, base + lo + size) */
    uint8_t size, n;
    int16_t off[8];
    uint8_t msize[8];
    uint32_t insn[8];   /* in program order; [0] is the lead */
} jit_group;

/* Largest code one BPF instruction may emit into either buffer (checked before each). */
#define JIT_INSN_SLACK 512

typedef struct jit_ctx {
    const bpfvm_prog *p;
    jit_buf body, cold;
    uint8_t *bp, *cp;          /* cursors while emitting */
    uint32_t *offs;            /* body offset of each slot, n + 1 */
    uint32_t *bound;           /* prefix sums of per-slot size bounds, n + 1 */
    jit_fix *fix;
    size_t nfix, capfix;
    uint32_t label[JL_COUNT];  /* cold offsets */
    bool bmi2;
    bool all_long;             /* forward jumps all rel32 (retry after a bound miss) */
    bool bound_miss;           /* an instruction outgrew its bound */
    bool blind;
    bool no_budget;            /* the variant for runs without a step budget */
    bool no_fuse;              /* jit_opts.no_fuse */
    bool nomem;
    bool has_ldabs;            /* legacy packet loads: the abort exit is needed */
    bool has_helpers;          /* helper calls: save all, pending handler, callbacks */
    bool has_checks;           /* some access is checked in C out of line */
    uint64_t rnd;              /* blinding */
    uint16_t used;             /* BPF registers the program names (bit per register) */
    uint16_t written;          /* BPF registers the program writes */
    uint8_t *loc;              /* LOC_* per slot (jit_prove) */
    jit_group *groups;
    size_t ngroups, next_group;
    uint8_t kind[11];          /* guess per register: 1 = points into the memory block */
    uint8_t spill_kind[64];    /* the same for the 8-byte slots r10-8 .. r10-512 */
    uint32_t cur;              /* slot being emitted */
    uint32_t fused;            /* a goto emitted with the conditional jump before it (no code) */
} jit_ctx;

/* Emitter of one row: emits slot i. */
typedef void (*jit_emit_fn)(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int arg);
typedef struct jit_emitter {
    jit_emit_fn fn;
    int arg;
} jit_emitter;

extern const jit_emitter jit_emitters[ISA_NROWS];

/* Fills J->loc and J->groups. Returns 0 or -1 (out of memory). */
int jit_prove(jit_ctx *J);

/* Upper bound of the body bytes slot i emits (drives short forward jumps and sizes
 * the mapping), and of its out-of-line bytes. */
uint32_t jit_bound(const jit_ctx *J, uint32_t i);
uint32_t jit_cold_bound(const jit_ctx *J, uint32_t i);
/* True when the access at slot i needs no run-time check: inside the current
 * frame through r10, or proven by the verifier (FACT_MEM_SAFE). */
bool jit_mem_proven(const jit_ctx *J, uint32_t i, int breg, int32_t off, unsigned size);

/* ---- helpers shared by the emitters (jit.c) ---- */
void jit_fixup(jit_ctx *J, uint8_t kind, uint32_t pos, uint32_t target, uint8_t size);
/* Body: jump (cc < 0: jmp) to slot t from the current position. */
void jit_jump_slot(jit_ctx *J, int cc, uint32_t t);
/* Body: jcc/jmp rel32 to a cold offset. */
void jit_jump_cold(jit_ctx *J, int cc, uint32_t cold_off);
/* Cold: jcc/jmp rel32 to a body offset. */
void jit_cold_jump_body(jit_ctx *J, int cc, uint32_t body_off);
/* Cold: jmp/call rel32 to a cold label. */
void jit_cold_jump_label(jit_ctx *J, uint8_t op, int label);
/* Emits a cold stub `mov r9d, code; jmp fault` and returns its offset. */
uint32_t jit_cold_fault(jit_ctx *J, uint32_t code);
static inline uint32_t jit_body_pos(const jit_ctx *J) { return (uint32_t)(J->bp - J->body.base); }
static inline uint32_t jit_cold_pos(const jit_ctx *J) { return (uint32_t)(J->cp - J->cold.base); }
/* Next blinding key. */
uint32_t jit_rand(jit_ctx *J);

#endif
