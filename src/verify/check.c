/* check.c — what each instruction requires to be safe, and what it does to the
 * abstract state. One function per instruction family, each reading the ISA table
 * (shape, operand width, access size), the program-type table (context layout,
 * allowed helpers, return range) and the helper table (prototypes). The values
 * themselves are the domain's (domain.h); paths and pruning are walk.c's.
 * Rules follow Linux's verifier for privileged loaders; `unprivileged` adds its
 * pointer-leak rules. Messages say in plain words what is wrong and why.
 */
#include "verify/verifier.h"
#include "rt/map.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>

#define MAX_VAR_OFF (1 << 29)   /* bound on variable pointer offsets, as Linux */
#define MAX_PACKET_OFF 0xffff

static vframe *cur_frame(vstate *s) { return s->frames[s->curframe]; }

static const char *mem_verb(bool write) { return write ? "write" : "read"; }

/* ---- small helpers ------------------------------------------------------------------ */

static int need_init(venv *e, vstate *s, uint32_t i, int regno)
{
    const reg *r = &cur_frame(s)->regs[regno];
    if (r->type == T_NOT_INIT && regno == 0 && r->stale)
        return vreject(e, i, "R0 is read, but the function called at instruction %u returned without setting it",
                       r->stale - 1);
    if (r->type == T_NOT_INIT)
        return vreject(e, i, "R%d is read before it is written (it holds no value on this path)", regno);
    return 0;
}

/* Every register (all frames, spilled too) with id gets f applied. */
typedef void (*reg_fn)(venv *e, reg *r, void *arg);

static void for_each_reg(vstate *s, reg_fn fn, venv *e, void *arg)
{
    for (uint32_t fi = 0; fi <= s->curframe; fi++) {
        vframe *f = s->frames[fi];
        for (int r = 0; r < 11; r++)
            fn(e, &f->regs[r], arg);
        for (uint32_t k = 0; k < f->nslots; k++) {
            slot *sl = vslot(f, k);
            if (sl->type[0] != STACK_SPILL && sl->type[7] != STACK_SPILL)
                continue;
            /* the slot may be shared with other states: written only if fn changes it */
            reg r = sl->spilled;
            fn(e, &r, arg);
            if (memcmp(&r, &sl->spilled, sizeof r) && vframe_own(f, k, k))
                vslot(f, k)->spilled = r;
        }
    }
}

typedef struct id_scalar {
    uint32_t id;
    const scalar *s;
} id_scalar;

static void set_linked_scalar(venv *e, reg *r, void *arg)
{
    (void)e;
    id_scalar *a = arg;
    if (r->type == T_SCALAR && r->id == a->id)
        r->s = *a->s;
}

/* After refining a scalar that shares an id with copies, refine the copies too. */
static void propagate_scalar(venv *e, vstate *s, const reg *r)
{
    if (r->type != T_SCALAR || !r->id)
        return;
    id_scalar a = { r->id, &r->s };
    for_each_reg(s, set_linked_scalar, e, &a);
}

/* ---- ALU ------------------------------------------------------------------------------ */

static scalar_op alu_op_slow(const isa_row *row)
{
    static const struct { const char *tok; scalar_op op; } ops[] = {
        { "+=", SOP_ADD }, { "-=", SOP_SUB }, { "*=", SOP_MUL }, { "/=", SOP_DIV }, { "s/=", SOP_SDIV },
        { "%=", SOP_MOD }, { "s%=", SOP_SMOD }, { "|=", SOP_OR }, { "&=", SOP_AND }, { "^=", SOP_XOR },
        { "<<=", SOP_LSH }, { ">>=", SOP_RSH }, { "s>>=", SOP_ARSH }, { "=", SOP_MOV }, { "-", SOP_NEG },
    };
    for (size_t k = 0; k < sizeof ops / sizeof *ops; k++)
        if (!strcmp(row->llvm, ops[k].tok))
            return ops[k].op;
    return SOP_MOV;
}

static scalar_cond cond_of_slow(const isa_row *row);

/* Per-row operator and condition, read from the ISA table's mnemonics once. */
static uint8_t row_alu_op[ISA_NROWS], row_cond[ISA_NROWS];
static pthread_once_t row_ops_once = PTHREAD_ONCE_INIT;

static void row_ops_init(void)
{
    for (uint32_t id = 0; id < ISA_NROWS; id++) {
        row_alu_op[id] = (uint8_t)alu_op_slow(&isa_rows[id]);
        row_cond[id] = (uint8_t)cond_of_slow(&isa_rows[id]);
    }
}

static scalar_op alu_op(const isa_row *row)
{
    pthread_once(&row_ops_once, row_ops_init);
    return (scalar_op)row_alu_op[row->id];
}

static const char *op_words(scalar_op op)
{
    switch (op) {
    case SOP_MUL: return "multiplication";
    case SOP_DIV: case SOP_SDIV: return "division";
    case SOP_MOD: case SOP_SMOD: return "modulo";
    case SOP_OR: case SOP_AND: case SOP_XOR: return "bitwise operation";
    case SOP_LSH: case SOP_RSH: case SOP_ARSH: return "shift";
    case SOP_NEG: return "negation";
    default: return "arithmetic";
    }
}

/* pointer dst (+|-) scalar src (or scalar + pointer): the result is a pointer. */
static int ptr_arith(venv *e, vstate *s, uint32_t i, int dregno, reg *ptr, const reg *sc, int scregno,
                     scalar_op op, reg *out)
{
    const char *pname = reg_type_name(ptr);
    if (ptr->maybe_null)
        return vreject(e, i, "R%d is a %s: pointer arithmetic before the NULL check is not allowed", dregno, pname);
    /* Linux: no arithmetic on packet end or map pointers, except adding 0 to a map */
    bool add0 = op == SOP_ADD && sc->type == T_SCALAR && scalar_is_const(&sc->s) && !scalar_const_value(&sc->s);
    if (ptr->type == T_PKT_END || (ptr->type == T_MAP && !add0) || (ptr->type == T_FUNC && e->opts.unprivileged))
        return vreject(e, i, "R%d is a %s: arithmetic on it is not allowed", dregno, pname);
    if (scregno >= 0)
        vprecise(e, s, scregno);
    reg r = *ptr;
    if (scalar_is_const(&sc->s)) {
        int64_t c = (int64_t)scalar_const_value(&sc->s);
        int64_t off = op == SOP_ADD ? (int64_t)r.off + c : (int64_t)r.off - c;
        if (off < -MAX_VAR_OFF || off > MAX_VAR_OFF)
            return vreject(e, i, "R%d: adding %lld makes the %s point too far out of bounds", dregno,
                           (long long)c, pname);
        r.off = (int32_t)off;
    } else {
        if (e->opts.unprivileged && ptr->type == T_STACK)
            return vreject(e, i, "R%d: variable offsets into the stack are not allowed for unprivileged programs", dregno);
        if (sc->s.smin < -MAX_VAR_OFF || sc->s.smax > MAX_VAR_OFF)
            return vreject(e, i, "R%d: the %s would get an unbounded offset: R%d %s; compare it against a limit first",
                           dregno, pname, scregno,
                           sc->s.smin >= -MAX_VAR_OFF ? "has no upper bound"
                           : sc->s.smax <= MAX_VAR_OFF ? "has no lower bound (it may be negative)"
                                                      : "has no bounds");
        r.s = scalar_alu(op, &ptr->s, &sc->s, false);
        if (r.s.smin < -MAX_VAR_OFF || r.s.smax > MAX_VAR_OFF)
            return vreject(e, i, "R%d: the %s's variable offset becomes unbounded", dregno, pname);
        if (r.type == T_PKT || r.type == T_PKT_META) { /* a new packet pointer: nothing proven yet */
            r.id = vnew_id(e);
            r.range = 0;
        }
    }
    (void)s;
    *out = r;
    return 0;
}

