/* test_maps_kernel.c — bpfvm's maps against the running kernel's, through bpf(2):
 * the creation rules (the errno for the same definitions), random sequences of
 * update/delete/lookup/get_next_key/push/pop on HASH, ARRAY, PERCPU_*, LRU_*,
 * QUEUE and STACK maps (the same errno and the same values at every step, the same
 * contents at the end), access flags and map-in-map updates.
 * Exits 77 (skipped) when bpf(2) cannot be used. The process pins itself to one CPU
 * so that the kernel's LRU free lists are not spread over CPUs (with them, Linux
 * may evict before the map is full); LRU sequences stay below max_entries, since
 * which element an LRU map evicts is an approximation in both.
 */
#define _GNU_SOURCE
#include "maptest.h"
#include "kbpf.h"

#include "isa/isa.h"

#include <linux/bpf.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

static uint32_t possible_cpus(void)
{
    FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
    unsigned lo = 0, hi = 0;
    int n = f ? fscanf(f, "%u-%u", &lo, &hi) : 0;
    if (f)
        fclose(f);
    return n == 2 ? hi + 1 : n == 1 ? lo + 1 : 1;
}

static uint32_t ncpus;

static bpfvm_vm *vm_for_kernel(void)
{
    bpfvm_vm *vm = bpfvm_vm_new();
    assert_int_equal(bpfvm_vm_set_ncpus(vm, ncpus, NULL), 0);
    return vm;
}

/* ---- creation rules ---- */

enum { IN_NONE, IN_ARRAY, IN_PROG_ARRAY, IN_AOM, IN_HASH, IN_RINGBUF };

