/* test_maps_hash.c — HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH and HASH_OF_MAPS
 * through the host API and the program-side ops: flags and errno (EEXIST, ENOENT,
 * E2BIG when full), many key sizes, exact value copies, iteration (every key once,
 * a missing key restarts), per-CPU values, LRU eviction that spares recently used
 * keys, map-in-map rules, and a long random sequence checked against a model.
 */
#include "maptest.h"

static void test_hash_basic(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *m = mk(vm, BPFVM_MAP_HASH, 8, 12, 4, 0);
    uint64_t k = 7;
    uint8_t v[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, out[16];
    assert_int_equal(bpfvm_map_lookup(m, &k, out), -ENOENT);
    assert_int_equal(bpfvm_map_delete(m, &k), -ENOENT);
    assert_int_equal(bpfvm_map_update(m, &k, v, BPFVM_EXIST), -ENOENT);
    assert_int_equal(bpfvm_map_update(m, &k, v, 3), -EINVAL);
    assert_int_equal(bpfvm_map_update(m, &k, v, BPFVM_NOEXIST), 0);
    assert_int_equal(bpfvm_map_update(m, &k, v, BPFVM_NOEXIST), -EEXIST);
    memset(out, 0xee, sizeof out);
    assert_int_equal(bpfvm_map_lookup(m, &k, out), 0);
    assert_memory_equal(out, v, 12);
    assert_int_equal(out[12], 0xee);
    v[0] = 99;
    assert_int_equal(bpfvm_map_update(m, &k, v, BPFVM_EXIST), 0);
    assert_int_equal(bpfvm_map_lookup(m, &k, out), 0);
    assert_int_equal(out[0], 99);
    /* full: E2BIG for a new key, existing keys still update */
    for (uint64_t i = 100; i < 103; i++)
        assert_int_equal(bpfvm_map_update(m, &i, v, 0), 0);
    uint64_t extra = 200;
    assert_int_equal(bpfvm_map_update(m, &extra, v, 0), -E2BIG);
    assert_int_equal(bpfvm_map_update(m, &extra, v, BPFVM_EXIST), -ENOENT);
    assert_int_equal(bpfvm_map_update(m, &k, v, 0), 0);
    assert_int_equal(bpfvm_map_delete(m, &k), 0);
    assert_int_equal(bpfvm_map_delete(m, &k), -ENOENT);
    assert_int_equal(bpfvm_map_update(m, &extra, v, 0), 0);
    assert_int_equal(bpfvm_map_update(m, &k, v, 0), -E2BIG);
    /* program side */
    uint8_t *p = m->ops->lookup(m, &extra, 0);
    assert_non_null(p);
    assert_true(in_regions(m, p, 12, true));
    p[1] = 77; /* programs write values in place */
    assert_int_equal(bpfvm_map_lookup(m, &extra, out), 0);
    assert_int_equal(out[1], 77);
    assert_null(m->ops->lookup(m, &k, 0));
    assert_int_equal(m->ops->update(m, &extra, v, BPFVM_NOEXIST, 0), -EEXIST);
    assert_int_equal(m->ops->update(m, &extra, v, MAP_F_LOCK, 0), -EINVAL);
    assert_int_equal(m->ops->delete(m, &extra), 0);
    assert_int_equal(m->ops->update(m, &k, v, 0, 0), 0);
    assert_ptr_not_equal(m->ops->lookup(m, &k, 0), NULL);
    bpfvm_vm_free(vm);
}

/* Every key size takes another branch of the hash function and key compare. */
static void test_hash_key_sizes(void **state)
{
    (void)state;
    static const uint32_t sizes[] = { 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 64, 100, 600 };
    uint64_t seed = 1;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint32_t ks = sizes[s], n = ks == 1 ? 256 : ks == 2 ? 1000 : 1000;
        bpfvm_vm *vm = bpfvm_vm_new();
        bpfvm_map *m = mk(vm, BPFVM_MAP_HASH, ks, 8, n, 0);
        uint8_t *keys = calloc(n, ks);
        for (uint32_t i = 0; i < n; i++) {
            uint8_t *key = keys + (size_t)i * ks;
            for (uint32_t b = 0; b < ks; b++)
                key[b] = (uint8_t)rnd(&seed);
            if (ks == 1)
                key[0] = (uint8_t)i;
            memcpy(key, &i, ks < 4 ? ks : 4); /* distinct */
            uint64_t v = i * 3 + 1;
            assert_int_equal(bpfvm_map_update(m, key, &v, BPFVM_NOEXIST), 0);
        }
        for (uint32_t i = 0; i < n; i++) {
            uint64_t v;
            assert_int_equal(bpfvm_map_lookup(m, keys + (size_t)i * ks, &v), 0);
            assert_int_equal(v, i * 3 + 1);
            uint64_t *p = m->ops->lookup(m, keys + (size_t)i * ks, 0);
            assert_non_null(p);
            assert_int_equal(*p, i * 3 + 1);
        }
        /* a key that differs only in its last byte is another key */
        if (ks > 4) {
            uint8_t *key = malloc(ks);
            memcpy(key, keys, ks);
            key[ks - 1] ^= 0x80;
            uint64_t v;
            assert_int_equal(bpfvm_map_lookup(m, key, &v), -ENOENT);
            free(key);
        }
        free(keys);
        bpfvm_vm_free(vm);
    }
}

