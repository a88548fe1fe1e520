/* kpatch.h — inserting instructions into a BPF program while keeping every relative
 * jump, call and code reference pointing at the same original instruction. Used by
 * kdiff to wrap a program in a prologue/epilogue; pure computation, no kernel.
 * Instructions are classified only through the ISA table (isa_find()).
 */
#ifndef BPFVM_TESTS_KPATCH_H
#define BPFVM_TESTS_KPATCH_H

#include "isa/isa.h"

#include <stddef.h>

/* `n` slots of `code` go right before original slot `at` (0 <= at <= program
 * length; at == length appends). Inserted code is copied verbatim: its own
 * relative offsets must stay within the block. A reference to original slot `at`
 * keeps pointing at that slot, i.e. lands after the inserted block. */
typedef struct kpatch_insert {
    size_t at;
    const isa_insn *code;
    size_t n;
} kpatch_insert;

/* All extension groups: a patcher must see every encoding that carries an offset. */
#define KPATCH_ALL_EXT ((1u << ISA_NGROUPS) - 1u)

/* The original slot targeted by the reference held at slot i (its 2-slot lddw's
 * first slot for code references), or false when the slot holds no relative
 * reference. The target may lie outside [0, n). */
bool kpatch_target(const isa_insn *prog, size_t n, size_t i, long long *target);

/* Applies `ins` (sorted by `at`; equal `at` keep their order) to prog[0..n) into a
 * malloc'd *out of *out_n slots. When pos is not NULL it receives n + 1 entries:
 * pos[i] = new index of original slot i, pos[n] = *out_n. References that pointed
 * outside the program still point outside it by the same distance past the end
 * (or before the start), so a verifier rejects them alike.
 * Returns 0, or -1 with msg filled (unsorted or out-of-range insertion, insertion
 * inside a 2-slot lddw, an offset that no longer fits its field, out of memory). */
int kpatch_apply(const isa_insn *prog, size_t n, const kpatch_insert *ins, size_t n_ins,
                 isa_insn **out, size_t *out_n, size_t *pos, char *msg, size_t msgsz);

/* Slots taken by the instruction at prog[i]: 2 for a complete lddw, else 1. */
size_t kpatch_width(const isa_insn *prog, size_t n, size_t i);

#endif
