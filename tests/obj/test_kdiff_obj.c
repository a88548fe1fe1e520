/* test_kdiff_obj.c — the same ELF objects, the same packets, in the Linux kernel
 * and in bpfvm. Every object of the corpus (all -mcpu levels) and the README's
 * example is opened with libbpf (bpf_object__open_file / __load) and with
 * bpfvm_obj_open (interpreter and JIT); every XDP, socket filter and tc program
 * runs over examples/traffic.pcap and the generated packets.pcap, in the kernel
 * with BPF_PROG_TEST_RUN and in bpfvm with bpfvm_run_packet, and the results are
 * compared: the return value, the output packet (socket filters: from the network
 * header on, as the kernel zeroes the Ethernet header it hands back), and after
 * each program every map (arrays, hashes, LRU, per-CPU with the kernel's CPU count,
 * global data; queues, stacks and ring buffers drained at the end of the object).
 * Packets the kernel refuses to run (EINVAL: shorter than an Ethernet header; for
 * socket filters and tc larger than a page or with a cut IPv4/IPv6 header) are not
 * run in bpfvm either, and counted apart; XDP frames over 3520 bytes, which the
 * kernel runs as multi-buffer frames, are not compared (docs/runtime.md).
 * Exit 77 when bpf(2) is not usable (not root, no BPF_PROG_TEST_RUN).
 *   test_kdiff_obj [-v] [OBJECT.o ...]    -v: every disagreement in detail
 */
#define _GNU_SOURCE
#include "objtest.h"
#include "kbpf.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <sys/utsname.h>

static bool verbose;
static uint32_t run_cpu; /* the CPU the kernel runs the programs on */
static ot_capture caps[3];
static const char *cap_names[3] = { "traffic.pcap", "packets.pcap", "redirect.pcap" };

/* agreement counters */
static unsigned long n_objs, n_objs_agree, n_objs_kernel_refused, n_objs_norun;
static unsigned long n_runs, n_runs_agree, n_runs_refused, n_runs_multibuf;
static uint32_t xdp_linear_max; /* PAGE_SIZE - XDP_PACKET_HEADROOM - skb_shared_info */
static unsigned long n_maps, n_maps_agree;
static unsigned long n_progs;

static char libbpf_log[65536];
static size_t libbpf_log_len;

static int on_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    if (level == LIBBPF_DEBUG)
        return 0;
    if (libbpf_log_len < sizeof libbpf_log - 1) {
        int n = vsnprintf(libbpf_log + libbpf_log_len, sizeof libbpf_log - libbpf_log_len, fmt, ap);
        if (n > 0)
            libbpf_log_len += (size_t)n < sizeof libbpf_log - libbpf_log_len ? (size_t)n : 0;
    }
    return 0;
}

static void hexdump(const char *what, const uint8_t *p, size_t n)
{
    fprintf(stderr, "    %s (%zu bytes):", what, n);
    for (size_t i = 0; i < n && i < 96; i++)
        fprintf(stderr, "%s%02x", i % 16 ? " " : "\n      ", p[i]);
    fprintf(stderr, "%s\n", n > 96 ? " ..." : "");
}

static bool runnable(bpfvm_prog_type t)
{
    return t == BPFVM_PROG_XDP || t == BPFVM_PROG_SOCKET_FILTER || t == BPFVM_PROG_SCHED_CLS ||
           t == BPFVM_PROG_SCHED_ACT;
}

/* The kernel map that corresponds to bpfvm map `name`: the same name, or for
 * global data libbpf's "<object prefix>.<section>". */
static struct bpf_map *kmap_for(struct bpf_object *kobj, const char *name)
{
    struct bpf_map *m;
    bpf_object__for_each_map(m, kobj) {
        const char *kn = bpf_map__name(m);
        if (!strcmp(kn, name))
            return m;
        if (bpf_map__is_internal(m) && name[0] == '.') {
            const char *dot = strchr(kn, '.');
            if (dot && !strcmp(dot, name))
                return m;
        }
    }
    return NULL;
}

/* ---- map comparison ------------------------------------------------------------------- */

typedef struct rb_rec_list {
    uint8_t *data;
    size_t len, n;
} rb_rec_list;