static int check_alu(venv *e, vstate *s, uint32_t i, const isa_insn *in, const isa_row *row)
{
    vframe *f = cur_frame(s);
    reg *dst = &f->regs[in->dst];
    bool is32 = row->size == 4;
    scalar_op op = alu_op(row);
    bool k = row->shape == SH_ALU_K;
    int rc;

    if (row->shape == SH_NEG || row->shape == SH_END || row->shape == SH_MOVSX) {
        const reg *src = row->shape == SH_MOVSX ? &f->regs[in->src] : dst;
        if ((rc = need_init(e, s, i, row->shape == SH_MOVSX ? in->src : in->dst)))
            return rc;
        if (reg_is_pointer(src) && e->opts.unprivileged)
            return vreject(e, i, "R%d is a %s: %s of a pointer leaks an address", row->shape == SH_MOVSX ? in->src : in->dst,
                           reg_type_name(src), row->shape == SH_NEG ? "negation" : row->shape == SH_END ? "byte swap" : "sign extension");
        scalar v;
        if (reg_is_pointer(src)) /* privileged (Linux): a number */
            v = scalar_unknown();
        else if (row->shape == SH_NEG)
            v = scalar_alu(SOP_NEG, &src->s, &src->s, is32);
        else if (row->shape == SH_MOVSX)
            v = scalar_movsx(&src->s, (uint8_t)row->kv, is32);
        else /* END: width is the key value; LE is a truncation on a little-endian host */
            v = scalar_bswap(&src->s, (uint8_t)row->kv, strncmp(row->llvm, "le", 2) != 0);
        reg_mark_scalar(dst, v);
        s->insn = i + 1;
        return CHECK_NEXT;
    }

    reg ksrc;
    const reg *src;
    if (k) {
        uint64_t imm = is32 ? (uint32_t)in->imm : (uint64_t)(int64_t)in->imm;
        reg_mark_const(&ksrc, imm);
        src = &ksrc;
        if ((op == SOP_DIV || op == SOP_SDIV || op == SOP_MOD || op == SOP_SMOD) && in->imm == 0)
            return vreject(e, i, "division by zero: the divisor is the constant 0");
        if ((op == SOP_LSH || op == SOP_RSH || op == SOP_ARSH) && (in->imm < 0 || in->imm >= (is32 ? 32 : 64)))
            return vreject(e, i, "invalid shift by %d: a %d-bit shift count must be 0..%d", in->imm,
                           is32 ? 32 : 64, is32 ? 31 : 63);
    } else {
        if ((rc = need_init(e, s, i, in->src)))
            return rc;
        src = &f->regs[in->src];
    }

    if (op == SOP_MOV) {
        if (k) {
            reg_mark_const(dst, src->s.var.value);
        } else if (!is32) {
            reg copy = *src;
            if (copy.type == T_SCALAR && !scalar_is_const(&copy.s)) {
                /* link the copies: a later bounds check on one refines the other */
                if (!f->regs[in->src].id)
                    f->regs[in->src].id = vnew_id(e);
                copy.id = f->regs[in->src].id;
            }
            *dst = copy;
        } else if (reg_is_pointer(src)) {
            if (e->opts.unprivileged)
                return vreject(e, i, "R%d: a 32-bit copy of a pointer leaks part of an address", in->src);
            reg_mark_scalar(dst, scalar_unknown_size(4));
        } else {
            scalar v = src->s;
            scalar_zext32(&v);
            reg_mark_scalar(dst, v);
        }
        s->insn = i + 1;
        return CHECK_NEXT;
    }

    if ((rc = need_init(e, s, i, in->dst)))
        return rc;
    bool dptr = reg_is_pointer(dst), sptr = reg_is_pointer(src);
    if (dptr || sptr) {
        int preg = dptr ? in->dst : in->src;
        const reg *p = dptr ? dst : src;
        /* Linux lets privileged loaders subtract pointers (any kinds), and do any
         * 32-bit subtraction with a pointer: the result is a number */
        if (op == SOP_SUB && (is32 || (dptr && sptr)) && !e->opts.unprivileged) {
            reg_mark_unknown(dst);
            s->insn = i + 1;
            return CHECK_NEXT;
        }
        if (is32)
            return vreject(e, i, "R%d is a %s: 32-bit arithmetic on a pointer is not allowed", preg,
                           reg_type_name(p));
        if (dptr && sptr && op == SOP_SUB)
            return vreject(e, i, "R%d: pointer - pointer is not allowed for unprivileged programs", in->dst);
        if (dptr && sptr)
            return vreject(e, i, "R%d %s R%d: %s on two pointers is not allowed", in->dst, row->llvm, in->src,
                           op == SOP_ADD ? "addition" : op_words(op));
        if (!dptr && op == SOP_SUB)
            return vreject(e, i, "R%d -= R%d: subtracting a pointer (%s) from a number is not allowed", in->dst,
                           in->src, reg_type_name(src));
        if (op == SOP_SUB && dst->type == T_STACK)
            return vreject(e, i, "R%d is a pointer to stack: subtracting from it is not allowed (as in Linux, whose "
                           "JITs may not support it); add a negative offset instead", in->dst);
        if ((op == SOP_ADD || op == SOP_SUB) && dptr) {
            if ((rc = ptr_arith(e, s, i, in->dst, dst, src, k ? -1 : in->src, op, dst)))
                return rc;
            s->insn = i + 1;
            return CHECK_NEXT;
        }
        if (op == SOP_ADD) {
            reg out;
            if ((rc = ptr_arith(e, s, i, in->src, (reg *)src, dst, in->dst, SOP_ADD, &out)))
                return rc;
            *dst = out;
            s->insn = i + 1;
            return CHECK_NEXT;
        }
        return vreject(e, i, "R%d is a %s: %s on a pointer is not allowed", preg, reg_type_name(p), op_words(op));
    }
    scalar v = scalar_alu(op, &dst->s, &src->s, is32);
    reg_mark_scalar(dst, v);
    s->insn = i + 1;
    return CHECK_NEXT;
}

/* ---- memory ----------------------------------------------------------------------- */

typedef struct access {
    int regno;        /* base register */
    int32_t off;      /* instruction offset */
    uint32_t size;
    bool write;
    bool atomic;
    const reg *value; /* stores: the value written (NULL for ST imm: a scalar) */
    int value_regno;  /* its register */
    reg result;       /* loads: what was read */
} access;

/* __sk_buff offsets the rules below name (Linux UAPI). */
enum { SKB_MARK = 8, SKB_PRIORITY = 32, SKB_CB = 48, SKB_CB_END = 68, SKB_TC_CLASSID = 72, SKB_DATA_META = 140,
       SKB_TSTAMP = 152, SKB_WIRE_LEN = 160 };

static bool in_field(int32_t off, int32_t field, int32_t size) { return off >= field && off < field + size; }

/* Linux's per-type access rules (its *_is_valid_access functions) that the
 * program-type table (rt/progtype.c: fields, sizes, tc's writable set) does not
 * express. Returns why the access is refused, or NULL. */
static const char *ctx_rule(venv *e, int32_t off, uint32_t size, bool write)
{
    const char *sec = e->prog->section ? e->prog->section : "";
    bool skb = e->type == BPFVM_PROG_SOCKET_FILTER || e->type == BPFVM_PROG_SCHED_CLS ||
               e->type == BPFVM_PROG_SCHED_ACT || e->type == BPFVM_PROG_CGROUP_SKB;
    switch (e->type) {
    case BPFVM_PROG_XDP:
        if (size != 4)
            return "xdp_md fields are accessed whole, 4 bytes at a time";
        if (off == 20 && strncmp(sec, "xdp/devmap", 10) && strncmp(sec, "xdp.frags/devmap", 16))
            return "egress_ifindex is only available to programs attached to a devmap (SEC(\"xdp/devmap\"))";
        return NULL;
    case BPFVM_PROG_TRACEPOINT:
        return off < 8 ? "the first 8 bytes of a tracepoint record (its common header) cannot be read" : NULL;
    case BPFVM_PROG_PERF_EVENT:
        return off < 168 && size != 8 ? "the registers of bpf_perf_event_data are read 8 bytes at a time" : NULL;
    default:
        break;
    }
    if (!skb)
        return NULL;
    if (in_field(off, SKB_TSTAMP, 8) && size != 8)
        return "tstamp is accessed whole, 8 bytes at a time";
    if (e->type == BPFVM_PROG_SOCKET_FILTER &&
        (in_field(off, SKB_TC_CLASSID, 4) || in_field(off, SKB_TSTAMP, 8) || in_field(off, SKB_WIRE_LEN, 4)))
        return "socket filters cannot access tc_classid, tstamp or wire_len";
    if (e->type == BPFVM_PROG_CGROUP_SKB &&
        (in_field(off, SKB_TC_CLASSID, 4) || in_field(off, SKB_DATA_META, 4) || in_field(off, SKB_WIRE_LEN, 4)))
        return "cgroup_skb programs cannot access tc_classid, data_meta or wire_len";
    if (write && !in_field(off, SKB_CB, SKB_CB_END - SKB_CB)) {
        if (size != 4 && !in_field(off, SKB_TSTAMP, 8))
            return "__sk_buff fields other than cb[] are written whole, 4 bytes at a time";
        if (e->type == BPFVM_PROG_CGROUP_SKB && !in_field(off, SKB_MARK, 4) && !in_field(off, SKB_PRIORITY, 4) &&
            !in_field(off, SKB_TSTAMP, 8))
            return "cgroup_skb programs may only write mark, priority, tstamp and cb[]";
    }
    return NULL;
}

static int check_ctx(venv *e, vstate *s, uint32_t i, const reg *r, access *a)
{
    (void)s;
    const progtype_info *pt = e->pt;
    if (!scalar_is_const(&r->s))
        return vreject(e, i, "R%d is the context pointer moved by a variable offset: context fields can only be "
                       "accessed at constant offsets from the original pointer", a->regno);
    if (r->off || scalar_const_value(&r->s))
        return vreject(e, i, "R%d is the context pointer moved by %lld bytes: access context fields through the "
                       "original pointer, with the field offset in the instruction", a->regno,
                       (long long)r->off + (long long)scalar_const_value(&r->s));
    int32_t off = a->off;
    if (!pt || off < 0 || (uint32_t)off + a->size > pt->ctx_size)
        return vreject(e, i, "invalid context access: %s of %u bytes at offset %d is outside the %u-byte %s context",
                       mem_verb(a->write), a->size, off, pt ? pt->ctx_size : 0, pt ? pt->name : "?");
    if (a->atomic)
        return vreject(e, i, "atomic operations on the context are not allowed");
    if (off % (int32_t)a->size)
        return vreject(e, i, "invalid context access: %s of %u bytes at offset %d is not aligned to its size",
                       mem_verb(a->write), a->size, off);
    const char *why = ctx_rule(e, off, a->size, a->write);
    if (why)
        return vreject(e, i, "invalid context access: %s of %u bytes at offset %d: %s", mem_verb(a->write), a->size,
                       off, why);
    if (a->write && a->value && reg_is_pointer(a->value) && e->opts.unprivileged)
        return vreject(e, i, "R%d: storing a pointer into the context leaks an address", a->value_regno);
    if (!pt->fields) { /* pt_regs, tracepoint records: read-only */
        if (a->write)
            return vreject(e, i, "invalid context access: the %s context is read-only", pt->name);
        reg_mark_scalar(&a->result, scalar_unknown_size((uint8_t)a->size));
        return 0;
    }
    /* cb[] of __sk_buff: any aligned access inside it (8-byte ones span two entries) */
    bool cb = pt->type != BPFVM_PROG_XDP && pt->type != BPFVM_PROG_MEM && off >= SKB_CB &&
              off + (int32_t)a->size <= SKB_CB_END;
    const ctx_field *f = cb ? NULL : progtype_field(pt, (uint32_t)off, a->size);
    if (!f && !cb)
        return vreject(e, i, "invalid context access: %s of %u bytes at offset %d is not a field of the %s context",
                       mem_verb(a->write), a->size, off, pt->name);
    if (a->write) {
        bool ok = cb || (pt->type == BPFVM_PROG_CGROUP_SKB ? true /* ctx_rule decided */
                         : f->writable && pt->type != BPFVM_PROG_SOCKET_FILTER);
        if (!ok)
            return vreject(e, i, "invalid context access: field '%s' of the %s context is read-only", f->name, pt->name);
        return 0;
    }
    if (f && f->kind != CTXF_VALUE) {
        if (a->size != 4 || (uint32_t)off != f->off)
            return vreject(e, i, "invalid context access: field '%s' must be read whole, as a 4-byte load", f->name);
        if (pt->type == BPFVM_PROG_SOCKET_FILTER || (pt->type == BPFVM_PROG_CGROUP_SKB && e->opts.unprivileged))
            return vreject(e, i, "invalid context access: %s programs%s may not access packet data directly "
                           "(field '%s'); use bpf_skb_load_bytes", pt->name,
                           e->opts.unprivileged ? " of unprivileged loaders" : "", f->name);
        memset(&a->result, 0, sizeof a->result);
        a->result.type = f->kind == CTXF_PKT_DATA ? T_PKT : f->kind == CTXF_PKT_END ? T_PKT_END : T_PKT_META;
        a->result.s = scalar_const(0);
        return 0;
    }
    reg_mark_scalar(&a->result, scalar_unknown_size((uint8_t)a->size));
    return 0;
}