static void test_create_rules(void **state)
{
    (void)state;
    static const struct {
        uint32_t type, ks, vs, max, flags;
        int inner;
    } rows[] = {
        { BPF_MAP_TYPE_HASH, 8, 8, 4, 0, IN_NONE },
        { BPF_MAP_TYPE_HASH, 513, 8, 4, 0, IN_NONE },
        { BPF_MAP_TYPE_HASH, 0, 8, 4, 0, IN_NONE },
        { BPF_MAP_TYPE_HASH, 8, 0, 4, 0, IN_NONE },
        { BPF_MAP_TYPE_HASH, 8, 8, 0, 0, IN_NONE },
        { BPF_MAP_TYPE_HASH, 8, 8, (1u << 27) + 1, BPF_F_NO_PREALLOC, IN_NONE },
        { BPF_MAP_TYPE_HASH, 4u << 20, 8, 4, 0, IN_NONE },
        { BPF_MAP_TYPE_HASH, 8, 8, 4, BPF_F_MMAPABLE, IN_NONE },
        { BPF_MAP_TYPE_HASH, 8, 8, 4, BPF_F_NO_COMMON_LRU, IN_NONE },
        { BPF_MAP_TYPE_HASH, 8, 8, 4, BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED, IN_NONE },
        { BPF_MAP_TYPE_HASH, 8, 8, 4, BPF_F_RDONLY | BPF_F_WRONLY, IN_NONE },
        { BPF_MAP_TYPE_HASH, 8, 8, 4, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG, IN_NONE },
        { BPF_MAP_TYPE_HASH, 8, 8, 4, BPF_F_RDONLY_PROG, IN_NONE },
        { BPF_MAP_TYPE_HASH, 8, 8, 4, 1u << 20, IN_NONE },
        { BPF_MAP_TYPE_LRU_HASH, 8, 8, 4, BPF_F_NO_PREALLOC, IN_NONE },
        { BPF_MAP_TYPE_LRU_HASH, 8, 8, 4, BPF_F_NO_COMMON_LRU, IN_NONE },
        { BPF_MAP_TYPE_LRU_HASH, 0, 8, 4, 0, IN_NONE },
        { BPF_MAP_TYPE_PERCPU_HASH, 8, 32768, 4, 0, IN_NONE },
        { BPF_MAP_TYPE_PERCPU_HASH, 8, 32769, 4, 0, IN_NONE },
        { BPF_MAP_TYPE_LRU_PERCPU_HASH, 8, 32769, 4, 0, IN_NONE },
        { BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_NO_PREALLOC, IN_NONE },
        { BPF_MAP_TYPE_ARRAY, 8, 8, 4, 0, IN_NONE },
        { BPF_MAP_TYPE_ARRAY, 4, 0, 4, 0, IN_NONE },
        { BPF_MAP_TYPE_ARRAY, 4, 8, 0, 0, IN_NONE },
        { BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_RDONLY_PROG | BPF_F_MMAPABLE, IN_NONE },
        { BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_INNER_MAP, IN_NONE },
        { BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_ZERO_SEED, IN_NONE },
        { BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32768, 4, 0, IN_NONE },
        { BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32769, 4, 0, IN_NONE },
        { BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, BPF_F_MMAPABLE, IN_NONE },
        { BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, BPF_F_INNER_MAP, IN_NONE },
        { BPF_MAP_TYPE_PROG_ARRAY, 4, 8, 4, 0, IN_NONE },
        { BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, BPF_F_RDONLY_PROG, IN_NONE },
        { BPF_MAP_TYPE_PROG_ARRAY, 8, 4, 4, 0, IN_NONE },
        { BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, IN_NONE },
        { BPF_MAP_TYPE_QUEUE, 4, 8, 4, 0, IN_NONE },
        { BPF_MAP_TYPE_QUEUE, 0, 8, 0, 0, IN_NONE },
        { BPF_MAP_TYPE_QUEUE, 0, 0, 4, 0, IN_NONE },
        { BPF_MAP_TYPE_QUEUE, 0, 8, 4, BPF_F_NO_PREALLOC, IN_NONE },
        { BPF_MAP_TYPE_STACK, 0, 8, 4, BPF_F_RDONLY_PROG, IN_NONE },
        { BPF_MAP_TYPE_STACK, 0, (4u << 20) + 1, 4, 0, IN_NONE },
        { BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, IN_NONE },
        { BPF_MAP_TYPE_RINGBUF, 0, 0, 3 * 4096, 0, IN_NONE },
        { BPF_MAP_TYPE_RINGBUF, 0, 0, 2048, 0, IN_NONE },
        { BPF_MAP_TYPE_RINGBUF, 4, 0, 4096, 0, IN_NONE },
        { BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, BPF_F_RDONLY_PROG, IN_NONE },
        { BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0, IN_ARRAY },
        { BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 8, 4, 0, IN_ARRAY },
        { BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0, IN_PROG_ARRAY },
        { BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0, IN_AOM },
        { BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0, IN_RINGBUF },
        { BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, BPF_F_RDONLY_PROG, IN_ARRAY },
        { BPF_MAP_TYPE_ARRAY_OF_MAPS, 8, 4, 4, 0, IN_ARRAY },
        { BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 4, 0, IN_HASH },
        { BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 4, BPF_F_RDONLY_PROG, IN_HASH },
        { BPF_MAP_TYPE_HASH_OF_MAPS, 4, 8, 4, 0, IN_HASH },
        { BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 4, 0, IN_AOM },
        { BPF_MAP_TYPE_DEVMAP, 4, 4, 8, 0, IN_NONE },
        { BPF_MAP_TYPE_DEVMAP, 4, 8, 8, 0, IN_NONE },
        { BPF_MAP_TYPE_DEVMAP, 4, 6, 8, 0, IN_NONE },
        { BPF_MAP_TYPE_DEVMAP, 8, 4, 8, 0, IN_NONE },
        { BPF_MAP_TYPE_DEVMAP, 4, 4, 0, 0, IN_NONE },
        { BPF_MAP_TYPE_DEVMAP, 4, 4, 8, BPF_F_RDONLY_PROG, IN_NONE },
        { BPF_MAP_TYPE_DEVMAP, 4, 4, 8, BPF_F_RDONLY, IN_NONE },
        { BPF_MAP_TYPE_DEVMAP_HASH, 4, 8, 8, 0, IN_NONE },
        { BPF_MAP_TYPE_DEVMAP_HASH, 4, 12, 8, 0, IN_NONE },
        { BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 8, BPF_F_NO_PREALLOC, IN_NONE },
        { BPF_MAP_TYPE_CPUMAP, 4, 4, 8, 0, IN_NONE },
        { BPF_MAP_TYPE_CPUMAP, 4, 8, 8, 0, IN_NONE },
        { BPF_MAP_TYPE_CPUMAP, 4, 8, 8, BPF_F_RDONLY, IN_NONE },
        { BPF_MAP_TYPE_CPUMAP, 4, 12, 8, 0, IN_NONE },
        { BPF_MAP_TYPE_XSKMAP, 4, 4, 8, 0, IN_NONE },
        { BPF_MAP_TYPE_XSKMAP, 4, 8, 8, 0, IN_NONE },
        { BPF_MAP_TYPE_XSKMAP, 4, 4, 8, BPF_F_RDONLY_PROG, IN_NONE },
        { BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 8, 0, IN_NONE },
        { BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 8, BPF_F_PRESERVE_ELEMS, IN_NONE },
        { BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 8, 8, 0, IN_NONE },
        { BPF_MAP_TYPE_PERF_EVENT_ARRAY, 0, 0, 8, 0, IN_NONE },
        { BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 8, BPF_F_RDONLY_PROG, IN_NONE },
    };
    bpfvm_vm *vm = vm_for_kernel();
    bpfvm_map *v_inner[6] = { NULL, mk(vm, BPFVM_MAP_ARRAY, 4, 8, 4, 0), mk(vm, BPFVM_MAP_PROG_ARRAY, 4, 4, 4, 0),
                              NULL, mk(vm, BPFVM_MAP_HASH, 8, 8, 4, 0), mk(vm, BPFVM_MAP_RINGBUF, 0, 0, 4096, 0) };
    v_inner[IN_AOM] = mk_inner(vm, BPFVM_MAP_ARRAY_OF_MAPS, 4, 4, v_inner[IN_ARRAY]);
    int k_inner[6] = { -1, kbpf_map_create_any(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, -1),
                       kbpf_map_create_any(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, -1), -1,
                       kbpf_map_create_any(BPF_MAP_TYPE_HASH, 8, 8, 4, 0, -1),
                       kbpf_map_create_any(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, -1) };
    k_inner[IN_AOM] = kbpf_map_create_any(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0, k_inner[IN_ARRAY]);
    for (int i = 1; i < 6; i++)
        assert_true(k_inner[i] >= 0);
    int agree = 0, n = (int)(sizeof rows / sizeof rows[0]);
    for (int i = 0; i < n; i++) {
        int kfd = kbpf_map_create_any(rows[i].type, rows[i].ks, rows[i].vs, rows[i].max, rows[i].flags,
                                      k_inner[rows[i].inner]);
        int ke = kfd >= 0 ? 0 : kfd;
        kbpf_close(kfd);
        bpfvm_map_def d = { (bpfvm_map_type)rows[i].type, rows[i].ks, rows[i].vs, rows[i].max, rows[i].flags,
                            NULL, v_inner[rows[i].inner] };
        char why[200];
        int ve = map_def_check(&d, why, sizeof why);
        if (ke != ve)
            print_error("row %d (type %u, k %u, v %u, max %u, flags %#x): kernel %d, bpfvm %d (%s)\n", i,
                        rows[i].type, rows[i].ks, rows[i].vs, rows[i].max, rows[i].flags, ke, ve, why);
        else
            agree++;
    }
    print_message("creation rules: %d/%d agree with the kernel\n", agree, n);
    for (int i = 1; i < 6; i++)
        kbpf_close(k_inner[i]);
    bpfvm_vm_free(vm);
    assert_int_equal(agree, n);
}