static void test_hash_iterate(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *m = mk(vm, BPFVM_MAP_HASH, 4, 4, 1000, 0);
    uint32_t k, n;
    assert_int_equal(bpfvm_map_next_key(m, NULL, &n), -ENOENT);
    k = 5;
    assert_int_equal(bpfvm_map_next_key(m, &k, &n), -ENOENT);
    for (uint32_t i = 0; i < 700; i++) {
        k = i * 7919;
        assert_int_equal(bpfvm_map_update(m, &k, &i, 0), 0);
    }
    uint8_t *seen = calloc(700, 1);
    uint32_t count = 0, first;
    assert_int_equal(bpfvm_map_next_key(m, NULL, &first), 0);
    for (k = first;; k = n) {
        assert_int_equal(k % 7919, 0);
        assert_int_equal(seen[k / 7919], 0);
        seen[k / 7919] = 1;
        count++;
        int rc = bpfvm_map_next_key(m, &k, &n);
        if (rc) {
            assert_int_equal(rc, -ENOENT);
            break;
        }
    }
    assert_int_equal(count, 700);
    /* a key that is not in the map gives the first key (Linux) */
    k = 1;
    assert_int_equal(bpfvm_map_next_key(m, &k, &n), 0);
    assert_int_equal(n, first);
    /* the delete-while-iterating pattern: get next, then delete the current key */
    uint32_t cur = first, left = 700;
    for (;;) {
        int rc = bpfvm_map_next_key(m, &cur, &n);
        assert_int_equal(bpfvm_map_delete(m, &cur), 0);
        left--;
        if (rc)
            break;
        cur = n;
    }
    assert_int_equal(left, 0);
    assert_int_equal(bpfvm_map_next_key(m, NULL, &n), -ENOENT);
    free(seen);
    bpfvm_vm_free(vm);
}

/* The keys of a map in iteration order (at most max). */
static size_t key_order(bpfvm_map *m, uint8_t *out, size_t ks, size_t max)
{
    uint8_t cur[64], next[64];
    size_t n = 0;
    for (int rc = bpfvm_map_next_key(m, NULL, next); !rc && n < max; rc = bpfvm_map_next_key(m, cur, next)) {
        memcpy(out + n * ks, next, ks);
        memcpy(cur, next, ks);
        n++;
    }
    return n;
}

/* Iteration depends on the contents and the VM's seed only: maps filled in
 * different orders, with deletes and reinserts in between, in different VMs, list
 * their keys in the same order; another seed gives another order of the same keys. */
