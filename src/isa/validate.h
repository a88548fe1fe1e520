/* validate.h — decoding raw bytecode into rows of the ISA table, with the
 * host-independent checks (see validate.c), and the function boundaries.
 */
#ifndef BPFVM_VALIDATE_H
#define BPFVM_VALIDATE_H

#include "common.h"
#include "isa.h"

typedef struct isa_prog_info {
    uint16_t *rows;        /* row id of each slot; ISA_LDDW_HI for lddw's second slot */
    uint32_t *func_start;  /* sorted first slots of the functions; [0] == 0 */
    uint32_t nfuncs;
} isa_prog_info;

int isa_validate(const isa_insn *insns, uint32_t n, unsigned ext, isa_prog_info *out,
                 bpfvm_error *err);
void isa_prog_info_free(isa_prog_info *info);
uint32_t isa_func_of(const isa_prog_info *info, uint32_t i);
/* Target slot of a jump, local call or lddw code_addr at slot i; -1 if none. */
int64_t isa_target(const isa_insn *in, const isa_row *r, uint32_t i);

#endif