/* ---- element sequences ---- */

typedef struct seqcfg {
    uint32_t type, ks, vs, max, flags;
    uint32_t keyspace;
} seqcfg;

static bool is_percpu(uint32_t t)
{
    return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool is_array(uint32_t t)
{
    return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_DEVMAP ||
           t == BPF_MAP_TYPE_CPUMAP;
}

/* Values a devmap or cpumap accepts as often as not: ifindex 0 (empty) or 1 (lo,
 * which every kernel has), a program fd of 0, -1 or a number that is not one;
 * queue sizes around the limit. */
static void redirect_value(uint32_t type, uint64_t *seed, uint8_t *val, size_t vlen)
{
    uint32_t v[2];
    static const uint32_t fds[] = { 0, 0, 0, (uint32_t)-1, 1000 };
    if (type == BPF_MAP_TYPE_CPUMAP) {
        static const uint32_t q[] = { 0, 1, 64, 16384, 16385 };
        v[0] = q[rnd(seed) % 5];
    } else {
        v[0] = (uint32_t)(rnd(seed) % 5 == 0 ? 0 : 1);
    }
    v[1] = fds[rnd(seed) % 5];
    memcpy(val, v, vlen < 8 ? vlen : 8);
}

static void make_key(const seqcfg *c, uint32_t ki, uint8_t *key)
{
    memset(key, 0, c->ks);
    if (is_array(c->type)) {
        memcpy(key, &ki, 4);
        return;
    }
    for (uint32_t b = 0; b < c->ks; b++)
        key[b] = (uint8_t)(ki * 37 + b * 11);
    memcpy(key, &ki, c->ks < 2 ? c->ks : 2);
}

/* Runs one random sequence; returns the number of steps that disagreed. */
static int run_sequence(const seqcfg *c, uint64_t seed, int steps)
{
    bpfvm_vm *vm = vm_for_kernel();
    bpfvm_map *m = mk(vm, (bpfvm_map_type)c->type, c->ks, c->vs, c->max, c->flags);
    int kfd = kbpf_map_create_any(c->type, c->ks, c->vs, c->max, c->flags, -1);
    assert_true(kfd >= 0);
    bool queue = c->type == BPF_MAP_TYPE_QUEUE || c->type == BPF_MAP_TYPE_STACK;
    size_t vlen = is_percpu(c->type) ? (size_t)ncpus * map_round8(c->vs) : c->vs;
    uint8_t *val = malloc(vlen), *ko = malloc(vlen), *vo = malloc(vlen);
    uint8_t key[64], kn[64], vn[64];
    int bad = 0;
    for (int s = 0; s < steps; s++) {
        uint32_t ki = (uint32_t)(rnd(&seed) % c->keyspace);
        make_key(c, ki, key);
        for (size_t b = 0; b < vlen; b++)
            val[b] = (uint8_t)rnd(&seed);
        if (c->type == BPF_MAP_TYPE_DEVMAP || c->type == BPF_MAP_TYPE_DEVMAP_HASH || c->type == BPF_MAP_TYPE_CPUMAP)
            redirect_value(c->type, &seed, val, vlen);
        uint64_t flags = rnd(&seed) % 8;
        flags = flags < 5 ? flags % 3 : flags - 2; /* mostly 0..2, sometimes 3..5 */
        unsigned op = (unsigned)(rnd(&seed) % 5);
        int kr, vr;
        const void *kk = queue ? NULL : key;
        memset(ko, 0xaa, vlen);
        memset(vo, 0xaa, vlen);
        switch (op) {
        case 0:
        case 1:
            kr = kbpf_map_update_elem(kfd, kk, val, flags);
            vr = bpfvm_map_update(m, kk, val, flags);
            break;
        case 2:
            if (queue) {
                kr = kbpf_map_lookup_and_delete_elem(kfd, NULL, ko);
                vr = bpfvm_map_pop(m, vo);
            } else {
                kr = kbpf_map_delete_elem(kfd, key);
                vr = bpfvm_map_delete(m, key);
            }
            break;
        case 3:
            kr = kbpf_map_lookup_elem(kfd, kk, ko);
            vr = bpfvm_map_lookup(m, kk, vo);
            break;
        default: {
            /* get_next_key: the order of hash keys differs, so only arrays and queues
             * are compared exactly; for hashes compare a missing key (-> first key,
             * 0 iff not empty) */
            int present = kbpf_map_lookup_elem(kfd, kk, ko) == 0;
            kr = kbpf_map_get_next_key(kfd, kk, kn);
            vr = bpfvm_map_next_key(m, kk, vn);
            if (!is_array(c->type) && !queue && present)
                vr = kr;
            else if (is_array(c->type) && !kr && !vr && memcmp(kn, vn, 4))
                vr = 1000;
            memset(ko, 0xaa, vlen);
            break;
        }
        }
        if (kr != vr || (kr == 0 && (op == 3 || (op == 2 && queue)) && memcmp(ko, vo, vlen))) {
            if (bad++ < 5)
                print_error("type %u step %d op %u key %u flags %llu: kernel %d, bpfvm %d%s\n", c->type, s, op,
                            ki, (unsigned long long)flags, kr, vr, kr == vr ? " (values differ)" : "");
        }
    }
    /* same contents at the end */
    if (!queue) {
        unsigned kcount = 0, vcount = 0;
        for (int rc = kbpf_map_get_next_key(kfd, NULL, kn); !rc; rc = kbpf_map_get_next_key(kfd, key, kn)) {
            memcpy(key, kn, c->ks);
            kcount++;
            int klr = kbpf_map_lookup_elem(kfd, key, ko), vlr = bpfvm_map_lookup(m, key, vo);
            if (klr != vlr || (klr == 0 && memcmp(ko, vo, vlen))) { /* devmaps: empty entries are -ENOENT */
                if (bad++ < 5)
                    print_error("type %u: contents differ at the end\n", c->type);
            }
        }
        for (int rc = bpfvm_map_next_key(m, NULL, vn); !rc; rc = bpfvm_map_next_key(m, key, vn)) {
            memcpy(key, vn, c->ks);
            vcount++;
        }
        if (kcount != vcount && bad++ < 5)
            print_error("type %u: %u keys in the kernel, %u in bpfvm\n", c->type, kcount, vcount);
    }
    kbpf_close(kfd);
    free(val);
    free(ko);
    free(vo);
    bpfvm_vm_free(vm);
    return bad;
}

static void test_sequences(void **state)
{
    (void)state;
    static const seqcfg cfgs[] = {
        { BPF_MAP_TYPE_HASH, 4, 8, 16, 0, 40 },
        { BPF_MAP_TYPE_HASH, 16, 12, 32, 0, 48 },
        { BPF_MAP_TYPE_HASH, 3, 5, 8, 0, 12 },
        { BPF_MAP_TYPE_HASH, 8, 8, 16, BPF_F_NO_PREALLOC, 24 },
        { BPF_MAP_TYPE_ARRAY, 4, 8, 16, 0, 20 },
        { BPF_MAP_TYPE_ARRAY, 4, 5, 7, 0, 9 },
        { BPF_MAP_TYPE_PERCPU_ARRAY, 4, 12, 4, 0, 6 },
        { BPF_MAP_TYPE_PERCPU_HASH, 8, 4, 8, 0, 12 },
        { BPF_MAP_TYPE_LRU_HASH, 8, 8, 64, 0, 48 },
        { BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 64, 0, 48 },
        { BPF_MAP_TYPE_QUEUE, 0, 8, 5, 0, 1 },
        { BPF_MAP_TYPE_STACK, 0, 4, 5, 0, 1 },
        { BPF_MAP_TYPE_DEVMAP, 4, 4, 6, 0, 8 },
        { BPF_MAP_TYPE_DEVMAP, 4, 8, 6, 0, 8 },
        { BPF_MAP_TYPE_DEVMAP_HASH, 4, 8, 4, 0, 10 },
        { BPF_MAP_TYPE_CPUMAP, 4, 8, 4, 0, 6 }, /* a queue is a kernel thread: fewer steps */
    };
    int steps = 0, bad = 0;
    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
        int n = cfgs[i].type == BPF_MAP_TYPE_CPUMAP ? 200 : 3000;
        for (uint64_t seed = 1; seed <= 3; seed++) {
            bad += run_sequence(&cfgs[i], seed * 1000 + i, n);
            steps += n;
        }
    }
    print_message("element sequences: %d steps over %zu map kinds, %d disagreements\n", steps,
                  sizeof cfgs / sizeof cfgs[0], bad);
    assert_int_equal(bad, 0);
}