static void test_hash_iterate_deterministic(void **state)
{
    (void)state;
    static const struct { bpfvm_map_type t; uint32_t ks, max; } shapes[] = {
        { BPFVM_MAP_HASH, 8, 3000 }, { BPFVM_MAP_HASH, 16, 3000 }, { BPFVM_MAP_HASH, 5, 2000 },
        { BPFVM_MAP_LRU_HASH, 16, 5000 }, { BPFVM_MAP_PERCPU_HASH, 4, 2000 },
    };
    enum { N = 1500 };
    static uint8_t keys[N][16], order[4][N * 16];
    for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; sh++) {
        uint32_t ks = shapes[sh].ks;
        uint64_t seed = 77 + sh;
        for (int i = 0; i < N; i++) {
            for (uint32_t b = 0; b < ks; b++)
                keys[i][b] = (uint8_t)rnd(&seed);
            memcpy(keys[i], &i, ks < 2 ? ks : 2); /* distinct */
        }
        size_t n[4];
        for (int variant = 0; variant < 4; variant++) {
            bpfvm_vm *vm = bpfvm_vm_new();
            if (variant == 3)
                bpfvm_vm_set_seed(vm, 12345);
            /* other maps first: the map's id must not matter */
            for (int extra = 0; extra < variant; extra++)
                mk(vm, BPFVM_MAP_HASH, 4, 4, 8, 0);
            bpfvm_map *m = mk(vm, shapes[sh].t, ks, 8, shapes[sh].max, 0);
            uint64_t v = 0, junk[16] = { 0 };
            int perm[N];
            for (int i = 0; i < N; i++)
                perm[i] = variant == 1 ? N - 1 - i : i;
            if (variant == 2) { /* shuffled, with keys inserted and deleted in between */
                uint64_t r = 5;
                for (int i = N - 1; i > 0; i--) {
                    int j = (int)(rnd(&r) % (uint64_t)(i + 1)), t = perm[i];
                    perm[i] = perm[j], perm[j] = t;
                }
            }
            for (int i = 0; i < N; i++) {
                assert_int_equal(bpfvm_map_update(m, keys[perm[i]], &v, BPFVM_NOEXIST), 0);
                if (variant == 2 && i % 3 == 0) {
                    junk[0] = 0xf00000 + (uint64_t)i; /* not among the keys: bytes 0..1 differ */
                    memset(junk, 0xee, 2);
                    assert_int_equal(bpfvm_map_update(m, junk, &v, BPFVM_NOEXIST), 0);
                    if (i % 2)
                        assert_int_equal(bpfvm_map_delete(m, keys[perm[i]]), 0);
                    assert_int_equal(bpfvm_map_delete(m, junk), 0);
                    if (i % 2)
                        assert_int_equal(bpfvm_map_update(m, keys[perm[i]], &v, BPFVM_NOEXIST), 0);
                }
            }
            n[variant] = key_order(m, order[variant], ks, N + 1);
            assert_int_equal(n[variant], N);
            bpfvm_vm_free(vm);
        }
        assert_memory_equal(order[0], order[1], (size_t)N * ks);
        assert_memory_equal(order[0], order[2], (size_t)N * ks);
        assert_memory_not_equal(order[0], order[3], (size_t)N * ks);
        /* every key once, whatever the seed */
        for (int v = 0; v < 4; v += 3) {
            uint8_t *seen = calloc(N, 1);
            for (int i = 0; i < N; i++) {
                uint16_t id = 0;
                memcpy(&id, order[v] + (size_t)i * ks, ks < 2 ? ks : 2);
                assert_true(id < N && !seen[id]);
                seen[id] = 1;
            }
            free(seen);
        }
    }
}

