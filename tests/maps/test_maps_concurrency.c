/* test_maps_concurrency.c — maps under several threads at once: mixed updates,
 * deletes and lookups on one hash map (host copies never torn, nothing leaked, the
 * count never above max_entries), LRU inserts from many threads, per-CPU values
 * owned by threads, many producers into one ring buffer with a consumer running,
 * queues, and the registry read while maps are being created. Built to be clean
 * under ThreadSanitizer as well as ASan/UBSan.
 */
#include "maptest.h"

#include <pthread.h>

#define NTHREADS 4
#define MAGIC 0x9e3779b97f4a7c15ull

/* cmocka's failures longjmp: worker threads only count and describe errors, the
 * main thread asserts. */
static int worker_errors;

static void werr(const char *what, long rc)
{
    if (__atomic_fetch_add(&worker_errors, 1, __ATOMIC_RELAXED) < 5)
        fprintf(stderr, "worker: %s: %ld\n", what, rc);
}

#define WCHECK(ok, what, rc)   \
    do {                       \
        if (!(ok))             \
            werr(what, (long)(rc)); \
    } while (0)

typedef struct hctx {
    bpfvm_map *m;
    int id;
    int ops;
    uint32_t keys;
    long torn;      /* host lookups that saw a value of another key / a torn value */
    long e2big;
} hctx;

static void hkey(uint8_t key[16], uint32_t ki)
{
    memset(key, 0, 16);
    memcpy(key, &ki, 4);
    key[15] = (uint8_t)(ki * 7);
}

static void *hash_worker(void *arg)
{
    hctx *c = arg;
    uint64_t seed = 0x1234567 + (uint64_t)c->id * 77;
    for (int i = 0; i < c->ops; i++) {
        uint32_t ki = (uint32_t)(rnd(&seed) % c->keys);
        uint8_t key[16];
        hkey(key, ki);
        uint64_t gen = rnd(&seed);
        uint64_t v[2] = { ((uint64_t)ki << 32) | (gen & 0xffffffff), 0 }, out[2];
        v[1] = v[0] * MAGIC;
        switch (rnd(&seed) % 8) {
        case 0:
        case 1: {
            int rc = bpfvm_map_update(c->m, key, v, 0);
            if (rc == -E2BIG)
                c->e2big++;
            else
                WCHECK(rc == 0, "update", rc);
            break;
        }
        case 2: {
            long rc = c->m->ops->update(c->m, key, v, BPFVM_NOEXIST, 0);
            WCHECK(!rc || rc == -EEXIST || rc == -E2BIG, "program update", rc);
            break;
        }
        case 3:
        case 4: {
            int rc = (i & 1) ? bpfvm_map_delete(c->m, key) : (int)c->m->ops->delete(c->m, key);
            WCHECK(!rc || rc == -ENOENT, "delete", rc);
            break;
        }
        case 5:
        case 6:
            if (bpfvm_map_lookup(c->m, key, out) == 0 &&
                ((out[0] >> 32) != ki || out[1] != out[0] * MAGIC))
                c->torn++;
            break;
        default: {
            uint64_t *p = c->m->ops->lookup(c->m, key, 0);
            if (p)
                (void)__atomic_load_n(p, __ATOMIC_RELAXED); /* may be reused meanwhile: just read */
            uint8_t nk[16];
            int rc = bpfvm_map_next_key(c->m, key, nk);
            WCHECK(!rc || rc == -ENOENT, "next_key", rc);
        }
        }
    }
    return NULL;
}

static unsigned count_keys(bpfvm_map *m, uint32_t ks)
{
    uint8_t k[64], n[64];
    unsigned count = 0;
    for (int rc = bpfvm_map_next_key(m, NULL, n); !rc; rc = bpfvm_map_next_key(m, k, n)) {
        memcpy(k, n, ks);
        count++;
    }
    return count;
}