static int rb_collect(void *ctx, void *data, size_t size)
{
    rb_rec_list *l = ctx;
    uint8_t *v = realloc(l->data, l->len + size + 4);
    if (!v)
        return -1;
    l->data = v;
    uint32_t s = (uint32_t)size;
    memcpy(v + l->len, &s, 4);
    memcpy(v + l->len + 4, data, size);
    l->len += size + 4;
    l->n++;
    return 0;
}

static int rb_collect_bpfvm(void *user, const void *data, size_t size)
{
    return rb_collect(user, (void *)data, size);
}

/* Compares map m of bpfvm with its kernel twin. drain: also queues, stacks and ring
 * buffers (destructive). Returns true when they agree (or cannot be compared). */
static bool compare_map(bpfvm_map *m, struct bpf_object *kobj, const char *ctx, bool drain)
{
    const bpfvm_map_def *d = bpfvm_map_get_def(m);
    if (strstr(d->name, ".inner") || d->type == BPFVM_MAP_PROG_ARRAY || d->type == BPFVM_MAP_ARRAY_OF_MAPS ||
        d->type == BPFVM_MAP_HASH_OF_MAPS || d->type == BPFVM_MAP_XSKMAP || d->type == BPFVM_MAP_PERF_EVENT_ARRAY)
        return true; /* templates; values are kernel fds/ids/sockets/perf events vs bpfvm's */
    bool stateful = d->type == BPFVM_MAP_QUEUE || d->type == BPFVM_MAP_STACK || d->type == BPFVM_MAP_RINGBUF;
    if (stateful != drain)
        return true;
    struct bpf_map *km = kmap_for(kobj, d->name);
    n_maps++;
    if (!km) {
        fprintf(stderr, "DIFF %s: map '%s' has no kernel twin\n", ctx, d->name);
        return false;
    }
    int fd = bpf_map__fd(km);
    bool ok = true;
    if (d->type == BPFVM_MAP_RINGBUF) {
        rb_rec_list kl = { 0 }, vl = { 0 };
        struct ring_buffer *rb = ring_buffer__new(fd, rb_collect, &kl, NULL);
        if (rb) {
            ring_buffer__consume(rb);
            ring_buffer__free(rb);
        }
        bpfvm_ringbuf_consume(m, rb_collect_bpfvm, &vl);
        ok = rb && kl.len == vl.len && (!kl.len || !memcmp(kl.data, vl.data, kl.len));
        if (!ok)
            fprintf(stderr, "DIFF %s: ring buffer '%s': kernel %zu records (%zu bytes), bpfvm %zu (%zu bytes)\n", ctx,
                    d->name, kl.n, kl.len, vl.n, vl.len);
        free(kl.data);
        free(vl.data);
    } else if (stateful) {
        uint8_t kv[256], vv[256];
        for (int i = 0; i < 1000; i++) {
            int kr = bpf_map_lookup_and_delete_elem(fd, NULL, kv);
            int vr = bpfvm_map_pop(m, vv);
            kr = kr < 0 ? -errno : kr;
            if (kr != vr || (kr == 0 && memcmp(kv, vv, d->value_size))) {
                fprintf(stderr, "DIFF %s: %s '%s' element %d: kernel rc %d, bpfvm rc %d%s\n", ctx,
                        bpfvm_map_type_name(d->type), d->name, i, kr, vr,
                        kr == vr ? ", values differ" : "");
                ok = false;
                break;
            }
            if (kr)
                break;
        }
    } else {
        /* every kernel key must be in bpfvm with the same value, and as many keys */
        bool percpu = d->type == BPFVM_MAP_PERCPU_ARRAY || d->type == BPFVM_MAP_PERCPU_HASH ||
                      d->type == BPFVM_MAP_LRU_PERCPU_HASH;
        size_t vsz = percpu ? ((d->value_size + 7u) & ~7u) * (size_t)libbpf_num_possible_cpus() : d->value_size;
        uint8_t *key = calloc(1, d->key_size + 8), *next = calloc(1, d->key_size + 8);
        uint8_t *kv = calloc(1, vsz + 8), *vv = calloc(1, vsz + 8);
        size_t kn = 0, vn = 0;
        int rc = bpf_map_get_next_key(fd, NULL, next);
        while (rc == 0 && ok) {
            memcpy(key, next, d->key_size);
            kn++;
            /* devmaps and cpumaps list every index, and an empty one is -ENOENT */
            int kr = bpf_map_lookup_elem(fd, key, kv) ? -errno : 0;
            int vr = bpfvm_map_lookup(m, key, vv);
            if (kr && kr == vr) {
                rc = bpf_map_get_next_key(fd, key, next);
                continue;
            }
            if (kr) {
                fprintf(stderr, "DIFF %s: map '%s': the kernel's lookup fails (%d), bpfvm's gives %d\n", ctx,
                        d->name, kr, vr);
                ok = false;
                break;
            }
            if (vr || memcmp(kv, vv, vsz)) {
                char kb[512], a[2048], b[2048];
                bpfvm_map_format(m, true, key, kb, sizeof kb);
                bpfvm_map_format(m, false, kv, a, sizeof a);
                bpfvm_map_format(m, false, vv, b, sizeof b);
                fprintf(stderr, "DIFF %s: map '%s' key %s: kernel %s, bpfvm %s\n", ctx, d->name, kb, a,
                        vr ? "(missing)" : b);
                ok = false;
            }
            rc = bpf_map_get_next_key(fd, key, next);
        }
        rc = bpfvm_map_next_key(m, NULL, next);
        while (rc == 0) {
            vn++;
            memcpy(key, next, d->key_size);
            rc = bpfvm_map_next_key(m, key, next);
        }
        if (ok && kn != vn) {
            fprintf(stderr, "DIFF %s: map '%s': kernel has %zu keys, bpfvm %zu\n", ctx, d->name, kn, vn);
            ok = false;
        }
        free(key);
        free(next);
        free(kv);
        free(vv);
    }
    n_maps_agree += ok;
    return ok;
}