/* BPF_F_ZERO_SEED maps ignore the VM's seed. */
static void test_hash_zero_seed(void **state)
{
    (void)state;
    uint64_t order[2][200];
    for (int v = 0; v < 2; v++) {
        bpfvm_vm *vm = bpfvm_vm_new();
        bpfvm_vm_set_seed(vm, v ? 99 : 1);
        bpfvm_map *m = mk(vm, BPFVM_MAP_HASH, 8, 8, 256, MAP_F_ZERO_SEED);
        for (uint64_t k = 0; k < 200; k++)
            assert_int_equal(bpfvm_map_update(m, &k, &k, 0), 0);
        assert_int_equal(key_order(m, (uint8_t *)order[v], 8, 200), 200);
        bpfvm_vm_free(vm);
    }
    assert_memory_equal(order[0], order[1], sizeof order[0]);
}

/* A whole iteration stays linear: 200000 keys in well under a second. */
static void test_hash_iterate_large(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    enum { N = 200000 };
    bpfvm_map *m = mk(vm, BPFVM_MAP_HASH, 16, 8, N, 0);
    uint64_t k[2] = { 0, 0 }, v = 1, cur[2], next[2];
    for (uint64_t i = 0; i < N; i++) {
        k[0] = i * 0x9e3779b97f4a7c15ull;
        k[1] = i;
        assert_int_equal(bpfvm_map_update(m, k, &v, 0), 0);
    }
    size_t n = 0;
    for (int rc = bpfvm_map_next_key(m, NULL, next); !rc; rc = bpfvm_map_next_key(m, cur, next)) {
        memcpy(cur, next, 16);
        n++;
    }
    assert_int_equal(n, N);
    bpfvm_vm_free(vm);
}

static void test_percpu_hash(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    assert_int_equal(bpfvm_vm_set_ncpus(vm, 4, NULL), 0);
    static const bpfvm_map_type types[] = { BPFVM_MAP_PERCPU_HASH, BPFVM_MAP_LRU_PERCPU_HASH };
    for (int t = 0; t < 2; t++) {
        bpfvm_map *m = mk(vm, types[t], 4, 12, 8, 0);
        assert_int_equal(m->ncpus, 4);
        uint32_t k = 1, k2 = 2;
        uint8_t all[4 * 16], out[4 * 16], one[12];
        for (int i = 0; i < 4 * 16; i++)
            all[i] = (uint8_t)i;
        assert_int_equal(bpfvm_map_update(m, &k, all, 0), 0);
        assert_int_equal(bpfvm_map_lookup(m, &k, out), 0);
        assert_memory_equal(out, all, sizeof all); /* stride 16 per CPU, padding included */
        for (uint32_t c = 0; c < 4; c++) {
            uint8_t *p = m->ops->lookup(m, &k, c);
            assert_memory_equal(p, all + 16 * c, 12);
            assert_true(in_regions(m, p, 12, true));
        }
        /* program update of an existing key: only that CPU's value */
        memset(one, 0x55, sizeof one);
        assert_int_equal(m->ops->update(m, &k, one, 0, 2), 0);
        assert_int_equal(bpfvm_map_lookup(m, &k, out), 0);
        assert_memory_equal(out, all, 32);
        assert_memory_equal(out + 32, one, 12);
        assert_memory_equal(out + 48, all + 48, 16);
        /* program update of a new key: the other CPUs start at zero */
        assert_int_equal(m->ops->update(m, &k2, one, 0, 1), 0);
        assert_int_equal(bpfvm_map_lookup(m, &k2, out), 0);
        static const uint8_t zero[16];
        assert_memory_equal(out, zero, 16);
        assert_memory_equal(out + 16, one, 12);
        assert_memory_equal(out + 32, zero, 16);
        assert_memory_equal(out + 48, zero, 16);
    }
    bpfvm_vm_free(vm);
}

