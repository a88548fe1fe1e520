/* vbench.c — the verifier benchmark: bpfvm's verifier against the Linux verifier on
 * the same programs, in the same run (built and run by bench/verify/run.sh).
 *
 * Programs:
 *   - every C case of the verifier corpus (tests/verify/corpus/c_*.c, read and
 *     compiled through tests/verify/vcorpus.c, as the corpus tests do);
 *   - every program of each `--obj FILE` (BPF ELF objects: tests/obj/progs,
 *     examples/xdp_filter.c), its type chosen from the section name, as libbpf does;
 *   - each `--raw FILE` (raw bytecode: the bench workloads), verified by bpfvm as a
 *     memory program (BPFVM_PROG_MEM, --mem-size bytes) and loaded into Linux as
 *     bench/bench.c does: kdiff_wrap() makes it a socket filter whose r1 points at
 *     an array-map value of the same size.
 *
 * Each program is first verified once by both (the verdicts). A program is timed
 * when both verifiers accept it, or both reject it; disagreements and programs one
 * side cannot take are listed after the table. Then --runs rounds: in each round
 * every timed program is verified by bpfvm and loaded into the kernel, alternating
 * which goes first, so both see the same machine noise.
 *
 *   bpfvm:  wall time of the bpfvm_verify() call (clock_gettime; the object is
 *           opened before, outside the timed region), its processed instructions
 *           and stats.peak_bytes.
 *   Linux:  BPF_PROG_LOAD with log_level = BPF_LOG_STATS (4) and a log buffer; the
 *           log's "verification time N usec" and "processed N insns", and the wall
 *           time of the BPF_PROG_LOAD system call itself. Objects are loaded with
 *           libbpf (maps, BTF, relocations; only the measured program autoloaded);
 *           the system call is timed by interposing syscall(2), counting only the
 *           load whose log buffer is ours (libbpf's feature probes are ignored).
 *
 *   vbench --corpus DIR --corpus-out DIR [--obj FILE]... [--raw FILE]...
 *          [--runs N] [--only SUBSTRING[,...]] [--warm] [--no-kernel] [--mem-size N] [-v]
 *
 * --warm: each side verifies the program once, untimed, right before its timed
 * run (by default a timed run directly follows the other side's, whose work has
 * evicted this side's code and data from the caches, as in a one-shot load).
 */
#define _GNU_SOURCE
#include "vcorpus.h"

#include "kbpf.h"
#include "kdiff.h"

#include <bpf/libbpf.h>
#include <dlfcn.h>
#include <errno.h>
#include <linux/bpf.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifndef BPFVM_BENCH_BPF_CC
#define BPFVM_BENCH_BPF_CC "clang -O2 -g -target bpf -mcpu=v3"
#endif
#ifndef BPFVM_BENCH_REV
#define BPFVM_BENCH_REV ""
#endif
#ifndef BPFVM_BENCH_BUILD_TYPE
#define BPFVM_BENCH_BUILD_TYPE "?"
#endif

#define MAX_RUNS 201

static bool verbose;

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* ---- timing the BPF_PROG_LOAD system call inside libbpf ------------------------------
 * libbpf (a shared library) issues bpf(2) through syscall(); this definition takes
 * precedence over libc's. Only a BPF_PROG_LOAD whose log buffer is `watch_log` is
 * timed: that is the measured program's load, not libbpf's feature probes. */

typedef long (*syscall_fn)(long, ...);
static syscall_fn real_syscall;
static const char *watch_log;
static uint64_t watched_ns;
static int watched_count, watched_ret;

long syscall(long nr, ...)
{
    va_list ap;
    va_start(ap, nr);
    long a[6];
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    if (!real_syscall)
        real_syscall = (syscall_fn)dlsym(RTLD_NEXT, "syscall");
    if (nr == __NR_bpf && a[0] == BPF_PROG_LOAD && watch_log && a[1]) {
        const union bpf_attr *attr = (const union bpf_attr *)a[1];
        if (attr->log_buf == (uint64_t)(uintptr_t)watch_log) {
            uint64_t t0 = now_ns();
            long r = real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
            int e = errno;
            watched_ns = now_ns() - t0;
            watched_count++;
            watched_ret = r < 0 ? -e : (int)r;
            errno = e;
            return r;
        }
    }
    return real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    if (verbose && level == LIBBPF_WARN) {
        fprintf(stderr, "    libbpf: ");
        vfprintf(stderr, fmt, ap);
    }
    return 0;
}

