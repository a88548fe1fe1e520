/* linux_bounds.h — a model of the Linux verifier's scalar bounds tracking, used by
 * test_domain_sound.c as a precision baseline: bpfvm's domain must never know less
 * than this model after the same operation. See linux_bounds.c for what it covers.
 */
#ifndef BPFVM_TEST_LINUX_BOUNDS_H
#define BPFVM_TEST_LINUX_BOUNDS_H

#include "verify/domain.h"

/* reg_bounds_sync */
void lx_sync(scalar *r);
/* adjust_scalar_min_max_vals (+ zext for ALU32, + reg_bounds_sync); false when Linux
 * does not track the operation (the result is then unknown). */
bool lx_alu(scalar_op op, scalar *dst, const scalar *src, bool is32);
/* is_scalar_branch_taken: 1, 0 or -1 */
int lx_branch_taken(scalar_cond op, const scalar *a, const scalar *b, bool is32);
/* regs_refine_cond_op for the given outcome, then reg_bounds_sync on both */
void lx_refine(scalar_cond op, bool taken, scalar *a, scalar *b, bool is32);

#endif
