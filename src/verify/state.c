/* state.c — verifier states: allocation, copying, and printing registers the way
 * the messages show them ("R1=ctx R2=pkt(off=14,r=14) R3=scalar(umax=255)").
 * Comparison for pruning lives in walk.c, which knows liveness and precision.
 */
#include "verify/vstate.h"
#include "rt/map.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

vframe *vframe_new(void)
{
    return calloc(1, sizeof(vframe));
}

static _Thread_local size_t chunk_bytes;

size_t vchunk_bytes(void)
{
    return chunk_bytes;
}

static void chunk_put(vchunk *c)
{
    if (c && !--c->refs) {
        chunk_bytes -= sizeof *c;
        free(c);
    }
}

void vframe_free(vframe *f)
{
    if (f) {
        for (uint32_t c = 0; c < VFRAME_SLOTS / VCHUNK_SLOTS; c++)
            chunk_put(f->chunk[c]);
        free(f);
    }
}

bool vframe_grow(vframe *f, uint32_t bytes)
{
    uint32_t need = (bytes + 7) / 8;
    if (need > VFRAME_SLOTS)
        need = VFRAME_SLOTS;
    if (need <= f->nslots)
        return true;
    for (uint32_t c = 0; c * VCHUNK_SLOTS < need; c++)
        if (!f->chunk[c]) {
            if (!(f->chunk[c] = calloc(1, sizeof(vchunk))))
                return false;
            f->chunk[c]->refs = 1;
            chunk_bytes += sizeof(vchunk);
        }
    f->nslots = need; /* the new slots are zero (never written) in every chunk */
    return true;
}

bool vframe_own(vframe *f, uint32_t klo, uint32_t khi)
{
    for (uint32_t c = klo / VCHUNK_SLOTS; c <= khi / VCHUNK_SLOTS; c++) {
        vchunk *old = f->chunk[c];
        if (old->refs == 1)
            continue;
        vchunk *n = malloc(sizeof *n);
        if (!n)
            return false;
        memcpy(n, old, sizeof *n);
        n->refs = 1;
        chunk_bytes += sizeof *n;
        old->refs--;
        f->chunk[c] = n;
    }
    return true;
}

static vframe *vframe_clone(const vframe *f)
{
    vframe *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    *c = *f;
    for (uint32_t k = 0; k < VFRAME_SLOTS / VCHUNK_SLOTS; k++)
        if (c->chunk[k])
            c->chunk[k]->refs++;
    return c;
}

vstate *vstate_new(void)
{
    vstate *s = calloc(1, sizeof *s);
    if (s && !(s->frames[0] = vframe_new())) {
        free(s);
        return NULL;
    }
    return s;
}

vstate *vstate_clone(const vstate *s)
{
    vstate *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->curframe = s->curframe;
    c->insn = s->insn;
    c->parent = s->parent;
    c->in_loop_ok = s->in_loop_ok;
    for (uint32_t i = 0; i <= s->curframe; i++)
        if (!(c->frames[i] = vframe_clone(s->frames[i]))) {
            vstate_free(c);
            return NULL;
        }
    if (s->nhist) {
        c->hist = malloc(s->nhist * sizeof *c->hist);
        if (!c->hist) {
            vstate_free(c);
            return NULL;
        }
        memcpy(c->hist, s->hist, s->nhist * sizeof *c->hist);
        c->nhist = c->caphist = s->nhist;
    }
    if (s->nrefs) {
        c->refs = malloc(s->nrefs * sizeof *c->refs);
        if (!c->refs) {
            vstate_free(c);
            return NULL;
        }
        memcpy(c->refs, s->refs, s->nrefs * sizeof *c->refs);
        c->nrefs = s->nrefs;
    }
    return c;
}

void vstate_free(vstate *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < BPFVM_MAX_FRAMES; i++)
        vframe_free(s->frames[i]);
    free(s->refs);
    free(s->hist);
    free(s);
}

size_t vstate_bytes(const vstate *s)
{
    size_t n = sizeof *s + s->nrefs * sizeof(vref) + s->caphist * sizeof(hist_entry);
    for (uint32_t i = 0; i <= s->curframe; i++)
        n += sizeof(vframe); /* stack chunks are shared: counted by vchunk_bytes() */
    return n;
}

void reg_mark_not_init(reg *r)
{
    memset(r, 0, sizeof *r);
}

void reg_mark_scalar(reg *r, scalar s)
{
    memset(r, 0, sizeof *r);
    r->type = T_SCALAR;
    r->s = s;
}

void reg_mark_unknown(reg *r)
{
    reg_mark_scalar(r, scalar_unknown());
}