/* "4 bytes at offset 8" / "1 byte at offsets 0..64" (stack: "at fp-16..fp+0"):
 * the size and where the access may start, for messages. */
static const char *span(char *buf, size_t n, uint32_t size, int64_t lo, int64_t hi, bool stack)
{
    int64_t last = hi - size; /* the highest start */
    int k = snprintf(buf, n, "%u byte%s at %s", size, size == 1 ? "" : "s", stack ? "" : lo == last ? "offset " : "offsets ");
    if (stack)
        k += snprintf(buf + k, n - (size_t)k, "fp%+lld", (long long)lo);
    else
        k += snprintf(buf + k, n - (size_t)k, "%lld", (long long)lo);
    if (last != lo)
        snprintf(buf + k, n - (size_t)k, stack ? "..fp%+lld" : "..%lld", (long long)last);
    return buf;
}

/* [lo, hi) byte range of an access relative to the pointer's base. */
static void access_range(const reg *r, const access *a, int64_t *lo, int64_t *hi)
{
    *lo = (int64_t)r->off + a->off + r->s.smin;
    *hi = (int64_t)r->off + a->off + r->s.smax + a->size;
}

static int check_bounded(venv *e, uint32_t i, const reg *r, const access *a)
{
    if (r->s.smin < -MAX_VAR_OFF || r->s.smax > MAX_VAR_OFF)
        return vreject(e, i, "R%d: %s through a %s whose offset is unbounded; compare the offset against a limit first",
                       a->regno, mem_verb(a->write), reg_type_name(r));
    return 0;
}

static int check_map_value(venv *e, uint32_t i, const reg *r, access *a)
{
    int rc;
    if (r->maybe_null)
        return vreject(e, i, "R%d may be NULL: check the result of bpf_map_lookup_elem against NULL before the %s",
                       a->regno, mem_verb(a->write));
    if ((rc = check_bounded(e, i, r, a)))
        return rc;
    int64_t lo, hi;
    access_range(r, a, &lo, &hi);
    uint32_t vs = r->map->def.value_size;
    char sp[96];
    if (lo < 0 || hi > vs)
        return vreject(e, i, "R%d pointer to map value of '%s': %s of %s %s outside the %u-byte value", a->regno,
                       r->map->name, mem_verb(a->write), span(sp, sizeof sp, a->size, lo, hi, false),
                       scalar_is_const(&r->s) ? "is" : "may fall", vs);
    if (a->write && r->rdonly)
        return vreject(e, i, "R%d: write into read-only map '%s'", a->regno, r->map->name);
    if (a->write && a->value && reg_is_pointer(a->value) && e->opts.unprivileged)
        return vreject(e, i, "storing a pointer into map '%s' leaks an address", r->map->name);
    reg_mark_scalar(&a->result, scalar_unknown_size((uint8_t)a->size));
    return 0;
}

static int check_mem(venv *e, uint32_t i, const reg *r, access *a)
{
    int rc;
    if (r->maybe_null)
        return vreject(e, i, "R%d may be NULL: check the result of bpf_ringbuf_reserve against NULL before the %s", a->regno,
                       mem_verb(a->write));
    if ((rc = check_bounded(e, i, r, a)))
        return rc;
    int64_t lo, hi;
    access_range(r, a, &lo, &hi);
    char sp[96];
    if (lo < 0 || hi > r->mem_size)
        return vreject(e, i, "R%d pointer to %s: %s of %s %s outside its %u bytes", a->regno,
                       r->ref_id ? "a ring buffer record" : "memory", mem_verb(a->write),
                       span(sp, sizeof sp, a->size, lo, hi, false), scalar_is_const(&r->s) ? "is" : "may fall",
                       r->mem_size);
    reg_mark_scalar(&a->result, scalar_unknown_size((uint8_t)a->size));
    return 0;
}

static int check_packet(venv *e, uint32_t i, const reg *r, access *a)
{
    if (a->atomic)
        return vreject(e, i, "atomic operations on packet data are not allowed");
    if (a->write && e->type == BPFVM_PROG_SOCKET_FILTER)
        return vreject(e, i, "socket filters may not write packet data");
    if (r->s.smin < 0 || r->s.umax > MAX_PACKET_OFF)
        return vreject(e, i, "R%d pointer to packet: the variable offset is not bounded to 0..%d; compare it first",
                       a->regno, MAX_PACKET_OFF);
    int64_t lo = (int64_t)r->off + a->off;
    int64_t hi = lo + a->size;
    char sp[96];
    const char *end = r->type == T_PKT_META ? "data" : "data_end";
    if (lo < 0)
        return vreject(e, i, "R%d %s: %s of %s is before the start of the packet", a->regno, reg_type_name(r),
                       mem_verb(a->write), span(sp, sizeof sp, a->size, lo, hi, false));
    if (hi > r->range && r->range == 0)
        return vreject(e, i, "R%d %s: %s of %s is not proven to be inside the packet: compare the "
                       "pointer with %s first", a->regno, reg_type_name(r), mem_verb(a->write), span(sp, sizeof sp, a->size, lo, hi, false),
                       end);
    if (hi > r->range)
        return vreject(e, i, "R%d %s: %s of %s goes past the %u byte%s proven by comparing with %s", a->regno,
                       reg_type_name(r), mem_verb(a->write), span(sp, sizeof sp, a->size, lo, hi, false), r->range,
                       r->range == 1 ? "" : "s", end);
    if (a->write && a->value && reg_is_pointer(a->value) && e->opts.unprivileged)
        return vreject(e, i, "storing a pointer into the packet leaks an address");
    reg_mark_scalar(&a->result, scalar_unknown_size((uint8_t)a->size));
    return 0;
}

static slot *stack_slot(vframe *f, int64_t off) /* off in [-512, 0) */
{
    return vslot(f, (uint32_t)((-off - 1) / 8));
}

/* Makes the slots holding bytes [lo, hi) of f its own, before writing them. */
static bool stack_own(vframe *f, int64_t lo, int64_t hi)
{
    return vframe_own(f, (uint32_t)((-(hi - 1) - 1) / 8), (uint32_t)((-lo - 1) / 8));
}

static uint8_t *stack_byte(vframe *f, int64_t off)
{
    return &stack_slot(f, off)->type[(off % 8 + 8) % 8];
}