/* After the storm: every element is accounted for (none lost or leaked). */
static void check_capacity(bpfvm_map *m, uint32_t max)
{
    uint8_t k[16], n[16];
    while (bpfvm_map_next_key(m, NULL, n) == 0)
        assert_int_equal(bpfvm_map_delete(m, n), 0);
    uint64_t v[2] = { 0, 0 };
    for (uint32_t i = 0; i < max; i++) {
        hkey(k, 1000000 + i);
        assert_int_equal(bpfvm_map_update(m, k, v, BPFVM_NOEXIST), 0);
    }
    for (uint32_t i = 0; i < max; i++) { /* none evicted: no element was lost */
        hkey(k, 1000000 + i);
        assert_int_equal(bpfvm_map_lookup(m, k, v), 0);
    }
    hkey(k, 999);
    assert_int_equal(bpfvm_map_update(m, k, v, 0), m->def.type == BPFVM_MAP_LRU_HASH ? 0 : -E2BIG);
}

static void run_hash_storm(bpfvm_map_type type, uint32_t max, uint32_t keys, int ops)
{
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *m = mk(vm, type, 16, 16, max, 0);
    pthread_t th[NTHREADS];
    hctx c[NTHREADS];
    for (int t = 0; t < NTHREADS; t++) {
        c[t] = (hctx){ m, t, ops, keys, 0, 0 };
        pthread_create(&th[t], NULL, hash_worker, &c[t]);
    }
    long e2big = 0;
    for (int t = 0; t < NTHREADS; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(c[t].torn, 0);
        e2big += c[t].e2big;
    }
    if (type == BPFVM_MAP_LRU_HASH)
        assert_int_equal(e2big, 0);
    unsigned n = count_keys(m, 16);
    assert_true(n <= max);
    /* every remaining key is consistent */
    uint8_t k[16], nk[16];
    for (int rc = bpfvm_map_next_key(m, NULL, nk); !rc; rc = bpfvm_map_next_key(m, k, nk)) {
        uint64_t out[2];
        uint32_t ki;
        memcpy(&ki, nk, 4);
        assert_int_equal(bpfvm_map_lookup(m, nk, out), 0);
        assert_int_equal(out[0] >> 32, ki);
        memcpy(k, nk, 16);
    }
    check_capacity(m, max);
    bpfvm_vm_free(vm);
}

static void test_hash_storm(void **state)
{
    (void)state;
    run_hash_storm(BPFVM_MAP_HASH, 256, 512, 60000);    /* often full */
    run_hash_storm(BPFVM_MAP_HASH, 4096, 64, 60000);    /* hot keys, long reuse chains */
}

static void test_lru_storm(void **state)
{
    (void)state;
    run_hash_storm(BPFVM_MAP_LRU_HASH, 128, 1000, 40000);
}

/* ---- per-CPU values: thread t is CPU t ---- */

typedef struct pctx {
    bpfvm_map *m;
    uint32_t cpu;
} pctx;

static void *percpu_worker(void *arg)
{
    pctx *c = arg;
    for (int i = 0; i < 20000; i++) {
        uint32_t k = (uint32_t)i % 8;
        uint64_t *p = c->m->ops->lookup(c->m, &k, c->cpu);
        if (!p) {
            uint64_t one = 1;
            long rc = c->m->ops->update(c->m, &k, &one, BPFVM_NOEXIST, c->cpu);
            if (rc == -EEXIST) { /* another CPU created it first */
                p = c->m->ops->lookup(c->m, &k, c->cpu);
                __atomic_fetch_add(p, 1, __ATOMIC_RELAXED);
            } else {
                WCHECK(rc == 0, "percpu update", rc);
            }
        } else {
            __atomic_fetch_add(p, 1, __ATOMIC_RELAXED);
        }
        if (i % 64 == 0) {
            uint64_t all[NTHREADS];
            (void)bpfvm_map_lookup(c->m, &k, all);
        }
    }
    return NULL;
}