static void test_lru(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *m = mk(vm, BPFVM_MAP_LRU_HASH, 4, 8, 64, 0);
    uint64_t v = 1, out;
    for (uint32_t k = 0; k < 64; k++)
        assert_int_equal(bpfvm_map_update(m, &k, &v, 0), 0);
    /* programs use the first 16 keys */
    for (uint32_t k = 0; k < 16; k++)
        assert_non_null(m->ops->lookup(m, &k, 0));
    /* 32 new keys: never E2BIG, the unused old keys go first */
    for (uint32_t k = 1000; k < 1032; k++)
        assert_int_equal(bpfvm_map_update(m, &k, &v, 0), 0);
    for (uint32_t k = 0; k < 16; k++)
        assert_int_equal(bpfvm_map_lookup(m, &k, &out), 0);
    for (uint32_t k = 1000; k < 1032; k++)
        assert_int_equal(bpfvm_map_lookup(m, &k, &out), 0);
    uint32_t count = 0, k, n;
    for (int rc = bpfvm_map_next_key(m, NULL, &n); !rc; rc = bpfvm_map_next_key(m, &k, &n)) {
        k = n;
        count++;
    }
    assert_int_equal(count, 64);
    /* updating an existing key of a full map evicts nothing */
    for (int i = 0; i < 100; i++) {
        uint32_t kk = 1000;
        assert_int_equal(bpfvm_map_update(m, &kk, &v, 0), 0);
    }
    for (uint32_t kk = 1000; kk < 1032; kk++)
        assert_int_equal(bpfvm_map_lookup(m, &kk, &out), 0);
    /* flags still apply */
    uint32_t kk = 1000, nk = 5000;
    assert_int_equal(bpfvm_map_update(m, &kk, &v, BPFVM_NOEXIST), -EEXIST);
    assert_int_equal(bpfvm_map_update(m, &nk, &v, BPFVM_EXIST), -ENOENT);
    assert_int_equal(bpfvm_map_update(m, &nk, &v, 3), -EINVAL);
    /* deleting frees room: the next insert takes it without evicting */
    assert_int_equal(bpfvm_map_delete(m, &kk), 0);
    assert_int_equal(bpfvm_map_update(m, &nk, &v, 0), 0);
    for (uint32_t k2 = 1001; k2 < 1032; k2++)
        assert_int_equal(bpfvm_map_lookup(m, &k2, &out), 0);
    /* many more inserts than entries: always room, never more than max_entries */
    for (uint32_t i = 0; i < 10000; i++) {
        uint32_t key = 100000 + i;
        assert_int_equal(m->ops->update(m, &key, &v, 0, 0), 0);
    }
    count = 0;
    for (int rc = bpfvm_map_next_key(m, NULL, &n); !rc; rc = bpfvm_map_next_key(m, &k, &n)) {
        k = n;
        count++;
    }
    assert_int_equal(count, 64);
    /* the most recent inserts survive */
    for (uint32_t i = 10000 - 16; i < 10000; i++) {
        uint32_t key = 100000 + i;
        assert_int_equal(bpfvm_map_lookup(m, &key, &out), 0);
    }
    bpfvm_vm_free(vm);
}

/* Inserting into a full LRU map evicts old keys, not the ones just inserted. */
static void test_lru_new_keys_survive(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *m = mk(vm, BPFVM_MAP_LRU_HASH, 4, 4, 8, 0);
    uint32_t v = 0, out;
    for (uint32_t k = 0; k < 8; k++)
        assert_int_equal(bpfvm_map_update(m, &k, &v, 0), 0);
    for (uint32_t k = 8; k < 12; k++)
        assert_int_equal(bpfvm_map_update(m, &k, &v, 0), 0);
    unsigned old = 0;
    for (uint32_t k = 0; k < 8; k++)
        old += bpfvm_map_lookup(m, &k, &out) == 0;
    assert_int_equal(old, 4);
    for (uint32_t k = 8; k < 12; k++)
        assert_int_equal(bpfvm_map_lookup(m, &k, &out), 0);
    bpfvm_vm_free(vm);
}