static void test_access_flags(void **state)
{
    (void)state;
    bpfvm_vm *vm = vm_for_kernel();
    static const uint32_t fl[] = { BPF_F_RDONLY, BPF_F_WRONLY, BPF_F_RDONLY_PROG };
    for (int i = 0; i < 3; i++) {
        bpfvm_map *m = mk(vm, BPFVM_MAP_HASH, 4, 4, 4, fl[i]);
        int kfd = kbpf_map_create_any(BPF_MAP_TYPE_HASH, 4, 4, 4, fl[i], -1);
        assert_true(kfd >= 0);
        uint32_t k = 1, v = 2, o1, o2;
        assert_int_equal(bpfvm_map_update(m, &k, &v, 0), kbpf_map_update_elem(kfd, &k, &v, 0));
        assert_int_equal(bpfvm_map_lookup(m, &k, &o1), kbpf_map_lookup_elem(kfd, &k, &o2));
        assert_int_equal(bpfvm_map_next_key(m, NULL, &o1), kbpf_map_get_next_key(kfd, NULL, &o2));
        assert_int_equal(bpfvm_map_delete(m, &k), kbpf_map_delete_elem(kfd, &k));
        kbpf_close(kfd);
    }
    /* queue: delete and get_next_key are invalid; ring buffer: ENOTSUPP */
    bpfvm_map *q = mk(vm, BPFVM_MAP_QUEUE, 0, 4, 2, 0);
    int kq = kbpf_map_create_any(BPF_MAP_TYPE_QUEUE, 0, 4, 2, 0, -1);
    uint32_t o;
    assert_int_equal(bpfvm_map_delete(q, NULL), kbpf_map_delete_elem(kq, NULL));
    assert_int_equal(bpfvm_map_next_key(q, NULL, &o), kbpf_map_get_next_key(kq, NULL, &o));
    kbpf_close(kq);
    bpfvm_map *rb = mk(vm, BPFVM_MAP_RINGBUF, 0, 0, 4096, 0);
    int krb = kbpf_map_create_any(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, -1);
    assert_int_equal(bpfvm_map_lookup(rb, NULL, &o), kbpf_map_lookup_elem(krb, NULL, &o));
    assert_int_equal(bpfvm_map_delete(rb, NULL), kbpf_map_delete_elem(krb, NULL));
    assert_int_equal(bpfvm_map_next_key(rb, NULL, &o), kbpf_map_get_next_key(krb, NULL, &o));
    kbpf_close(krb);
    bpfvm_vm_free(vm);
}

