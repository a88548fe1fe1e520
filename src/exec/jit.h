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

#endif
