/* isa.c — the ISA table expanded into data, and the opcode → row lookup.
 * The per-opcode index is built once (pthread_once) from the table and is
 * read-only afterwards, so lookups are safe from any thread.
 */
#include "isa.h"

#include <pthread.h>
#include <string.h>

const isa_row isa_rows[ISA_NROWS] = {
#define ROW(id_, op_, key_, kv_, dst_, src_, off_, imm_, shape_, group_, cpu_, size_, ubpf_, llvm_) \
    { .id = ISA_##id_, .opcode = op_, .key = key_, .kv = kv_, .dst = dst_, .src = src_,          \
      .off = off_, .imm = imm_, .shape = shape_, .group = group_, .cpu = cpu_, .size = size_,      \
      .name = #id_, .ubpf = ubpf_, .llvm = llvm_ },
#include "isa.def"
#undef ROW
};

const char *const isa_group_names[ISA_NGROUPS] = {
    "base32", "base64", "atomic32", "atomic64", "divmul32", "divmul64", "packet",
    "callx", "acqrel", "may_goto",
};

/* Rows sharing an opcode are chained: first[op] is the first row, next[row] the next. */
static uint16_t first_row[256];
static uint16_t next_row[ISA_NROWS];
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static void build_index(void)
{
    for (int i = 0; i < 256; i++)
        first_row[i] = ISA_NONE;
    for (int i = ISA_NROWS - 1; i >= 0; i--) {
        if (isa_rows[i].shape == SH_LDDW_HI)
            continue;
        next_row[i] = first_row[isa_rows[i].opcode];
        first_row[isa_rows[i].opcode] = (uint16_t)i;
    }
}

static int32_t key_field(const isa_insn *in, int key)
{
    switch (key) {
    case K_SRC: return in->src;
    case K_OFF: return in->off;
    case K_IMM: return in->imm;
    default: return 0;
    }
}

isa_id isa_find(const isa_insn *in, unsigned ext)
{
    pthread_once(&index_once, build_index);
    for (uint16_t r = first_row[in->op]; r != ISA_NONE; r = next_row[r]) {
        const isa_row *row = &isa_rows[r];
        if (isa_is_ext(row) && !(ext & (1u << row->group)))
            continue;
        if (row->key == K_NONE || key_field(in, row->key) == row->kv)
            return (isa_id)r;
    }
    return ISA_NONE;
}

bool isa_opcode_known(uint8_t opcode)
{
    pthread_once(&index_once, build_index);
    return first_row[opcode] != ISA_NONE;
}

isa_insn isa_make(isa_id id, int dst, int src, int16_t off, int32_t imm)
{
    const isa_row *r = &isa_rows[id];
    isa_insn in;
    memset(&in, 0, sizeof in);
    in.op = r->opcode;
    in.dst = (uint8_t)(dst & 0xf);
    in.src = (uint8_t)(src & 0xf);
    in.off = off;
    in.imm = imm;
    switch (r->key) {
    case K_SRC: in.src = (uint8_t)r->kv; break;
    case K_OFF: in.off = (int16_t)r->kv; break;
    case K_IMM: in.imm = r->kv; break;
    default: break;
    }
    return in;
}
