/* objtest.h — shared by the tests of tests/obj: a tiny check harness that keeps
 * going after a failure (every mismatch is reported with its context), the test
 * captures loaded into memory through libpcap, the corpus paths, and small map
 * accessors. Header-only: each test is one executable.
 */
#ifndef BPFVM_TESTS_OBJTEST_H
#define BPFVM_TESTS_OBJTEST_H

#include "bpfvm.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- checks ----------------------------------------------------------------- */

static unsigned long ot_checks, ot_failures;
static char ot_where[256]; /* the context printed with a failure: object, cpu, engine */

__attribute__((format(printf, 3, 4))) static void ot_fail(const char *file, int line, const char *fmt, ...)
{
    ot_failures++;
    fprintf(stderr, "FAIL %s:%d [%s]: ", file, line, ot_where);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

#define CHECK(cond, ...)                                   \
    do {                                                   \
        ot_checks++;                                       \
        if (!(cond))                                       \
            ot_fail(__FILE__, __LINE__, __VA_ARGS__);      \
    } while (0)

#define CHECK_EQ(a, b)                                                                                     \
    do {                                                                                                   \
        int64_t a_ = (int64_t)(a), b_ = (int64_t)(b);                                                      \
        CHECK(a_ == b_, "%s == %s: %" PRId64 " (%#" PRIx64 ") != %" PRId64 " (%#" PRIx64 ")", #a, #b, a_, \
              (uint64_t)a_, b_, (uint64_t)b_);                                                             \
    } while (0)

#define CHECK_STR(a, b)                                                                         \
    do {                                                                                        \
        const char *a_ = (a), *b_ = (b);                                                        \
        CHECK(a_ && b_ && !strcmp(a_, b_), "%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)", \
              b_ ? b_ : "(null)");                                                              \
    } while (0)

#define CHECK_OK(expr, errp)                                                    \
    ({                                                                          \
        int rc_ = (expr);                                                       \
        CHECK(rc_ == 0, "%s failed: %s", #expr, rc_ ? (errp)->msg : "");        \
        rc_;                                                                    \
    })

__attribute__((unused)) static int ot_summary(const char *name)
{
    printf("%s: %lu checks, %lu failures\n", name, ot_checks, ot_failures);
    return ot_failures ? 1 : 0;
}

/* ---- captures ------------------------------------------------------------------- */

typedef struct ot_frame {
    uint8_t *data;
    uint32_t len;
} ot_frame;

typedef struct ot_capture {
    ot_frame *f;
    size_t n;
} ot_capture;

/* Reads a classic pcap file (either byte order, micro- or nanosecond stamps)
 * without libpcap: libpcap's pcap/bpf.h and linux/bpf.h cannot be included
 * together, and an independent reader cross-checks the CLI's libpcap output. */
__attribute__((unused)) static int ot_load_pcap(const char *path, ot_capture *c)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    uint32_t h[6], r[4];
    int rc = -1;
    if (fread(h, 4, 6, f) != 6)
        goto out;
    bool swap = h[0] == 0xd4c3b2a1 || h[0] == 0x4d3cb2a1;
    if (!swap && h[0] != 0xa1b2c3d4 && h[0] != 0xa1b23c4d)
        goto out;
    for (;;) {
        size_t got = fread(r, 4, 4, f);
        if (got == 0) {
            rc = 0;
            break;
        }
        if (got != 4)
            break;
        uint32_t caplen = swap ? __builtin_bswap32(r[2]) : r[2];
        if (caplen > (1u << 24))
            break;
        ot_frame *v = realloc(c->f, (c->n + 1) * sizeof *v);
        if (!v)
            break;
        c->f = v;
        v[c->n].data = malloc(caplen ? caplen : 1);
        v[c->n].len = caplen;
        if (fread(v[c->n].data, 1, caplen, f) != caplen) {
            free(v[c->n].data);
            break;
        }
        c->n++;
    }
out:
    fclose(f);
    return rc;
}

__attribute__((unused)) static void ot_free_capture(ot_capture *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->f[i].data);
    free(c->f);
    memset(c, 0, sizeof *c);
}

/* ---- the corpus ------------------------------------------------------------------ */

/* -mcpu levels the build compiled (v4 only with clang-19). */
static const char *const ot_cpus[] = { "v1", "v2", "v3", "v4" };

