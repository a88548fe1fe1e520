/* elf.c — loads BPF ELF objects made by clang (EM_BPF, ET_REL, little-endian):
 * sections and symbols through libelf, BTF through libbpf's btf API, and then what
 * libbpf's bpf_object does before it talks to a kernel:
 *   1. maps: BTF-defined in .maps, legacy in `maps`, and one single-entry array per
 *      global-data section (.data*, .rodata* (read-only), .bss*);
 *   2. programs: every global function of a program section, linked with the
 *      subprograms it calls (R_BPF_64_32 or pc-relative calls, callbacks loaded with
 *      lddw) appended after it, as libbpf does;
 *   3. relocations: lddw of maps (src 1), of global data (src 2, offset in the second
 *      imm including the addend of section symbols), of functions (src 4);
 *   4. initial contents of prog arrays and map-in-map from .rel.maps;
 *   5. BTF line info mapped to the linked programs.
 * Malformed input of any kind is refused with a message naming the section,
 * symbol or relocation; nothing is trusted (offsets, sizes, indexes are checked).
 */
#include "load/obj.h"
#include "rt/map.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <pthread.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef EM_BPF
#define EM_BPF 247
#endif
#define R_BPF_NONE 0
#define R_BPF_64_64 1
#define R_BPF_64_ABS64 2
#define R_BPF_64_ABS32 3
#define R_BPF_64_NODYLD32 4
#define R_BPF_64_32 10

typedef struct sec {
    const char *name;
    GElf_Shdr sh;
    Elf_Data *data;
    size_t rel;          /* index of its .rel section, 0 if none */
    int map_index;       /* data sections: index in obj->maps, else -1 */
} sec;

typedef struct func {
    const char *name;
    size_t sec;
    uint64_t off, size;  /* bytes within the section */
    bool entry;          /* a program (global function outside .text) */
} func;

typedef struct ld {
    bpfvm_obj *obj;
    bpfvm_error *err;
    const char *name;
    Elf *elf;
    sec *secs;
    size_t nsecs;
    Elf_Data *symtab;
    size_t nsyms, strtab;
    size_t maps_sec, legacy_maps_sec; /* 0 if absent */
    func *funcs;
    size_t nfuncs;
    int *sym_map;        /* per symbol: index in obj->maps of the map it defines, or -1 */
} ld;

static int lfail(ld *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int lfail(ld *l, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return bpfvm_fail(l->err, BPFVM_E_INVALID, -1, "%s: %s", l->name, msg);
}

static int get_sym(ld *l, size_t i, GElf_Sym *s)
{
    if (!l->symtab || i >= l->nsyms || !gelf_getsym(l->symtab, (int)i, s))
        return lfail(l, "symbol %zu does not exist", i);
    return 0;
}

static const char *sym_name(ld *l, const GElf_Sym *s)
{
    const char *n = elf_strptr(l->elf, l->strtab, s->st_name);
    return n ? n : "";
}

/* A symbol's name for messages: section symbols have none, so their section's. */
static const char *sym_label(ld *l, const GElf_Sym *s)
{
    if (GELF_ST_TYPE(s->st_info) == STT_SECTION && s->st_shndx < l->nsecs && l->secs[s->st_shndx].name)
        return l->secs[s->st_shndx].name;
    return sym_name(l, s);
}

static bool starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

static bool is_data_sec(const sec *s)
{
    return (s->sh.sh_type == SHT_PROGBITS || s->sh.sh_type == SHT_NOBITS) && (s->sh.sh_flags & SHF_ALLOC) &&
           !(s->sh.sh_flags & SHF_EXECINSTR) &&
           (starts(s->name, ".data") || starts(s->name, ".rodata") || starts(s->name, ".bss"));
}

static bool is_prog_sec(const sec *s)
{
    return s->sh.sh_type == SHT_PROGBITS && (s->sh.sh_flags & SHF_EXECINSTR);
}

/* libbpf reports malformed BTF on stderr; the library never prints, so its
 * printer is silenced around the parse (libbpf_set_print is process-wide, hence
 * the lock; the host's printer is restored after). */
static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level, (void)fmt, (void)ap;
    return 0;
}

static struct btf *quiet_btf_new(const void *data, uint32_t size)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&lock);
    libbpf_print_fn_t old = libbpf_set_print(silent_print);
    struct btf *b = btf__new(data, size);
    int saved = errno;
    libbpf_set_print(old);
    pthread_mutex_unlock(&lock);
    errno = saved;
    return b;
}

/* ---- sections and symbols -------------------------------------------------------- */