static void test_hash_of_maps(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *tmpl = mk(vm, BPFVM_MAP_HASH, 4, 8, 16, 0);
    bpfvm_map *in1 = mk(vm, BPFVM_MAP_HASH, 4, 8, 1000, 0); /* any max_entries */
    bpfvm_map *in_bad = mk(vm, BPFVM_MAP_HASH, 4, 16, 16, 0);
    bpfvm_map *o = mk_inner(vm, BPFVM_MAP_HASH_OF_MAPS, 8, 4, tmpl);
    uint64_t k = 42, k2 = 43;
    uint32_t id = bpfvm_map_id(in1), out;
    assert_null(o->ops->lookup(o, &k, 0));
    assert_int_equal(bpfvm_map_update(o, &k, &id, BPFVM_EXIST), -ENOENT);
    assert_int_equal(bpfvm_map_update(o, &k, &id, 0), 0);
    assert_int_equal(bpfvm_map_update(o, &k, &id, BPFVM_NOEXIST), -EEXIST);
    assert_ptr_equal(o->ops->lookup(o, &k, 0), in1);
    assert_int_equal(bpfvm_map_lookup(o, &k, &out), 0);
    assert_int_equal(out, id);
    id = bpfvm_map_id(in_bad);
    assert_int_equal(bpfvm_map_update(o, &k2, &id, 0), -EINVAL);
    id = 12345;
    assert_int_equal(bpfvm_map_update(o, &k2, &id, 0), -EBADF);
    assert_int_equal(bpfvm_map_update(o, &k2, &id, 3), -EBADF); /* the fd is resolved first */
    assert_int_equal(bpfvm_map_set_map(o, &k2, tmpl), 0);
    assert_ptr_equal(o->ops->lookup(o, &k2, 0), tmpl);
    assert_int_equal(bpfvm_map_set_map(o, &k2, in_bad), -EINVAL);
    assert_int_equal(bpfvm_map_set_map(o, &k2, NULL), 0);
    assert_null(o->ops->lookup(o, &k2, 0));
    assert_int_equal(bpfvm_map_set_map(o, &k2, NULL), 0);
    assert_null(o->ops->update); /* programs cannot store maps */
    assert_int_equal(o->ops->delete(o, &k), 0);
    assert_null(o->ops->lookup(o, &k, 0));
    assert_int_equal(o->ops->regions(o, NULL, 0), 0);
    /* full */
    for (uint64_t i = 0; i < 4; i++)
        assert_int_equal(bpfvm_map_set_map(o, &i, in1), 0);
    assert_int_equal(bpfvm_map_set_map(o, &k, in1), -E2BIG);
    bpfvm_vm_free(vm);
}

/* A long random sequence of host and program operations on a small map, checked
 * step by step against a direct-mapped model. */
static void test_hash_model(void **state)
{
    (void)state;
    enum { KEYS = 96, MAX = 48 };
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *m = mk(vm, BPFVM_MAP_HASH, 12, 16, MAX, 0);
    bool present[KEYS] = { 0 };
    uint64_t model[KEYS][2];
    unsigned count = 0;
    uint64_t seed = 42;
    for (int step = 0; step < 200000; step++) {
        uint32_t ki = (uint32_t)(rnd(&seed) % KEYS);
        uint8_t key[12] = { 0 };
        memcpy(key + 3, &ki, 4);
        uint64_t v[2] = { rnd(&seed), ki }, out[2];
        unsigned op = (unsigned)(rnd(&seed) % 6);
        uint64_t flags = rnd(&seed) % 4;
        if (op <= 1) {
            int rc = op ? (int)m->ops->update(m, key, v, flags, 0) : bpfvm_map_update(m, key, v, flags);
            int want = flags > 2 ? -EINVAL
                       : present[ki] ? (flags == BPFVM_NOEXIST ? -EEXIST : 0)
                       : flags == BPFVM_EXIST ? -ENOENT : count == MAX ? -E2BIG : 0;
            assert_int_equal(rc, want);
            if (!rc) {
                if (!present[ki])
                    count++;
                present[ki] = true;
                memcpy(model[ki], v, 16);
            }
        } else if (op == 2) {
            int rc = (step & 1) ? (int)m->ops->delete(m, key) : bpfvm_map_delete(m, key);
            assert_int_equal(rc, present[ki] ? 0 : -ENOENT);
            if (present[ki])
                count--;
            present[ki] = false;
        } else if (op == 3) {
            int rc = bpfvm_map_lookup(m, key, out);
            assert_int_equal(rc, present[ki] ? 0 : -ENOENT);
            if (!rc)
                assert_memory_equal(out, model[ki], 16);
        } else if (op == 4) {
            uint64_t *p = m->ops->lookup(m, key, 0);
            assert_int_equal(p != NULL, present[ki]);
            if (p)
                assert_memory_equal(p, model[ki], 16);
        } else {
            uint8_t nk[12];
            int rc = bpfvm_map_next_key(m, key, nk);
            if (!count)
                assert_int_equal(rc, -ENOENT);
            else if (rc == 0) {
                uint32_t nki;
                memcpy(&nki, nk + 3, 4);
                assert_true(nki < KEYS && present[nki]);
            }
        }
    }
    /* full iteration equals the model */
    unsigned seen = 0;
    uint8_t k[12], n[12];
    for (int rc = bpfvm_map_next_key(m, NULL, n); !rc; rc = bpfvm_map_next_key(m, k, n)) {
        uint32_t ki;
        memcpy(&ki, n + 3, 4);
        assert_true(present[ki]);
        memcpy(k, n, 12);
        seen++;
    }
    assert_int_equal(seen, count);
    bpfvm_vm_free(vm);
}


