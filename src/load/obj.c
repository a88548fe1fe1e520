/* obj.c — accessors of an opened object and printing map data as C values
 * through BTF (libbpf's btf_dump). */
#include "load/obj.h"
#include "rt/map.h"

#include <bpf/btf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bpfvm_obj_free(bpfvm_obj *obj)
{
    if (!obj)
        return;
    for (size_t i = 0; i < obj->nprogs; i++)
        bpfvm_prog_free(obj->progs[i]);
    free(obj->progs);
    /* maps of the VM keep pointing at this BTF for printing: drop the references */
    for (size_t i = 0; i < obj->nmaps; i++)
        if (obj->maps[i]->btf == obj->btf)
            obj->maps[i]->btf = NULL;
    free(obj->maps); /* the maps themselves belong to the VM */
    free(obj->ext.v);
    btf__free(obj->btf);
    free(obj->image);
    free(obj->license);
    free(obj->name);
    free(obj);
}

const char *bpfvm_obj_name(const bpfvm_obj *obj) { return obj->name; }
bpfvm_vm *bpfvm_obj_vm(const bpfvm_obj *obj) { return obj->vm; }
const char *bpfvm_obj_license(const bpfvm_obj *obj) { return obj->license ? obj->license : ""; }
size_t bpfvm_obj_prog_count(const bpfvm_obj *obj) { return obj->nprogs; }
bpfvm_prog *bpfvm_obj_prog(const bpfvm_obj *obj, size_t i) { return i < obj->nprogs ? obj->progs[i] : NULL; }
size_t bpfvm_obj_map_count(const bpfvm_obj *obj) { return obj->nmaps; }
bpfvm_map *bpfvm_obj_map(const bpfvm_obj *obj, size_t i) { return i < obj->nmaps ? obj->maps[i] : NULL; }

bpfvm_prog *bpfvm_obj_find_prog(const bpfvm_obj *obj, const char *name)
{
    for (size_t i = 0; i < obj->nprogs; i++)
        if (!strcmp(obj->progs[i]->name, name))
            return obj->progs[i];
    for (size_t i = 0; i < obj->nprogs; i++)
        if (obj->progs[i]->section && !strcmp(obj->progs[i]->section, name))
            return obj->progs[i];
    return NULL;
}

typedef struct sbuf {
    char *buf;
    size_t size, len;
} sbuf;