void reg_mark_const(reg *r, uint64_t v)
{
    reg_mark_scalar(r, scalar_const(v));
}

bool reg_is_pointer(const reg *r)
{
    return r->type != T_NOT_INIT && r->type != T_SCALAR;
}

const char *reg_type_name(const reg *r)
{
    switch (r->type) {
    case T_NOT_INIT: return "uninitialized";
    case T_SCALAR: return "scalar";
    case T_CTX: return "pointer to context";
    case T_MAP: return r->maybe_null ? "map or null" : "map";
    case T_MAP_VALUE: return r->maybe_null ? "pointer to map value or null" : "pointer to map value";
    case T_STACK: return "pointer to stack";
    case T_PKT: return "pointer to packet";
    case T_PKT_META: return "pointer to packet metadata";
    case T_PKT_END: return "pointer to packet end";
    case T_MEM: return r->maybe_null ? "pointer to memory or null" : "pointer to memory";
    case T_FUNC: return "pointer to function";
    default: return "?";
    }
}

size_t reg_str(const reg *r, char *buf, size_t size)
{
    char var[200] = "";
    bool has_var = r->type != T_SCALAR && !(scalar_is_const(&r->s) && scalar_const_value(&r->s) == 0);
    if (has_var)
        scalar_str(&r->s, var, sizeof var);
    switch (r->type) {
    case T_NOT_INIT:
        return (size_t)snprintf(buf, size, "?");
    case T_SCALAR: {
        char v[200];
        scalar_str(&r->s, v, sizeof v);
        return (size_t)snprintf(buf, size, "%s%s", r->precise ? "P" : "", v); /* P: precise, as Linux prints */
    }
    case T_STACK:
        return (size_t)snprintf(buf, size, "fp%" PRId32 "%s%s%s", r->off, has_var ? "(var=" : "", var,
                                has_var ? ")" : "");
    case T_PKT:
    case T_PKT_META:
        return (size_t)snprintf(buf, size, "%s(off=%" PRId32 ",r=%u%s%s)", r->type == T_PKT ? "pkt" : "pkt_meta",
                                r->off, r->range, has_var ? ",var=" : "", var);
    case T_MAP_VALUE:
        return (size_t)snprintf(buf, size, "map_value%s(map=%s,off=%" PRId32 ",size=%u%s%s)",
                                r->maybe_null ? "_or_null" : "", r->map ? r->map->name : "?", r->off,
                                r->map ? r->map->def.value_size : 0, has_var ? ",var=" : "", var);
    case T_MEM:
        return (size_t)snprintf(buf, size, "mem%s(size=%u,off=%" PRId32 ")", r->maybe_null ? "_or_null" : "",
                                r->mem_size, r->off);
    case T_MAP:
        return (size_t)snprintf(buf, size, "map%s(%s)", r->maybe_null ? "_or_null" : "", r->map ? r->map->name : "?");
    case T_CTX:
        return (size_t)snprintf(buf, size, "ctx(off=%" PRId32 ")", r->off);
    case T_PKT_END:
        return (size_t)snprintf(buf, size, "pkt_end");
    case T_FUNC:
        return (size_t)snprintf(buf, size, "func(%u)", r->subprog);
    default:
        return (size_t)snprintf(buf, size, "?");
    }
}

size_t vstate_str(const vstate *s, char *buf, size_t size)
{
    const vframe *f = s->frames[s->curframe];
    size_t n = 0;
    char one[300];
    if (size)
        buf[0] = 0;
    for (int i = 0; i < 11; i++) {
        if (f->regs[i].type == T_NOT_INIT)
            continue;
        reg_str(&f->regs[i], one, sizeof one);
        n += (size_t)snprintf(buf + (n < size ? n : size), n < size ? size - n : 0, "%sR%d=%s", n ? " " : "", i, one);
    }
    for (uint32_t k = 0; k < f->nslots; k++) {
        const slot *sl = vslot(f, k);
        bool any = false;
        for (int b = 0; b < 8; b++)
            any |= sl->type[b] != STACK_INVALID;
        if (!any)
            continue;
        if (sl->type[0] == STACK_SPILL && sl->type[7] == STACK_SPILL)
            reg_str(&sl->spilled, one, sizeof one);
        else {
            for (int b = 0; b < 8; b++)
                one[b] = "?mzs"[sl->type[7 - b]];
            one[8] = 0;
        }
        n += (size_t)snprintf(buf + (n < size ? n : size), n < size ? size - n : 0, " fp-%u=%s", (k + 1) * 8, one);
    }
    return n;
}