/* Map-in-map updates: the kernel's value is an inner map fd, bpfvm's an inner id. */
static void test_map_in_map(void **state)
{
    (void)state;
    bpfvm_vm *vm = vm_for_kernel();
    enum { T_ARR, T_ARR5, T_ARR16, T_HASH, T_HASH9, T_HASHV, T_N };
    static const struct { uint32_t type, ks, vs, max; } shapes[T_N] = {
        { BPF_MAP_TYPE_ARRAY, 4, 8, 4 }, { BPF_MAP_TYPE_ARRAY, 4, 8, 5 }, { BPF_MAP_TYPE_ARRAY, 4, 16, 4 },
        { BPF_MAP_TYPE_HASH, 8, 8, 4 },  { BPF_MAP_TYPE_HASH, 8, 8, 9 },  { BPF_MAP_TYPE_HASH, 8, 4, 4 },
    };
    int kfd[T_N];
    uint32_t vid[T_N];
    for (int i = 0; i < T_N; i++) {
        kfd[i] = kbpf_map_create_any(shapes[i].type, shapes[i].ks, shapes[i].vs, shapes[i].max, 0, -1);
        assert_true(kfd[i] >= 0);
        vid[i] = bpfvm_map_id(mk(vm, (bpfvm_map_type)shapes[i].type, shapes[i].ks, shapes[i].vs, shapes[i].max, 0));
    }
    struct { uint32_t type; int tmpl; } outers[] = { { BPF_MAP_TYPE_ARRAY_OF_MAPS, T_ARR },
                                                     { BPF_MAP_TYPE_HASH_OF_MAPS, T_HASH } };
    int checks = 0;
    for (int o = 0; o < 2; o++) {
        int ko = kbpf_map_create_any(outers[o].type, 4, 4, 3, 0, kfd[outers[o].tmpl]);
        assert_true(ko >= 0);
        bpfvm_map *vo = mk_inner(vm, (bpfvm_map_type)outers[o].type, 4, 3, bpfvm_map_by_id(vm, vid[outers[o].tmpl]));
        for (uint32_t k = 0; k < 5; k++)
            for (int i = 0; i <= T_N; i++)
                for (uint64_t flags = 0; flags < 5; flags++) {
                    int kv = i < T_N ? kfd[i] : 9999;
                    uint32_t vv = i < T_N ? vid[i] : 9999;
                    int kr = kbpf_map_update_elem(ko, &k, &kv, flags);
                    int vr = bpfvm_map_update(vo, &k, &vv, flags);
                    if (kr != vr)
                        print_error("outer %u key %u inner %d flags %llu: kernel %d bpfvm %d\n", outers[o].type, k,
                                    i, (unsigned long long)flags, kr, vr);
                    assert_int_equal(kr, vr);
                    checks++;
                    if (k % 2 && !kr) {
                        assert_int_equal(kbpf_map_delete_elem(ko, &k), bpfvm_map_delete(vo, &k));
                        assert_int_equal(kbpf_map_delete_elem(ko, &k), bpfvm_map_delete(vo, &k));
                    }
                }
        kbpf_close(ko);
    }
    print_message("map-in-map updates: %d agree\n", checks);
    for (int i = 0; i < T_N; i++)
        kbpf_close(kfd[i]);
    bpfvm_vm_free(vm);
}