__attribute__((format(printf, 2, 3))) static void put(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->len < b->size ? b->size - b->len : 0;
    int n = vsnprintf(b->buf + (b->len < b->size ? b->len : 0), room, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len += (size_t)n;
}

static uint64_t load_uint(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    memcpy(&v, p, n < 8 ? n : 8); /* little-endian host */
    return v;
}

/* Prints data of BTF type id as a C initializer: {.a = 1, .b = [1, 2], .s = "x"}. */
static void print_type(const struct btf *btf, uint32_t id, const uint8_t *data, size_t avail, sbuf *b, int depth)
{
    const struct btf_type *t = btf__type_by_id(btf, id);
    if (!t || depth > 16) {
        put(b, "?");
        return;
    }
    switch (btf_kind(t)) {
    case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST: case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPE_TAG: case BTF_KIND_VAR:
        print_type(btf, t->type, data, avail, b, depth + 1);
        return;
    case BTF_KIND_INT: {
        uint32_t enc = btf_int_encoding(t), bits = btf_int_bits(t), off = btf_int_offset(t);
        size_t n = t->size;
        if (n > avail || n > 8 || off >= 64 || bits > 64) { /* libbpf does not bound offset and bits */
            put(b, "?");
            return;
        }
        uint64_t v = load_uint(data, n) >> off;
        if (bits < 64)
            v &= (1ull << bits) - 1;
        if (enc & BTF_INT_BOOL)
            put(b, "%s", v ? "true" : "false");
        else if ((enc & BTF_INT_CHAR) && v >= 32 && v < 127)
            put(b, "'%c'", (int)v);
        else if ((enc & BTF_INT_SIGNED) && bits && bits < 64 && (v >> (bits - 1)))
            put(b, "%lld", (long long)(v | ~((1ull << bits) - 1)));
        else if (enc & BTF_INT_SIGNED)
            put(b, "%lld", (long long)v);
        else
            put(b, "%llu", (unsigned long long)v);
        return;
    }
    case BTF_KIND_ENUM: {
        if (t->size > avail) {
            put(b, "?");
            return;
        }
        int64_t v = (int64_t)load_uint(data, t->size);
        if (t->size == 4)
            v = (int32_t)v;
        const struct btf_enum *e = btf_enum(t);
        for (int i = 0; i < btf_vlen(t); i++, e++)
            if (e->val == v) {
                put(b, "%s", btf__name_by_offset(btf, e->name_off));
                return;
            }
        put(b, "%lld", (long long)v);
        return;
    }
    case BTF_KIND_PTR:
        put(b, "%#llx", (unsigned long long)load_uint(data, avail < 8 ? avail : 8));
        return;
    case BTF_KIND_ARRAY: {
        const struct btf_array *a = btf_array(t);
        int64_t es = btf__resolve_size(btf, a->type);
        uint32_t dummy;
        const struct btf_type *et = btf__type_by_id(btf, a->type);
        while (et && (btf_is_typedef(et) || btf_is_mod(et)))
            et = btf__type_by_id(btf, et->type);
        (void)dummy;
        if (es <= 0) {
            put(b, "[]");
            return;
        }
        /* char arrays that hold text print as strings; clang never sets BTF_INT_CHAR,
         * so a 1-byte int named "char" counts too (not __u8 / unsigned char: bytes) */
        const char *en = et ? btf__name_by_offset(btf, et->name_off) : NULL;
        if (et && btf_is_int(et) && es == 1 &&
            ((btf_int_encoding(et) & BTF_INT_CHAR) || (en && !strcmp(en, "char")))) {
            size_t n = a->nelems < avail ? a->nelems : avail, len = strnlen((const char *)data, n);
            bool text = len < n || len == n;
            for (size_t i = 0; i < len && text; i++)
                text = data[i] >= 32 && data[i] < 127;
            if (text) {
                put(b, "\"%.*s\"", (int)len, (const char *)data);
                return;
            }
        }
        put(b, "[");
        for (uint32_t i = 0; i < a->nelems && (size_t)(i + 1) * (size_t)es <= avail; i++) {
            put(b, i ? ", " : "");
            print_type(btf, a->type, data + (size_t)i * (size_t)es, (size_t)es, b, depth + 1);
        }
        put(b, "]");
        return;
    }
    case BTF_KIND_STRUCT: case BTF_KIND_UNION: {
        const struct btf_member *m = btf_members(t);
        put(b, "{");
        for (int i = 0; i < btf_vlen(t); i++, m++) {
            uint32_t boff = btf_member_bit_offset(t, (uint32_t)i), bsz = btf_member_bitfield_size(t, (uint32_t)i);
            const char *name = btf__name_by_offset(btf, m->name_off);
            put(b, "%s.%s = ", i ? ", " : "", name && *name ? name : "(anon)");
            if (boff / 8 >= avail) {
                put(b, "?");
                continue;
            }
            if (bsz) { /* bitfield */
                uint64_t v = load_uint(data + boff / 8, avail - boff / 8 < 8 ? avail - boff / 8 : 8);
                v = (v >> (boff % 8)) & (bsz < 64 ? (1ull << bsz) - 1 : ~0ull);
                put(b, "%llu", (unsigned long long)v);
            } else {
                print_type(btf, m->type, data + boff / 8, avail - boff / 8, b, depth + 1);
            }
        }
        put(b, "}");
        return;
    }
    case BTF_KIND_DATASEC: {
        const struct btf_var_secinfo *v = btf_var_secinfos(t);
        for (int i = 0; i < btf_vlen(t); i++, v++) {
            const struct btf_type *var = btf__type_by_id(btf, v->type);
            const char *name = var ? btf__name_by_offset(btf, var->name_off) : "?";
            put(b, "%s%s = ", i ? ", " : "", name);
            if (v->offset < avail)
                print_type(btf, v->type, data + v->offset, avail - v->offset, b, depth + 1);
            else
                put(b, "?");
        }
        return;
    }
    case BTF_KIND_FLOAT: {
        if (t->size == 8 && avail >= 8) {
            double d;
            memcpy(&d, data, 8);
            put(b, "%g", d);
        } else if (t->size == 4 && avail >= 4) {
            float f;
            memcpy(&f, data, 4);
            put(b, "%g", (double)f);
        } else {
            put(b, "?");
        }
        return;
    }
    default:
        put(b, "?");
    }
}

size_t bpfvm_map_format(const bpfvm_map *m, bool key, const void *data, char *buf, size_t size)
{
    sbuf b = { buf, size, 0 };
    if (size)
        buf[0] = 0;
    uint32_t type = key ? m->btf_key_type : m->btf_value_type;
    size_t n = key ? m->def.key_size : m->def.value_size;
    if (m->btf && type) {
        print_type((const struct btf *)m->btf, type, data, n, &b, 0);
    } else if (n == 1 || n == 2 || n == 4 || n == 8) {
        put(&b, "%llu", (unsigned long long)load_uint(data, n));
    } else {
        for (size_t i = 0; i < n; i++)
            put(&b, "%s%02x", i ? " " : "", ((const uint8_t *)data)[i]);
    }
    return b.len < size ? b.len : size ? size - 1 : 0;
}
