/* interp.h — the interpreter engine: build its decoded form from a validated
 * program, run it in checked mode. */
#ifndef BPFVM_INTERP_H
#define BPFVM_INTERP_H

#include "rt/vm.h"

int interp_build(bpfvm_prog *p, bpfvm_error *err);
void interp_free(struct interp_code *ic);
/* The immediate of slot i as interp_build decoded it: lddw's resolved 64-bit value,
 * a helper call's function pointer, ... The JIT takes these values from here so
 * that both engines always use the same ones. */
uint64_t interp_imm(const bpfvm_prog *p, uint32_t i);
/* Runs p with r1..r5 = args. c must be filled except its stack bounds. */
int interp_run(const bpfvm_prog *p, struct bpfvm_call *c, const uint64_t args[5], uint64_t *r0,
               bpfvm_error *err);

#endif