/* ---- redirect targets ------------------------------------------------------------------- */

/* The entries tests/obj/progs/redirect_map.c expects (test_obj.c gives bpfvm the
 * same): devmaps 0, 2, 4, 6 and 0x0b -> ifindex 1 (lo, which every kernel has),
 * devmap_hash 1, 0x0b, 0x2a -> ifindex 1, cpumap CPU 0 -> a 192-packet queue. */
static bool fill_redirect_maps(bpfvm_map *m, struct bpf_object *kobj, const char *base)
{
    const bpfvm_map_def *d = bpfvm_map_get_def(m);
    uint32_t keys[8], n = 0, val[2] = { 1, 0 };
    if (d->type == BPFVM_MAP_DEVMAP) {
        for (uint32_t k = 0; k < 8 && k < d->max_entries; k += 2)
            keys[n++] = k;
        if (d->max_entries > 0x0b)
            keys[n++] = 0x0b;
    } else if (d->type == BPFVM_MAP_DEVMAP_HASH) {
        static const uint32_t hk[] = { 1, 0x0b, 0x2a };
        for (uint32_t i = 0; i < 3 && i < d->max_entries; i++)
            keys[n++] = hk[i];
    } else if (d->type == BPFVM_MAP_CPUMAP) {
        keys[n++] = 0;
        val[0] = 192;
    } else {
        return true;
    }
    struct bpf_map *km = kmap_for(kobj, d->name);
    int fd = km ? bpf_map__fd(km) : -1;
    for (uint32_t i = 0; i < n; i++) {
        int kr = fd >= 0 && bpf_map_update_elem(fd, &keys[i], val, BPF_ANY) ? -errno : 0;
        int vr = bpfvm_map_update(m, &keys[i], val, BPFVM_ANY);
        if (fd < 0 || kr || vr) {
            fprintf(stderr, "DIFF %s: filling %s '%s' key %u: kernel %d, bpfvm %d\n", base,
                    bpfvm_map_type_name(d->type), d->name, keys[i], fd < 0 ? -EBADF : kr, vr);
            return false;
        }
    }
    return true;
}

/* ---- one object ------------------------------------------------------------------------ */

typedef struct side {
    bpfvm_vm *vm;
    bpfvm_obj *obj;
    bpfvm_engine engine;
} side;