/* ---- ring buffer records: the same outputs/reservations in the kernel (a socket
 * filter calling bpf_ringbuf_output / reserve+discard, test-run once) and in bpfvm
 * give the same results, positions and headers (length with BUSY/DISCARD bits,
 * page offset) at the same offsets. ---- */

#define RB_SIZE 4096

/* r0 = bpf_ringbuf_output(map, stack, size, 0), or with discard: reserve then
 * discard, r0 = 1 if reserved. */
static int rb_prog(int map_fd, uint32_t size, bool discard)
{
    isa_insn p[32];
    int n = 0;
    for (int off = -8; off >= -64; off -= 8)
        p[n++] = isa_make(ISA_STDW, 10, 0, (int16_t)off, 0);
    p[n++] = isa_make(ISA_LDDW_MAP_FD, 1, 0, 0, map_fd);
    p[n++] = isa_make(ISA_LDDW_HI, 0, 0, 0, 0);
    if (!discard) {
        p[n++] = isa_make(ISA_MOV64_X, 2, 10, 0, 0);
        p[n++] = isa_make(ISA_ADD64_K, 2, 0, 0, -64);
        p[n++] = isa_make(ISA_MOV64_K, 3, 0, 0, (int32_t)size);
        p[n++] = isa_make(ISA_MOV64_K, 4, 0, 0, 0);
        p[n++] = isa_make(ISA_CALL_HELPER, 0, 0, 0, 130); /* bpf_ringbuf_output */
    } else {
        p[n++] = isa_make(ISA_MOV64_K, 2, 0, 0, (int32_t)size);
        p[n++] = isa_make(ISA_MOV64_K, 3, 0, 0, 0);
        p[n++] = isa_make(ISA_CALL_HELPER, 0, 0, 0, 131); /* bpf_ringbuf_reserve */
        p[n++] = isa_make(ISA_JEQ_K, 0, 0, 4, 0);
        p[n++] = isa_make(ISA_MOV64_X, 1, 0, 0, 0);
        p[n++] = isa_make(ISA_MOV64_K, 2, 0, 0, 0);
        p[n++] = isa_make(ISA_CALL_HELPER, 0, 0, 0, 133); /* bpf_ringbuf_discard */
        p[n++] = isa_make(ISA_MOV64_K, 0, 0, 0, 1);
    }
    p[n++] = isa_make(ISA_EXIT, 0, 0, 0, 0);
    char log[512];
    return kbpf_prog_load(p, (size_t)n, BPF_PROG_TYPE_SOCKET_FILTER, log, sizeof log);
}