static int check_stack(venv *e, vstate *s, uint32_t i, const reg *r, access *a)
{
    vframe *f = s->frames[r->frameno];
    int64_t lo, hi;
    access_range(r, a, &lo, &hi);
    bool var = !scalar_is_const(&r->s);
    char sp[96];
    if (lo < -(int64_t)BPFVM_STACK_SIZE || hi > 0)
        return vreject(e, i, "R%d pointer to stack: %s of %s %s outside the %u-byte stack frame", a->regno,
                       mem_verb(a->write), span(sp, sizeof sp, a->size, lo, hi, true), var ? "may fall" : "is",
                       BPFVM_STACK_SIZE);
    if (!var)
        hist_stack(s, r->frameno, lo, a->size);
    if (!vframe_grow(f, (uint32_t)-lo))
        return bpfvm_fail(e->err, BPFVM_E_NOMEM, -1, "out of memory");
    if ((uint32_t)-lo > f->depth)
        f->depth = (uint32_t)-lo;
    if (a->atomic && ((lo % a->size) != 0 || var))
        return vreject(e, i, "misaligned atomic access on the stack at fp%lld", (long long)lo);
    if ((a->write || a->atomic) && !stack_own(f, lo, hi))
        return bpfvm_fail(e->err, BPFVM_E_NOMEM, -1, "out of memory");
    if (e->opts.strict_alignment && (lo % a->size))
        return vreject(e, i, "misaligned stack access at fp%lld of %u bytes", (long long)lo, a->size);

    if (a->write && !a->atomic) {
        const reg *v = a->value;
        if (var) {
            for (int64_t b = lo; b < hi; b++) { /* may touch any of these bytes */
                slot *sl = stack_slot(f, b);
                for (int k = 0; k < 8; k++)
                    if (sl->type[k] == STACK_SPILL)
                        sl->type[k] = STACK_MISC;
                *stack_byte(f, b) = STACK_MISC;
            }
            return 0;
        }
        slot *sl = stack_slot(f, lo);
        bool whole = a->size == 8 && lo % 8 == 0;
        if (v && reg_is_pointer(v) && !whole) /* Linux: "invalid size of register spill" */
            return vreject(e, i, "R%d is a %s: a pointer may only be spilled whole (8 bytes at an 8-byte aligned "
                           "slot), not as %u bytes at fp%lld", a->value_regno, reg_type_name(v), a->size, (long long)lo);
        /* any partly overwritten spill becomes unknown bytes */
        for (int64_t b = lo; b < hi; b++) {
            slot *t = stack_slot(f, b);
            if (t != sl || !whole)
                for (int k = 0; k < 8; k++)
                    if (t->type[k] == STACK_SPILL)
                        t->type[k] = STACK_MISC;
        }
        if (v && (whole || (lo % a->size == 0 && v->type == T_SCALAR))) {
            /* spill: the slot remembers the register exactly (narrow scalars cast) */
            if (!whole && !(sl->type[0] != STACK_SPILL && sl->type[7] != STACK_SPILL))
                for (int k = 0; k < 8; k++)
                    if (sl->type[k] == STACK_SPILL)
                        sl->type[k] = STACK_MISC;
            sl->spilled = *v;
            if (!whole)
                sl->spilled.s = scalar_cast(&v->s, (uint8_t)a->size);
            for (int64_t b = lo; b < hi; b++)
                *stack_byte(f, b) = STACK_SPILL;
            return 0;
        }
        uint8_t t = STACK_MISC;
        if (!a->value && a->result.type == T_SCALAR && scalar_is_const(&a->result.s) && !scalar_const_value(&a->result.s))
            t = STACK_ZERO; /* ST of imm 0: result carries the immediate */
        for (int64_t b = lo; b < hi; b++)
            *stack_byte(f, b) = t;
        if (!a->value && t == STACK_MISC && a->result.type == T_SCALAR && lo % a->size == 0) {
            /* ST of a known immediate: remember it like a spill */
            sl->spilled = a->result;
            sl->spilled.s = scalar_cast(&a->result.s, (uint8_t)a->size);
            for (int64_t b = lo; b < hi; b++)
                *stack_byte(f, b) = STACK_SPILL;
        }
        return 0;
    }

    /* reads (and the read half of atomics) */
    bool uninit = false, ptr_bytes = false, all_zero = true, all_spill = true;
    for (int64_t b = lo; b < hi; b++) {
        slot *sl = stack_slot(f, b);
        uint8_t t = *stack_byte(f, b);
        uninit |= t == STACK_INVALID;
        all_zero &= t == STACK_ZERO;
        all_spill &= t == STACK_SPILL;
        ptr_bytes |= t == STACK_SPILL && reg_is_pointer(&sl->spilled);
    }
    if (uninit && e->opts.unprivileged)
        return vreject(e, i, "R%d pointer to stack: %s of %u bytes at fp%lld reads stack bytes never written, which "
                       "unprivileged programs may not do", a->regno, mem_verb(a->write), a->size, (long long)lo);
    if (a->atomic) {
        if (ptr_bytes && e->opts.unprivileged)
            return vreject(e, i, "R%d: an atomic operation on a spilled pointer leaks an address", a->regno);
        for (int64_t b = lo; b < hi; b++)
            *stack_byte(f, b) = STACK_MISC;
        reg_mark_scalar(&a->result, scalar_unknown_size((uint8_t)a->size));
        return 0;
    }
    slot *sl = stack_slot(f, lo);
    if (!var && all_spill && lo % 8 == 0 && a->size == 8) {
        a->result = sl->spilled; /* fill */
        return 0;
    }
    /* a narrow fill is the spilled value's low bytes only when it starts where the
     * spill starts (little-endian; Linux bpf_stack_narrow_access_ok), else unknown */
    int k0 = (int)((lo % 8 + 8) % 8);
    bool at_spill_start = k0 == 0 || sl->type[k0 - 1] != STACK_SPILL;
    if (!var && all_spill && sl->spilled.type == T_SCALAR && lo % a->size == 0 && at_spill_start) {
        reg_mark_scalar(&a->result, scalar_cast(&sl->spilled.s, (uint8_t)a->size));
        return 0;
    }
    if (ptr_bytes && e->opts.unprivileged)
        return vreject(e, i, "R%d: partial read of a pointer spilled to the stack leaks an address", a->regno);
    if (ptr_bytes && !var) /* Linux: "invalid size of register fill" */
        return vreject(e, i, "R%d pointer to stack: a pointer spilled to the stack may only be filled whole (8 bytes "
                       "at its slot), not as %u bytes at fp%lld", a->regno, a->size, (long long)lo);
    if (all_zero)
        reg_mark_const(&a->result, 0);
    else
        reg_mark_scalar(&a->result, scalar_unknown_size((uint8_t)a->size));
    return 0;
}

static int check_access(venv *e, vstate *s, uint32_t i, access *a)
{
    int rc;
    const reg *r = &cur_frame(s)->regs[a->regno];
    if ((rc = need_init(e, s, i, a->regno)))
        return rc;
    if (e->opts.strict_alignment && r->type != T_STACK && r->type != T_CTX &&
        ((int64_t)r->off + a->off + (int64_t)r->s.var.value) % a->size)
        return vreject(e, i, "R%d: misaligned %s of %u bytes", a->regno, mem_verb(a->write), a->size);
    switch (r->type) {
    case T_CTX:
        rc = check_ctx(e, s, i, r, a);
        break;
    case T_STACK:
        rc = check_stack(e, s, i, r, a);
        break;
    case T_MAP_VALUE:
        if (a->atomic && ((int64_t)r->off + a->off + (int64_t)r->s.var.value) % a->size)
            return vreject(e, i, "misaligned atomic access to map value of '%s'", r->map->name);
        rc = check_map_value(e, i, r, a);
        break;
    case T_PKT:
    case T_PKT_META:
        rc = check_packet(e, i, r, a);
        break;
    case T_MEM:
        if (a->atomic)
            return vreject(e, i, "atomic operations on helper-returned memory are not allowed");
        rc = check_mem(e, i, r, a);
        break;
    case T_SCALAR:
        if (r->stale) {
            uint32_t at = r->stale - 1;
            const bpfvm_helper_proto *p = bpfvm_helper_get_proto(e->prog->vm, (uint32_t)e->insns[at].imm);
            return vreject(e, i, "R%d is no longer a pointer: %s at instruction %u %s", a->regno,
                           bpfvm_helper_name(e->prog->vm, (uint32_t)e->insns[at].imm), at,
                           p && p->releases_ref ? "released the ring buffer record it pointed to"
                                                : "may have moved the packet: load ctx->data and data_end again "
                                                  "and check the bounds again");
        }
        return vreject(e, i, "R%d is a scalar, not a pointer: it cannot be dereferenced", a->regno);
    default:
        return vreject(e, i, "R%d is a %s: it cannot be dereferenced", a->regno, reg_type_name(r));
    }
    return rc;
}

static int check_load(venv *e, vstate *s, uint32_t i, const isa_insn *in, const isa_row *row)
{
    access a = { .regno = in->src, .off = in->off, .size = row->size };
    int rc = check_access(e, s, i, &a);
    if (rc)
        return rc;
    reg *dst = &cur_frame(s)->regs[in->dst];
    if (strchr(row->llvm, 's') && row->shape == SH_LDX) { /* sign-extending load */
        scalar v = a.result.type == T_SCALAR ? scalar_movsx(&a.result.s, (uint8_t)(row->size * 8), false)
                                             : scalar_unknown_signed((uint8_t)row->size);
        reg_mark_scalar(dst, v);
    } else {
        *dst = a.result;
        if (dst->type == T_SCALAR && row->size < 8 && !(a.result.type == T_SCALAR))
            reg_mark_scalar(dst, scalar_unknown_size((uint8_t)row->size));
    }
    s->insn = i + 1;
    return CHECK_NEXT;
}

static int check_store(venv *e, vstate *s, uint32_t i, const isa_insn *in, const isa_row *row)
{
    vframe *f = cur_frame(s);
    access a = { .regno = in->dst, .off = in->off, .size = row->size, .write = true };
    int rc;
    if (row->shape == SH_ST) {
        reg_mark_const(&a.result, row->size == 8 ? (uint64_t)(int64_t)in->imm : (uint64_t)(uint32_t)in->imm);
    } else {
        if ((rc = need_init(e, s, i, in->src)))
            return rc;
        a.value = &f->regs[in->src];
        a.value_regno = in->src;
    }
    if ((rc = check_access(e, s, i, &a)))
        return rc;
    s->insn = i + 1;
    return CHECK_NEXT;
}

static int check_atomic(venv *e, vstate *s, uint32_t i, const isa_insn *in, const isa_row *row)
{
    vframe *f = cur_frame(s);
    int rc;
    if ((rc = need_init(e, s, i, in->src)))
        return rc;
    bool cmpxchg = isa_is_cmpxchg(row);
    if (cmpxchg && (rc = need_init(e, s, i, 0)))
        return rc;
    if (reg_is_pointer(&f->regs[in->src]) && e->opts.unprivileged)
        return vreject(e, i, "R%d is a %s: an atomic operation with a pointer operand leaks an address", in->src,
                       reg_type_name(&f->regs[in->src]));
    const reg *base = &f->regs[in->dst];
    if (base->type != T_STACK && base->type != T_MAP_VALUE && base->type != T_NOT_INIT && base->type != T_SCALAR)
        return vreject(e, i, "atomic operation through R%d, a %s: only the stack and map values allow them", in->dst,
                       reg_type_name(base));
    access a = { .regno = in->dst, .off = in->off, .size = row->size, .write = true, .atomic = true };
    if ((rc = check_access(e, s, i, &a)))
        return rc;
    scalar old = scalar_unknown_size((uint8_t)row->size);
    if (cmpxchg)
        reg_mark_scalar(&f->regs[0], old);
    else if (row->src == S_RW)
        reg_mark_scalar(&f->regs[in->src], old);
    s->insn = i + 1;
    return CHECK_NEXT;
}

/* ---- lddw --------------------------------------------------------------------------- */

static const bpfvm_map *lddw_map(venv *e, uint16_t id, int32_t imm)
{
    bpfvm_vm *vm = e->prog->vm;
    if (id == ISA_LDDW_MAP_FD || id == ISA_LDDW_MAP_VAL)
        return bpfvm_map_by_id(vm, (uint32_t)imm);
    return imm >= 0 ? bpfvm_map_at(vm, (size_t)imm) : NULL;
}