static int read_sections(ld *l)
{
    size_t shstrndx;
    if (elf_getshdrnum(l->elf, &l->nsecs) || elf_getshdrstrndx(l->elf, &shstrndx))
        return lfail(l, "cannot read the section table: %s", elf_errmsg(-1));
    if (l->nsecs > 65536)
        return lfail(l, "too many sections (%zu)", l->nsecs);
    if (shstrndx == 0 || shstrndx >= l->nsecs)
        return lfail(l, "the section name table is section %zu, which does not exist", shstrndx);
    l->secs = calloc(l->nsecs ? l->nsecs : 1, sizeof *l->secs);
    if (!l->secs)
        return bpfvm_fail(l->err, BPFVM_E_NOMEM, -1, "out of memory");
    for (size_t i = 1; i < l->nsecs; i++) {
        Elf_Scn *scn = elf_getscn(l->elf, i);
        sec *s = &l->secs[i];
        s->map_index = -1;
        if (!scn || !gelf_getshdr(scn, &s->sh))
            return lfail(l, "cannot read section %zu: %s", i, elf_errmsg(-1));
        s->name = elf_strptr(l->elf, shstrndx, s->sh.sh_name);
        if (!s->name)
            return lfail(l, "section %zu has no name", i);
        if (s->sh.sh_type != SHT_NOBITS) {
            s->data = elf_getdata(scn, NULL);
            if (!s->data && s->sh.sh_size)
                return lfail(l, "section '%s' has bad offsets: %s", s->name, elf_errmsg(-1));
            if (s->data && s->data->d_size < s->sh.sh_size && s->sh.sh_type != SHT_NOBITS)
                return lfail(l, "section '%s' is truncated", s->name);
        }
        if (s->sh.sh_type == SHT_SYMTAB) {
            if (l->symtab)
                return lfail(l, "more than one symbol table");
            if (!s->data || s->sh.sh_entsize != sizeof(Elf64_Sym) || s->sh.sh_link >= l->nsecs)
                return lfail(l, "malformed symbol table '%s'", s->name);
            l->symtab = s->data;
            l->nsyms = s->data->d_size / sizeof(Elf64_Sym);
            l->strtab = s->sh.sh_link;
        }
        if (!strcmp(s->name, ".maps"))
            l->maps_sec = i;
        if (!strcmp(s->name, "maps"))
            l->legacy_maps_sec = i;
        if (!strcmp(s->name, "license") && s->data && s->data->d_size) {
            size_t n = strnlen(s->data->d_buf, s->data->d_size);
            free(l->obj->license);
            l->obj->license = strndup(s->data->d_buf, n);
        }
        if (!strcmp(s->name, ".BTF") && s->data) {
            if (l->obj->btf)
                return lfail(l, "more than one .BTF section");
            l->obj->btf = quiet_btf_new(s->data->d_buf, (uint32_t)s->data->d_size);
            if (!l->obj->btf)
                return lfail(l, "section .BTF is malformed (%s)", strerror(errno));
        }
    }
    /* relocation sections point at the section they patch */
    for (size_t i = 1; i < l->nsecs; i++) {
        sec *s = &l->secs[i];
        if (s->sh.sh_type == SHT_RELA)
            return lfail(l, "section '%s': RELA relocations are not used by BPF objects", s->name);
        if (s->sh.sh_type != SHT_REL)
            continue;
        if (s->sh.sh_info >= l->nsecs || s->sh.sh_info == 0)
            return lfail(l, "relocation section '%s' patches section %u, which does not exist", s->name,
                         (unsigned)s->sh.sh_info);
        if (s->sh.sh_entsize != sizeof(Elf64_Rel) || !s->data)
            return lfail(l, "malformed relocation section '%s'", s->name);
        l->secs[s->sh.sh_info].rel = i;
        /* relocations of code and .maps must land inside (linking skips any
         * that lie outside every function, which would leave an lddw unpatched) */
        const sec *t = &l->secs[s->sh.sh_info];
        if (!is_prog_sec(t) && strcmp(t->name, ".maps"))
            continue;
        for (size_t r = 0; r < s->data->d_size / sizeof(Elf64_Rel); r++) {
            GElf_Rel rel;
            if (!gelf_getrel(s->data, (int)r, &rel))
                return lfail(l, "%s: relocation %zu cannot be read", s->name, r);
            if (rel.r_offset > t->sh.sh_size || t->sh.sh_size - rel.r_offset < 8)
                return lfail(l, "%s: relocation %zu at offset %#llx lies outside section '%s' (%llu bytes)", s->name, r,
                             (unsigned long long)rel.r_offset, t->name, (unsigned long long)t->sh.sh_size);
            if (is_prog_sec(t) && rel.r_offset % 8)
                return lfail(l, "%s: relocation %zu at offset %#llx is not at an instruction", s->name, r,
                             (unsigned long long)rel.r_offset);
        }
    }
    if (!l->symtab)
        return lfail(l, "no symbol table");
    if (l->strtab >= l->nsecs)
        return lfail(l, "symbol table has no string table");
    return 0;
}

static int cmp_func(const void *a, const void *b)
{
    const func *x = a, *y = b;
    if (x->sec != y->sec)
        return x->sec < y->sec ? -1 : 1;
    return x->off < y->off ? -1 : x->off > y->off;
}

static int collect_funcs(ld *l)
{
    l->funcs = calloc(l->nsyms ? l->nsyms : 1, sizeof *l->funcs);
    if (!l->funcs)
        return bpfvm_fail(l->err, BPFVM_E_NOMEM, -1, "out of memory");
    for (size_t i = 1; i < l->nsyms; i++) {
        GElf_Sym s;
        if (get_sym(l, i, &s))
            return -BPFVM_E_INVALID;
        if (GELF_ST_TYPE(s.st_info) != STT_FUNC || s.st_shndx == SHN_UNDEF || s.st_shndx >= l->nsecs)
            continue;
        sec *sc = &l->secs[s.st_shndx];
        if (!is_prog_sec(sc))
            continue;
        if (s.st_value % 8 || s.st_size % 8 || s.st_size == 0 || s.st_value > sc->sh.sh_size ||
            s.st_size > sc->sh.sh_size - s.st_value)
            return lfail(l, "function '%s' lies outside section '%s' or is not made of 8-byte instructions",
                         sym_name(l, &s), sc->name);
        const char *fname = elf_strptr(l->elf, l->strtab, s.st_name);
        if (!fname || !*fname)
            return lfail(l, "function symbol %zu in section '%s' has no name (its name lies outside the string "
                         "table)", i, sc->name);
        func *f = &l->funcs[l->nfuncs++];
        f->name = fname;
        f->sec = s.st_shndx;
        f->off = s.st_value;
        f->size = s.st_size;
        int bind = GELF_ST_BIND(s.st_info);
        f->entry = strcmp(sc->name, ".text") != 0 && (bind == STB_GLOBAL || bind == STB_WEAK);
    }
    qsort(l->funcs, l->nfuncs, sizeof *l->funcs, cmp_func);
    return 0;
}

static const func *func_at(ld *l, size_t secidx, uint64_t off)
{
    for (size_t i = 0; i < l->nfuncs; i++) {
        const func *f = &l->funcs[i];
        if (f->sec == secidx && off >= f->off && off < f->off + f->size)
            return f;
    }
    return NULL;
}

/* ---- maps ------------------------------------------------------------------------ */

static int add_map(ld *l, bpfvm_map *m)
{
    bpfvm_map **v = realloc(l->obj->maps, (l->obj->nmaps + 1) * sizeof *v);
    if (!v)
        return bpfvm_fail(l->err, BPFVM_E_NOMEM, -1, "out of memory");
    l->obj->maps = v;
    v[l->obj->nmaps++] = m;
    return 0;
}