__attribute__((unused)) static const char *ot_dir(const char *env, const char *def)
{
    const char *v = getenv(env);
    return v && *v ? v : def;
}

/* Path of progs/NAME.c compiled for cpu, or NULL when the build has none (v4
 * without clang-19). */
__attribute__((unused)) static const char *ot_obj_path(const char *objdir, const char *name, const char *cpu, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s.%s.o", objdir, name, cpu);
    return access(buf, R_OK) == 0 ? buf : NULL;
}

/* ---- maps ----------------------------------------------------------------------------- */

__attribute__((unused)) static bpfvm_map *ot_map(bpfvm_vm *vm, const char *name)
{
    bpfvm_map *m = bpfvm_map_by_name(vm, name);
    if (!m)
        ot_fail(__FILE__, __LINE__, "no map '%s'", name);
    return m;
}

/* Value of a single-entry global data map (.bss, .data, ...) into buf. */
__attribute__((unused)) static bool ot_global(bpfvm_vm *vm, const char *sec, void *buf, size_t size)
{
    bpfvm_map *m = ot_map(vm, sec);
    uint32_t zero = 0;
    if (!m)
        return false;
    const bpfvm_map_def *d = bpfvm_map_get_def(m);
    if (d->value_size < size) {
        ot_fail(__FILE__, __LINE__, "map '%s' has %u bytes, expected at least %zu", sec, d->value_size, size);
        return false;
    }
    uint8_t *tmp = malloc(d->value_size);
    int rc = bpfvm_map_lookup(m, &zero, tmp);
    if (rc == 0)
        memcpy(buf, tmp, size);
    free(tmp);
    return rc == 0;
}

__attribute__((unused)) static uint64_t ot_u64(bpfvm_map *m, uint32_t key)
{
    uint64_t v = 0xdeadbeefdeadbeefull;
    if (!m || bpfvm_map_lookup(m, &key, &v))
        ot_fail(__FILE__, __LINE__, "lookup of key %u in '%s' failed", key, m ? bpfvm_map_get_def(m)->name : "?");
    return v;
}

/* A global variable of a data section, read through the section map's BTF
 * printing (bpfvm_map_format: "a = 1, arr = [1, 2], s = {...}"): element idx of
 * an array variable, or the variable itself for idx 0. */
__attribute__((unused)) static int64_t ot_var(bpfvm_vm *vm, const char *sec, const char *name, unsigned idx)
{
    bpfvm_map *m = ot_map(vm, sec);
    if (!m)
        return INT64_MIN;
    const bpfvm_map_def *d = bpfvm_map_get_def(m);
    uint8_t *val = malloc(d->value_size);
    static char text[65536];
    uint32_t zero = 0;
    text[0] = 0;
    if (bpfvm_map_lookup(m, &zero, val) == 0)
        bpfvm_map_format(m, false, val, text, sizeof text);
    free(val);
    char pat[128];
    snprintf(pat, sizeof pat, "%s = ", name);
    const char *p = text;
    while ((p = strstr(p, pat)) && p != text && p[-1] != ' ')
        p++;
    if (!p) {
        ot_fail(__FILE__, __LINE__, "variable '%s' not in %s: %s", name, sec, text);
        return INT64_MIN;
    }
    p += strlen(pat);
    if (*p == '[') {
        p++;
        for (unsigned i = 0; i < idx && p; i++) {
            p = strchr(p, ',');
            if (p)
                p++;
        }
        if (!p) {
            ot_fail(__FILE__, __LINE__, "%s[%u] not in %s", name, idx, sec);
            return INT64_MIN;
        }
    }
    return *p == '-' ? strtoll(p, NULL, 0) : (int64_t)strtoull(p, NULL, 0);
}

/* The text bpfvm_map_format gives for a global data section. */
__attribute__((unused)) static const char *ot_format(bpfvm_vm *vm, const char *sec)
{
    static char text[65536];
    text[0] = 0;
    bpfvm_map *m = ot_map(vm, sec);
    if (!m)
        return text;
    const bpfvm_map_def *d = bpfvm_map_get_def(m);
    uint8_t *val = malloc(d->value_size);
    uint32_t zero = 0;
    if (bpfvm_map_lookup(m, &zero, val) == 0)
        bpfvm_map_format(m, false, val, text, sizeof text);
    free(val);
    return text;
}

#endif
