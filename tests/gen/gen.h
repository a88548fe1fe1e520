/* gen.h — random BPF programs driven by the ISA table, for differential testing of
 * the engines (interpreter, JIT, Linux kernel) and, later, the verifier's soundness
 * fuzzing. Every row of isa.def that the options allow can appear, with every
 * register, loads/stores/atomics on the stack and the memory block, forward jumps,
 * bounded backward jumps (counted loops), local calls, helper calls and callbacks.
 * Generation is deterministic in (options, seed).
 *
 * Two flavours:
 *  - wild (default): anything valid, including accesses out of bounds or misaligned,
 *    runaway loops, recursion, failing helpers: the engines must fail alike;
 *  - kernel: what the Linux verifier accepts (typed registers, bounded loops, no
 *    helpers, packet loads or extensions), to compare with BPF_PROG_TEST_RUN.
 */
#ifndef BPFVM_TESTS_GEN_H
#define BPFVM_TESTS_GEN_H

#include "bpfvm.h"
#include "isa/isa.h"

#include <stdio.h>

/* Helpers the wild programs call (gen_register_helpers), plus bpf_loop (181). */
enum {
    GEN_H_MIX = 1000,  /* a hash of r1..r5 */
    GEN_H_FAIL,        /* fails the program when (r1 & 0xff) == 0x2a, else r1 + 1 */
    GEN_H_MEMSUM,      /* sum of the r2 & 63 bytes at r1 if the program may read them, else -1 */
    GEN_H_STORE,       /* stores r2 at r1 (8 bytes) if the program may write there; 0/1 */
    GEN_H_LOOP = 181,  /* Linux's bpf_loop, from bpfvm's standard helpers */
};

typedef struct gen_opts {
    unsigned ext;        /* BPFVM_EXT_* rows that may appear (callx, acqrel, may_goto) */
    bool kernel;         /* only programs the Linux verifier accepts (see above) */
    bool helpers;        /* wild: calls of the GEN_H_* helpers and bpf_loop callbacks */
    bool packet;         /* wild: legacy packet loads */
    uint32_t size;       /* instructions of straight code in the main function (default 40) */
    uint32_t mem_len;    /* bytes of the memory block the program gets (>= 16; default 64) */
    uint32_t *coverage;  /* optional: ISA_NROWS counters of the rows emitted */
} gen_opts;

/* A program: *out is malloc'ed, *n slots. Returns 0 (it always validates with o->ext). */
int gen_program(const gen_opts *o, uint64_t seed, isa_insn **out, size_t *n);

/* Registers the GEN_H_* helpers. Returns 0 or a bpfvm status. */
int gen_register_helpers(bpfvm_vm *vm);

/* Deterministic pseudo-random bytes. */
void gen_fill(uint64_t seed, void *buf, size_t len);

/* Rows gen_program can emit with these options (for coverage checks). */
bool gen_row_possible(const gen_opts *o, isa_id id);

/* Shrinks a failing program: replaces instructions by no-ops and removes them while
 * still_fails() holds (it must also hold for the input). Returns the new length;
 * p is rewritten in place. */
typedef bool (*gen_pred)(const isa_insn *p, size_t n, void *user);
size_t gen_shrink(isa_insn *p, size_t n, gen_pred still_fails, void *user);

/* Prints a program as LLVM assembly and as hex, to paste into `bpfvm run`. */
void gen_print(FILE *f, const isa_insn *p, size_t n, unsigned ext);

#endif