static int create_map(ld *l, const char *name, bpfvm_map_def *def, bpfvm_map **out)
{
    bpfvm_error e;
    def->name = name;
    /* libbpf: a perf event array without max_entries gets one entry per CPU */
    if (def->type == BPFVM_MAP_PERF_EVENT_ARRAY && def->max_entries == 0)
        def->max_entries = bpfvm_vm_ncpus(l->obj->vm);
    /* a type bpfvm does not implement: the object still loads and lists, and the
     * programs that use the map cannot run */
    int rc = map_ops_for(def->type) ? bpfvm_map_create(l->obj->vm, def, out, &e)
                                    : map_create_placeholder(l->obj->vm, def, out, &e);
    if (rc)
        return bpfvm_fail(l->err, e.code, -1, "%s: %s", l->name, e.msg); /* e.msg names the map */
    return add_map(l, *out);
}

/* Skips typedefs and modifiers. */
static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id, uint32_t *res)
{
    const struct btf_type *t = btf__type_by_id(btf, id);
    for (int guard = 0; t && guard < 32; guard++) {
        int k = btf_kind(t);
        if (k != BTF_KIND_TYPEDEF && k != BTF_KIND_VOLATILE && k != BTF_KIND_CONST && k != BTF_KIND_RESTRICT &&
            k != BTF_KIND_TYPE_TAG)
            break;
        id = t->type;
        t = btf__type_by_id(btf, id);
    }
    if (res)
        *res = id;
    return t;
}

/* __uint(name, N) is `int (*name)[N]`: N is the array's element count. */
static int member_uint(ld *l, const char *map, const char *mname, uint32_t type, uint32_t *out)
{
    const struct btf *btf = l->obj->btf;
    const struct btf_type *t = skip_mods(btf, type, NULL);
    if (!t || !btf_is_ptr(t))
        return lfail(l, "map '%s': member '%s' is not __uint(%s, N)", map, mname, mname);
    const struct btf_type *a = skip_mods(btf, t->type, NULL);
    if (!a || !btf_is_array(a))
        return lfail(l, "map '%s': member '%s' is not __uint(%s, N)", map, mname, mname);
    *out = btf_array(a)->nelems;
    return 0;
}

/* Parses a BTF map definition struct (the type of a .maps variable, or of an
 * inner map in __array(values, ...)). values_type receives the `values` member's
 * element type and values_off its byte offset, when present. */
