/* vcorpus.c — reading the verifier's corpus files and building their programs
 * (see vcorpus.h for the file format). Files are read whole; a C file is compiled
 * once and each of its annotated programs is one case.
 */
#define _GNU_SOURCE
#include "vcorpus.h"

#include "common.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

static const struct {
    const char *name;
    bpfvm_map_type type;
} map_types[] = {
    { "hash", BPFVM_MAP_HASH },
    { "array", BPFVM_MAP_ARRAY },
    { "prog_array", BPFVM_MAP_PROG_ARRAY },
    { "percpu_hash", BPFVM_MAP_PERCPU_HASH },
    { "percpu_array", BPFVM_MAP_PERCPU_ARRAY },
    { "lru_hash", BPFVM_MAP_LRU_HASH },
    { "lru_percpu_hash", BPFVM_MAP_LRU_PERCPU_HASH },
    { "array_of_maps", BPFVM_MAP_ARRAY_OF_MAPS },
    { "hash_of_maps", BPFVM_MAP_HASH_OF_MAPS },
    { "queue", BPFVM_MAP_QUEUE },
    { "stack", BPFVM_MAP_STACK },
    { "ringbuf", BPFVM_MAP_RINGBUF },
    { "perf_event_array", BPFVM_MAP_PERF_EVENT_ARRAY },
    { "devmap", BPFVM_MAP_DEVMAP },
    { "devmap_hash", BPFVM_MAP_DEVMAP_HASH },
    { "cpumap", BPFVM_MAP_CPUMAP },
    { "xskmap", BPFVM_MAP_XSKMAP },
};

int vc_map_type(const char *name)
{
    for (size_t i = 0; i < sizeof map_types / sizeof *map_types; i++)
        if (!strcmp(map_types[i].name, name))
            return (int)map_types[i].type;
    return -1;
}

static int perr(const char *file, int line, const char *fmt, const char *arg)
{
    fprintf(stderr, "%s:%d: ", file, line);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return -1;
}

/* Copies s into d (size n), truncating. */
static void scopy(char *d, size_t n, const char *s)
{
    size_t l = strlen(s);
    if (l >= n)
        l = n - 1;
    memcpy(d, s, l);
    d[l] = 0;
}