static void test_ringbuf_kernel(void **state)
{
    (void)state;
    int fd = kbpf_map_create_any(BPF_MAP_TYPE_RINGBUF, 0, 0, RB_SIZE, 0, -1);
    assert_true(fd >= 0);
    long page = sysconf(_SC_PAGESIZE);
    uint64_t *cons = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    uint8_t *pp = mmap(NULL, (size_t)page + 2 * RB_SIZE, PROT_READ, MAP_SHARED, fd, page);
    assert_true(cons != MAP_FAILED && pp != MAP_FAILED);
    const volatile uint64_t *prod = (const uint64_t *)pp;
    const uint8_t *kdata = pp + page;

    static const uint32_t sizes[] = { 1, 7, 8, 13, 48, 64, 3, 24 };
    int progs[8][2];
    for (int i = 0; i < 8; i++)
        for (int d = 0; d < 2; d++) {
            progs[i][d] = rb_prog(fd, sizes[i], d);
            if (progs[i][d] < 0) {
                print_message("SKIP ring buffer comparison: cannot load the program (%d)\n", progs[i][d]);
                munmap(cons, (size_t)page);
                munmap(pp, (size_t)page + 2 * RB_SIZE);
                kbpf_close(fd);
                return;
            }
        }
    bpfvm_vm *vm = vm_for_kernel();
    bpfvm_map *m = mk(vm, BPFVM_MAP_RINGBUF, 0, 0, RB_SIZE, 0);
    bpfvm_region reg;
    m->ops->regions(m, &reg, 1);
    const uint8_t *vdata = (const uint8_t *)(uintptr_t)reg.start;
    static const uint8_t zeros[64], pkt[64];
    uint64_t seed = 3;
    int ops = 0, bad = 0, full = 0;
    for (int step = 0; step < 3000; step++) {
        int which = (int)(rnd(&seed) % 8), d = rnd(&seed) % 4 == 0;
        uint32_t kret = 0;
        assert_int_equal(kbpf_test_run(progs[which][d], pkt, sizeof pkt, NULL, NULL, 1, &kret, NULL), 0);
        int vret;
        uint64_t before = map_ringbuf_query(m, RB_PROD_POS);
        if (d) {
            void *s = map_ringbuf_reserve(m, sizes[which], 0);
            if (s)
                map_ringbuf_commit(m, s, true);
            vret = s != NULL;
        } else {
            vret = (int)map_ringbuf_output(m, zeros, sizes[which], 0);
        }
        full += (int)kret != 0 && !d;
        uint64_t kp = *prod, vp = map_ringbuf_query(m, RB_PROD_POS);
        bool same = (int)kret == vret && kp == vp;
        if (same && vp != before) { /* compare the new record's header */
            uint32_t kh[2], vh[2];
            memcpy(kh, kdata + (before & (RB_SIZE - 1)), 8);
            memcpy(vh, vdata + (before & (RB_SIZE - 1)), 8);
            same = kh[0] == vh[0] && kh[1] == vh[1];
            if (!same && bad < 5)
                print_error("header at %llu: kernel %#x/%u, bpfvm %#x/%u\n", (unsigned long long)before, kh[0],
                            kh[1], vh[0], vh[1]);
        }
        if (!same && bad++ < 5)
            print_error("step %d (size %u%s): kernel ret %d prod %llu, bpfvm ret %d prod %llu\n", step,
                        sizes[which], d ? ", discard" : "", (int)kret, (unsigned long long)kp, vret,
                        (unsigned long long)vp);
        ops++;
        /* consume now and then: the kernel's consumer position is ours to move */
        if (rnd(&seed) % 16 == 0) {
            int n = bpfvm_ringbuf_consume(m, NULL, NULL);
            assert_true(n >= 0);
            *cons = *prod;
            if (map_ringbuf_query(m, RB_CONS_POS) != *cons && bad++ < 5)
                print_error("consumer positions differ\n");
        }
    }
    print_message("ring buffer: %d reservations/outputs (%d refused as full), %d disagreements\n", ops, full,
                  bad);
    for (int i = 0; i < 8; i++)
        for (int d = 0; d < 2; d++)
            kbpf_close(progs[i][d]);
    munmap(cons, (size_t)page);
    munmap(pp, (size_t)page + 2 * RB_SIZE);
    kbpf_close(fd);
    bpfvm_vm_free(vm);
    assert_int_equal(bad, 0);
    assert_true(full > 0);
}

int main(void)
{
    char why[256];
    if (!kbpf_available(why, sizeof why)) {
        printf("SKIP: %s\n", why);
        return 77;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    sched_setaffinity(0, sizeof set, &set);
    ncpus = possible_cpus();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_rules),
        cmocka_unit_test(test_sequences),
        cmocka_unit_test(test_access_flags),
        cmocka_unit_test(test_map_in_map),
        cmocka_unit_test(test_ringbuf_kernel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
