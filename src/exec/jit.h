/* jit.h — the x86-64 JIT engine: compile a validated program to machine code once
 * (under prog->lock), run it with the same bpfvm_call as the interpreter and the
 * same results, faults and messages. */
#ifndef BPFVM_JIT_H
#define BPFVM_JIT_H

#include "rt/vm.h"

struct jit_code;

/* True when this build and host can JIT (x86-64). */
bool jit_available(void);
/* Compiles p into p->jit. Called once, with p->lock held. */
int jit_compile(bpfvm_prog *p, bpfvm_error *err);
void jit_free(struct jit_code *jc);
/* Runs p->jit with r1..r5 = args. c is filled as for interp_run (stack bounds are
 * the engine's to set). */
int jit_run(const bpfvm_prog *p, struct bpfvm_call *c, const uint64_t args[5], uint64_t *r0,
            bpfvm_error *err);
/* Generated code and, per BPF slot, the offset of its first byte (n+1 entries, the
 * last being the code size); for jit-dump. */
void jit_code_info(const struct jit_code *jc, const uint8_t **code, size_t *size,
                   const uint32_t **insn_offsets, uint64_t *compile_ns);

/* ---- for tests and tools ---- */

typedef struct jit_opts {
    bool no_bmi2;    /* variable shifts through cl, as on CPUs without BMI2 */
    bool long_jumps; /* every forward jump in its rel32 form */
    bool no_budget;  /* no step budget charges (the variant runs without a budget use) */
    bool no_fuse;    /* keep `if c goto +1; goto L` as two jumps (for comparisons) */
} jit_opts;

/* jit_compile with options (NULL = defaults). */
int jit_compile_opts(bpfvm_prog *p, const jit_opts *o, bpfvm_error *err);
/* Like bpfvm_prog_jit (once, under prog->lock), with options. */
int jit_prog_compile(bpfvm_prog *p, const jit_opts *o, bpfvm_error *err);

typedef struct jit_stats {
    unsigned attempts;   /* 2 when short jumps had to be redone as long ones */
    bool bound_miss;     /* some instruction outgrew its size bound (a bug) */
    size_t out_of_line;  /* bytes before insn_offsets[0]: entry, exits, stubs */
    size_t body;         /* bytes of the per-instruction code */
} jit_stats;
void jit_get_stats(const struct jit_code *jc, jit_stats *st);

#endif
