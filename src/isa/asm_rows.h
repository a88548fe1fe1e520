/* asm_rows.h — shared between the assembler and the disassembler: how the text
 * of both dialects names rows, derived from the ISA table alone (no opcodes here).
 */
#ifndef BPFVM_ASM_ROWS_H
#define BPFVM_ASM_ROWS_H

#include "isa.h"

#include <string.h>

/* Atomic rows written "atomic_fetch_<op>" in LLVM syntax and "lock fetch <op>" in
 * the uBPF dialect. xchg and cmpxchg always fetch and have their own names. */
static inline bool asm_is_fetch_form(const isa_row *r)
{
    return r->shape == SH_ATOMIC && strncmp(r->llvm, "atomic_fetch_", 13) == 0;
}

/* The LLVM access-type name of a memory row's width: u8/u16/u32/u64. */
static inline const char *asm_utype(unsigned size)
{
    switch (size) {
    case 1: return "u8";
    case 2: return "u16";
    case 4: return "u32";
    default: return "u64";
    }
}

#endif