static int check_lddw(venv *e, vstate *s, uint32_t i, const isa_insn *in, const isa_row *row)
{
    reg *dst = &cur_frame(s)->regs[in->dst];
    const isa_insn *hi = &e->insns[i + 1];
    switch (row->id) {
    case ISA_LDDW:
        reg_mark_const(dst, (uint32_t)in->imm | (uint64_t)(uint32_t)hi->imm << 32);
        break;
    case ISA_LDDW_MAP_FD:
    case ISA_LDDW_MAP_IDX:
        reg_mark_not_init(dst);
        dst->type = T_MAP;
        dst->map = lddw_map(e, row->id, in->imm);
        dst->s = scalar_const(0);
        break;
    case ISA_LDDW_MAP_VAL:
    case ISA_LDDW_MAP_IDX_VAL:
        reg_mark_not_init(dst);
        dst->type = T_MAP_VALUE;
        dst->map = lddw_map(e, row->id, in->imm);
        dst->off = hi->imm;
        dst->rdonly = dst->map && (dst->map->def.flags & BPFVM_F_RDONLY_PROG);
        dst->s = scalar_const(0);
        break;
    case ISA_LDDW_CODE:
        reg_mark_not_init(dst);
        dst->type = T_FUNC;
        dst->subprog = (uint32_t)((int64_t)i + in->imm + 1);
        dst->s = scalar_const(0);
        break;
    default:
        return vreject(e, i, "lddw %s is not supported by the verifier", row->llvm);
    }
    s->insn = i + 2;
    return CHECK_NEXT;
}

static int check_ld_abs(venv *e, vstate *s, uint32_t i, const isa_insn *in, const isa_row *row)
{
    vframe *f = cur_frame(s);
    int rc;
    if (e->type != BPFVM_PROG_SOCKET_FILTER && e->type != BPFVM_PROG_SCHED_CLS && e->type != BPFVM_PROG_SCHED_ACT)
        return vreject(e, i, "legacy packet loads (%s) are only allowed in socket filter and tc programs", row->ubpf);
    if (s->curframe)
        return vreject(e, i, "legacy packet loads are not allowed in BPF-to-BPF subprograms");
    if (f->regs[6].type != T_CTX)
        return vreject(e, i, "legacy packet loads read the packet through R6, which must hold the context (it is %s)",
                       reg_type_name(&f->regs[6]));
    if (row->shape == SH_LDIND) {
        if ((rc = need_init(e, s, i, in->src)))
            return rc;
        if (reg_is_pointer(&f->regs[in->src]) && e->opts.unprivileged)
            return vreject(e, i, "R%d is a %s: using a pointer as the offset of %s leaks an address", in->src,
                           reg_type_name(&f->regs[in->src]), row->ubpf);
    }
    if (s->nrefs)
        return vreject(e, i, "legacy packet loads may end the program, which would leak the reserved record");
    for (int r = 1; r <= 5; r++)
        reg_mark_not_init(&f->regs[r]);
    reg_mark_scalar(&f->regs[0], scalar_unknown_size((uint8_t)row->size));
    s->insn = i + 1;
    return CHECK_NEXT;
}

/* ---- jumps ------------------------------------------------------------------------- */

static scalar_cond cond_of(const isa_row *row)
{
    pthread_once(&row_ops_once, row_ops_init);
    return (scalar_cond)row_cond[row->id];
}

static scalar_cond cond_of_slow(const isa_row *row)
{
    static const struct { const char *tok; scalar_cond c; } conds[] = {
        { "==", SC_EQ }, { "!=", SC_NE }, { ">", SC_GT }, { ">=", SC_GE }, { "<", SC_LT }, { "<=", SC_LE },
        { "s>", SC_SGT }, { "s>=", SC_SGE }, { "s<", SC_SLT }, { "s<=", SC_SLE }, { "&", SC_SET },
    };
    for (size_t k = 0; k < sizeof conds / sizeof *conds; k++)
        if (!strcmp(row->llvm, conds[k].tok))
            return conds[k].c;
    return SC_EQ;
}

typedef struct null_mark {
    uint32_t id;
    bool is_null;
} null_mark;

static void mark_null(venv *e, reg *r, void *arg)
{
    (void)e;
    null_mark *m = arg;
    if (!r->maybe_null || r->id != m->id)
        return;
    if (m->is_null)
        reg_mark_const(r, 0);
    else
        r->maybe_null = false;
}

typedef struct range_mark {
    uint32_t id;
    uint8_t type;
    uint32_t range;
} range_mark;

static void mark_range(venv *e, reg *r, void *arg)
{
    (void)e;
    range_mark *m = arg;
    if (r->type == m->type && r->id == m->id && r->range < m->range)
        r->range = m->range;
}

static void drop_ref(vstate *s, uint32_t ref)
{
    for (uint32_t k = 0; k < s->nrefs; k++)
        if (s->refs[k].id == ref) {
            s->refs[k] = s->refs[--s->nrefs];
            return;
        }
}

/* `p OP end` established that p <= end (open=false) or p < end (open=true). */
static void pkt_proven(venv *e, vstate *s, const reg *p, bool open)
{
    if (p->off < 0 || (p->off == 0 && !open))
        return; /* nothing proven beyond the pointer's base */
    /* all pointers with p's id share its variable part: the range holds for them */
    range_mark m = { p->id, p->type, (uint32_t)p->off + (open ? 1u : 0u) };
    if (m.range > MAX_PACKET_OFF)
        return;
    for_each_reg(s, mark_range, e, &m);
}

/* Packet pointer comparisons: which branch proves a range. `a OP b` with a the
 * packet (data or meta) pointer and b its end (data_end, or data for meta). */
static void pkt_compare(venv *e, vstate *taken, vstate *not_taken, const reg *a, const reg *b, scalar_cond op,
                        bool swapped)
{
    /* normalize to a OP' b with a the pointer */
    if (swapped) {
        switch (op) {
        case SC_GT: op = SC_LT; break;
        case SC_GE: op = SC_LE; break;
        case SC_LT: op = SC_GT; break;
        case SC_LE: op = SC_GE; break;
        default: break;
        }
    }
    (void)b;
    switch (op) {
    case SC_GT: /* p > end: not taken proves p <= end */
        if (not_taken)
            pkt_proven(e, not_taken, a, false);
        break;
    case SC_GE: /* p >= end: not taken proves p < end */
        if (not_taken)
            pkt_proven(e, not_taken, a, true);
        break;
    case SC_LT: /* p < end: taken proves p < end */
        if (taken)
            pkt_proven(e, taken, a, true);
        break;
    case SC_LE:
        if (taken)
            pkt_proven(e, taken, a, false);
        break;
    default:
        break;
    }
}

static int check_cond(venv *e, vstate *s, uint32_t i, const isa_insn *in, const isa_row *row, vstate **fork)
{
    vframe *f = cur_frame(s);
    int rc;
    bool k = row->shape == SH_JCOND_K, is32 = row->size == 4;
    uint32_t target = (uint32_t)((int64_t)i + in->off + 1);
    if ((rc = need_init(e, s, i, in->dst)))
        return rc;
    if (!k && (rc = need_init(e, s, i, in->src)))
        return rc;
    reg kreg;
    if (k)
        reg_mark_const(&kreg, is32 ? (uint32_t)in->imm : (uint64_t)(int64_t)in->imm);
    const reg *a = &f->regs[in->dst], *b = k ? &kreg : &f->regs[in->src];
    scalar_cond op = cond_of(row);

    if (!reg_is_pointer(a) && !reg_is_pointer(b)) {
        int taken = scalar_branch_taken(op, &a->s, &b->s, is32);
        if (taken >= 0) {
            vprecise(e, s, in->dst);
            if (!k)
                vprecise(e, s, in->src);
            s->insn = taken ? target : i + 1;
            return CHECK_NEXT;
        }
        vstate *t = vstate_clone(s);
        if (!t)
            return bpfvm_fail(e->err, BPFVM_E_NOMEM, -1, "out of memory");
        vframe *tf = t->frames[t->curframe];
        reg *ta = &tf->regs[in->dst], *tb = k ? &kreg : &tf->regs[in->src];
        reg *fa = &f->regs[in->dst], *fb = k ? &kreg : &f->regs[in->src];
        reg kcopy = kreg;
        if (k)
            tb = &kcopy;
        bool t_ok = scalar_refine(op, true, &ta->s, &tb->s, is32);
        reg kcopy2 = kreg;
        if (k)
            fb = &kcopy2;
        bool f_ok = scalar_refine(op, false, &fa->s, &fb->s, is32);
        if (t_ok) {
            propagate_scalar(e, t, ta);
            if (!k)
                propagate_scalar(e, t, tb);
            t->insn = target;
        }
        if (f_ok) {
            propagate_scalar(e, s, fa);
            if (!k)
                propagate_scalar(e, s, fb);
            s->insn = i + 1;
        }
        if (t_ok && f_ok) {
            *fork = t;
            return CHECK_NEXT;
        }
        if (t_ok) { /* only the jump is possible: continue with it */
            vstate tmp = *s;
            *s = *t;
            *t = tmp;
            vstate_free(t);
            return CHECK_NEXT;
        }
        vstate_free(t);
        if (f_ok)
            return CHECK_NEXT;
        return vreject(e, i, "internal: neither branch of the comparison is possible");
    }

    /* a pointer against NULL */
    bool b_zero = b->type == T_SCALAR && scalar_is_const(&b->s) && scalar_const_value(&b->s) == 0;
    bool a_zero = a->type == T_SCALAR && scalar_is_const(&a->s) && scalar_const_value(&a->s) == 0;
    const reg *p = b_zero ? a : a_zero ? b : NULL;
    if (p && (op == SC_EQ || op == SC_NE) && !is32) {
        if (!p->maybe_null) { /* a valid pointer is never NULL */
            s->insn = op == SC_NE ? target : i + 1;
            return CHECK_NEXT;
        }
        vstate *t = vstate_clone(s);
        if (!t)
            return bpfvm_fail(e->err, BPFVM_E_NOMEM, -1, "out of memory");
        uint32_t id = p->id, ref = p->ref_id;
        null_mark null = { id, true }, nonnull = { id, false };
        vstate *eq = op == SC_EQ ? t : s, *ne = op == SC_EQ ? s : t;
        for_each_reg(eq, mark_null, e, &null);
        for_each_reg(ne, mark_null, e, &nonnull);
        if (ref)
            drop_ref(eq, ref); /* nothing to release when the reservation failed */
        t->insn = target;
        s->insn = i + 1;
        *fork = t;
        return CHECK_NEXT;
    }
    if (e->opts.unprivileged)
        return vreject(e, i, "R%d: comparing pointers is not allowed for unprivileged programs",
                       reg_is_pointer(a) ? in->dst : in->src);
    vstate *t = vstate_clone(s);
    if (!t)
        return bpfvm_fail(e->err, BPFVM_E_NOMEM, -1, "out of memory");
    t->insn = target;
    s->insn = i + 1;
    /* packet pointers against their end prove ranges */
    if (!k && !is32) {
        const reg *ta = &t->frames[t->curframe]->regs[in->dst], *tb = &t->frames[t->curframe]->regs[in->src];
        if ((a->type == T_PKT && b->type == T_PKT_END) || (a->type == T_PKT_META && b->type == T_PKT))
            pkt_compare(e, t, s, ta, tb, op, false);
        else if ((b->type == T_PKT && a->type == T_PKT_END) || (b->type == T_PKT_META && a->type == T_PKT))
            pkt_compare(e, t, s, tb, ta, op, true);
    }
    *fork = t;
    return CHECK_NEXT;
}

