/* interp.h — the interpreter engine: build its decoded form from a validated
 * program, run it in checked mode. */
#ifndef BPFVM_INTERP_H
#define BPFVM_INTERP_H

#include "rt/vm.h"

int interp_build(bpfvm_prog *p, bpfvm_error *err);
void interp_free(struct interp_code *ic);
/* Runs p with r1..r5 = args. c must be filled except its stack bounds. */
int interp_run(const bpfvm_prog *p, struct bpfvm_call *c, const uint64_t args[5], uint64_t *r0,
               bpfvm_error *err);

#endif