static int parse_btf_def(ld *l, const char *name, uint32_t type_id, bpfvm_map_def *def,
                         uint32_t *key_type, uint32_t *value_type, uint32_t *values_elem,
                         uint32_t *values_off)
{
    const struct btf *btf = l->obj->btf;
    const struct btf_type *st = skip_mods(btf, type_id, NULL);
    memset(def, 0, sizeof *def);
    *key_type = *value_type = *values_elem = 0;
    *values_off = UINT32_MAX;
    if (!st || !btf_is_struct(st))
        return lfail(l, "map '%s': its BTF type is not a struct", name);
    const struct btf_member *m = btf_members(st);
    for (int i = 0; i < btf_vlen(st); i++, m++) {
        const char *mn = btf__name_by_offset(btf, m->name_off);
        if (!mn)
            return lfail(l, "map '%s': member %d has no name", name, i);
        uint32_t v = 0;
        int rc = 0;
        if (!strcmp(mn, "type")) {
            rc = member_uint(l, name, mn, m->type, &v);
            def->type = (bpfvm_map_type)v;
        } else if (!strcmp(mn, "max_entries")) {
            rc = member_uint(l, name, mn, m->type, &def->max_entries);
        } else if (!strcmp(mn, "map_flags")) {
            rc = member_uint(l, name, mn, m->type, &def->flags);
        } else if (!strcmp(mn, "key_size") || !strcmp(mn, "value_size")) {
            rc = member_uint(l, name, mn, m->type, mn[0] == 'k' ? &def->key_size : &def->value_size);
        } else if (!strcmp(mn, "key") || !strcmp(mn, "value")) {
            const struct btf_type *t = skip_mods(btf, m->type, NULL);
            if (!t || !btf_is_ptr(t))
                return lfail(l, "map '%s': member '%s' is not __type(%s, T)", name, mn, mn);
            int64_t sz = btf__resolve_size(btf, t->type);
            if (sz <= 0 || sz > (1 << 24))
                return lfail(l, "map '%s': the size of '%s' cannot be determined from BTF", name, mn);
            if (mn[0] == 'k') {
                def->key_size = (uint32_t)sz;
                *key_type = t->type;
            } else {
                def->value_size = (uint32_t)sz;
                *value_type = t->type;
            }
        } else if (!strcmp(mn, "values")) {
            const struct btf_type *a = skip_mods(btf, m->type, NULL);
            if (!a || !btf_is_array(a))
                return lfail(l, "map '%s': member 'values' is not __array(values, ...)", name);
            const struct btf_type *p = skip_mods(btf, btf_array(a)->type, NULL);
            if (!p || !btf_is_ptr(p))
                return lfail(l, "map '%s': member 'values' is not an array of pointers", name);
            *values_elem = p->type;
            *values_off = btf_member_bit_offset(st, (uint32_t)i) / 8;
        } else if (!strcmp(mn, "pinning") || !strcmp(mn, "numa_node") || !strcmp(mn, "map_extra")) {
            /* accepted and ignored: there is no bpffs or NUMA here */
        } else {
            return lfail(l, "map '%s': unknown member '%s'", name, mn);
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int btf_maps(ld *l)
{
    const struct btf *btf = l->obj->btf;
    if (!l->maps_sec)
        return 0;
    if (!btf)
        return lfail(l, "section .maps needs BTF (compile with clang -g)");
    for (size_t i = 1; i < l->nsyms; i++) {
        GElf_Sym s;
        if (get_sym(l, i, &s))
            return -BPFVM_E_INVALID;
        if (s.st_shndx != l->maps_sec || GELF_ST_TYPE(s.st_info) == STT_SECTION)
            continue;
        const char *name = sym_name(l, &s);
        int vid = btf__find_by_name_kind(btf, name, BTF_KIND_VAR);
        if (vid <= 0)
            return lfail(l, "map '%s' in .maps has no BTF variable", name);
        const struct btf_type *var = btf__type_by_id(btf, (uint32_t)vid);
        bpfvm_map_def def, idef;
        uint32_t kt, vt, velem, voff, ikt, ivt, ivelem, ivoff;
        int rc = parse_btf_def(l, name, var->type, &def, &kt, &vt, &velem, &voff);
        if (rc)
            return rc;
        bpfvm_map *inner = NULL;
        if (def.type == BPFVM_MAP_ARRAY_OF_MAPS || def.type == BPFVM_MAP_HASH_OF_MAPS) {
            if (!velem)
                return lfail(l, "map-in-map '%s' needs __array(values, struct {...}) describing its inner maps", name);
            char iname[128];
            snprintf(iname, sizeof iname, "%s.inner", name);
            if ((rc = parse_btf_def(l, iname, velem, &idef, &ikt, &ivt, &ivelem, &ivoff)))
                return rc;
            if ((rc = create_map(l, iname, &idef, &inner)))
                return rc;
            inner->btf = btf;
            inner->btf_key_type = ikt;
            inner->btf_value_type = ivt;
            def.value_size = 4; /* map fds, as in Linux */
        }
        if (def.type == BPFVM_MAP_PROG_ARRAY) {
            if (!def.key_size)
                def.key_size = 4;
            if (!def.value_size)
                def.value_size = 4;
        }
        def.inner = inner;
        bpfvm_map *m;
        if ((rc = create_map(l, name, &def, &m)))
            return rc;
        m->btf = btf;
        m->btf_key_type = kt;
        m->btf_value_type = vt;
        l->sym_map[i] = (int)l->obj->nmaps - 1;
    }
    return 0;
}

/* Legacy `maps` section: struct bpf_map_def { type, key_size, value_size,
 * max_entries, map_flags } per symbol. */
static int legacy_maps(ld *l)
{
    if (!l->legacy_maps_sec)
        return 0;
    sec *ms = &l->secs[l->legacy_maps_sec];
    size_t nsym = 0;
    for (size_t i = 1; i < l->nsyms; i++) {
        GElf_Sym s;
        if (get_sym(l, i, &s))
            return -BPFVM_E_INVALID;
        if (s.st_shndx == l->legacy_maps_sec && GELF_ST_TYPE(s.st_info) != STT_SECTION)
            nsym++;
    }
    if (!nsym || !ms->data)
        return 0;
    size_t sz = ms->data->d_size / nsym;
    if (sz < 20 || ms->data->d_size % nsym)
        return lfail(l, "section 'maps' holds %zu bytes for %zu maps: not struct bpf_map_def records",
                     (size_t)ms->data->d_size, nsym);
    for (size_t i = 1; i < l->nsyms; i++) {
        GElf_Sym s;
        get_sym(l, i, &s);
        if (s.st_shndx != l->legacy_maps_sec || GELF_ST_TYPE(s.st_info) == STT_SECTION)
            continue;
        if (s.st_value % sz || s.st_value + 20 > ms->data->d_size)
            return lfail(l, "map '%s' lies outside section 'maps'", sym_name(l, &s));
        uint32_t w[5];
        memcpy(w, (const uint8_t *)ms->data->d_buf + s.st_value, sizeof w);
        bpfvm_map_def def = { .type = (bpfvm_map_type)w[0], .key_size = w[1], .value_size = w[2],
                              .max_entries = w[3], .flags = w[4] };
        bpfvm_map *m;
        int rc = create_map(l, sym_name(l, &s), &def, &m);
        if (rc)
            return rc;
        l->sym_map[i] = (int)l->obj->nmaps - 1;
    }
    return 0;
}

/* clang leaves a DATASEC's size and its variables' offsets 0; like libbpf
 * (btf_fixup_datasec), take them from the section and the variables' symbols.
 * Returns -1 when the DATASEC does not describe the section (it is then not used
 * for printing). */
static int fixup_datasec(ld *l, size_t secidx, uint32_t id)
{
    struct btf_type *t = (struct btf_type *)btf__type_by_id(l->obj->btf, id);
    const sec *s = &l->secs[secidx];
    t->size = (uint32_t)s->sh.sh_size;
    struct btf_var_secinfo *v = btf_var_secinfos(t);
    for (int k = 0; k < btf_vlen(t); k++, v++) {
        const struct btf_type *var = btf__type_by_id(l->obj->btf, v->type);
        const char *vname = var ? btf__name_by_offset(l->obj->btf, var->name_off) : NULL;
        if (!vname || !btf_is_var(var))
            return -1;
        bool found = false;
        for (size_t i = 1; i < l->nsyms && !found; i++) {
            GElf_Sym sym;
            if (get_sym(l, i, &sym))
                return -1;
            if (sym.st_shndx != secidx || GELF_ST_TYPE(sym.st_info) != STT_OBJECT || strcmp(sym_name(l, &sym), vname))
                continue;
            if (sym.st_value > s->sh.sh_size || v->size > s->sh.sh_size - sym.st_value)
                return -1;
            v->offset = (uint32_t)sym.st_value;
            found = true;
        }
        if (!found)
            return -1;
    }
    return 0;
}

/* Global data: each section becomes a single-entry array with its contents;
 * .rodata* is read-only for programs. */
static int data_maps(ld *l)
{
    for (size_t i = 1; i < l->nsecs; i++) {
        sec *s = &l->secs[i];
        if (!is_data_sec(s) || s->sh.sh_size == 0)
            continue;
        if (s->sh.sh_size > (1u << 28))
            return lfail(l, "section '%s' is too large (%llu bytes)", s->name, (unsigned long long)s->sh.sh_size);
        bpfvm_map_def def = { .type = BPFVM_MAP_ARRAY, .key_size = 4, .value_size = (uint32_t)s->sh.sh_size,
                              .max_entries = 1, .flags = starts(s->name, ".rodata") ? BPFVM_F_RDONLY_PROG : 0 };
        bpfvm_map *m;
        int rc = create_map(l, s->name, &def, &m);
        if (rc)
            return rc;
        s->map_index = (int)l->obj->nmaps - 1;
        uint32_t zero = 0;
        void *val = m->ops->lookup(m, &zero, 0);
        if (val && s->sh.sh_type != SHT_NOBITS && s->data)
            memcpy(val, s->data->d_buf, s->sh.sh_size);
        if (l->obj->btf) { /* the DATASEC of the same name describes the variables */
            int id = btf__find_by_name_kind(l->obj->btf, s->name, BTF_KIND_DATASEC);
            if (id > 0 && fixup_datasec(l, i, (uint32_t)id) == 0) {
                m->btf = l->obj->btf;
                m->btf_value_type = (uint32_t)id;
            }
        }
    }
    return 0;
}

/* .rel.maps: initial values of prog arrays (programs) and map-in-map (maps). */
static int map_values(ld *l, bpfvm_obj *obj)
{
    if (!l->maps_sec || !l->secs[l->maps_sec].rel)
        return 0;
    sec *rs = &l->secs[l->secs[l->maps_sec].rel];
    size_t n = rs->data->d_size / sizeof(Elf64_Rel);
    for (size_t r = 0; r < n; r++) {
        GElf_Rel rel;
        GElf_Sym tsym, msym;
        if (!gelf_getrel(rs->data, (int)r, &rel))
            return lfail(l, "%s: relocation %zu cannot be read", rs->name, r);
        size_t si = GELF_R_SYM(rel.r_info);
        if (GELF_R_TYPE(rel.r_info) != R_BPF_64_ABS64 || get_sym(l, si, &tsym))
            return lfail(l, "%s: relocation %zu has type %u or a bad symbol", rs->name, r,
                         (unsigned)GELF_R_TYPE(rel.r_info));
        /* which map does the patched offset belong to? */
        bpfvm_map *outer = NULL;
        uint64_t base = 0;
        for (size_t i = 1; i < l->nsyms; i++) {
            if (l->sym_map[i] < 0 || get_sym(l, i, &msym) || msym.st_shndx != l->maps_sec)
                continue;
            if (rel.r_offset >= msym.st_value && rel.r_offset < msym.st_value + msym.st_size) {
                outer = obj->maps[l->sym_map[i]];
                base = msym.st_value;
            }
        }
        if (!outer)
            return lfail(l, "%s: relocation %zu at offset %#llx is not inside a map definition", rs->name, r,
                         (unsigned long long)rel.r_offset);
        /* values[] starts at the member offset; find it again from BTF */
        int vid = btf__find_by_name_kind(obj->btf, outer->name, BTF_KIND_VAR);
        bpfvm_map_def d;
        uint32_t kt, vt, velem, voff = UINT32_MAX;
        if (vid <= 0 || parse_btf_def(l, outer->name, btf__type_by_id(obj->btf, (uint32_t)vid)->type, &d, &kt,
                                      &vt, &velem, &voff) || voff == UINT32_MAX)
            return lfail(l, "%s: relocation %zu: map '%s' has no 'values' member", rs->name, r, outer->name);
        uint64_t rel_off = rel.r_offset - base;
        if (rel_off < voff || (rel_off - voff) % 8)
            return lfail(l, "%s: relocation %zu does not patch an element of '%s'.values", rs->name, r, outer->name);
        uint32_t index = (uint32_t)((rel_off - voff) / 8);
        const char *tname = sym_name(l, &tsym);
        char tbuf[160];
        if (GELF_ST_TYPE(tsym.st_info) == STT_SECTION && tsym.st_shndx < l->nsecs) { /* a static: name it */
            uint64_t addend = 0;
            const sec *ms = &l->secs[l->maps_sec];
            if (ms->data && rel.r_offset <= ms->data->d_size - 8)
                memcpy(&addend, (const uint8_t *)ms->data->d_buf + rel.r_offset, 8);
            snprintf(tbuf, sizeof tbuf, "'%s'+%llu", l->secs[tsym.st_shndx].name ? l->secs[tsym.st_shndx].name : "?",
                     (unsigned long long)addend);
        } else {
            snprintf(tbuf, sizeof tbuf, "'%s'", tname);
        }
        int rc;
        /* the slot index is the key, an int as in libbpf (found by fuzz_elf: a
         * larger key_size made the map read past it) */
        if (outer->def.key_size != sizeof index)
            return lfail(l, "map '%s' is initialised in the object, which needs 4-byte keys (its key_size is %u)",
                         outer->name, outer->def.key_size);
        if (outer->def.type == BPFVM_MAP_PROG_ARRAY) {
            bpfvm_prog *p = bpfvm_obj_find_prog(obj, tname);
            if (!p)
                return lfail(l, "prog array '%s'[%u]: %s is not a program of this object", outer->name, index, tbuf);
            rc = bpfvm_map_set_prog(outer, index, p);
        } else if (si < l->nsyms && l->sym_map[si] >= 0) {
            rc = bpfvm_map_set_map(outer, &index, obj->maps[l->sym_map[si]]);
        } else {
            return lfail(l, "map '%s'[%u]: %s is not a map of this object", outer->name, index, tbuf);
        }
        if (rc)
            return lfail(l, "map '%s'[%u] = %s: %s", outer->name, index, tbuf, strerror(-rc));
    }
    return 0;
}

/* ---- programs ------------------------------------------------------------------- */

typedef struct linked {
    isa_insn *insns;
    size_t n, cap;
    const func **placed;  /* functions copied so far, and where */
    size_t *base;
    size_t nplaced;
    prog_line *lines;
    size_t nlines, caplines;
    bool deferred;        /* the program links but cannot run here (a kfunc, an extern) */
    bpfvm_error why;
} linked;

/* Records why a linked program cannot run (the first reason); it still loads. */
static void defer(ld *l, linked *k, const char *fmt, const char *sym)
{
    if (k->deferred)
        return;
    k->deferred = true;
    bpfvm_fail(&k->why, BPFVM_E_UNSUPPORTED, -1, fmt, l->name, sym);
}

static int grow(linked *k, size_t more)
{
    if (k->n + more <= k->cap)
        return 0;
    size_t cap = (k->n + more) * 2;
    isa_insn *v = realloc(k->insns, cap * sizeof *v);
    if (!v)
        return -1;
    k->insns = v;
    k->cap = cap;
    return 0;
}

static long place(ld *l, linked *k, const func *f);

/* Slot of section offset `off` of section secidx in the linked program, placing
 * the function that holds it if needed. */
static long slot_of(ld *l, linked *k, size_t secidx, uint64_t off, const char *what)
{
    const func *g = func_at(l, secidx, off);
    if (!g || (off - g->off) % 8)
        return lfail(l, "%s target %#llx in section '%s' is not an instruction of a function", what,
                     (unsigned long long)off, l->secs[secidx].name);
    long b = place(l, k, g);
    return b < 0 ? b : b + (long)((off - g->off) / 8);
}

static int add_lines(ld *l, linked *k, const func *f, size_t base)
{
    const btf_ext_lines *x = &l->obj->ext;
    for (size_t i = 0; i < x->n; i++) {
        const btf_ext_line *e = &x->v[i];
        if (strcmp(e->sec, l->secs[f->sec].name) || e->insn_off < f->off || e->insn_off >= f->off + f->size)
            continue;
        if (k->nlines == k->caplines) {
            size_t cap = k->caplines ? k->caplines * 2 : 64;
            prog_line *v = realloc(k->lines, cap * sizeof *v);
            if (!v)
                return -1;
            k->lines = v;
            k->caplines = cap;
        }
        k->lines[k->nlines++] = (prog_line){ (uint32_t)(base + (e->insn_off - f->off) / 8), e->line, e->col,
                                             e->file, e->src };
    }
    return 0;
}

/* Copies function f into the program (once) and relocates it. Returns its slot. */
static long place(ld *l, linked *k, const func *f)
{
    for (size_t i = 0; i < k->nplaced; i++)
        if (k->placed[i] == f)
            return (long)k->base[i];
    size_t n = f->size / 8, base = k->n;
    const func **pv = realloc(k->placed, (k->nplaced + 1) * sizeof *pv);
    size_t *bv = pv ? realloc(k->base, (k->nplaced + 1) * sizeof *bv) : NULL;
    if (pv)
        k->placed = pv;
    if (!bv || grow(k, n))
        return bpfvm_fail(l->err, BPFVM_E_NOMEM, -1, "out of memory");
    k->base = bv;
    k->placed[k->nplaced] = f;
    k->base[k->nplaced++] = base;
    sec *s = &l->secs[f->sec];
    memcpy(k->insns + base, (const uint8_t *)s->data->d_buf + f->off, f->size);
    k->n += n;
    if (add_lines(l, k, f, base))
        return bpfvm_fail(l->err, BPFVM_E_NOMEM, -1, "out of memory");

    /* relocations of this function's range */
    sec *rs = s->rel ? &l->secs[s->rel] : NULL;
    size_t nrel = rs ? rs->data->d_size / sizeof(Elf64_Rel) : 0;
    bool *has_rel = calloc(n, 1);
    if (!has_rel)
        return bpfvm_fail(l->err, BPFVM_E_NOMEM, -1, "out of memory");
    long rc = 0;
    for (size_t r = 0; r < nrel && rc >= 0; r++) {
        GElf_Rel rel;
        GElf_Sym sym;
        if (!gelf_getrel(rs->data, (int)r, &rel)) {
            rc = lfail(l, "%s: relocation %zu cannot be read", rs->name, r);
            break;
        }
        if (rel.r_offset < f->off || rel.r_offset >= f->off + f->size)
            continue;
        if (rel.r_offset % 8) {
            rc = lfail(l, "%s: relocation %zu at offset %#llx is not at an instruction", rs->name, r,
                       (unsigned long long)rel.r_offset);
            break;
        }
        size_t i = (rel.r_offset - f->off) / 8, slot = base + i;
        unsigned type = (unsigned)GELF_R_TYPE(rel.r_info);
        size_t si = GELF_R_SYM(rel.r_info);
        if ((rc = get_sym(l, si, &sym)) < 0)
            break;
        const char *sn = sym_label(l, &sym);
        isa_insn *in = &k->insns[slot];
        has_rel[i] = true;
        if (type == R_BPF_NONE)
            continue;
        if (type == R_BPF_64_32) { /* bpf-to-bpf call */
            if (isa_find(in, 0) != ISA_CALL_LOCAL) {
                rc = lfail(l, "%s: relocation %zu (R_BPF_64_32 '%s') does not patch a local call", rs->name, r, sn);
                break;
            }
            if (sym.st_shndx == SHN_UNDEF) { /* a kfunc call: it loads, it cannot run */
                defer(l, k, "%s: call to extern function '%s' (a kfunc) is not supported", sn);
                in->src = 2; /* BPF_PSEUDO_KFUNC_CALL, BTF id unknown */
                in->imm = 0;
                continue;
            }
            if (sym.st_shndx >= l->nsecs || !is_prog_sec(&l->secs[sym.st_shndx])) {
                rc = lfail(l, "%s: relocation %zu: call target '%s' is not in a code section", rs->name, r, sn);
                break;
            }
            uint64_t toff = sym.st_value + ((uint64_t)(int64_t)in->imm + 1) * 8;
            long t = slot_of(l, k, sym.st_shndx, toff, "call");
            if (t < 0) {
                rc = t;
                break;
            }
            in = &k->insns[slot]; /* place() may have moved the buffer */
            in->imm = (int32_t)(t - (long)slot - 1);
            continue;
        }
        if (type != R_BPF_64_64) {
            rc = lfail(l, "%s: relocation %zu has type %u, which does not apply to code", rs->name, r, type);
            break;
        }
        if (isa_find(in, 0) != ISA_LDDW || i + 1 >= n) {
            rc = lfail(l, "%s: relocation %zu (R_BPF_64_64 '%s') does not patch an lddw", rs->name, r, sn);
            break;
        }
        if (sym.st_shndx == SHN_UNDEF) { /* a kconfig/ksym variable: loads as 0, cannot run */
            defer(l, k, "%s: extern '%s' (kconfig/ksym) is not supported", sn);
            in->src = 0;
            in->imm = 0;
            k->insns[slot + 1].imm = 0;
            continue;
        }
        if (sym.st_shndx >= l->nsecs) {
            rc = lfail(l, "%s: relocation %zu: symbol '%s' has a bad section", rs->name, r, sn);
            break;
        }
        sec *ts = &l->secs[sym.st_shndx];
        uint64_t addend = (uint32_t)in->imm;
        if (sym.st_shndx == l->maps_sec || sym.st_shndx == l->legacy_maps_sec) {
            if (si >= l->nsyms || l->sym_map[si] < 0) {
                rc = lfail(l, "%s: relocation %zu: '%s' is not a map", rs->name, r, sn);
                break;
            }
            *in = isa_make(ISA_LDDW_MAP_FD, in->dst, 0, 0, (int32_t)bpfvm_map_id(l->obj->maps[l->sym_map[si]]));
            k->insns[slot + 1].imm = 0;
        } else if (is_data_sec(ts)) {
            if (ts->map_index < 0) {
                rc = lfail(l, "%s: relocation %zu: data section '%s' is empty", rs->name, r, ts->name);
                break;
            }
            uint64_t off = sym.st_value + (GELF_ST_TYPE(sym.st_info) == STT_SECTION ? addend : 0);
            if (off >= ts->sh.sh_size) {
                rc = lfail(l, "%s: relocation %zu: offset %llu is outside section '%s'", rs->name, r,
                           (unsigned long long)off, ts->name);
                break;
            }
            *in = isa_make(ISA_LDDW_MAP_VAL, in->dst, 0, 0, (int32_t)bpfvm_map_id(l->obj->maps[ts->map_index]));
            k->insns[slot + 1].imm = (int32_t)off;
        } else if (is_prog_sec(ts)) { /* a callback: bpf_loop(..., fn, ...) */
            uint64_t off = sym.st_value + (GELF_ST_TYPE(sym.st_info) == STT_SECTION ? addend : 0);
            long t = slot_of(l, k, sym.st_shndx, off, "function pointer");
            if (t < 0) {
                rc = t;
                break;
            }
            in = &k->insns[slot];
            *in = isa_make(ISA_LDDW_CODE, in->dst, 0, 0, (int32_t)(t - (long)slot - 1));
            k->insns[slot + 1].imm = 0;
        } else {
            rc = lfail(l, "%s: relocation %zu: symbol '%s' is in section '%s', which bpfvm does not load",
                       rs->name, r, sn, ts->name);
            break;
        }
    }
    /* pc-relative calls without a relocation stay inside the section */
    for (size_t i = 0; i < n && rc >= 0; i++) {
        isa_insn *in = &k->insns[base + i];
        if (has_rel[i] || isa_find(in, 0) != ISA_CALL_LOCAL)
            continue;
        int64_t toff = (int64_t)f->off + ((int64_t)i + in->imm + 1) * 8;
        if (toff < 0) {
            rc = lfail(l, "section '%s': call at %#llx jumps before the section", s->name,
                       (unsigned long long)(f->off + i * 8));
            break;
        }
        long t = slot_of(l, k, f->sec, (uint64_t)toff, "call");
        if (t < 0) {
            rc = t;
            break;
        }
        k->insns[base + i].imm = (int32_t)(t - (long)(base + i) - 1);
    }
    free(has_rel);
    return rc < 0 ? rc : (long)base;
}

/* The licenses Linux's license_is_gpl_compatible() accepts. */
static bool license_is_gpl(const char *lic)
{
    static const char *const ok[] = { "GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL",
                                      "Dual MIT/GPL", "Dual MPL/GPL" };
    for (size_t i = 0; lic && i < sizeof ok / sizeof *ok; i++)
        if (!strcmp(lic, ok[i]))
            return true;
    return false;
}

static int cmp_line(const void *a, const void *b)
{
    const prog_line *x = a, *y = b;
    return x->insn < y->insn ? -1 : x->insn > y->insn;
}

static int load_programs(ld *l, unsigned ext)
{
    bpfvm_obj *obj = l->obj;
    for (size_t fi = 0; fi < l->nfuncs; fi++) {
        const func *f = &l->funcs[fi];
        if (!f->entry)
            continue;
        linked k;
        memset(&k, 0, sizeof k);
        long rc = place(l, &k, f);
        if (rc >= 0 && k.nlines) /* objects built without -g have no line info */
            qsort(k.lines, k.nlines, sizeof *k.lines, cmp_line);
        bpfvm_prog **v = rc >= 0 ? realloc(obj->progs, (obj->nprogs + 1) * sizeof *v) : NULL;
        if (rc >= 0 && !v)
            rc = bpfvm_fail(l->err, BPFVM_E_NOMEM, -1, "out of memory");
        if (rc >= 0) {
            obj->progs = v;
            const char *secname = l->secs[f->sec].name;
            bpfvm_prog_type type = bpfvm_prog_type_of_section(secname);
            /* unknown types load (and list) with no context-specific checks */
            bpfvm_load_opts lo = { .ext = ext, .name = f->name, .type = type ? type : BPFVM_PROG_MEM };
            bpfvm_prog *p = NULL;
            bpfvm_error e;
            /* what cannot run here (unknown helpers, kfuncs, unimplemented map types)
             * does not keep the object from loading and listing */
            rc = vm_prog_load(obj->vm, k.insns, k.n * 8, &lo, true, &p, &e);
            if (rc) {
                const prog_line *ln = NULL;
                for (size_t i = 0; i < k.nlines && e.insn >= 0 && k.lines[i].insn <= (uint32_t)e.insn; i++)
                    ln = &k.lines[i];
                if (ln)
                    rc = bpfvm_fail(l->err, e.code, -1, "%s: program '%s' (section '%s'), %s:%u: %s", l->name,
                                    f->name, secname, ln->file, ln->line, e.msg);
                else
                    rc = bpfvm_fail(l->err, e.code, -1, "%s: program '%s' (section '%s'): %s", l->name,
                                    f->name, secname, e.msg);
                if (l->err) {
                    l->err->insn = e.insn;
                    l->err->line = ln ? (int)ln->line : 0;
                }
            } else {
                if (k.deferred) { /* the loader's reason names the extern */
                    if (!p->unrunnable)
                        p->unrunnable = malloc(sizeof *p->unrunnable);
                    if (p->unrunnable)
                        *p->unrunnable = k.why;
                }
                if (p->unrunnable && p->unrunnable->insn >= 0) { /* name the C line, as load errors do */
                    const prog_line *ln = NULL;
                    for (size_t i = 0; i < k.nlines && k.lines[i].insn <= (uint32_t)p->unrunnable->insn; i++)
                        ln = &k.lines[i];
                    if (ln) {
                        char msg[sizeof p->unrunnable->msg];
                        int n = snprintf(msg, sizeof msg, "%s:%u: ", ln->file, ln->line);
                        if (n > 0 && (size_t)n < sizeof msg)
                            snprintf(msg + n, sizeof msg - (size_t)n, "%.*s", (int)(sizeof msg - (size_t)n - 1),
                                     p->unrunnable->msg);
                        memcpy(p->unrunnable->msg, msg, sizeof msg);
                        p->unrunnable->line = (int)ln->line;
                    }
                }
                p->type = type;
                p->non_gpl = !license_is_gpl(obj->license);
                p->section = strdup(secname);
                p->obj = obj;
                p->lines = k.lines;
                p->nlines = (uint32_t)k.nlines;
                k.lines = NULL;
                obj->progs[obj->nprogs++] = p;
            }
        }
        free(k.insns);
        free(k.placed);
        free(k.base);
        free(k.lines);
        if (rc < 0)
            return (int)rc;
    }
    return 0;
}

int bpfvm_obj_open_mem(bpfvm_vm *vm, const void *data, size_t len, const char *name, unsigned ext,
                       bpfvm_obj **out, bpfvm_error *err)
{
    *out = NULL;
    if (!vm || !data)
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "obj_open: vm and data must not be NULL");
    ld l;
    memset(&l, 0, sizeof l);
    l.err = err;
    l.name = name ? name : "object";
    const unsigned char *b = data;
    if (len < EI_NIDENT || memcmp(b, ELFMAG, SELFMAG) != 0)
        return lfail(&l, "not an ELF file");
    if (b[EI_CLASS] != ELFCLASS64)
        return lfail(&l, "not a 64-bit ELF file (BPF objects are ELFCLASS64)");
    if (b[EI_DATA] != ELFDATA2LSB)
        return lfail(&l, "big-endian BPF objects (bpfeb) are not supported; build with -target bpfel");
    if (len < sizeof(Elf64_Ehdr))
        return lfail(&l, "truncated ELF header");
    Elf64_Ehdr eh;
    memcpy(&eh, b, sizeof eh);
    if (eh.e_machine != EM_BPF)
        return lfail(&l, "ELF machine is %u, not BPF (247)", eh.e_machine);
    if (eh.e_type != ET_REL)
        return lfail(&l, "ELF type is %u, not a relocatable object (ET_REL)", eh.e_type);
    /* libelf reads a section table past the end of the data as "no sections" */
    if (eh.e_shoff == 0)
        return lfail(&l, "no section table");
    if (eh.e_shnum && (eh.e_shoff > len || (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr) > len - eh.e_shoff))
        return lfail(&l, "truncated or corrupt: the section table (%u sections at offset %llu) lies outside the "
                     "%zu-byte file", eh.e_shnum, (unsigned long long)eh.e_shoff, len);

    bpfvm_obj *obj = calloc(1, sizeof *obj);
    if (!obj)
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "out of memory");
    obj->vm = vm;
    obj->name = strdup(l.name);
    /* libelf reads from a private copy: objects may come from anywhere */
    obj->image = malloc(len);
    if (!obj->image || !obj->name) {
        bpfvm_obj_free(obj);
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "out of memory");
    }
    memcpy(obj->image, data, len);
    l.obj = obj;
    elf_version(EV_CURRENT);
    l.elf = elf_memory((char *)obj->image, len);
    int rc = l.elf ? 0 : lfail(&l, "libelf cannot read it: %s", elf_errmsg(-1));
    if (rc == 0)
        rc = read_sections(&l);
    if (rc == 0) {
        l.sym_map = malloc(l.nsyms * sizeof *l.sym_map + 1);
        if (!l.sym_map)
            rc = bpfvm_fail(err, BPFVM_E_NOMEM, -1, "out of memory");
        for (size_t i = 0; rc == 0 && i < l.nsyms; i++)
            l.sym_map[i] = -1;
    }
    if (rc == 0 && obj->btf) {
        for (size_t i = 1; i < l.nsecs; i++)
            if (!strcmp(l.secs[i].name, ".BTF.ext") && l.secs[i].data)
                rc = btf_ext_parse(obj, l.secs[i].data->d_buf, l.secs[i].data->d_size, err);
    }
    if (rc == 0)
        rc = collect_funcs(&l);
    if (rc == 0)
        rc = btf_maps(&l);
    if (rc == 0)
        rc = legacy_maps(&l);
    if (rc == 0)
        rc = data_maps(&l);
    if (rc == 0)
        rc = load_programs(&l, ext);
    if (rc == 0)
        rc = map_values(&l, obj);
    if (rc == 0 && !obj->nprogs)
        rc = lfail(&l, "no programs: no global function in a program section (SEC(\"...\"))");
    if (l.elf)
        elf_end(l.elf);
    free(l.secs);
    free(l.funcs);
    free(l.sym_map);
    if (rc) {
        bpfvm_obj_free(obj);
        return rc;
    }
    *out = obj;
    return 0;
}

int bpfvm_obj_open(bpfvm_vm *vm, const char *path, unsigned ext, bpfvm_obj **out, bpfvm_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return bpfvm_fail(err, BPFVM_E_IO, -1, "cannot open '%s': %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *b = realloc(buf, cap * 2);
        if (!b) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = b;
        cap *= 2;
    }
    fclose(f);
    if (!buf)
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "out of memory reading '%s'", path);
    int rc = bpfvm_obj_open_mem(vm, buf, n, path, ext, out, err);
    free(buf);
    return rc;
}