/* ---- calls --------------------------------------------------------------------------- */

/* Which map types each map-taking helper accepts (Linux check_map_func_compatibility). */
static bool map_ok_for_helper(uint32_t helper, const bpfvm_map *m)
{
    bpfvm_map_type t = m->def.type;
    switch (helper) {
    case 12: return t == BPFVM_MAP_PROG_ARRAY;
    case 130: case 131: case 134: return t == BPFVM_MAP_RINGBUF;
    case 87: case 88: case 89: return t == BPFVM_MAP_QUEUE || t == BPFVM_MAP_STACK;
    case 195: return t == BPFVM_MAP_PERCPU_ARRAY || t == BPFVM_MAP_PERCPU_HASH || t == BPFVM_MAP_LRU_PERCPU_HASH;
    case 51: /* redirect_map: redirect targets only */
        return t == BPFVM_MAP_DEVMAP || t == BPFVM_MAP_DEVMAP_HASH || t == BPFVM_MAP_CPUMAP || t == BPFVM_MAP_XSKMAP;
    case 25: return t == BPFVM_MAP_PERF_EVENT_ARRAY; /* perf_event_output */
    case 1: /* Linux: a program may look up devmaps and xskmaps, not change them */
        return t != BPFVM_MAP_PROG_ARRAY && t != BPFVM_MAP_RINGBUF && t != BPFVM_MAP_QUEUE && t != BPFVM_MAP_STACK &&
               t != BPFVM_MAP_PERF_EVENT_ARRAY && t != BPFVM_MAP_CPUMAP;
    case 2: case 3:
        return t != BPFVM_MAP_PROG_ARRAY && t != BPFVM_MAP_RINGBUF && t != BPFVM_MAP_QUEUE && t != BPFVM_MAP_STACK &&
               t != BPFVM_MAP_PERF_EVENT_ARRAY && t != BPFVM_MAP_CPUMAP && t != BPFVM_MAP_DEVMAP &&
               t != BPFVM_MAP_DEVMAP_HASH && t != BPFVM_MAP_XSKMAP;
    default: return true;
    }
}

/* A helper reads (or writes) size bytes at the pointer in register regno. */
static int helper_mem(venv *e, vstate *s, uint32_t i, int regno, uint64_t size, bool write, const char *what,
                      const char *name)
{
    const reg *r = &cur_frame(s)->regs[regno];
    if (r->type == T_NOT_INIT)
        return need_init(e, s, i, regno);
    if (r->type != T_STACK && r->type != T_MAP_VALUE && r->type != T_PKT && r->type != T_PKT_META && r->type != T_MEM)
        return vreject(e, i, "R%d is a %s, but helper %s expects a pointer to %s", regno, reg_type_name(r), name, what);
    if (size == 0 && !r->maybe_null)
        return 0; /* no byte is touched */
    if (size > (1u << 29))
        return vreject(e, i, "R%d: %s of %llu bytes is too large", regno, what, (unsigned long long)size);
    access a = { .regno = regno, .off = 0, .size = (uint32_t)size, .write = write };
    if (r->type == T_STACK) {
        /* each byte must be in the frame; writes make them unknown bytes */
        int64_t lo = (int64_t)r->off + r->s.smin, hi = (int64_t)r->off + r->s.smax + (int64_t)size;
        vframe *f = s->frames[r->frameno];
        char sp[96];
        if (lo < -(int64_t)BPFVM_STACK_SIZE || hi > 0)
            return vreject(e, i, "R%d pointer to stack: %s (%s) %s outside the %u-byte stack frame", regno, what,
                           span(sp, sizeof sp, (uint32_t)size, lo, hi, true), scalar_is_const(&r->s) ? "is" : "may fall",
                           BPFVM_STACK_SIZE);
        if (!vframe_grow(f, (uint32_t)-lo))
            return bpfvm_fail(e->err, BPFVM_E_NOMEM, -1, "out of memory");
        if ((uint32_t)-lo > f->depth)
            f->depth = (uint32_t)-lo;
        if (write && !stack_own(f, lo, hi))
            return bpfvm_fail(e->err, BPFVM_E_NOMEM, -1, "out of memory");
        for (int64_t b = lo; b < hi; b++) {
            uint8_t *t = stack_byte(f, b);
            if (!write && *t == STACK_INVALID && e->opts.unprivileged)
                return vreject(e, i, "R%d pointer to stack: the helper reads %s, but byte fp%lld was never written",
                               regno, what, (long long)b);
            if (write) {
                slot *sl = stack_slot(f, b);
                for (int k2 = 0; k2 < 8; k2++)
                    if (sl->type[k2] == STACK_SPILL)
                        sl->type[k2] = STACK_MISC;
                *t = STACK_MISC;
            }
        }
        return 0;
    }
    if (r->type == T_MAP_VALUE && write && r->rdonly)
        return vreject(e, i, "R%d: the helper would write into read-only map '%s'", regno, r->map->name);
    a.size = (uint32_t)size;
    return r->type == T_MAP_VALUE ? check_map_value(e, i, r, &a)
           : r->type == T_MEM     ? check_mem(e, i, r, &a)
                                  : check_packet(e, i, r, &a);
}

/* The key a stack pointer points to when it is a known constant: size bytes that
 * are all zero, or exactly one spilled constant scalar (Linux's
 * get_constant_map_key). The slot's value then matters for pruning (precise).
 * Returns -1 when unknown. */
static int64_t stack_const_key(venv *e, vstate *s, const reg *r, uint32_t size)
{
    if (r->type != T_STACK || !scalar_is_const(&r->s) || size == 0 || size > 8)
        return -1;
    int64_t lo = (int64_t)r->off + (int64_t)scalar_const_value(&r->s), hi = lo + size;
    vframe *f = s->frames[r->frameno];
    if (lo < -(int64_t)BPFVM_STACK_SIZE || hi > 0 || (uint32_t)-lo > f->nslots * 8)
        return -1;
    bool zero = true;
    for (int64_t b = lo; b < hi; b++)
        zero &= *stack_byte(f, b) == STACK_ZERO;
    if (zero)
        return 0;
    /* one spill covering exactly [lo, hi) */
    slot *sl = stack_slot(f, lo);
    if (stack_slot(f, hi - 1) != sl || sl->spilled.type != T_SCALAR)
        return -1;
    for (int k = 0; k < 8; k++) {
        int64_t b = (int64_t)(lo - (lo % 8 + 8) % 8) + k; /* the slot's bytes, low to high address */
        bool inside = b >= lo && b < hi;
        if ((*stack_byte(f, b) == STACK_SPILL) != inside)
            return -1;
    }
    if (!scalar_is_const(&sl->spilled.s))
        return -1;
    vprecise_slot(e, s, r->frameno, (uint32_t)((-lo - 1) / 8));
    return (int64_t)scalar_const_value(&sl->spilled.s);
}

/* The size argument of a MEM argument: bounded, and non-zero unless allowed. */
static int helper_size(venv *e, vstate *s, uint32_t i, int regno, bool zero_ok, uint64_t *max)
{
    const reg *r = &cur_frame(s)->regs[regno];
    int rc;
    if ((rc = need_init(e, s, i, regno)))
        return rc;
    if (r->type != T_SCALAR)
        return vreject(e, i, "R%d is a %s, but the helper expects a size", regno, reg_type_name(r));
    vprecise(e, s, regno);
    if (r->s.smin < 0)
        return vreject(e, i, "R%d: the size may be negative; compare it against 0 first", regno);
    if (r->s.umax > (1u << 29))
        return vreject(e, i, "R%d: the size is not bounded (up to %llu); compare it against a limit first", regno,
                       (unsigned long long)r->s.umax);
    if (!zero_ok && r->s.umin == 0)
        return vreject(e, i, "R%d: the size may be 0, which this helper does not allow", regno);
    *max = r->s.umax;
    return 0;
}

/* NUL-terminated string in a read-only map value (Linux ARG_PTR_TO_CONST_STR). */
static int helper_const_str(venv *e, vstate *s, uint32_t i, int regno)
{
    const reg *r = &cur_frame(s)->regs[regno];
    if (r->type != T_MAP_VALUE || !r->rdonly || !scalar_is_const(&r->s))
        return vreject(e, i, "R%d must point to a constant string in read-only data (.rodata), but is a %s", regno,
                       reg_type_name(r));
    uint32_t zero = 0;
    bpfvm_map *m = (bpfvm_map *)r->map;
    const char *v = m->ops->lookup(m, &zero, 0);
    int64_t off = (int64_t)r->off + (int64_t)scalar_const_value(&r->s);
    if (!v || off < 0 || off >= m->def.value_size || !memchr(v + off, 0, m->def.value_size - (size_t)off))
        return vreject(e, i, "R%d: the string is not NUL-terminated inside map '%s'", regno, m->name);
    return 0;
}

/* Pointers a helper invalidates become unknown numbers that remember which call
 * did it (for the message of a later dereference). */
typedef struct invalidate {
    uint32_t ref;   /* clear_ref: the released reference */
    uint32_t insn;  /* the helper call */
} invalidate;

