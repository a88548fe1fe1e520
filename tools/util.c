/* util.c — file, hex and conformance-file handling for the tools and tests.
 * Everything here reports errors through bpfvm_error and never exits.
 */
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int util_fail(bpfvm_error *err, bpfvm_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int util_fail(bpfvm_error *err, bpfvm_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
        err->insn = -1;
        err->line = 0;
    }
    return -(int)code;
}

int util_read_file(const char *path, uint8_t **data, size_t *len, bpfvm_error *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return util_fail(err, BPFVM_E_IO, "cannot open '%s': %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        cap *= 2;
        uint8_t *b = realloc(buf, cap + 1);
        if (!b) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = b;
    }
    int rd_err = ferror(f);
    if (f != stdin)
        fclose(f);
    if (!buf)
        return util_fail(err, BPFVM_E_NOMEM, "out of memory reading '%s'", path);
    if (rd_err) {
        free(buf);
        return util_fail(err, BPFVM_E_IO, "error reading '%s'", path);
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return 0;
}

int util_parse_hex(const char *text, uint8_t **out, size_t *len, bpfvm_error *err)
{
    size_t cap = strlen(text) / 2 + 1, n = 0;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return util_fail(err, BPFVM_E_NOMEM, "out of memory");
    const char *p = text;
    while (*p) {
        if (isspace((unsigned char)*p) || *p == ',') {
            p++;
            continue;
        }
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2]))
            p += 2;
        if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1])) {
            free(buf);
            size_t tl = strcspn(p, " \t\r\n,");
            return util_fail(err, BPFVM_E_INVALID, "invalid hex byte '%.*s' at offset %zu",
                             (int)(tl == 0 ? 1 : tl > 16 ? 16 : tl), p, (size_t)(p - text));
        }
        char two[3] = { p[0], p[1], 0 };
        buf[n++] = (uint8_t)strtoul(two, NULL, 16);
        p += 2;
    }
    *out = buf;
    *len = n;
    return 0;
}

void util_free_conf_test(conf_test *t)
{
    free(t->asm_text);
    free(t->raw);
    free(t->mem);
    free(t->error);
    memset(t, 0, sizeof *t);
}

/* -- raw holds either hex bytes ("07 00 01 00 ...") or one 64-bit word per line
 * ("0x5566778800000018", the instruction read as a little-endian u64). */
static int parse_raw(const char *body, uint8_t **out, size_t *len, bpfvm_error *err)
{
    const char *p = body;
    while (isspace((unsigned char)*p))
        p++;
    if (!(p[0] == '0' && (p[1] == 'x' || p[1] == 'X')))
        return util_parse_hex(body, out, len, err);
    size_t cap = strlen(body) / 2 + 8, n = 0; /* >= 8 bytes per 16 hex digits */
    uint8_t *buf = malloc(cap);
    if (!buf)
        return util_fail(err, BPFVM_E_NOMEM, "out of memory");
    while (*p) {
        char *e;
        errno = 0;
        unsigned long long w = strtoull(p, &e, 16);
        if (e == p || errno || (*e && !isspace((unsigned char)*e))) {
            free(buf);
            return util_fail(err, BPFVM_E_INVALID, "invalid 64-bit instruction word '%.18s'", p);
        }
        for (int b = 0; b < 8; b++)
            buf[n++] = (uint8_t)(w >> (8 * b));
        p = e;
        while (isspace((unsigned char)*p))
            p++;
    }
    *out = buf;
    *len = n;
    return 0;
}

enum { SEC_NONE, SEC_ASM, SEC_RAW, SEC_MEM, SEC_RESULT, SEC_ERROR, SEC_IGNORE };

/* Stores the body of one finished section into t. */
static int conf_section(conf_test *t, int sec, char *body, int line, bpfvm_error *err)
{
    if (sec != SEC_ASM) { /* data sections: drop comment lines */
        char *w = body;
        for (char *r = body; *r;) {
            char *e = strchr(r, '\n');
            size_t l = e ? (size_t)(e - r + 1) : strlen(r);
            if (*r != '#') {
                memmove(w, r, l);
                w += l;
            }
            r += l;
        }
        *w = 0;
    }
    char *q = body;
    size_t l = strlen(q);
    switch (sec) {
    case SEC_ASM:
        t->asm_text = strdup(body);
        return t->asm_text ? 0 : util_fail(err, BPFVM_E_NOMEM, "out of memory");
    case SEC_RAW:
        return parse_raw(body, &t->raw, &t->raw_len, err);
    case SEC_MEM:
        return util_parse_hex(body, &t->mem, &t->mem_len, err);
    case SEC_RESULT: {
        while (isspace((unsigned char)*q))
            q++;
        char *e;
        errno = 0;
        t->result = strtoull(q, &e, strncmp(q, "0x", 2) == 0 ? 16 : 10);
        if (e == q || errno)
            return util_fail(err, BPFVM_E_INVALID, "line %d: invalid result '%s'", line, q);
        t->has_result = true;
        return 0;
    }
    case SEC_ERROR:
        while (l && isspace((unsigned char)q[l - 1]))
            q[--l] = 0;
        while (isspace((unsigned char)*q))
            q++;
        t->error = strdup(q);
        t->has_error = true;
        return t->error ? 0 : util_fail(err, BPFVM_E_NOMEM, "out of memory");
    default:
        return 0;
    }
}

