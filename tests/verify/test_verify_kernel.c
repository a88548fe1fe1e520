/* test_verify_kernel.c — the verifier's kernel differential and benchmark.
 *
 * Differential (default): every corpus case (vcorpus.h) also goes to the Linux
 * verifier — assembly through BPF_PROG_LOAD with its maps created in the kernel and
 * the lddw map references patched to their fds, C through libbpf with only that
 * program loaded — as the program type of the case. The two verdicts must agree,
 * or the case must document the kernel's verdict (`#@ kernel ...`, listed in
 * docs/verifier.md). Prints the agreement rate per category. Exits 77 when bpf(2)
 * is not permitted. Unprivileged cases are loaded with all capabilities dropped
 * when the kernel allows unprivileged BPF (kernel.unprivileged_bpf_disabled = 0),
 * else skipped.
 *   test_verify_kernel CORPUS_DIR OUT_DIR [-v] [--only NAME]
 *
 * Benchmark (--bench [--runs N] [--extra OBJ]...): for every C case both verifiers
 * accept, and each extra object's programs, bpfvm's verification time (median of
 * N runs), processed instructions, states and peak memory, and the kernel's
 * "verification time" from a BPF_LOG_STATS load (median of N loads): a Markdown
 * table for docs/BENCHMARKS.md.
 */
#define _GNU_SOURCE
#include "vcorpus.h"

#include "isa/isa.h"
#include "kbpf.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum { KV_ACCEPT, KV_REJECT, KV_SKIP };

static bool verbose;
static int kernel_log_level = 1; /* -vv: 2, and the whole kernel log is printed */

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    if (verbose && level == LIBBPF_WARN) {
        fprintf(stderr, "    libbpf: ");
        vfprintf(stderr, fmt, ap);
    }
    return 0;
}

/* ---- assembly cases --------------------------------------------------------------- */

/* Creates the case's maps in the kernel: fds[i] for map id i + 1. */
static int kernel_maps(const vc_case *k, int *fds, char *why, size_t n)
{
    for (int m = 0; m < k->nmaps; m++) {
        const vc_map *d = &k->maps[m];
        int inner = d->inner ? fds[d->inner - 1] : -1;
        fds[m] = kbpf_map_create_any(d->type, d->key, d->value, d->entries, d->flags, inner);
        if (fds[m] < 0) {
            snprintf(why, n, "kernel map %d: %s", m + 1, strerror(-fds[m]));
            for (int j = 0; j < m; j++)
                kbpf_close(fds[j]);
            return -1;
        }
    }
    return 0;
}

/* Replaces map ids in lddw by the kernel's fds. */
static void patch_maps(isa_insn *p, size_t n, const int *fds, int nmaps)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i].op != 0x18)
            continue;
        if ((p[i].src == BPF_PSEUDO_MAP_FD || p[i].src == BPF_PSEUDO_MAP_VALUE) && p[i].imm >= 1 &&
            p[i].imm <= nmaps)
            p[i].imm = fds[p[i].imm - 1];
        i++;
    }
}

/* Programs with callbacks (lddw code_addr) need BTF func_info in Linux: one
 * static FUNC per function, all of type int (void). Fills fds/records; returns the
 * BTF fd, 0 when the program needs none, or < 0. */
