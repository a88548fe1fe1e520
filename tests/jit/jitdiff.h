/* jitdiff.h — runs one program in the interpreter and in the JIT and compares
 * everything observable: success or error (code, instruction, message), r0, and
 * the memory block after the run. Shared by the differential batch
 * (test_jit_diff.c) and the libFuzzer target (fuzz_jit.c).
 *
 * Addresses of the stack differ between two runs, so messages are compared with
 * stack addresses rewritten as offsets from the stack's base (learnt by a probe run
 * through the same call path just before); a program whose
 * results depend on where the stack is (it computes with r10 itself) is detected
 * by running each engine again with the stack elsewhere, and is not counted
 * (JITDIFF_DEBUG=1 in the environment prints the runs of such a program).
 */
#ifndef BPFVM_TESTS_JITDIFF_H
#define BPFVM_TESTS_JITDIFF_H

#include "bpfvm.h"
#include "exec/jit.h"
#include "isa/isa.h"

#include <stddef.h>
#include <stdint.h>

typedef struct jd_outcome {
    int rc;             /* 0 or -status */
    long insn;          /* error's instruction */
    uint64_t r0;
    char msg[512];      /* normalized error message */
    uint8_t *mem;       /* the block after the run (mem_len bytes, malloc'ed) */
} jd_outcome;

typedef struct jd_ctx {
    bpfvm_vm *vm;         /* with the gen helpers registered */
    unsigned ext;
    bool blind;           /* load with constant blinding */
    jit_opts jo;          /* JIT options (no BMI2, long jumps) */
    uint64_t budget;      /* step budget of every run */
    const uint8_t *mem0;  /* the block's initial contents */
    size_t mem_len;
    uint8_t *mem;         /* the block the runs get: always this address */
    bpfvm_prog *probe;    /* `r0 = r10; exit`: where a run's stack is (made on first use) */
    bool verify;          /* run bpfvm_verify first (mem_size = mem_len); JD_REJECTED if it refuses */
} jd_ctx;

enum { JD_AGREE, JD_DISAGREE, JD_ADDR_DEPENDENT, JD_INVALID, JD_REJECTED };

/* Loads and runs p in both engines. JD_INVALID when it does not load (why says
 * why); JD_DISAGREE fills why with both outcomes. *interp (optional) gets the
 * interpreter's outcome (free its mem with jd_outcome_free). */
int jd_compare(jd_ctx *d, const isa_insn *p, size_t n, jd_outcome *interp, char *why, size_t whysz);
void jd_outcome_free(jd_outcome *o);

/* Rewrites the addresses near the stack [stack_lo, +4096) of a fault message as
 * "stack+0x..". */
void jd_normalize(char *msg, uint64_t stack_lo);
/* Frees what jd_compare set up in d (the probe). */
void jd_ctx_free(jd_ctx *d);

#endif