static void test_percpu_storm(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    assert_int_equal(bpfvm_vm_set_ncpus(vm, NTHREADS, NULL), 0);
    bpfvm_map *m = mk(vm, BPFVM_MAP_PERCPU_HASH, 4, 8, 16, 0);
    pthread_t th[NTHREADS];
    pctx c[NTHREADS];
    for (int t = 0; t < NTHREADS; t++) {
        c[t] = (pctx){ m, (uint32_t)t };
        pthread_create(&th[t], NULL, percpu_worker, &c[t]);
    }
    for (int t = 0; t < NTHREADS; t++)
        pthread_join(th[t], NULL);
    for (uint32_t k = 0; k < 8; k++) {
        uint64_t all[NTHREADS];
        assert_int_equal(bpfvm_map_lookup(m, &k, all), 0);
        for (int t = 0; t < NTHREADS; t++)
            assert_int_equal(all[t], 20000 / 8);
    }
    bpfvm_vm_free(vm);
}

/* ---- ring buffer: many producers, one consumer ---- */

#define RB_PER_THREAD 20000

typedef struct rbctx {
    bpfvm_map *m;
    uint32_t id;
    uint64_t dropped;     /* EAGAIN: ring full, counted, retried */
    uint64_t discarded;
} rbctx;

typedef struct rbcons {
    bpfvm_map *m;
    uint32_t next[NTHREADS];
    uint64_t got, bad;
    int producers_done;   /* atomic */
} rbcons;

static void *rb_producer(void *arg)
{
    rbctx *c = arg;
    uint64_t seed = 99 + c->id;
    uint32_t discarded_seq = UINT32_MAX;
    for (uint32_t seq = 0; seq < RB_PER_THREAD;) {
        uint32_t rec[4] = { c->id, seq, c->id ^ seq, 0 };
        size_t size = 12 + (size_t)(rnd(&seed) % 2) * 4;
        if (seq % 3 == 0) {
            if (map_ringbuf_output(c->m, rec, size, 0) == 0)
                seq++;
            else
                c->dropped++, sched_yield();
        } else {
            uint32_t *s = map_ringbuf_reserve(c->m, size, 0);
            if (!s) {
                c->dropped++;
                sched_yield();
                continue;
            }
            memcpy(s, rec, size);
            bool discard = seq % 7 == 1 && discarded_seq != seq; /* once per such seq */
            map_ringbuf_commit(c->m, s, discard);
            if (discard) {
                c->discarded++;
                discarded_seq = seq;
            } else {
                seq++;
            }
        }
    }
    return NULL;
}

static int rb_check(void *user, const void *data, size_t size)
{
    rbcons *c = user;
    uint32_t rec[4];
    if (size < 12 || size > 16) {
        c->bad++;
        return 0;
    }
    memcpy(rec, data, size);
    if (rec[0] >= NTHREADS || rec[2] != (rec[0] ^ rec[1]) || rec[1] != c->next[rec[0]])
        c->bad++;
    else
        c->next[rec[0]]++;
    c->got++;
    return 0;
}

static void *rb_consumer(void *arg)
{
    rbcons *c = arg;
    for (;;) {
        int done = __atomic_load_n(&c->producers_done, __ATOMIC_ACQUIRE);
        int n = bpfvm_ringbuf_consume(c->m, rb_check, c);
        WCHECK(n >= 0, "consume", n);
        if (done && n == 0)
            break;
        if (n == 0)
            sched_yield();
    }
    return NULL;
}

static void test_ringbuf_mpsc(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *m = mk(vm, BPFVM_MAP_RINGBUF, 0, 0, 8192, 0);
    pthread_t th[NTHREADS], cons;
    rbctx c[NTHREADS];
    rbcons cc;
    memset(&cc, 0, sizeof cc);
    cc.m = m;
    pthread_create(&cons, NULL, rb_consumer, &cc);
    for (int t = 0; t < NTHREADS; t++) {
        c[t] = (rbctx){ m, (uint32_t)t, 0, 0 };
        pthread_create(&th[t], NULL, rb_producer, &c[t]);
    }
    for (int t = 0; t < NTHREADS; t++)
        pthread_join(th[t], NULL);
    __atomic_store_n(&cc.producers_done, 1, __ATOMIC_RELEASE);
    pthread_join(cons, NULL);
    assert_int_equal(cc.bad, 0);
    assert_int_equal(cc.got, (uint64_t)NTHREADS * RB_PER_THREAD);
    for (int t = 0; t < NTHREADS; t++)
        assert_int_equal(cc.next[t], RB_PER_THREAD);
    assert_int_equal(map_ringbuf_query(m, RB_AVAIL_DATA), 0);
    bpfvm_vm_free(vm);
}

