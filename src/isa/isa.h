/* isa.h — the instruction set as data: row ids, operand rules and the lookup from
 * an encoded instruction to its row. Generated from isa.def; every module that
 * needs to know what an instruction is goes through here.
 * Invariant: isa_rows[id].id == id, and isa_find() is the only decoder of opcodes.
 */
#ifndef BPFVM_ISA_H
#define BPFVM_ISA_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* The raw 64-bit instruction slot, little-endian layout (RFC 9669 §3). */
typedef struct isa_insn {
    uint8_t op;
    uint8_t dst : 4;
    uint8_t src : 4;
    int16_t off;
    int32_t imm;
} isa_insn;

typedef enum isa_id {
#define ROW(id, ...) ISA_##id,
#include "isa.def"
#undef ROW
    ISA_NROWS,
    ISA_NONE = 0xffff
} isa_id;

typedef enum { K_NONE, K_SRC, K_OFF, K_IMM } isa_key;
typedef enum { D_ZERO, D_R, D_W, D_RW } isa_dst_rule;
typedef enum { S_ZERO, S_R, S_RW, S_KEY } isa_src_rule;
typedef enum { O_ZERO, O_MEM, O_JMP, O_KEY } isa_off_rule;
typedef enum { I_ZERO, I_ANY, I_KEY, I_JMP, I_CALL, I_ID } isa_imm_rule;

typedef enum {
    SH_ALU_K, SH_ALU_X, SH_NEG, SH_MOVSX, SH_END,
    SH_JA, SH_JCOND_K, SH_JCOND_X, SH_CALL, SH_CALLX, SH_EXIT,
    SH_LDDW, SH_LDDW_HI, SH_LDABS, SH_LDIND,
    SH_LDX, SH_ST, SH_STX, SH_ATOMIC, SH_LDACQ, SH_STREL
} isa_shape;

/* Conformance groups. The first seven are RFC 9669's; X_* are non-RFC extensions
 * and are only decoded when the matching BPFVM_EXT_* flag is given. */
typedef enum {
    G_BASE32, G_BASE64, G_ATOMIC32, G_ATOMIC64, G_DIVMUL32, G_DIVMUL64, G_PACKET,
    X_CALLX, X_ACQREL, X_MAYGOTO,
    ISA_NGROUPS
} isa_group;
#define ISA_FIRST_EXT X_CALLX

typedef struct isa_row {
    uint16_t id;
    uint8_t opcode;
    uint8_t key;       /* isa_key */
    int32_t kv;        /* key value */
    uint8_t dst, src, off, imm; /* operand rules */
    uint8_t shape;
    uint8_t group;
    uint8_t cpu;
    uint8_t size;
    const char *name;  /* row id as text, e.g. "ADD32_K" */
    const char *ubpf;
    const char *llvm;
} isa_row;

extern const isa_row isa_rows[ISA_NROWS];
extern const char *const isa_group_names[ISA_NGROUPS];

/* Finds the row of an encoded instruction. Returns ISA_NONE when the opcode is
 * unknown or no row of that opcode matches the key field. `ext` is a mask of
 * (1u << X_*) extension groups that may be decoded. LDDW_HI is never returned:
 * the second slot of lddw is not an instruction of its own. */
isa_id isa_find(const isa_insn *in, unsigned ext);

/* True when some row (with any extension) has this opcode. */
bool isa_opcode_known(uint8_t opcode);

/* Encodes the fields of a row into an instruction; the key field is set from kv. */
isa_insn isa_make(isa_id id, int dst, int src, int16_t off, int32_t imm);

static inline bool isa_is_ext(const isa_row *r) { return r->group >= ISA_FIRST_EXT; }
/* ALU/JMP rows whose operands are 32-bit (ALU class and JMP32 class). */
static inline bool isa_is32(const isa_row *r) { return r->size == 4 && r->shape <= SH_JCOND_X; }
static inline bool isa_is_wide(const isa_row *r) { return r->shape == SH_LDDW; }
static inline bool isa_writes_dst(const isa_row *r) { return r->dst == D_W || r->dst == D_RW; }
/* The atomic compare-and-exchange rows: they also read and write r0. */
static inline bool isa_is_cmpxchg(const isa_row *r) { return r->id == ISA_ACMPXCHG32 || r->id == ISA_ACMPXCHG64; }
static inline bool isa_is_cond_jump(const isa_row *r) { return r->shape == SH_JCOND_K || r->shape == SH_JCOND_X; }

/* Width prefix of a register operand in LLVM syntax for this row: 'w' or 'r'. */
static inline char isa_llvm_reg(const isa_row *r) { return isa_is32(r) ? 'w' : 'r'; }

#endif