static bool open_side(side *s, const char *path, bpfvm_engine e, int ncpus)
{
    bpfvm_error err;
    memset(s, 0, sizeof *s);
    s->engine = e;
    s->vm = bpfvm_vm_new();
    if (!s->vm || bpfvm_vm_set_ncpus(s->vm, (uint32_t)ncpus, &err) || bpfvm_obj_open(s->vm, path, 0, &s->obj, &err)) {
        fprintf(stderr, "DIFF %s: bpfvm refuses the object: %s\n", path, s->vm ? err.msg : "no memory");
        return false;
    }
    for (size_t i = 0; e == BPFVM_ENGINE_JIT && i < bpfvm_obj_prog_count(s->obj); i++)
        if (bpfvm_prog_jit(bpfvm_obj_prog(s->obj, i), &err)) {
            printf("SKIP jit for %s: %s\n", path, err.msg);
            return false;
        }
    return true;
}

static void close_side(side *s)
{
    bpfvm_obj_free(s->obj);
    bpfvm_vm_free(s->vm);
}

static void diff_object(const char *path)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    libbpf_log_len = 0;
    libbpf_log[0] = 0;
    struct bpf_object *kobj = bpf_object__open_file(path, NULL);
    if (!kobj) {
        n_objs++;
        n_objs_kernel_refused++;
        printf("KERNEL-REFUSES %s: libbpf cannot open it: %s\n", base, strerror(errno));
        if (verbose)
            fprintf(stderr, "%s", libbpf_log);
        return;
    }
    /* only the programs BPF_PROG_TEST_RUN can run: others need not even load */
    struct bpf_program *kp;
    size_t nrun = 0;
    bpf_object__for_each_program(kp, kobj) {
        enum bpf_prog_type t = bpf_program__type(kp);
        bool r = t == BPF_PROG_TYPE_XDP || t == BPF_PROG_TYPE_SOCKET_FILTER || t == BPF_PROG_TYPE_SCHED_CLS ||
                 t == BPF_PROG_TYPE_SCHED_ACT;
        bpf_program__set_autoload(kp, r);
        nrun += r;
    }
    if (!nrun) {
        n_objs_norun++;
        bpf_object__close(kobj);
        return;
    }
    n_objs++;
    if (bpf_object__load(kobj)) {
        n_objs_kernel_refused++;
        printf("KERNEL-REFUSES %s: bpf_object__load: %s\n", base, strerror(errno));
        if (verbose)
            fprintf(stderr, "%s", libbpf_log);
        bpf_object__close(kobj);
        return;
    }
    int ncpus = libbpf_num_possible_cpus();
    side sides[2];
    bool have[2];
    have[0] = open_side(&sides[0], path, BPFVM_ENGINE_INTERP, ncpus);
    have[1] = have[0] && open_side(&sides[1], path, BPFVM_ENGINE_JIT, ncpus);
    if (!have[0]) {
        close_side(&sides[0]);
        bpf_object__close(kobj);
        return;
    }
    bpfvm_packet *pkt = bpfvm_packet_new();
    static uint8_t kout[65536];
    bool obj_ok = true;
    int ncaps = 2; /* redirect.pcap too for objects with redirect targets */
    for (int e = 0; e < 2; e++)
        for (size_t mi = 0; have[e] && mi < bpfvm_obj_map_count(sides[e].obj); mi++) {
            bpfvm_map *m = bpfvm_obj_map(sides[e].obj, mi);
            bpfvm_map_type t = bpfvm_map_get_def(m)->type;
            if (t == BPFVM_MAP_DEVMAP || t == BPFVM_MAP_DEVMAP_HASH || t == BPFVM_MAP_CPUMAP || t == BPFVM_MAP_XSKMAP)
                ncaps = 3;
            obj_ok &= fill_redirect_maps(m, kobj, base);
        }
    for (size_t pi = 0; pi < bpfvm_obj_prog_count(sides[0].obj); pi++) {
        bpfvm_prog *vp = bpfvm_obj_prog(sides[0].obj, pi);
        bpfvm_prog_type type = bpfvm_prog_get_type(vp);
        if (!runnable(type))
            continue;
        struct bpf_program *k = bpf_object__find_program_by_name(kobj, bpfvm_prog_name(vp));
        if (!k || bpf_program__fd(k) < 0) {
            fprintf(stderr, "DIFF %s: program %s is not in the kernel object\n", base, bpfvm_prog_name(vp));
            obj_ok = false;
            continue;
        }
        n_progs++;
        int fd = bpf_program__fd(k);
        for (int c = 0; c < ncaps; c++) {
            for (size_t f = 0; f < caps[c].n; f++) {
                const ot_frame *fr = &caps[c].f[f];
                if (type == BPFVM_PROG_XDP && fr->len > xdp_linear_max) {
                    /* the kernel runs it as a multi-buffer frame: the program sees
                     * only the first xdp_linear_max bytes (docs/runtime.md) */
                    n_runs_multibuf++;
                    continue;
                }
                LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = fr->data, .data_size_in = fr->len, .data_out = kout,
                            .data_size_out = sizeof kout, .repeat = 1);
                int kr = bpf_prog_test_run_opts(fd, &o);
                if (kr) {
                    n_runs_refused++;
                    if (verbose)
                        fprintf(stderr, "REFUSED %s %s %s#%zu (%u bytes): %s\n", base, bpfvm_prog_name(vp),
                                cap_names[c], f + 1, fr->len, strerror(errno));
                    continue;
                }
                bool run_ok = true;
                for (int e = 0; e < 2; e++) {
                    if (!have[e])
                        continue;
                    bpfvm_prog *p = bpfvm_obj_prog(sides[e].obj, pi);
                    bpfvm_error err;
                    uint64_t ret = 0;
                    bpfvm_run_opts ro = { .engine = sides[e].engine, .cpu = run_cpu };
                    int rc = bpfvm_packet_set(pkt, fr->data, fr->len, &err);
                    if (!rc)
                        rc = bpfvm_run_packet(p, pkt, &ro, &ret, &err);
                    n_runs++;
                    size_t olen = 0;
                    const uint8_t *out = bpfvm_packet_data(pkt, &olen);
                    /* socket filters: the kernel hands back a zeroed Ethernet header;
                     * XDP: the kernel's data_out starts at data_meta */
                    size_t skip = type == BPFVM_PROG_SOCKET_FILTER && fr->len >= 14 ? 14 : 0;
                    size_t meta = type == BPFVM_PROG_XDP && o.data_size_out > olen ? o.data_size_out - olen : 0;
                    bool same = rc == 0 && ret == o.retval && olen + meta == o.data_size_out && meta % 4 == 0 &&
                                meta <= 255 && !memcmp(out + skip, kout + meta + skip, olen - skip);
                    n_runs_agree += same;
                    if (!same) {
                        run_ok = false;
                        fprintf(stderr, "DIFF %s %s (%s) %s#%zu (%u bytes): kernel %u, %u bytes; bpfvm %s %" PRIu64
                                        ", %zu bytes%s%s\n",
                                base, bpfvm_prog_name(vp), e ? "jit" : "interp", cap_names[c], f + 1, fr->len,
                                o.retval, o.data_size_out, rc ? "error" : "", ret, olen, rc ? ": " : "",
                                rc ? err.msg : "");
                        if (verbose && rc == 0) {
                            hexdump("input", fr->data, fr->len);
                            hexdump("kernel", kout, o.data_size_out);
                            hexdump("bpfvm", out, olen);
                        }
                    }
                }
                obj_ok &= run_ok;
            }
        }
        char ctx[512];
        /* both VMs (interpreter, JIT) against the kernel; queues, stacks and ring
         * buffers of the JIT's VM are checked exactly by test_obj */
        for (int e = 0; e < 2; e++) {
            snprintf(ctx, sizeof ctx, "%s (%s) after %s", base, e ? "jit" : "interp", bpfvm_prog_name(vp));
            for (size_t mi = 0; have[e] && mi < bpfvm_obj_map_count(sides[e].obj); mi++)
                obj_ok &= compare_map(bpfvm_obj_map(sides[e].obj, mi), kobj, ctx, false);
        }
    }
    char ctx[512];
    snprintf(ctx, sizeof ctx, "%s at the end", base);
    for (size_t mi = 0; mi < bpfvm_obj_map_count(sides[0].obj); mi++)
        obj_ok &= compare_map(bpfvm_obj_map(sides[0].obj, mi), kobj, ctx, true);
    n_objs_agree += obj_ok;
    if (!obj_ok)
        printf("DISAGREE %s\n", base);
    bpfvm_packet_free(pkt);
    close_side(&sides[0]);
    if (have[1])
        close_side(&sides[1]);
    bpf_object__close(kobj);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv)
{
    char why[256];
    if (!kbpf_available(why, sizeof why)) {
        printf("SKIP: the kernel cannot load and test-run BPF programs here: %s\n", why);
        return 77;
    }
    /* one CPU (the first this process may use): per-CPU maps and
     * bpf_get_smp_processor_id are then comparable; bpfvm runs as that CPU */
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        for (int c = 0; c < CPU_SETSIZE; c++)
            if (CPU_ISSET(c, &set)) {
                run_cpu = (uint32_t)c;
                break;
            }
    CPU_ZERO(&set);
    CPU_SET(run_cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set))
        printf("note: cannot pin to CPU %u (%s): per-CPU maps may differ\n", run_cpu, strerror(errno));
    libbpf_set_print(on_libbpf_print);
    xdp_linear_max = (uint32_t)sysconf(_SC_PAGESIZE) - 256 - 320;

    char path[4096];
    snprintf(path, sizeof path, "%s/examples/traffic.pcap", SRC_DIR);
    if (ot_load_pcap(path, &caps[0])) {
        fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    for (int c = 1; c < 3; c++) {
        snprintf(path, sizeof path, "%s/%s", PCAP_DIR, cap_names[c]);
        if (ot_load_pcap(path, &caps[c])) {
            fprintf(stderr, "cannot read %s\n", path);
            return 1;
        }
    }
    char **files = NULL;
    size_t nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-v")) {
            verbose = true;
            continue;
        }
        files = realloc(files, (nfiles + 1) * sizeof *files);
        files[nfiles++] = strdup(argv[i]);
    }
    if (!nfiles) {
        DIR *dir = opendir(OBJ_DIR);
        struct dirent *de;
        while (dir && (de = readdir(dir))) {
            size_t n = strlen(de->d_name);
            if (n < 3 || strcmp(de->d_name + n - 2, ".o"))
                continue;
            files = realloc(files, (nfiles + 1) * sizeof *files);
            snprintf(path, sizeof path, "%s/%s", OBJ_DIR, de->d_name);
            files[nfiles++] = strdup(path);
        }
        if (dir)
            closedir(dir);
        qsort(files, nfiles, sizeof *files, cmp_str);
    }
    for (size_t i = 0; i < nfiles; i++) {
        diff_object(files[i]);
        free(files[i]);
    }
    free(files);
    printf("kernel vs bpfvm: objects: %lu/%lu agree (%lu refused by the kernel side, %lu with no XDP/socket/tc "
           "program); programs: %lu; packet runs (interp + jit): %lu/%lu agree (%.2f%%); maps: %lu/%lu agree; "
           "%lu packet runs refused by the kernel (EINVAL: frames under 14 bytes, longer than a page for "
           "skb programs, or with a cut IPv4/IPv6 header for skb programs; not run in bpfvm); %lu XDP runs of frames over %u bytes not compared (multi-buffer in the kernel)\n",
           n_objs_agree, n_objs - n_objs_kernel_refused, n_objs_kernel_refused, n_objs_norun, n_progs, n_runs_agree,
           n_runs, n_runs ? 100.0 * (double)n_runs_agree / (double)n_runs : 0.0, n_maps_agree, n_maps,
           n_runs_refused, n_runs_multibuf, xdp_linear_max);
    for (int c = 0; c < 3; c++)
        ot_free_capture(&caps[c]);
    bool agree = n_objs_agree == n_objs - n_objs_kernel_refused && n_runs_agree == n_runs && n_maps_agree == n_maps;
    /* bpfvm follows Linux 6.18 where the kernel changed (bpf_csum_diff folding, XDP
     * metadata up to 255 bytes, ...: docs/runtime.md); an older kernel may disagree */
    struct utsname u;
    unsigned major = 0, minor = 0;
    if (!agree && uname(&u) == 0 && sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
        (major < 6 || (major == 6 && minor < 18))) {
        printf("SKIP: disagreements on Linux %s, older than the 6.18 whose behaviour bpfvm follows "
               "(docs/runtime.md, \"Differences from the Linux kernel\")\n", u.release);
        return 77;
    }
    return agree ? 0 : 1;
}