/* ---- queue: producers and consumers ---- */

typedef struct qctx {
    bpfvm_map *m;
    uint64_t sum;
    int id;
} qctx;

static void *q_producer(void *arg)
{
    qctx *c = arg;
    for (uint64_t i = 1; i <= 20000;) {
        uint64_t v = i * NTHREADS + (uint64_t)c->id;
        if (bpfvm_map_push(c->m, &v, 0) == 0) {
            c->sum += v;
            i++;
        } else {
            sched_yield();
        }
    }
    return NULL;
}

static void *q_consumer(void *arg)
{
    qctx *c = arg;
    for (int got = 0; got < 20000;) {
        uint64_t v;
        if (c->m->ops->pop(c->m, &v) == 0) {
            c->sum += v;
            got++;
        } else {
            sched_yield();
        }
    }
    return NULL;
}

static void test_queue_mpmc(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *m = mk(vm, BPFVM_MAP_QUEUE, 0, 8, 64, 0);
    pthread_t th[NTHREADS];
    qctx c[NTHREADS];
    for (int t = 0; t < NTHREADS; t++) {
        c[t] = (qctx){ m, 0, t };
        pthread_create(&th[t], NULL, t % 2 ? q_consumer : q_producer, &c[t]);
    }
    uint64_t in = 0, out = 0;
    for (int t = 0; t < NTHREADS; t++) {
        pthread_join(th[t], NULL);
        if (t % 2)
            out += c[t].sum;
        else
            in += c[t].sum;
    }
    assert_int_equal(in, out);
    bpfvm_vm_free(vm);
}

/* ---- registry: readers while maps are created ---- */

typedef struct regctx {
    bpfvm_vm *vm;
    int done;   /* atomic */
    long seen;
} regctx;

static void *reg_reader(void *arg)
{
    regctx *c = arg;
    while (!__atomic_load_n(&c->done, __ATOMIC_ACQUIRE)) {
        size_t n = bpfvm_map_count(c->vm);
        for (size_t i = 0; i < n; i++) {
            bpfvm_map *m = bpfvm_map_at(c->vm, i);
            WCHECK(m && vm_is_map(c->vm, m) && bpfvm_map_by_id(c->vm, bpfvm_map_id(m)) == m,
                   "registry: map not visible", i);
            __atomic_fetch_add(&c->seen, 1, __ATOMIC_RELAXED);
        }
        uint64_t x = 0;
        WCHECK(!vm_is_map(c->vm, &x), "vm_is_map accepted a stack address", 0);
    }
    return NULL;
}

static void test_registry_readers(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    regctx c = { vm, 0, 0 };
    pthread_t th[2];
    for (int t = 0; t < 2; t++)
        pthread_create(&th[t], NULL, reg_reader, &c);
    for (int i = 0; i < 600; i++)
        mk(vm, i % 2 ? BPFVM_MAP_HASH : BPFVM_MAP_ARRAY, 4, 4, 4, 0);
    __atomic_store_n(&c.done, 1, __ATOMIC_RELEASE);
    for (int t = 0; t < 2; t++)
        pthread_join(th[t], NULL);
    assert_int_equal(bpfvm_map_count(vm), 600);
    bpfvm_vm_free(vm);
}

static int no_worker_errors(void **state)
{
    (void)state;
    int n = __atomic_exchange_n(&worker_errors, 0, __ATOMIC_RELAXED);
    if (n)
        fprintf(stderr, "%d errors in worker threads\n", n);
    return n ? -1 : 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_hash_storm, no_worker_errors),
        cmocka_unit_test_teardown(test_lru_storm, no_worker_errors),
        cmocka_unit_test_teardown(test_percpu_storm, no_worker_errors),
        cmocka_unit_test_teardown(test_ringbuf_mpsc, no_worker_errors),
        cmocka_unit_test_teardown(test_queue_mpmc, no_worker_errors),
        cmocka_unit_test_teardown(test_registry_readers, no_worker_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