/* In checked mode a program may write anywhere in the slab, headers included. The
 * map must stay memory-safe and every operation must end (it may lose keys). */
static void test_hash_scribbled(void **state)
{
    (void)state;
    static const bpfvm_map_type types[] = { BPFVM_MAP_HASH, BPFVM_MAP_LRU_HASH, BPFVM_MAP_PERCPU_HASH };
    for (int t = 0; t < 3; t++) {
        for (int pattern = 0; pattern < 4; pattern++) {
            bpfvm_vm *vm = bpfvm_vm_new();
            bpfvm_map *m = mk(vm, types[t], 8, 8, 64, 0);
            uint64_t v = 1, k, out[4];
            for (k = 0; k < 40; k++)
                assert_int_equal(bpfvm_map_update(m, &k, &v, 0), 0);
            bpfvm_region r;
            assert_int_equal(m->ops->regions(m, &r, 1), 1);
            uint8_t *p = (uint8_t *)(uintptr_t)r.start;
            uint64_t seed = 9 + (uint64_t)pattern;
            for (uint64_t i = 0; i < r.len; i++)
                p[i] = pattern == 0 ? 0xff : pattern == 1 ? 1 : pattern == 2 ? (uint8_t)rnd(&seed) : (uint8_t)(i % 3);
            for (k = 0; k < 200; k++) {
                int rc = bpfvm_map_update(m, &k, &v, k % 3);
                assert_true(rc == 0 || rc == -E2BIG || rc == -EEXIST || rc == -ENOENT);
                (void)bpfvm_map_lookup(m, &k, out);
                (void)m->ops->lookup(m, &k, 0);
                if (k % 5 == 0)
                    (void)bpfvm_map_delete(m, &k);
                uint64_t nk;
                (void)bpfvm_map_next_key(m, &k, &nk);
            }
            unsigned n = 0;
            uint64_t cur, nk;
            for (int rc = bpfvm_map_next_key(m, NULL, &nk); !rc && n < 1000; rc = bpfvm_map_next_key(m, &cur, &nk)) {
                cur = nk;
                n++;
            }
            assert_true(n < 1000);
            bpfvm_vm_free(vm);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_basic),
        cmocka_unit_test(test_hash_key_sizes),
        cmocka_unit_test(test_hash_iterate),
        cmocka_unit_test(test_hash_iterate_deterministic),
        cmocka_unit_test(test_hash_zero_seed),
        cmocka_unit_test(test_hash_iterate_large),
        cmocka_unit_test(test_percpu_hash),
        cmocka_unit_test(test_lru),
        cmocka_unit_test(test_lru_new_keys_survive),
        cmocka_unit_test(test_hash_of_maps),
        cmocka_unit_test(test_hash_model),
        cmocka_unit_test(test_hash_scribbled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