static void clear_pkt(venv *e, reg *r, void *arg)
{
    (void)e;
    if (r->type == T_PKT || r->type == T_PKT_META || r->type == T_PKT_END) {
        reg_mark_unknown(r);
        r->stale = ((invalidate *)arg)->insn + 1;
    }
}

static void clear_ref(venv *e, reg *r, void *arg)
{
    (void)e;
    invalidate *v = arg;
    if (r->ref_id && r->ref_id == v->ref) {
        reg_mark_unknown(r);
        r->stale = v->insn + 1;
    }
}

static int check_helper(venv *e, vstate *s, uint32_t i, const isa_insn *in, vstate **fork)
{
    vframe *f = cur_frame(s);
    uint32_t id = (uint32_t)in->imm;
    const bpfvm_vm *vm = e->prog->vm;
    const bpfvm_helper_proto *p = bpfvm_helper_get_proto(vm, id);
    const char *name = bpfvm_helper_name(vm, id);
    int rc;
    if (!p)
        return vreject(e, i, "call to unknown helper %u", id);
    bool std = id < vm->nhelpers && vm->helpers[id].std;
    if (std && e->pt && e->type != BPFVM_PROG_MEM && !progtype_helper_allowed(e->pt, id))
        return vreject(e, i, "program type %s may not call helper %s (%u)", e->pt->name, name, id);
    if (p->gpl_only && !e->gpl)
        return vreject(e, i, "helper %s is GPL-only, but the program's license is not GPL-compatible", name);

    const bpfvm_map *map = NULL;
    int64_t const_key = -1; /* lookup in an array with a known key */
    uint64_t sizes[6] = { 0 };
    /* sizes first: MEM arguments are checked with the size that follows them */
    for (int a = 0; a < 5; a++) {
        bpfvm_arg_type t = p->args[a];
        if (t == BPFVM_ARG_SIZE || t == BPFVM_ARG_SIZE_OR_ZERO)
            if ((rc = helper_size(e, s, i, a + 1, t == BPFVM_ARG_SIZE_OR_ZERO, &sizes[a])))
                return rc;
    }
    for (int a = 0; a < 5; a++) {
        int regno = a + 1;
        const reg *r = &f->regs[regno];
        bpfvm_arg_type t = p->args[a];
        if (t == BPFVM_ARG_NONE || t == BPFVM_ARG_SIZE || t == BPFVM_ARG_SIZE_OR_ZERO)
            continue;
        if ((rc = need_init(e, s, i, regno)))
            return rc;
        switch (t) {
        case BPFVM_ARG_ANYTHING:
            if (reg_is_pointer(r) && e->opts.unprivileged && id != 181 && id != 12)
                return vreject(e, i, "R%d: passing a pointer where the helper expects a number leaks an address", regno);
            break;
        case BPFVM_ARG_MAP:
            if (r->type == T_MAP && r->maybe_null)
                return vreject(e, i, "R%d may be NULL (a map from a map-in-map lookup): check it against NULL before "
                               "passing it to %s", regno, name);
            if (r->type != T_MAP)
                return vreject(e, i, "R%d is a %s, but helper %s expects a map", regno, reg_type_name(r), name);
            map = r->map;
            if (!map_ok_for_helper(id, map))
                return vreject(e, i, "helper %s cannot be used with map '%s' of type %s", name, map->name,
                               bpfvm_map_type_name(map->def.type));
            break;
        case BPFVM_ARG_MAP_KEY:
            if ((rc = helper_mem(e, s, i, regno, map ? map->def.key_size : 0, false, "the map key", name)))
                return rc;
            if (id == 1 && map && (map->def.type == BPFVM_MAP_ARRAY || map->def.type == BPFVM_MAP_PERCPU_ARRAY))
                const_key = stack_const_key(e, s, r, map->def.key_size);
            break;
        case BPFVM_ARG_MAP_VALUE:
        case BPFVM_ARG_MAP_VALUE_UNINIT:
            if ((rc = helper_mem(e, s, i, regno, map ? map->def.value_size : 0, t == BPFVM_ARG_MAP_VALUE_UNINIT,
                                 "the map value", name)))
                return rc;
            break;
        case BPFVM_ARG_MEM:
        case BPFVM_ARG_MEM_UNINIT:
        case BPFVM_ARG_MEM_OR_NULL:
            if (t == BPFVM_ARG_MEM_OR_NULL && r->type == T_SCALAR && scalar_is_const(&r->s) && !scalar_const_value(&r->s)) {
                /* NULL only with a size that is 0 (Linux: a zero-byte read from NULL) */
                if (sizes[a + 1])
                    return vreject(e, i, "R%d is NULL, but the size in R%d may be up to %llu: helper %s takes NULL "
                                   "only with size 0", regno, regno + 1, (unsigned long long)sizes[a + 1], name);
                break;
            }
            if ((rc = helper_mem(e, s, i, regno, sizes[a + 1], t == BPFVM_ARG_MEM_UNINIT, "the buffer", name)))
                return rc;
            break;
        case BPFVM_ARG_CTX:
            if (r->type == T_CTX && !scalar_is_const(&r->s))
                return vreject(e, i, "R%d is the context pointer moved by a variable offset, but helper %s expects "
                               "the context itself", regno, name);
            if (r->type == T_CTX && (r->off || scalar_const_value(&r->s)))
                return vreject(e, i, "R%d is the context pointer moved by %lld bytes, but helper %s expects the "
                               "context itself", regno, (long long)r->off + (long long)scalar_const_value(&r->s), name);
            if (r->type != T_CTX)
                return vreject(e, i, "R%d is a %s, but helper %s expects the program's context", regno,
                               reg_type_name(r), name);
            break;
        case BPFVM_ARG_FUNC:
            if (r->type != T_FUNC)
                return vreject(e, i, "R%d is a %s, but helper %s expects a BPF function (a callback)", regno,
                               reg_type_name(r), name);
            if (r->off || !scalar_is_const(&r->s) || scalar_const_value(&r->s))
                return vreject(e, i, "R%d points inside a function: helper %s needs the address of the callback "
                               "itself", regno, name);
            break;
        case BPFVM_ARG_ALLOC_MEM:
            if (r->type == T_MEM && r->ref_id && r->maybe_null)
                return vreject(e, i, "R%d may be NULL: check the result of bpf_ringbuf_reserve against NULL before "
                               "passing it to %s", regno, name);
            if (r->type == T_MEM && r->ref_id && (r->off || !scalar_is_const(&r->s) || scalar_const_value(&r->s)))
                return vreject(e, i, "R%d points inside the ring buffer record: %s needs the pointer "
                               "bpf_ringbuf_reserve returned", regno, name);
            if (r->type != T_MEM || !r->ref_id)
                return vreject(e, i, "R%d is a %s, but %s expects a record returned by bpf_ringbuf_reserve (one "
                               "not yet submitted or discarded)", regno, reg_type_name(r), name);
            break;
        case BPFVM_ARG_CONST_STR:
            if ((rc = helper_const_str(e, s, i, regno)))
                return rc;
            break;
        default:
            break;
        }
    }

    /* helper-specific rules */
    if (id == 12) { /* tail call */
        if (s->nrefs)
            return vreject(e, i, "bpf_tail_call would leak the ring buffer record reserved at instruction %u",
                           s->refs[0].insn);
        if (s->curframe)
            return vreject(e, i, "bpf_tail_call from a BPF-to-BPF subprogram is not supported by bpfvm");
    }
    uint64_t alloc_size = 0;
    if (id == 131) { /* ringbuf_reserve: the size must be known */
        const reg *r = &f->regs[2];
        if (r->type != T_SCALAR || !scalar_is_const(&r->s))
            return vreject(e, i, "R2: bpf_ringbuf_reserve needs a constant size");
        vprecise(e, s, 2);
        alloc_size = scalar_const_value(&r->s);
        if (alloc_size > (1u << 28))
            return vreject(e, i, "R2: bpf_ringbuf_reserve of %llu bytes is too large", (unsigned long long)alloc_size);
    }
    if (p->releases_ref) {
        invalidate v = { f->regs[1].ref_id, i };
        drop_ref(s, v.ref);
        for_each_reg(s, clear_ref, e, &v);
    }
    /* bpf_loop: explore the callback as a call from here (its exit comes back to
     * this call), and the continuation. As Linux, a path calls the callback at most
     * nr_loops (R1's maximum) times: the caller frame counts them. */
    bool callback = false;
    if (id == 181) {
        vprecise(e, s, 1);
        const reg *n = &f->regs[1];
        callback = n->type != T_SCALAR || f->callback_depth < n->s.umax;
        if (!callback)
            f->callback_depth = 0;
    }
    if (callback) {
        if (s->curframe + 1 >= BPFVM_MAX_FRAMES)
            return vreject(e, i, "the call stack of %u frames is too deep", s->curframe + 2);
        f->callback_depth++; /* (the clone's caller frame) */
        vstate *c = vstate_clone(s);
        f->callback_depth = 0;
        if (!c)
            return bpfvm_fail(e->err, BPFVM_E_NOMEM, -1, "out of memory");
        vframe *nf = vframe_new();
        if (!nf) {
            vstate_free(c);
            return bpfvm_fail(e->err, BPFVM_E_NOMEM, -1, "out of memory");
        }
        vframe *cf = c->frames[c->curframe];
        scalar idx = scalar_unknown_size(4);
        reg_mark_scalar(&nf->regs[1], idx);
        nf->regs[2] = cf->regs[3];
        nf->regs[10].type = T_STACK;
        nf->regs[10].frameno = (uint8_t)(c->curframe + 1);
        nf->regs[10].s = scalar_const(0);
        nf->callsite = i;
        nf->subprog = cf->regs[2].subprog;
        nf->callback = true;
        c->curframe++;
        c->frames[c->curframe] = nf;
        c->insn = nf->subprog;
        *fork = c;
    }

    /* after the call: r1-r5 are dead, r0 is the result */
    for (int r = 1; r <= 5; r++)
        reg_mark_not_init(&f->regs[r]);
    reg *r0 = &f->regs[0];
    switch (p->ret) {
    case BPFVM_RET_INTEGER:
        reg_mark_unknown(r0);
        break;
    case BPFVM_RET_VOID:
    case BPFVM_RET_NEVER:
        reg_mark_not_init(r0);
        break;
    case BPFVM_RET_MAP_VALUE_OR_NULL:
        reg_mark_not_init(r0);
        if (map && (map->def.type == BPFVM_MAP_ARRAY_OF_MAPS || map->def.type == BPFVM_MAP_HASH_OF_MAPS)) {
            r0->type = T_MAP;
            r0->map = map->def.inner;
        } else {
            r0->type = T_MAP_VALUE;
            r0->map = map;
            r0->rdonly = map && (map->def.flags & BPFVM_F_RDONLY_PROG);
        }
        /* an array lookup with a constant key below max_entries cannot fail (Linux 6.14+) */
        r0->maybe_null = !(const_key >= 0 && map && (uint64_t)const_key < map->def.max_entries);
        r0->id = r0->maybe_null ? vnew_id(e) : 0;
        r0->s = scalar_const(0);
        if (!r0->map)
            return vreject(e, i, "helper %s returns a map value, but its map argument is unknown", name);
        break;
    case BPFVM_RET_ALLOC_MEM_OR_NULL: {
        reg_mark_not_init(r0);
        r0->type = T_MEM;
        r0->maybe_null = true;
        r0->mem_size = (uint32_t)alloc_size;
        r0->id = vnew_id(e);
        r0->ref_id = r0->id;
        r0->s = scalar_const(0);
        vref *v = realloc(s->refs, (s->nrefs + 1) * sizeof *v);
        if (!v)
            return bpfvm_fail(e->err, BPFVM_E_NOMEM, -1, "out of memory");
        s->refs = v;
        v[s->nrefs++] = (vref){ r0->ref_id, i };
        break;
    }
    }
    if (p->changes_packet) {
        invalidate v = { 0, i };
        for_each_reg(s, clear_pkt, e, &v);
    }
    s->insn = i + 1;
    return CHECK_NEXT;
}