/* ---- programs ---------------------------------------------------------------------- */

enum { V_ACCEPT, V_REJECT, V_SKIP };
static const char *const vname[] = { "accept", "reject", "skip" };

typedef struct prog {
    char label[160];
    bool raw;                /* raw bytecode (memory program) rather than an object */
    char path[512];          /* object or .bin file */
    char name[128];          /* program name in the object */
    bpfvm_prog_type type;    /* 0: the program's own */
    bool unpriv, strict;
    unsigned ext;
    uint32_t mem_size;
    uint8_t *code;           /* raw: the bytecode */
    size_t len;
    /* the kernel side of a raw program: its maps and the wrapped program */
    int kmem_fd, kres_fd;
    void *wrapped;
    size_t wrapped_n;
    /* verdicts (probe run) */
    int bv, kv;
    char bmsg[300], kmsg[300];
    size_t slots;
    uint64_t b_processed;
    long k_processed;
    uint32_t states;
    size_t peak;
    /* samples */
    int n;
    double bt[MAX_RUNS], kt[MAX_RUNS], kw[MAX_RUNS];
    bool timed;
} prog;

static prog *progs;
static size_t nprogs, cap_progs;

static prog *add_prog(void)
{
    if (nprogs == cap_progs) {
        cap_progs = cap_progs ? cap_progs * 2 : 64;
        progs = realloc(progs, cap_progs * sizeof *progs);
        if (!progs) {
            fprintf(stderr, "vbench: out of memory\n");
            exit(1);
        }
    }
    prog *p = &progs[nprogs++];
    memset(p, 0, sizeof *p);
    p->kmem_fd = p->kres_fd = -1;
    return p;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ---- bpfvm --------------------------------------------------------------------------- */

/* One verification: verdict, wall time of bpfvm_verify() and its stats. */
static int bpfvm_once(prog *p, double *us, bpfvm_verify_stats *st, char *msg, size_t msgsz)
{
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_obj *obj = NULL;
    bpfvm_prog *bp = NULL;
    bpfvm_error err;
    int v = V_SKIP;
    if (!vm) {
        snprintf(msg, msgsz, "out of memory");
        return V_SKIP;
    }
    if (p->raw) {
        bpfvm_load_opts lo = { .ext = p->ext, .name = p->label, .type = BPFVM_PROG_MEM };
        if (bpfvm_prog_load(vm, p->code, p->len, &lo, &bp, &err)) {
            snprintf(msg, msgsz, "load: %s", err.msg);
            goto out;
        }
    } else {
        if (bpfvm_obj_open(vm, p->path, p->ext, &obj, &err)) {
            snprintf(msg, msgsz, "open: %s", err.msg);
            goto out;
        }
        if (!(bp = bpfvm_obj_find_prog(obj, p->name))) {
            snprintf(msg, msgsz, "no program %s", p->name);
            goto out;
        }
    }
    p->slots = bpfvm_prog_len(bp);
    bpfvm_verify_opts o = { .type = p->type, .unprivileged = p->unpriv, .strict_alignment = p->strict,
                            .mem_size = p->mem_size };
    memset(st, 0, sizeof *st);
    uint64_t t0 = now_ns();
    int rc = bpfvm_verify(bp, &o, st, &err);
    uint64_t t1 = now_ns();
    *us = (double)(t1 - t0) / 1000.0;
    if (rc == 0) {
        v = V_ACCEPT;
        msg[0] = 0;
    } else {
        v = err.code == BPFVM_E_VERIFY ? V_REJECT : V_SKIP;
        snprintf(msg, msgsz, "%s", err.msg);
    }
out:
    if (obj)
        bpfvm_obj_free(obj);
    else if (bp)
        bpfvm_prog_free(bp);
    bpfvm_vm_free(vm);
    return v;
}

/* ---- Linux ------------------------------------------------------------------------------ */

static char klog[1 << 20];

static long log_number(const char *log, const char *key)
{
    const char *s = strstr(log, key);
    return s ? strtol(s + strlen(key), NULL, 10) : -1;
}

/* One load with BPF_LOG_STATS. Returns the verdict; *vus = the log's verification
 * time (-1 when the verifier did not run), *wall_us = the BPF_PROG_LOAD call. */
static int kernel_once(prog *p, double *vus, double *wall_us, long *processed, char *msg, size_t msgsz)
{
    *vus = *wall_us = -1;
    *processed = -1;
    klog[0] = 0;
    int rc;
    if (p->raw) {
        kbpf_load_opts o = { .prog_type = BPF_PROG_TYPE_SOCKET_FILTER, .log_level = 4, .log = klog,
                             .logsz = sizeof klog };
        uint64_t t0 = now_ns();
        int fd = kbpf_prog_load_ex(p->wrapped, p->wrapped_n, &o);
        *wall_us = (double)(now_ns() - t0) / 1000.0;
        rc = fd >= 0 ? 0 : fd;
        kbpf_close(fd);
    } else {
        struct bpf_object *o = bpf_object__open_file(p->path, NULL);
        if (!o) {
            snprintf(msg, msgsz, "libbpf cannot open the object");
            return V_SKIP;
        }
        struct bpf_program *bp, *target = NULL;
        bpf_object__for_each_program(bp, o) {
            bool me = !strcmp(bpf_program__name(bp), p->name);
            bpf_program__set_autoload(bp, me);
            if (me)
                target = bp;
        }
        if (!target) {
            bpf_object__close(o);
            snprintf(msg, msgsz, "libbpf finds no program %s", p->name);
            return V_SKIP;
        }
        bpf_program__set_log_buf(target, klog, sizeof klog);
        bpf_program__set_log_level(target, 4);
        watch_log = klog;
        watched_count = 0;
        rc = bpf_object__load(o);
        int e = errno;
        watch_log = NULL;
        bpf_object__close(o);
        if (watched_count == 0) {
            snprintf(msg, msgsz, "libbpf failed before BPF_PROG_LOAD: %s", strerror(e));
            return V_SKIP;
        }
        *wall_us = (double)watched_ns / 1000.0;
        rc = watched_ret >= 0 ? 0 : watched_ret;
    }
    long t = log_number(klog, "verification time ");
    *processed = log_number(klog, "processed ");
    if (t < 0) {
        snprintf(msg, msgsz, "BPF_PROG_LOAD failed before the verifier ran: %s", strerror(-rc));
        return V_SKIP;
    }
    *vus = (double)t;
    if (rc == 0) {
        msg[0] = 0;
        return V_ACCEPT;
    }
    /* the reason: the last line before the stats */
    const char *end = strstr(klog, "verification time ");
    const char *start = end;
    while (start > klog && start[-1] == '\n')
        start--;
    const char *line_end = start;
    while (start > klog && start[-1] != '\n')
        start--;
    snprintf(msg, msgsz, "%s: %.*s", strerror(-rc), (int)(line_end - start), start);
    return V_REJECT;
}

/* The kernel side of a raw program, prepared once: maps and the wrapped program. */
static int kernel_prepare_raw(prog *p, char *msg, size_t msgsz)
{
    p->kres_fd = kbpf_map_create_array(16, 1);
    p->kmem_fd = kbpf_map_create_array(p->mem_size, 1);
    if (p->kres_fd < 0 || p->kmem_fd < 0) {
        snprintf(msg, msgsz, "creating maps: %s", strerror(-(p->kres_fd < 0 ? p->kres_fd : p->kmem_fd)));
        return -1;
    }
    if (kdiff_wrap(p->code, p->len / 8, p->kmem_fd, p->mem_size, p->kres_fd, &p->wrapped, &p->wrapped_n, msg,
                   msgsz) < 0)
        return -1;
    return 0;
}

/* ---- statistics and output ------------------------------------------------------------ */

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
    double t[MAX_RUNS];
    memcpy(t, v, (size_t)n * sizeof *t);
    qsort(t, (size_t)n, sizeof *t, cmp_d);
    return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* Interquartile range as a percentage of the median. */
static double iqr_pct(const double *v, int n)
{
    double t[MAX_RUNS];
    memcpy(t, v, (size_t)n * sizeof *t);
    qsort(t, (size_t)n, sizeof *t, cmp_d);
    double m = median(v, n);
    return m > 0 ? 100.0 * (t[(3 * n) / 4] - t[n / 4]) / m : 0;
}

static void fmt_us(char *b, size_t n, double us)
{
    if (us < 0)
        snprintf(b, n, "n/a");
    else if (us < 10)
        snprintf(b, n, "%.2f", us);
    else if (us < 100)
        snprintf(b, n, "%.1f", us);
    else
        snprintf(b, n, "%.0f", us);
}

static void fmt_kib(char *b, size_t n, size_t bytes)
{
    if (bytes < 10 * 1024)
        snprintf(b, n, "%.1f", (double)bytes / 1024.0);
    else
        snprintf(b, n, "%.0f", (double)bytes / 1024.0);
}

/* The first three fields of /proc/loadavg: how busy the (shared) machine was. */
static void read_loadavg(char *buf, size_t n)
{
    FILE *f = fopen("/proc/loadavg", "r");
    double a, b, c;
    if (f && fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3)
        snprintf(buf, n, "%.2f %.2f %.2f", a, b, c);
    if (f)
        fclose(f);
}

static void usage(void)
{
    fprintf(stderr, "usage: vbench --corpus DIR --corpus-out DIR [--obj FILE]... [--raw FILE]...\n"
                    "              [--runs N] [--only SUBSTRING[,SUBSTRING...]] [--warm] [--no-kernel]\n"
                    "              [--mem-size N] [-v]\n");
}

static bool selected(const char *label, const char *only)
{
    if (!only)
        return true;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", only);
    char *save, *tok;
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (strstr(label, tok))
            return true;
    return false;
}

int main(int argc, char **argv)
{
    const char *corpus = NULL, *corpus_out = NULL, *only = NULL;
    const char *objs[64], *raws[64];
    int nobjs = 0, nraws = 0, runs = 11;
    bool no_kernel = false;
    uint32_t mem_size = 4096;
    bool warm = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (!strcmp(a, "--corpus") && more)
            corpus = argv[++i];
        else if (!strcmp(a, "--corpus-out") && more)
            corpus_out = argv[++i];
        else if (!strcmp(a, "--obj") && more && nobjs < 64)
            objs[nobjs++] = argv[++i];
        else if (!strcmp(a, "--raw") && more && nraws < 64)
            raws[nraws++] = argv[++i];
        else if (!strcmp(a, "--runs") && more)
            runs = atoi(argv[++i]);
        else if (!strcmp(a, "--only") && more)
            only = argv[++i];
        else if (!strcmp(a, "--mem-size") && more)
            mem_size = (uint32_t)strtoul(argv[++i], NULL, 0);
        else if (!strcmp(a, "--warm"))
            warm = true;
        else if (!strcmp(a, "--no-kernel"))
            no_kernel = true;
        else if (!strcmp(a, "-v"))
            verbose = true;
        else {
            usage();
            return 2;
        }
    }
    if (runs < 1 || runs > MAX_RUNS) {
        fprintf(stderr, "vbench: --runs must be 1..%d\n", MAX_RUNS);
        return 2;
    }
    libbpf_set_print(quiet_print);

    /* the programs */
    vc_corpus c = { 0 };
    if (corpus) {
        if (!corpus_out) {
            usage();
            return 2;
        }
        if (vc_load(corpus, corpus_out, BPFVM_BENCH_BPF_CC, &c))
            return 1;
        for (size_t i = 0; i < c.n; i++) {
            const vc_case *k = &c.cases[i];
            if (!k->is_c)
                continue;
            prog *p = add_prog();
            snprintf(p->label, sizeof p->label, "%s: %s", k->category, k->name);
            snprintf(p->path, sizeof p->path, "%s", k->obj);
            snprintf(p->name, sizeof p->name, "%s", k->name);
            p->type = 0; /* as vc_verify: the type of the program's section */
            p->unpriv = k->unpriv;
            p->strict = k->strict;
            p->ext = k->ext;
            p->mem_size = k->mem_size;
        }
    }
    for (int o = 0; o < nobjs; o++) {
        bpfvm_vm *vm = bpfvm_vm_new();
        bpfvm_obj *obj;
        bpfvm_error err;
        if (bpfvm_obj_open(vm, objs[o], 0, &obj, &err)) {
            fprintf(stderr, "vbench: %s: %s (skipped)\n", objs[o], err.msg);
            bpfvm_vm_free(vm);
            continue;
        }
        char obase[128];
        snprintf(obase, sizeof obase, "%s", base_name(objs[o]));
        char *dot = strstr(obase, ".o");
        if (dot && !dot[2])
            *dot = 0;
        for (size_t i = 0; i < bpfvm_obj_prog_count(obj); i++) {
            prog *p = add_prog();
            const bpfvm_prog *bp = bpfvm_obj_prog(obj, i);
            const char *pn = bpfvm_prog_name(bp);
            snprintf(p->label, sizeof p->label, "%s: %s", obase, pn);
            snprintf(p->path, sizeof p->path, "%s", objs[o]);
            snprintf(p->name, sizeof p->name, "%s", pn);
            if (bpfvm_prog_get_type(bp) == BPFVM_PROG_MEM) { /* SEC("mem"): bpfvm's own */
                p->type = BPFVM_PROG_MEM;
                p->mem_size = mem_size;
            }
        }
        bpfvm_obj_free(obj);
        bpfvm_vm_free(vm);
    }
    for (int r = 0; r < nraws; r++) {
        FILE *f = fopen(raws[r], "rb");
        if (!f) {
            fprintf(stderr, "vbench: %s: %s (skipped)\n", raws[r], strerror(errno));
            continue;
        }
        prog *p = add_prog();
        p->raw = true;
        p->mem_size = mem_size;
        p->type = BPFVM_PROG_MEM;
        snprintf(p->path, sizeof p->path, "%s", raws[r]);
        char b[128];
        snprintf(b, sizeof b, "%s", base_name(raws[r]));
        char *dot = strrchr(b, '.');
        if (dot)
            *dot = 0;
        snprintf(p->label, sizeof p->label, "bench: %s", b);
        size_t cap = 0;
        uint8_t buf[4096];
        size_t got;
        while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
            if (p->len + got > cap) {
                cap = (p->len + got) * 2;
                p->code = realloc(p->code, cap);
            }
            memcpy(p->code + p->len, buf, got);
            p->len += got;
        }
        fclose(f);
    }

    char kwhy[256] = "";
    bool kernel = !no_kernel && kbpf_available(kwhy, sizeof kwhy);
    if (no_kernel)
        snprintf(kwhy, sizeof kwhy, "--no-kernel");
    else if (!kernel)
        fprintf(stderr, "vbench: no kernel column (it needs bpf(2), i.e. root): %s\n", kwhy);

    char load_start[64] = "?";
    read_loadavg(load_start, sizeof load_start);

    /* 1. verdicts (this pass also warms up both sides) */
    size_t nselected = 0;
    for (size_t i = 0; i < nprogs; i++) {
        prog *p = &progs[i];
        if (!selected(p->label, only)) {
            p->bv = p->kv = -1;
            continue;
        }
        nselected++;
        double us;
        bpfvm_verify_stats st;
        p->bv = bpfvm_once(p, &us, &st, p->bmsg, sizeof p->bmsg);
        p->b_processed = st.insns_processed;
        p->states = st.states;
        p->peak = st.peak_bytes;
        p->kv = V_SKIP;
        if (!kernel) {
            snprintf(p->kmsg, sizeof p->kmsg, "no kernel: %s", kwhy);
        } else if (p->type == BPFVM_PROG_MEM && !p->raw) {
            snprintf(p->kmsg, sizeof p->kmsg, "SEC(\"mem\"): bpfvm's own memory program type has no kernel equivalent");
        } else if (p->unpriv) {
            snprintf(p->kmsg, sizeof p->kmsg, "unprivileged case (not benchmarked)");
        } else if (!p->raw || kernel_prepare_raw(p, p->kmsg, sizeof p->kmsg) == 0) {
            double kw;
            p->kv = kernel_once(p, &us, &kw, &p->k_processed, p->kmsg, sizeof p->kmsg);
        }
        p->timed = (p->bv == V_ACCEPT || p->bv == V_REJECT) && p->bv == p->kv;
        if (!kernel)
            p->timed = p->bv == V_ACCEPT || p->bv == V_REJECT;
        if (verbose)
            fprintf(stderr, "%-50s bpfvm %s, kernel %s%s%s\n", p->label, vname[p->bv], vname[p->kv],
                    p->kmsg[0] ? ": " : "", p->kmsg);
    }

    /* 2. rounds */
    for (int r = 0; r < runs; r++) {
        for (size_t i = 0; i < nprogs; i++) {
            prog *p = &progs[i];
            if (!p->timed)
                continue;
            for (int side = 0; side < 2; side++) {
                bool bpfvm_side = (side == 0) == (r % 2 == 0);
                char msg[300];
                if (bpfvm_side) {
                    double us;
                    bpfvm_verify_stats st;
                    if (warm)
                        (void)bpfvm_once(p, &us, &st, msg, sizeof msg);
                    int v = bpfvm_once(p, &us, &st, msg, sizeof msg);
                    if (v != p->bv) {
                        fprintf(stderr, "vbench: %s: bpfvm's verdict changed (%s, then %s)\n", p->label,
                                vname[p->bv], vname[v]);
                        return 1;
                    }
                    p->bt[p->n] = us;
                    if (st.peak_bytes > p->peak)
                        p->peak = st.peak_bytes;
                } else if (kernel) {
                    double vus, wus;
                    long proc;
                    if (warm)
                        (void)kernel_once(p, &vus, &wus, &proc, msg, sizeof msg);
                    int v = kernel_once(p, &vus, &wus, &proc, msg, sizeof msg);
                    if (v != p->kv) {
                        fprintf(stderr, "vbench: %s: the kernel's verdict changed (%s, then %s: %s)\n", p->label,
                                vname[p->kv], vname[v], msg);
                        return 1;
                    }
                    p->kt[p->n] = vus;
                    p->kw[p->n] = wus;
                }
            }
            p->n++;
        }
    }

    /* 3. the table */
    char load_end[64] = "?";
    read_loadavg(load_end, sizeof load_end);
    struct utsname u;
    uname(&u);
    if (kernel)
        printf("bpfvm %s%s, library build type %s; kernel %s (BPF_PROG_LOAD with log_level 4 = BPF_LOG_STATS); "
               "%d rounds, bpfvm and the kernel alternating per program and round; times are medians.\n",
               BPFVM_VERSION, BPFVM_BENCH_REV, BPFVM_BENCH_BUILD_TYPE, u.release, runs);
    else
        printf("bpfvm %s%s, library build type %s; %d rounds; times are medians. No kernel column: %s.\n",
               BPFVM_VERSION, BPFVM_BENCH_REV, BPFVM_BENCH_BUILD_TYPE, runs, kwhy);
    if (kernel)
        printf("%s\n", warm ? "--warm: each side verifies the program once, untimed, right before its timed run."
                            : "Each timed verification directly follows the other side's (nothing warms the "
                              "caches for it: a one-shot load).");
    printf("Load average (1, 5, 15 min) at the start: %s; at the end: %s.\n\n", load_start, load_end);
    printf("| program | verdict | insns | bpfvm processed | kernel processed | bpfvm µs | kernel µs (log) | "
           "bpfvm / kernel | kernel BPF_PROG_LOAD µs | bpfvm / load | bpfvm peak KiB |\n");
    printf("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    double lsum = 0, lsum_acc = 0, lsum_w = 0;
    int nr = 0, nr_acc = 0, nr_w = 0, slower = 0, slower_w = 0, ntimed = 0;
    double worst = 0;
    const prog *worst_p = NULL, *peak_p = NULL, *peak_acc = NULL;
    for (size_t i = 0; i < nprogs; i++) {
        prog *p = &progs[i];
        if (!p->timed || p->n == 0)
            continue;
        ntimed++;
        double b = median(p->bt, p->n);
        double k = kernel ? median(p->kt, p->n) : -1;
        double w = kernel ? median(p->kw, p->n) : -1;
        char bs[32], ks[32], ws[32], rs[32] = "n/a", rws[32] = "n/a", kp[32] = "n/a", pk[32];
        fmt_us(bs, sizeof bs, b);
        fmt_us(ks, sizeof ks, k);
        fmt_us(ws, sizeof ws, w);
        fmt_kib(pk, sizeof pk, p->peak);
        if (p->k_processed >= 0 && kernel)
            snprintf(kp, sizeof kp, "%ld", p->k_processed);
        if (k > 0) {
            double ratio = b / k;
            snprintf(rs, sizeof rs, "%s%.2f", ratio > 1 ? "**" : "", ratio);
            if (ratio > 1)
                strcat(rs, "**");
            lsum += log(ratio);
            nr++;
            if (p->bv == V_ACCEPT)
                lsum_acc += log(ratio), nr_acc++;
            if (ratio > 1)
                slower++;
            if (!worst_p || ratio > worst)
                worst = ratio, worst_p = p;
        } else if (k == 0) {
            snprintf(rs, sizeof rs, "(kernel < 1 µs)");
            if (b >= 1)
                slower++;
        }
        if (w > 0) {
            double rw = b / w;
            snprintf(rws, sizeof rws, "%.2f", rw);
            lsum_w += log(rw);
            nr_w++;
            if (rw > 1)
                slower_w++;
        }
        if (!peak_p || p->peak > peak_p->peak)
            peak_p = p;
        if (p->bv == V_ACCEPT && (!peak_acc || p->peak > peak_acc->peak))
            peak_acc = p;
        printf("| %s | %s | %zu | %llu | %s | %s | %s | %s | %s | %s | %s |\n", p->label,
               kernel ? vname[p->bv] : vname[p->bv], p->slots, (unsigned long long)p->b_processed, kp, bs, ks, rs,
               ws, rws, pk);
    }
    printf("\n%d programs timed (%zu selected).", ntimed, nselected);
    if (kernel && nr) {
        printf(" Geometric mean bpfvm / kernel verification time: **%.2f** over %d programs "
               "(%.2f over the %d both accept); bpfvm slower on %d.",
               exp(lsum / nr), nr, nr_acc ? exp(lsum_acc / nr_acc) : 0.0, nr_acc, slower);
        if (worst_p)
            printf(" Worst: %s, %.2f×.", worst_p->label, worst);
        if (nr_w)
            printf(" Against the whole BPF_PROG_LOAD call: geometric mean %.2f, bpfvm slower on %d.",
                   exp(lsum_w / nr_w), slower_w);
    }
    if (peak_p)
        printf(" Largest bpfvm peak memory: %.1f MiB (%s, %s, %llu processed insns).",
               (double)peak_p->peak / 1048576.0, peak_p->label, vname[peak_p->bv],
               (unsigned long long)peak_p->b_processed);
    if (peak_acc && peak_acc != peak_p)
        printf(" Largest of an accepted program: %.1f MiB (%s, %llu processed insns).",
               (double)peak_acc->peak / 1048576.0, peak_acc->label, (unsigned long long)peak_acc->b_processed);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf(" Harness max RSS: %.1f MiB.\n", (double)ru.ru_maxrss / 1024.0);

    /* spread of the long ones, where the machine's noise shows */
    bool first = true;
    for (size_t i = 0; i < nprogs; i++) {
        prog *p = &progs[i];
        if (!p->timed || p->n < 4 || median(p->bt, p->n) < 1000)
            continue;
        printf("%s %s bpfvm %.0f%%",
               first ? "\nSpread (interquartile range, % of the median) of the programs over 1 ms:" : ";", p->label,
               iqr_pct(p->bt, p->n));
        if (kernel)
            printf(", kernel %.0f%%", iqr_pct(p->kt, p->n));
        first = false;
    }
    if (!first)
        printf(".\n");

    /* 4. what was not timed */
    bool header = false;
    for (size_t i = 0; i < nprogs; i++) {
        prog *p = &progs[i];
        if (p->timed || p->bv < 0)
            continue;
        if (!header) {
            printf("\nNot timed (the verdicts differ, or one side cannot take the program):\n\n");
            printf("| program | bpfvm | kernel | bpfvm processed | why |\n|---|---|---|--:|---|\n");
            header = true;
        }
        const char *why = p->bv == V_SKIP ? p->bmsg : p->kv == V_SKIP ? p->kmsg : p->bv == V_REJECT ? p->bmsg
                                                                                                    : p->kmsg;
        char w[300];
        snprintf(w, sizeof w, "%s", why);
        for (char *q = w; *q; q++)
            if (*q == '|' || *q == '\n')
                *q = ' ';
        printf("| %s | %s | %s | %llu | %s |\n", p->label, vname[p->bv], vname[p->kv],
               (unsigned long long)p->b_processed, w);
    }

    for (size_t i = 0; i < nprogs; i++) {
        free(progs[i].code);
        free(progs[i].wrapped);
        kbpf_close(progs[i].kmem_fd);
        kbpf_close(progs[i].kres_fd);
    }
    free(progs);
    vc_free(&c);
    return 0;
}