static int func_info_btf(const isa_insn *p, size_t n, struct bpf_func_info *fi, uint32_t *nfi, uint32_t max)
{
    bool pseudo_func = false;
    uint8_t *start = calloc(n + 1, 1);
    if (!start)
        return -ENOMEM;
    start[0] = 1;
    for (size_t i = 0; i < n; i++) {
        bool lddw_code = p[i].op == 0x18 && p[i].src == BPF_PSEUDO_FUNC;
        bool call = p[i].op == 0x85 && p[i].src == BPF_PSEUDO_CALL;
        if (lddw_code || call) {
            int64_t t = (int64_t)i + p[i].imm + 1;
            if (t >= 0 && (size_t)t < n)
                start[t] = 1;
        }
        pseudo_func |= lddw_code;
        if (p[i].op == 0x18)
            i++;
    }
    *nfi = 0;
    for (size_t i = 0; i < n && *nfi < max; i++)
        if (start[i])
            fi[*nfi] = (struct bpf_func_info){ .insn_off = (uint32_t)i, .type_id = 3 + *nfi }, (*nfi)++;
    free(start);
    if (!pseudo_func && *nfi < 2) /* (tail calls from subprograms need it too) */
        return 0;
    /* types: [1] int, [2] int (void), [3..] FUNC fN */
    uint32_t types[64 * 3 + 6], nt = 0;
    char strs[64 * 8 + 8] = "\0int";
    size_t slen = 5;
    types[nt++] = 1;                      /* "int" */
    types[nt++] = (uint32_t)BTF_KIND_INT << 24;
    types[nt++] = 4;
    types[nt++] = (1u << 24) | 32;        /* BTF_INT_SIGNED, 32 bits */
    types[nt++] = 0;                      /* func proto: no name, no params, returns int */
    types[nt++] = (uint32_t)BTF_KIND_FUNC_PROTO << 24;
    types[nt++] = 1;
    for (uint32_t f = 0; f < *nfi; f++) {
        int w = snprintf(strs + slen + 1, sizeof strs - slen - 1, "f%u", f);
        types[nt++] = (uint32_t)slen + 1;
        types[nt++] = (uint32_t)BTF_KIND_FUNC << 24; /* static linkage */
        types[nt++] = 2;
        slen += (size_t)w + 1;
    }
    slen++;
    struct btf_header h = { .magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof h,
                            .type_off = 0, .type_len = nt * 4, .str_off = nt * 4, .str_len = (uint32_t)slen };
    size_t len = sizeof h + nt * 4 + slen;
    uint8_t *blob = malloc(len);
    if (!blob)
        return -ENOMEM;
    memcpy(blob, &h, sizeof h);
    memcpy(blob + sizeof h, types, nt * 4);
    memcpy(blob + sizeof h + nt * 4, strs, slen);
    char log[4096];
    int fd = kbpf_btf_load(blob, len, log, sizeof log);
    free(blob);
    if (fd < 0 && verbose)
        fprintf(stderr, "    BTF_LOAD: %s: %s\n", strerror(-fd), log);
    return fd;
}

static bool unpriv_possible(void)
{
    FILE *f = fopen("/proc/sys/kernel/unprivileged_bpf_disabled", "r");
    int v = 1;
    if (f) {
        if (fscanf(f, "%d", &v) != 1)
            v = 1;
        fclose(f);
    }
    return v == 0;
}

static int drop_caps(void)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    return (int)syscall(SYS_capset, &h, d);
}