static int check_local_call(venv *e, vstate *s, uint32_t i, const isa_insn *in)
{
    if (s->curframe + 1 >= BPFVM_MAX_FRAMES)
        return vreject(e, i, "the call stack of %u frames is too deep (the limit is %u)", s->curframe + 2,
                       BPFVM_MAX_FRAMES);
    vframe *nf = vframe_new();
    if (!nf)
        return bpfvm_fail(e->err, BPFVM_E_NOMEM, -1, "out of memory");
    vframe *f = cur_frame(s);
    for (int r = 1; r <= 5; r++)
        nf->regs[r] = f->regs[r];
    nf->regs[10].type = T_STACK;
    nf->regs[10].frameno = (uint8_t)(s->curframe + 1);
    nf->regs[10].s = scalar_const(0);
    nf->callsite = i;
    nf->subprog = (uint32_t)((int64_t)i + in->imm + 1);
    s->curframe++;
    s->frames[s->curframe] = nf;
    s->insn = nf->subprog;
    return CHECK_NEXT;
}

typedef struct frame_ref {
    uint32_t frameno;
    bool found;
} frame_ref;

static void find_frame_ptr(venv *e, reg *r, void *arg)
{
    (void)e;
    frame_ref *fr = arg;
    if (r->type == T_STACK && r->frameno == fr->frameno)
        fr->found = true;
}

static int check_exit(venv *e, vstate *s, uint32_t i)
{
    vframe *f = cur_frame(s);
    reg *r0 = &f->regs[0];
    /* a function may leave R0 unset (clang does when callers ignore the result):
     * the caller just cannot read it (Linux) */
    if (r0->type == T_NOT_INIT && !s->curframe && r0->stale)
        return vreject(e, i, "R0 is not set before exit: the program returns the result of the function called at "
                       "instruction %u, which returned without setting it", r0->stale - 1);
    if (r0->type == T_NOT_INIT && (!s->curframe || f->callback))
        return vreject(e, i, "R0 is not set before exit: the %s must return a value",
                       s->curframe ? "callback" : "program");
    if (s->curframe) {
        if (r0->type == T_STACK && r0->frameno == s->curframe)
            return vreject(e, i, "R0: returning a pointer to the function's own stack frame, which ends here");
        if (f->callback) {
            hist_callback_exit(s);
            if (r0->type != T_SCALAR)
                return vreject(e, i, "R0 is a %s: a bpf_loop callback must return 0 (continue) or 1 (stop)",
                               reg_type_name(r0));
            vprecise(e, s, 0);
            if (r0->s.smin < 0 || r0->s.smax > 1) {
                char v[200];
                scalar_str(&r0->s, v, sizeof v);
                return vreject(e, i, "R0 is %s at callback exit: a bpf_loop callback must return 0 or 1", v);
            }
        }
        uint32_t callsite = f->callsite;
        bool callback = f->callback;
        reg ret = *r0;
        vframe_free(f);
        s->frames[s->curframe] = NULL;
        s->curframe--;
        vframe *caller = cur_frame(s);
        /* nothing may keep pointing into the frame that ended */
        frame_ref fr = { s->curframe + 1, false };
        for_each_reg(s, find_frame_ptr, e, &fr);
        if (fr.found)
            return vreject(e, i, "a pointer into the stack frame of the returning function survives the return");
        if (callback) { /* back to the bpf_loop call: it may call the callback again */
            s->insn = callsite;
            s->in_loop_ok = true;
            return CHECK_NEXT;
        }
        caller->regs[0] = ret;
        if (ret.type == T_NOT_INIT) /* remembered for the message if the caller reads it */
            caller->regs[0].stale = callsite + 1;
        for (int r = 1; r <= 5; r++)
            reg_mark_not_init(&caller->regs[r]);
        s->insn = callsite + 1;
        return CHECK_NEXT;
    }
    if (s->nrefs)
        return vreject(e, i, "the ring buffer record reserved at instruction %u is neither submitted nor discarded on "
                       "this path", s->refs[0].insn);
    if (reg_is_pointer(r0) && e->opts.unprivileged)
        return vreject(e, i, "R0 is a %s: returning it leaks an address", reg_type_name(r0));
    if (e->pt && e->pt->ret_checked) {
        int64_t lo = e->pt->ret_min, hi = e->pt->ret_max;
        /* cgroup_skb: 0..3 for egress programs, 0..1 (drop, pass) for ingress ones (Linux) */
        if (e->type == BPFVM_PROG_CGROUP_SKB && !(e->prog->section && strstr(e->prog->section, "egress")))
            hi = 1;
        vprecise(e, s, 0);
        if (r0->type != T_SCALAR || r0->s.smin < lo || r0->s.smax > hi) {
            char v[200];
            if (r0->type != T_SCALAR)
                snprintf(v, sizeof v, "is a %s", reg_type_name(r0));
            else if (scalar_is_const(&r0->s))
                snprintf(v, sizeof v, "is %lld", (long long)scalar_const_value(&r0->s));
            else
                snprintf(v, sizeof v, "may be anything from %lld to %lld", (long long)r0->s.smin,
                         (long long)r0->s.smax);
            return vreject(e, i, "R0 %s at program exit, but a %s program must return a value in [%lld, %lld]", v,
                           e->pt->name, (long long)lo, (long long)hi);
        }
    }
    return CHECK_DONE;
}

/* ---- dispatch ---------------------------------------------------------------------- */

void check_init_state(venv *e, vstate *s)
{
    vframe *f = s->frames[0];
    f->callsite = UINT32_MAX;
    f->regs[10].type = T_STACK;
    f->regs[10].frameno = 0;
    f->regs[10].s = scalar_const(0);
    if (e->type == BPFVM_PROG_MEM) {
        reg *r1 = &f->regs[1];
        r1->type = T_MEM;
        r1->mem_size = e->opts.mem_size;
        r1->s = scalar_const(0);
        reg_mark_const(&f->regs[2], e->opts.mem_size);
    } else {
        f->regs[1].type = T_CTX;
        f->regs[1].s = scalar_const(0);
    }
}

int check_insn(venv *e, vstate *s, vstate **fork)
{
    uint32_t i = s->insn;
    *fork = NULL;
    if (i >= e->n || e->rows[i] == ISA_LDDW_HI)
        return vreject(e, i < e->n ? i : e->n - 1, "execution reaches instruction %u, which is not an instruction", i);
    const isa_insn *in = &e->insns[i];
    const isa_row *row = &isa_rows[e->rows[i]];
    switch (row->shape) {
    case SH_ALU_K:
    case SH_ALU_X:
    case SH_NEG:
    case SH_MOVSX:
    case SH_END:
        return check_alu(e, s, i, in, row);
    case SH_LDX:
    case SH_LDACQ:
        return check_load(e, s, i, in, row);
    case SH_ST:
    case SH_STX:
    case SH_STREL:
        return check_store(e, s, i, in, row);
    case SH_ATOMIC:
        return check_atomic(e, s, i, in, row);
    case SH_LDDW:
        return check_lddw(e, s, i, in, row);
    case SH_LDABS:
    case SH_LDIND:
        return check_ld_abs(e, s, i, in, row);
    case SH_JA:
        if (row->id == ISA_MAY_GOTO) {
            vstate *t = vstate_clone(s);
            if (!t)
                return bpfvm_fail(e->err, BPFVM_E_NOMEM, -1, "out of memory");
            t->insn = (uint32_t)((int64_t)i + in->off + 1);
            s->insn = i + 1;
            *fork = t;
            return CHECK_NEXT;
        }
        s->insn = (uint32_t)isa_target(in, row, i);
        return CHECK_NEXT;
    case SH_JCOND_K:
    case SH_JCOND_X:
        return check_cond(e, s, i, in, row, fork);
    case SH_CALL:
        if (row->id == ISA_CALL_HELPER)
            return check_helper(e, s, i, in, fork);
        if (row->id == ISA_CALL_LOCAL)
            return check_local_call(e, s, i, in);
        return vreject(e, i, "calls of kernel functions (kfuncs) are not supported");
    case SH_CALLX:
        return vreject(e, i, "indirect calls (callx) cannot be verified; Linux rejects them too");
    case SH_EXIT:
        return check_exit(e, s, i);
    default:
        return vreject(e, i, "instruction %s is not supported by the verifier", row->name);
    }
}