static char *skip_ws(char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static void rstrip(char *p)
{
    size_t n = strlen(p);
    while (n && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
        p[--n] = 0;
}

static int parse_map(const char *file, int line, char *args, vc_map *m)
{
    memset(m, 0, sizeof *m);
    char *save, *tok = strtok_r(args, " \t", &save);
    if (!tok || vc_map_type(tok) < 0)
        return perr(file, line, "unknown map type '%s'", tok ? tok : "");
    m->type = (bpfvm_map_type)vc_map_type(tok);
    while ((tok = strtok_r(NULL, " \t", &save))) {
        char *eq = strchr(tok, '=');
        if (!eq)
            return perr(file, line, "map attribute '%s' needs a value", tok);
        *eq++ = 0;
        unsigned long v = strtoul(eq, NULL, 0);
        if (!strcmp(tok, "key"))
            m->key = (uint32_t)v;
        else if (!strcmp(tok, "value"))
            m->value = (uint32_t)v;
        else if (!strcmp(tok, "entries"))
            m->entries = (uint32_t)v;
        else if (!strcmp(tok, "flags"))
            m->flags = (uint32_t)v;
        else if (!strcmp(tok, "inner"))
            m->inner = (int)v;
        else if (!strcmp(tok, "name"))
            scopy(m->name, sizeof m->name, eq);
        else
            return perr(file, line, "unknown map attribute '%s'", tok);
    }
    return 0;
}

typedef struct defaults {
    bpfvm_prog_type type;
    vc_map maps[VC_MAX_MAPS];
    int nmaps;
} defaults;

static int add_case(vc_corpus *c, size_t *cap)
{
    if (c->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        vc_case *v = realloc(c->cases, nc * sizeof *v);
        if (!v)
            return -1;
        c->cases = v;
        *cap = nc;
    }
    memset(&c->cases[c->n], 0, sizeof c->cases[c->n]);
    c->n++;
    return 0;
}

/* One annotation (the text after the marker) for case k (NULL: file defaults). */
static int annotate(const char *file, int line, char *a, vc_case *k, defaults *d, bool *own_maps)
{
    char *p = skip_ws(a);
    char word[16] = "";
    int n = 0;
    sscanf(p, "%15s%n", word, &n);
    p = skip_ws(p + n);
    if (!strcmp(word, "type")) {
        int t = bpfvm_prog_type_parse(p);
        if (t < 0)
            return perr(file, line, "unknown program type '%s'", p);
        if (k)
            k->type = (bpfvm_prog_type)t;
        else
            d->type = (bpfvm_prog_type)t;
        return 0;
    }
    if (!strcmp(word, "map")) {
        vc_map *maps = k ? k->maps : d->maps;
        int *nm = k ? &k->nmaps : &d->nmaps;
        if (k && !*own_maps) {
            *nm = 0;
            *own_maps = true;
        }
        if (*nm == VC_MAX_MAPS)
            return perr(file, line, "too many maps%s", "");
        return parse_map(file, line, p, &maps[(*nm)++]);
    }
    if (!k)
        return perr(file, line, "'%s' outside a case (only type and map may be file defaults)", word);
    if (!strcmp(word, "expect")) {
        if (!strncmp(p, "accept", 6)) {
            k->accept = true;
            return 0;
        }
        char *colon;
        if (strncmp(p, "reject", 6) || !(colon = strchr(p, ':')))
            return perr(file, line, "expect: 'accept' or 'reject INSN: MESSAGE', not '%s'", p);
        k->accept = false;
        k->insn = strtol(p + 6, NULL, 0);
        scopy(k->msg, sizeof k->msg, skip_ws(colon + 1));
        return 0;
    }
    if (!strcmp(word, "kernel")) {
        char *colon = strchr(p, ':');
        if (!strncmp(p, "accept", 6))
            k->kernel = VC_KERNEL_ACCEPT;
        else if (!strncmp(p, "reject", 6))
            k->kernel = VC_KERNEL_REJECT;
        else if (!strncmp(p, "skip", 4))
            k->kernel = VC_KERNEL_SKIP;
        else
            return perr(file, line, "kernel: 'accept', 'reject' or 'skip', not '%s'", p);
        if (!colon || !*skip_ws(colon + 1))
            return perr(file, line, "kernel %s needs the reason after ':'", p);
        scopy(k->kernel_why, sizeof k->kernel_why, skip_ws(colon + 1));
        return 0;
    }
    if (!strcmp(word, "unpriv")) {
        k->unpriv = true;
        return 0;
    }
    if (!strcmp(word, "strict")) {
        k->strict = true;
        return 0;
    }
    if (!strcmp(word, "ext")) {
        bpfvm_error err;
        if (util_parse_ext(p, &k->ext, &err))
            return perr(file, line, "%s", err.msg);
        return 0;
    }
    if (!strcmp(word, "mem")) {
        k->mem_size = (uint32_t)strtoul(p, NULL, 0);
        return 0;
    }
    return perr(file, line, "unknown annotation '%s'", word);
}

static int append(char **text, size_t *len, size_t *cap, const char *line)
{
    size_t n = strlen(line);
    if (*len + n + 2 > *cap) {
        size_t nc = (*len + n + 2) * 2;
        char *t = realloc(*text, nc);
        if (!t)
            return -1;
        *text = t;
        *cap = nc;
    }
    memcpy(*text + *len, line, n);
    *len += n;
    (*text)[*len] = 0;
    return 0;
}

static int compile_c(const char *cc, const char *src, const char *out)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s -c '%s' -o '%s'", cc, src, out);
    int st = system(cmd);
    if (st != 0) {
        fprintf(stderr, "%s: compilation failed: %s\n", src, cmd);
        return -1;
    }
    return 0;
}

static int check_case(const vc_case *k)
{
    if (!k->type && !k->is_c)
        return perr(k->file, k->line, "case %s has no program type", k->name);
    if (!k->accept && !k->msg[0])
        return perr(k->file, k->line, "case %s has no expectation", k->name);
    return 0;
}

static int load_file(const char *path, const char *outdir, const char *cc, vc_corpus *c, size_t *cap)
{
    uint8_t *data;
    size_t len;
    bpfvm_error err;
    if (util_read_file(path, &data, &len, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    bool is_c = len > 2 && !strcmp(path + strlen(path) - 2, ".c");
    const char *mark = is_c ? "//@" : NULL;
    char category[48];
    scopy(category, sizeof category, base);
    char *dot = strrchr(category, '.');
    if (dot)
        *dot = 0;
    char obj[512] = "";
    if (is_c) {
        snprintf(obj, sizeof obj, "%s/%s.o", outdir, category);
        if (compile_c(cc, path, obj)) {
            free(data);
            return -1;
        }
    }
    defaults d = { .type = 0 };
    vc_case *k = NULL;
    bool own_maps = false;
    size_t tlen = 0, tcap = 0;
    int lineno = 0, rc = 0;
    size_t first = c->n;
    char *next = (char *)data;
    while (next && *next && rc == 0) {
        char *ln = next, *nl = strchr(ln, '\n');
        if (nl)
            *nl = 0;
        next = nl ? nl + 1 : NULL;
        int thisline = ++lineno;
        char *p = skip_ws(ln);
        char *ann = NULL;
        if (is_c ? !strncmp(p, mark, 3) : (!strncmp(p, "#@", 2) || !strncmp(p, ";@", 2)))
            ann = p + (is_c ? 3 : 2);
        if (ann) {
            char buf[1024];
            scopy(buf, sizeof buf, ann);
            rstrip(buf);
            char *w = skip_ws(buf);
            if (!strncmp(w, "case", 4) && (w[4] == ' ' || w[4] == '\t')) {
                if (k && (rc = check_case(k)))
                    break;
                if (add_case(c, cap)) {
                    rc = -1;
                    break;
                }
                k = &c->cases[c->n - 1];
                scopy(k->name, sizeof k->name, skip_ws(w + 4));
                scopy(k->category, sizeof k->category, category);
                scopy(k->file, sizeof k->file, path);
                scopy(k->obj, sizeof k->obj, obj);
                k->line = thisline;
                k->is_c = is_c;
                k->type = d.type;
                memcpy(k->maps, d.maps, sizeof d.maps);
                k->nmaps = d.nmaps;
                own_maps = false;
                tlen = tcap = 0;
                continue;
            }
            rc = annotate(path, thisline, w, k, &d, &own_maps);
            continue;
        }
        if (k && !is_c) {
            char l2[1024];
            snprintf(l2, sizeof l2, "%s\n", ln);
            if (append(&k->text, &tlen, &tcap, l2))
                rc = -1;
        }
    }
    if (rc == 0 && k)
        rc = check_case(k);
    if (rc == 0 && c->n == first)
        rc = perr(path, 1, "no cases%s", "");
    free(data);
    return rc;
}

int vc_load(const char *dir, const char *outdir, const char *cc, vc_corpus *c)
{
    memset(c, 0, sizeof *c);
    size_t cap = 0;
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", outdir);
    for (char *q = tmp + 1; *q; q++)
        if (*q == '/') {
            *q = 0;
            mkdir(tmp, 0755);
            *q = '/';
        }
    mkdir(tmp, 0755);
    const char *sfx[2] = { ".s", ".c" };
    for (int s = 0; s < 2; s++) {
        size_t n;
        char **names = util_list_dir(dir, sfx[s], &n);
        if (!names && n == 0) {
            struct stat st;
            if (stat(dir, &st) == 0)
                continue; /* no file of this kind */
        }
        if (!names) {
            fprintf(stderr, "%s: cannot list: %s\n", dir, strerror(errno));
            return -1;
        }
        int rc = 0;
        for (size_t i = 0; i < n; i++) {
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            if (rc == 0)
                rc = load_file(path, outdir, cc, c, &cap);
            free(names[i]);
        }
        free(names);
        if (rc)
            return rc;
    }
    return 0;
}

void vc_free(vc_corpus *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->cases[i].text);
    free(c->cases);
    memset(c, 0, sizeof *c);
}

int vc_build(const vc_case *k, vc_built *b, bpfvm_error *err)
{
    memset(b, 0, sizeof *b);
    if (!(b->vm = bpfvm_vm_new()))
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "out of memory");
    if (k->is_c) {
        int rc = bpfvm_obj_open(b->vm, k->obj, k->ext, &b->obj, err);
        if (rc)
            return rc;
        if (!(b->prog = bpfvm_obj_find_prog(b->obj, k->name)))
            return bpfvm_fail(err, BPFVM_E_ARG, -1, "no program named %s in the object", k->name);
        return 0;
    }
    for (int m = 0; m < k->nmaps; m++) {
        const vc_map *d = &k->maps[m];
        char name[40];
        scopy(name, sizeof name, d->name[0] ? d->name : "");
        if (!name[0])
            snprintf(name, sizeof name, "map%d", m + 1);
        bpfvm_map_def def = { .type = d->type, .key_size = d->key, .value_size = d->value,
                              .max_entries = d->entries, .flags = d->flags, .name = name };
        if (d->inner)
            def.inner = bpfvm_map_by_id(b->vm, (uint32_t)d->inner);
        bpfvm_map *out;
        int rc = bpfvm_map_create(b->vm, &def, &out, err);
        if (rc)
            return rc;
    }
    int rc = bpfvm_asm(k->text, BPFVM_SYNTAX_AUTO, k->ext, &b->code, &b->len, err);
    if (rc)
        return rc;
    bpfvm_load_opts lo = { .ext = k->ext, .name = k->name, .type = k->type };
    return bpfvm_prog_load(b->vm, b->code, b->len, &lo, &b->prog, err);
}

void vc_built_free(vc_built *b)
{
    if (b->obj)
        bpfvm_obj_free(b->obj);
    else if (b->prog)
        bpfvm_prog_free(b->prog);
    free(b->code);
    if (b->vm)
        bpfvm_vm_free(b->vm);
    memset(b, 0, sizeof *b);
}

int vc_verify(const vc_case *k, vc_built *b, bpfvm_verify_stats *st, bpfvm_error *err)
{
    bpfvm_verify_opts o = { .type = k->is_c ? 0 : k->type, .unprivileged = k->unpriv,
                            .strict_alignment = k->strict, .mem_size = k->mem_size };
    return bpfvm_verify(b->prog, &o, st, err);
}

const char *vc_reason(const char *msg, char *buf, size_t size)
{
    const char *m = msg;
    if (!strncmp(m, "instruction ", 12)) {
        const char *c = strstr(m, ": ");
        if (c)
            m = c + 2;
    }
    snprintf(buf, size, "%s", m);
    size_t n = strlen(buf);
    /* a trailing " (file.c:LINE)" */
    if (n > 4 && buf[n - 1] == ')' && isdigit((unsigned char)buf[n - 2])) {
        char *open = strrchr(buf, '(');
        char *colon = strrchr(buf, ':');
        if (open && open > buf && open[-1] == ' ' && colon && colon > open && strstr(open, ".c:"))
            open[-1] = 0;
    }
    return buf;
}