static int load_asm(const vc_case *k, const vc_built *b, char *log, size_t logsz, uint32_t log_level, char *why,
                    size_t whysz)
{
    int fds[VC_MAX_MAPS];
    if (k->type == BPFVM_PROG_MEM) {
        snprintf(why, whysz, "bpfvm's own memory program type has no kernel equivalent");
        return KV_SKIP;
    }
    if (k->unpriv && !unpriv_possible()) {
        snprintf(why, whysz, "unprivileged BPF is disabled (kernel.unprivileged_bpf_disabled != 0)");
        return KV_SKIP;
    }
    if (kernel_maps(k, fds, why, whysz))
        return KV_SKIP;
    size_t n = b->len / 8;
    isa_insn *p = malloc(b->len);
    if (!p)
        return KV_SKIP;
    memcpy(p, b->code, b->len);
    patch_maps(p, n, fds, k->nmaps);
    struct bpf_func_info fi[64];
    uint32_t nfi = 0;
    int btf = func_info_btf(p, n, fi, &nfi, 64);
    kbpf_load_opts o = { .prog_type = (int)k->type, .log_level = log_level, .log = log, .logsz = logsz,
                         .prog_flags = k->strict ? BPF_F_STRICT_ALIGNMENT : 0, .prog_btf_fd = btf,
                         .func_info = fi, .func_info_cnt = btf > 0 ? nfi : 0 };
    int fd;
    if (k->unpriv) {
        pid_t pid = fork();
        if (pid == 0) {
            if (drop_caps())
                _exit(3);
            int f = kbpf_prog_load_ex(p, n, &o);
            _exit(f >= 0 ? 0 : f == -EPERM ? 2 : 1);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        int code = WIFEXITED(st) ? WEXITSTATUS(st) : 3;
        fd = code == 0 ? 0 : -EACCES;
        if (code >= 2) {
            snprintf(why, whysz, "unprivileged load not possible (%d)", code);
            fd = -1000;
        } else if (code == 0) {
            fd = -1; /* accepted in the child: nothing to close here */
            free(p);
            if (btf > 0)
                kbpf_close(btf);
            for (int m = 0; m < k->nmaps; m++)
                kbpf_close(fds[m]);
            return KV_ACCEPT;
        }
    } else {
        fd = kbpf_prog_load_ex(p, n, &o);
    }
    free(p);
    if (btf > 0)
        kbpf_close(btf);
    for (int m = 0; m < k->nmaps; m++)
        kbpf_close(fds[m]);
    if (fd == -1000)
        return KV_SKIP;
    if (fd >= 0) {
        kbpf_close(fd);
        return KV_ACCEPT;
    }
    snprintf(why, whysz, "%s", strerror(-fd));
    return KV_REJECT;
}

/* ---- C cases ------------------------------------------------------------------------ */

static int load_c(const char *obj, const char *name, char *log, size_t logsz, uint32_t log_level, char *why,
                  size_t whysz)
{
    struct bpf_object *o = bpf_object__open_file(obj, NULL);
    if (!o) {
        snprintf(why, whysz, "libbpf cannot open %s", obj);
        return KV_SKIP;
    }
    struct bpf_program *p, *target = NULL;
    bpf_object__for_each_program(p, o) {
        bool me = !strcmp(bpf_program__name(p), name);
        bpf_program__set_autoload(p, me);
        if (me)
            target = p;
    }
    if (!target) {
        bpf_object__close(o);
        snprintf(why, whysz, "libbpf finds no program %s", name);
        return KV_SKIP;
    }
    if (log && log_level) {
        log[0] = 0;
        bpf_program__set_log_buf(target, log, logsz);
        bpf_program__set_log_level(target, log_level);
    }
    int rc = bpf_object__load(o);
    int e = errno;
    bpf_object__close(o);
    if (rc == 0)
        return KV_ACCEPT;
    snprintf(why, whysz, "%s", strerror(e));
    return KV_REJECT;
}

static int kernel_verdict(const vc_case *k, const vc_built *b, char *log, size_t logsz, uint32_t level, char *why,
                          size_t whysz)
{
    return k->is_c ? load_c(k->obj, k->name, log, logsz, level, why, whysz)
                   : load_asm(k, b, log, logsz, level, why, whysz);
}

/* The last lines of a kernel log (where the reason is). */
static void print_tail(const char *log, int lines)
{
    size_t n = strlen(log);
    const char *p = log + n;
    while (n && (log[n - 1] == '\n'))
        n--, p--;
    int seen = 0;
    while (p > log && seen <= lines) {
        p--;
        if (*p == '\n')
            seen++;
    }
    if (*p == '\n')
        p++;
    printf("      kernel: %.*s\n", (int)(log + n - p), p);
}

typedef struct cat {
    char name[48];
    int compared, agree, documented, skipped;
} cat;

static int differential(vc_corpus *c, const char *only)
{
    static char log[1 << 20];
    cat cats[64];
    int ncats = 0, bad = 0, compared = 0, agree = 0, documented = 0, skipped = 0;
    for (size_t i = 0; i < c->n; i++) {
        const vc_case *k = &c->cases[i];
        if (only && strcmp(only, k->name) && strcmp(only, k->category))
            continue;
        cat *ct = NULL;
        for (int j = 0; j < ncats; j++)
            if (!strcmp(cats[j].name, k->category))
                ct = &cats[j];
        if (!ct) {
            ct = &cats[ncats++];
            memset(ct, 0, sizeof *ct);
            snprintf(ct->name, sizeof ct->name, "%s", k->category);
        }
        vc_built b;
        bpfvm_error err;
        int mine;
        if (vc_build(k, &b, &err))
            mine = err.code == BPFVM_E_INVALID && (k->is_c || b.code) ? KV_REJECT : KV_SKIP;
        else
            mine = vc_verify(k, &b, NULL, &err) ? KV_REJECT : KV_ACCEPT;
        char why[256] = "";
        int kv = KV_SKIP;
        if (k->kernel == VC_KERNEL_SKIP)
            snprintf(why, sizeof why, "%s", k->kernel_why);
        else if (mine != KV_SKIP)
            kv = kernel_verdict(k, &b, log, sizeof log, (uint32_t)kernel_log_level, why, sizeof why);
        if (kernel_log_level > 1)
            printf("---- kernel log of %s/%s:\n%s\n----\n", k->category, k->name, log);
        vc_built_free(&b);
        if (kv == KV_SKIP || mine == KV_SKIP) {
            skipped++;
            ct->skipped++;
            if (verbose)
                printf("skip  %s/%s: %s\n", k->category, k->name, why);
            continue;
        }
        compared++;
        ct->compared++;
        static const char *const vn[] = { "accept", "reject" };
        if (kv == mine) {
            agree++;
            ct->agree++;
            if (k->kernel != VC_KERNEL_SAME) {
                bad++;
                printf("STALE %s/%s (%s:%d): the kernel now agrees (%s), drop its `kernel` annotation\n",
                       k->category, k->name, k->file, k->line, vn[kv]);
                if (kv == KV_REJECT && log[0])
                    print_tail(log, verbose ? 12 : 3);
            } else if (verbose) {
                printf("agree %s/%s: %s\n", k->category, k->name, vn[kv]);
            }
            continue;
        }
        bool doc = (k->kernel == VC_KERNEL_ACCEPT && kv == KV_ACCEPT) ||
                   (k->kernel == VC_KERNEL_REJECT && kv == KV_REJECT);
        if (doc) {
            documented++;
            ct->documented++;
            if (verbose)
                printf("known %s/%s: bpfvm %s, kernel %s: %s\n", k->category, k->name, vn[mine], vn[kv],
                       k->kernel_why);
            continue;
        }
        bad++;
        printf("DIFF  %s/%s (%s:%d): bpfvm %s, kernel %s (%s)\n", k->category, k->name, k->file, k->line, vn[mine],
               vn[kv], why);
        if (mine == KV_REJECT)
            printf("      bpfvm: %s\n", err.msg);
        if (kv == KV_REJECT && log[0])
            print_tail(log, verbose ? 12 : 3);
    }
    printf("\n%-22s %8s %7s %10s %7s\n", "category", "compared", "agree", "documented", "skipped");
    for (int j = 0; j < ncats; j++)
        printf("%-22s %8d %7d %10d %7d\n", cats[j].name, cats[j].compared, cats[j].agree, cats[j].documented,
               cats[j].skipped);
    printf("%-22s %8d %7d %10d %7d\n", "total", compared, agree, documented, skipped);
    printf("kernel agreement: %d of %d compared cases (%.1f%%); %d documented differences, %d undocumented; "
           "%d skipped\n",
           agree, compared, compared ? 100.0 * agree / compared : 0.0, documented, bad, skipped);
    return bad ? 1 : 0;
}

/* ---- benchmark ---------------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_u64);
    return v[n / 2];
}

typedef struct brow {
    char name[160];
    uint32_t insns;
    uint64_t processed;
    uint32_t states;
    size_t peak;
    double ours_us, kernel_us;
} brow;

static int bench_one(const char *label, const char *obj, const char *prog, bpfvm_prog_type type, int runs, brow *r)
{
    static char log[1 << 20];
    uint64_t t[64];
    bpfvm_verify_stats st;
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", label);
    for (int i = 0; i < runs; i++) {
        bpfvm_vm *vm = bpfvm_vm_new();
        bpfvm_obj *o;
        bpfvm_error err;
        if (bpfvm_obj_open(vm, obj, 0, &o, &err)) {
            bpfvm_vm_free(vm);
            return -1;
        }
        bpfvm_prog *p = bpfvm_obj_find_prog(o, prog);
        bpfvm_verify_opts vo = { .type = type };
        int rc = p ? bpfvm_verify(p, &vo, &st, &err) : -1;
        if (p)
            r->insns = (uint32_t)bpfvm_prog_len(p);
        bpfvm_obj_free(o);
        bpfvm_vm_free(vm);
        if (rc)
            return -1;
        t[i] = st.time_ns;
    }
    r->ours_us = (double)median(t, runs) / 1000.0;
    r->processed = st.insns_processed;
    r->states = st.states;
    r->peak = st.peak_bytes;
    for (int i = 0; i < runs; i++) {
        char why[128];
        if (load_c(obj, prog, log, sizeof log, 1 | 4, why, sizeof why) != KV_ACCEPT)
            return -2;
        long us = kbpf_log_verification_usec(log);
        if (us < 0)
            return -2;
        t[i] = (uint64_t)us;
    }
    r->kernel_us = (double)median(t, runs);
    return 0;
}

static int bench(vc_corpus *c, int runs, char **extra, int nextra)
{
    brow *rows = calloc(c->n + (size_t)nextra * 16 + 1, sizeof *rows);
    int n = 0, slower = 0;
    size_t peak = 0;
    for (int e = 0; e < nextra; e++) {
        bpfvm_vm *vm = bpfvm_vm_new();
        bpfvm_obj *o;
        bpfvm_error err;
        if (bpfvm_obj_open(vm, extra[e], 0, &o, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            bpfvm_vm_free(vm);
            return 1;
        }
        const char *base = strrchr(extra[e], '/') ? strrchr(extra[e], '/') + 1 : extra[e];
        for (size_t i = 0; i < bpfvm_obj_prog_count(o) && i < 16; i++) {
            char label[160];
            const char *pn = bpfvm_prog_name(bpfvm_obj_prog(o, i));
            snprintf(label, sizeof label, "%s: %s", base, pn);
            if (bench_one(label, extra[e], pn, 0, runs, &rows[n]) == 0)
                n++;
        }
        bpfvm_obj_free(o);
        bpfvm_vm_free(vm);
    }
    for (size_t i = 0; i < c->n; i++) {
        const vc_case *k = &c->cases[i];
        if (!k->is_c || !k->accept || k->kernel != VC_KERNEL_SAME)
            continue;
        char label[160];
        snprintf(label, sizeof label, "%s: %s", k->category, k->name);
        if (bench_one(label, k->obj, k->name, k->type, runs, &rows[n]) == 0)
            n++;
    }
    printf("| program | insns | processed | states | bpfvm µs | peak KiB | kernel µs | kernel / bpfvm |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    double sum_o = 0, sum_k = 0;
    for (int i = 0; i < n; i++) {
        brow *r = &rows[i];
        double ratio = r->kernel_us / (r->ours_us > 0.01 ? r->ours_us : 0.01);
        printf("| %s | %u | %llu | %u | %.1f | %.0f | %.0f | %.1f× |\n", r->name, r->insns,
               (unsigned long long)r->processed, r->states, r->ours_us, (double)r->peak / 1024.0, r->kernel_us,
               ratio);
        sum_o += r->ours_us;
        sum_k += r->kernel_us;
        if (r->ours_us > r->kernel_us && r->kernel_us > 0)
            slower++;
        if (r->peak > peak)
            peak = r->peak;
    }
    printf("\n%d programs; total bpfvm %.0f µs, kernel %.0f µs (%.1f×); bpfvm slower than the kernel on %d; "
           "largest peak memory %.1f MiB\n",
           n, sum_o, sum_k, sum_k / (sum_o > 0 ? sum_o : 1), slower, (double)peak / 1048576.0);
    free(rows);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *out = NULL, *only = NULL;
    bool do_bench = false;
    int runs = 9;
    char *extra[8];
    int nextra = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-v"))
            verbose = true;
        else if (!strcmp(argv[i], "-vv"))
            verbose = true, kernel_log_level = 2;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--bench"))
            do_bench = true;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--extra") && i + 1 < argc && nextra < 8)
            extra[nextra++] = argv[++i];
        else if (!dir)
            dir = argv[i];
        else
            out = argv[i];
    }
    if (runs < 1 || runs > 64)
        runs = 9;
    if (!dir || !out) {
        fprintf(stderr, "usage: test_verify_kernel CORPUS_DIR OUT_DIR [-v] [--only NAME] "
                        "[--bench [--runs N] [--extra OBJ]...]\n");
        return 2;
    }
    char why[256];
    if (!kbpf_available(why, sizeof why)) {
        printf("SKIP: the kernel differential needs bpf(2): %s\n", why);
        return 77;
    }
    libbpf_set_print(quiet_print);
    vc_corpus c;
    if (vc_load(dir, out, BPF_CC, &c))
        return 1;
    int rc = do_bench ? bench(&c, runs, extra, nextra) : differential(&c, only);
    vc_free(&c);
    return rc;
}