int util_parse_conf_test(const char *text, conf_test *t, bpfvm_error *err)
{
    memset(t, 0, sizeof *t);
    int sec = SEC_NONE, sec_line = 0, line = 0, rc = 0;
    size_t cap = strlen(text) + 2, blen = 0;
    char *body = malloc(cap);
    if (!body)
        return util_fail(err, BPFVM_E_NOMEM, "out of memory");
    body[0] = 0;
    const char *p = text;
    while (rc == 0) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        bool eof = !nl && n == 0;
        line++;
        if (eof || (n >= 3 && strncmp(p, "-- ", 3) == 0)) {
            if (sec != SEC_NONE)
                rc = conf_section(t, sec, body, sec_line, err);
            if (eof || rc)
                break;
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(n - 3), p + 3);
            size_t k = strlen(name);
            while (k && isspace((unsigned char)name[k - 1]))
                name[--k] = 0;
            sec = !strcmp(name, "asm") ? SEC_ASM : !strcmp(name, "raw") ? SEC_RAW
                : !strcmp(name, "mem") ? SEC_MEM : !strcmp(name, "result") ? SEC_RESULT
                : !strcmp(name, "error") ? SEC_ERROR
                : (!strcmp(name, "c") || !strcmp(name, "no register offset")) ? SEC_IGNORE : -1;
            if (sec < 0) {
                rc = util_fail(err, BPFVM_E_INVALID, "line %d: unknown section '-- %s'", line, name);
                break;
            }
            sec_line = line;
            blen = 0;
            body[0] = 0;
        } else if (sec != SEC_NONE) {
            memcpy(body + blen, p, n);
            blen += n;
            body[blen++] = '\n';
            body[blen] = 0;
        }
        if (!nl) {
            if (sec != SEC_NONE)
                rc = conf_section(t, sec, body, sec_line, err);
            break;
        }
        p = nl + 1;
    }
    free(body);
    if (rc)
        util_free_conf_test(t);
    return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

int util_load_program_bytes(const char *path, bpfvm_syntax syntax, unsigned ext, uint8_t **code,
                            size_t *len, bpfvm_error *err)
{
    uint8_t *data;
    size_t n;
    int rc = util_read_file(path, &data, &n, err);
    if (rc)
        return rc;
    if (ends_with(path, ".bin") || ends_with(path, ".o.bin") || memchr(data, 0, n)) {
        *code = data;
        *len = n;
        return 0;
    }
    if (ends_with(path, ".data")) {
        conf_test t;
        rc = util_parse_conf_test((char *)data, &t, err);
        free(data);
        if (rc)
            return rc;
        if (t.raw) {
            *code = t.raw;
            *len = t.raw_len;
            t.raw = NULL;
        } else if (t.asm_text) {
            rc = bpfvm_asm(t.asm_text, BPFVM_SYNTAX_UBPF, ext, code, len, err);
        } else {
            rc = util_fail(err, BPFVM_E_INVALID, "%s: test file has no -- asm or -- raw section", path);
        }
        util_free_conf_test(&t);
        return rc;
    }
    rc = bpfvm_asm((char *)data, syntax, ext, code, len, err);
    if (rc && err) {
        char msg[sizeof err->msg];
        memcpy(msg, err->msg, sizeof msg);
        int n = snprintf(err->msg, sizeof err->msg, "%s:", path);
        if (n > 0 && (size_t)n < sizeof err->msg)
            memcpy(err->msg + n, msg, sizeof err->msg - (size_t)n - 1);
        err->msg[sizeof err->msg - 1] = 0;
    }
    free(data);
    return rc;
}

int util_parse_ext(const char *list, unsigned *ext, bpfvm_error *err)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *tok = strtok(buf, ", "); tok; tok = strtok(NULL, ", ")) {
        if (!strcmp(tok, "all")) {
            *ext |= BPFVM_EXT_ALL;
            continue;
        }
        bool found = false;
        for (unsigned g = 0; g < BPFVM_GROUP_COUNT; g++) {
            if (!bpfvm_group_is_rfc(g) && !strcmp(bpfvm_group_name(g), tok)) {
                *ext |= 1u << g;
                found = true;
            }
        }
        if (!found)
            return util_fail(err, BPFVM_E_ARG, "unknown extension '%s' (known: callx, acqrel, may_goto, all)", tok);
    }
    return 0;
}

uint64_t util_helper_noop(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfvm_call *c)
{
    (void)r1, (void)r2, (void)r3, (void)r4, (void)r5, (void)c;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **util_list_dir(const char *dir, const char *suffix, size_t *n)
{
    DIR *d = opendir(dir);
    char **v = NULL;
    size_t cap = 0, sl = strlen(suffix);
    *n = 0;
    if (!d)
        return NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l <= sl || strcmp(e->d_name + l - sl, suffix))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            char **nv = realloc(v, cap * sizeof *v);
            if (!nv)
                break;
            v = nv;
        }
        if (!(v[*n] = strdup(e->d_name)))
            break;
        (*n)++;
    }
    closedir(d);
    if (v)
        qsort(v, *n, sizeof *v, cmp_names);
    return v;
}

int util_register_conformance_helper(bpfvm_vm *vm, bpfvm_error *err)
{
    bpfvm_helper_proto p = { .ret = BPFVM_RET_INTEGER };
    return bpfvm_register_helper_proto(vm, 5, "conformance_helper_5", util_helper_noop, &p, err);
}
