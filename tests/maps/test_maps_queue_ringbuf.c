/* test_maps_queue_ringbuf.c — QUEUE and STACK maps (order, full and BPF_EXIST
 * overwrite, flags, host vs program view of an empty map) and RINGBUF maps (Linux's
 * record format: header length with BUSY/DISCARD bits and page offset, 8-byte
 * alignment, query values, commit order, discard, full ring, wraparound with
 * contiguous samples, consumer callback errors).
 */
#include "maptest.h"

static void test_queue(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *q = mk(vm, BPFVM_MAP_QUEUE, 0, 4, 3, 0);
    uint32_t v, out = 77;
    assert_int_equal(bpfvm_map_pop(q, &out), -ENOENT);
    assert_int_equal(out, 77); /* host buffer untouched, as bpf(2) */
    assert_int_equal(bpfvm_map_lookup(q, NULL, &out), -ENOENT);
    assert_int_equal(out, 77);
    assert_int_equal(q->ops->pop(q, &out), -ENOENT);
    assert_int_equal(out, 0); /* programs get zeros */
    for (v = 1; v <= 3; v++)
        assert_int_equal(bpfvm_map_push(q, &v, 0), 0);
    assert_int_equal(bpfvm_map_push(q, &v, 0), -E2BIG);
    assert_int_equal(bpfvm_map_push(q, &v, BPFVM_NOEXIST), -EINVAL);
    assert_int_equal(bpfvm_map_push(q, &v, 3), -EINVAL);
    assert_int_equal(bpfvm_map_push(q, &v, 4), -EINVAL);
    assert_int_equal(bpfvm_map_lookup(q, NULL, &out), 0); /* peek */
    assert_int_equal(out, 1);
    v = 4;
    assert_int_equal(bpfvm_map_push(q, &v, BPFVM_EXIST), 0); /* drops the oldest (1) */
    for (uint32_t want = 2; want <= 4; want++) {
        assert_int_equal(q->ops->peek(q, &out), 0);
        assert_int_equal(out, want);
        assert_int_equal(bpfvm_map_pop(q, &out), 0);
        assert_int_equal(out, want);
    }
    assert_int_equal(bpfvm_map_pop(q, &out), -ENOENT);
    /* host update is a push, as bpf(2) */
    v = 9;
    assert_int_equal(bpfvm_map_update(q, NULL, &v, 0), 0);
    assert_int_equal(q->ops->push(q, &v, 0), 0);
    assert_int_equal(q->ops->pop(q, &out), 0);
    assert_int_equal(out, 9);
    assert_int_equal(bpfvm_map_pop(q, &out), 0);
    assert_int_equal(bpfvm_map_pop(q, &out), -ENOENT);
    assert_int_equal(bpfvm_map_delete(q, NULL), -EINVAL);
    assert_int_equal(bpfvm_map_next_key(q, NULL, &out), -EINVAL);
    assert_null(q->ops->lookup(q, NULL, 0));
    assert_int_equal(q->ops->update(q, NULL, &v, 0, 0), -EINVAL);
    assert_int_equal(q->ops->delete(q, NULL), -EINVAL);
    /* wrap the ring many times */
    uint32_t next_in = 100, next_out = 100;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(bpfvm_map_push(q, &next_in, 0), 0);
        next_in++;
        if (i % 3 == 2) {
            assert_int_equal(bpfvm_map_pop(q, &out), 0);
            assert_int_equal(out, next_out++);
        }
        while (next_in - next_out >= 3) {
            assert_int_equal(bpfvm_map_pop(q, &out), 0);
            assert_int_equal(out, next_out++);
        }
    }
    bpfvm_vm_free(vm);
}

static void test_stack(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *s = mk(vm, BPFVM_MAP_STACK, 0, 8, 3, 0);
    uint64_t v, out;
    for (v = 1; v <= 3; v++)
        assert_int_equal(bpfvm_map_push(s, &v, 0), 0);
    assert_int_equal(bpfvm_map_push(s, &v, 0), -E2BIG);
    v = 4;
    assert_int_equal(bpfvm_map_push(s, &v, BPFVM_EXIST), 0); /* the oldest (1) goes */
    assert_int_equal(bpfvm_map_lookup(s, NULL, &out), 0);
    assert_int_equal(out, 4);
    for (uint64_t want = 4; want >= 2; want--) {
        assert_int_equal(s->ops->pop(s, &out), 0);
        assert_int_equal(out, want);
    }
    assert_int_equal(bpfvm_map_pop(s, &out), -ENOENT);
    /* wrap: push/pop around the ring boundary */
    for (int i = 0; i < 100; i++) {
        v = (uint64_t)i;
        assert_int_equal(bpfvm_map_push(s, &v, 0), 0);
        v = (uint64_t)i + 1000;
        assert_int_equal(bpfvm_map_push(s, &v, 0), 0);
        assert_int_equal(bpfvm_map_pop(s, &out), 0);
        assert_int_equal(out, (uint64_t)i + 1000);
        assert_int_equal(bpfvm_map_pop(s, &out), 0);
        assert_int_equal(out, (uint64_t)i);
    }
    bpfvm_vm_free(vm);
}

/* ---- ring buffer ---- */

typedef struct rec {
    int n;
    size_t sizes[64];
    uint8_t first[64];
    int stop_at; /* return -7 on this record (1-based), 0 = never */
} rec;

static int collect(void *user, const void *data, size_t size)
{
    rec *r = user;
    if (r->n < 64) {
        r->sizes[r->n] = size;
        r->first[r->n] = size ? *(const uint8_t *)data : 0;
    }
    r->n++;
    return r->stop_at && r->n == r->stop_at ? -7 : 0;
}

static const uint32_t *hdr_of(const void *sample) { return (const uint32_t *)sample - 2; }

static void test_ringbuf_format(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *m = mk(vm, BPFVM_MAP_RINGBUF, 0, 0, 8192, 0);
    bpfvm_region reg;
    assert_int_equal(m->ops->regions(m, &reg, 1), 1);
    uint8_t *data = (uint8_t *)(uintptr_t)reg.start;
    assert_int_equal(map_ringbuf_query(m, RB_RING_SIZE), 8192);
    assert_int_equal(map_ringbuf_query(m, RB_AVAIL_DATA), 0);
    assert_int_equal(map_ringbuf_query(m, 99), 0);
    uint8_t *a = map_ringbuf_reserve(m, 5, 0);
    assert_ptr_equal(a, data + 8);
    assert_int_equal(hdr_of(a)[0], 5u | RB_BUSY_BIT);
    assert_int_equal(hdr_of(a)[1], 3); /* Linux: data begins 3 pages into the ring object */
    assert_int_equal(map_ringbuf_query(m, RB_PROD_POS), 16);
    assert_int_equal(map_ringbuf_query(m, RB_AVAIL_DATA), 16);
    uint8_t *b = map_ringbuf_reserve(m, 16, 0);
    assert_ptr_equal(b, data + 24);
    assert_int_equal(map_ringbuf_query(m, RB_PROD_POS), 40);
    a[0] = 'a';
    b[0] = 'b';
    /* committed out of order: the consumer waits for the older record */
    map_ringbuf_commit(m, b, false);
    assert_int_equal(hdr_of(b)[0], 16);
    rec r = { 0 };
    assert_int_equal(bpfvm_ringbuf_consume(m, collect, &r), 0);
    map_ringbuf_commit(m, a, false);
    map_ringbuf_commit(m, a, true); /* a second commit is ignored */
    assert_int_equal(hdr_of(a)[0], 5);
    assert_int_equal(bpfvm_ringbuf_consume(m, collect, &r), 2);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.sizes[0], 5);
    assert_int_equal(r.first[0], 'a');
    assert_int_equal(r.sizes[1], 16);
    assert_int_equal(r.first[1], 'b');
    assert_int_equal(map_ringbuf_query(m, RB_CONS_POS), 40);
    assert_int_equal(map_ringbuf_query(m, RB_AVAIL_DATA), 0);
    /* discard: skipped by the consumer, space reclaimed */
    uint8_t *c = map_ringbuf_reserve(m, 100, 0);
    map_ringbuf_commit(m, c, true);
    assert_int_equal(hdr_of(c)[0], 100u | RB_DISCARD_BIT);
    assert_int_equal(map_ringbuf_output(m, "xyz", 3, 0), 0);
    assert_int_equal(map_ringbuf_output(m, "xyz", 3, RB_NO_WAKEUP | RB_FORCE_WAKEUP), 0);
    assert_int_equal(map_ringbuf_output(m, "xyz", 3, 4), -EINVAL);
    r = (rec){ 0 };
    assert_int_equal(bpfvm_ringbuf_consume(m, collect, &r), 2);
    assert_int_equal(r.first[0], 'x');
    assert_int_equal(map_ringbuf_query(m, RB_CONS_POS), 40 + 112 + 16 + 16);
    /* bad reservations */
    assert_null(map_ringbuf_reserve(m, 8, 1));
    assert_null(map_ringbuf_reserve(m, 8192, 0));
    assert_null(map_ringbuf_reserve(m, 1ull << 40, 0));
    /* element commands are not for ring buffers */
    uint32_t k = 0, v;
    assert_int_equal(bpfvm_map_lookup(m, &k, &v), -MAP_ENOTSUPP);
    assert_int_equal(bpfvm_map_update(m, &k, &v, 0), -MAP_ENOTSUPP);
    assert_int_equal(bpfvm_map_delete(m, &k), -MAP_ENOTSUPP);
    assert_int_equal(bpfvm_map_next_key(m, NULL, &v), -MAP_ENOTSUPP);
    assert_null(m->ops->lookup(m, &k, 0));
    assert_int_equal(bpfvm_ringbuf_consume(mk(vm, BPFVM_MAP_ARRAY, 4, 4, 1, 0), collect, &r), -EINVAL);
    bpfvm_vm_free(vm);
}

static void test_ringbuf_full(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *m = mk(vm, BPFVM_MAP_RINGBUF, 0, 0, 4096, 0);
    /* records of 1000 + 8 -> 1008 bytes: 4 fit (4032 < 4096), a 5th does not */
    void *s[5];
    for (int i = 0; i < 4; i++)
        assert_non_null(s[i] = map_ringbuf_reserve(m, 1000, 0));
    assert_null(map_ringbuf_reserve(m, 1000, 0));
    assert_int_equal(map_ringbuf_output(m, s[0], 1000, 0), -EAGAIN);
    /* 4096 - 4032 = 64 bytes left; a record may not fill the ring completely */
    assert_non_null(s[4] = map_ringbuf_reserve(m, 48, 0));
    assert_null(map_ringbuf_reserve(m, 0, 0));
    for (int i = 0; i < 5; i++)
        map_ringbuf_commit(m, s[i], false);
    /* the biggest record: size - 16 bytes of data, alone in the ring */
    assert_int_equal(bpfvm_ringbuf_consume(m, NULL, NULL), 5);
    void *big = map_ringbuf_reserve(m, 4096 - 16, 0);
    assert_non_null(big);
    assert_true(in_regions(m, big, 4096 - 16, true));
    memset(big, 0x5a, 4096 - 16);
    map_ringbuf_commit(m, big, false);
    assert_null(map_ringbuf_reserve(m, 4096 - 8, 0));
    rec r = { 0 };
    assert_int_equal(bpfvm_ringbuf_consume(m, collect, &r), 1);
    assert_int_equal(r.sizes[0], 4096 - 16);
    bpfvm_vm_free(vm);
}

static uint64_t sum_bytes(const uint8_t *p, size_t n)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = s * 31 + p[i];
    return s;
}

typedef struct wrapcheck {
    uint64_t next;   /* sequence number expected */
    uint64_t bad;
} wrapcheck;

static int check_wrap(void *user, const void *data, size_t size)
{
    wrapcheck *w = user;
    const uint8_t *p = data;
    uint64_t seq;
    memcpy(&seq, p, 8);
    uint64_t want;
    memcpy(&want, p + size - 8, 8);
    if (seq != w->next || want != sum_bytes(p, size - 8))
        w->bad++;
    w->next++;
    return 0;
}

/* Records of varied sizes wrap around the end of the ring many times; each sample
 * is contiguous and intact. */
static void test_ringbuf_wrap(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *m = mk(vm, BPFVM_MAP_RINGBUF, 0, 0, 4096, 0);
    uint64_t seed = 5, seq = 0;
    wrapcheck w = { 0, 0 };
    int wrapped = 0;
    for (int i = 0; i < 5000; i++) {
        size_t size = 16 + (size_t)(rnd(&seed) % 700);
        uint8_t *s = map_ringbuf_reserve(m, size, 0);
        if (!s) {
            assert_true(bpfvm_ringbuf_consume(m, check_wrap, &w) > 0);
            s = map_ringbuf_reserve(m, size, 0);
            assert_non_null(s);
        }
        uint64_t pos = map_ringbuf_query(m, RB_PROD_POS) - ((size + 8 + 7) & ~(size_t)7);
        if ((pos & 4095) + 8 + size > 4096)
            wrapped++;
        assert_true(in_regions(m, s, size, true));
        memcpy(s, &seq, 8);
        for (size_t b = 8; b < size - 8; b++)
            s[b] = (uint8_t)rnd(&seed);
        uint64_t sum = sum_bytes(s, size - 8);
        memcpy(s + size - 8, &sum, 8);
        map_ringbuf_commit(m, s, rnd(&seed) % 5 == 0);
        if (((uint32_t *)s)[-2] & RB_DISCARD_BIT)
            continue; /* discarded: the consumer will not see it */
        seq++;
    }
    assert_true(bpfvm_ringbuf_consume(m, check_wrap, &w) >= 0);
    (void)seq;
    assert_int_equal(w.bad, 0);
    assert_true(wrapped > 10);
    bpfvm_vm_free(vm);
}

static void test_ringbuf_callback_error(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *m = mk(vm, BPFVM_MAP_RINGBUF, 0, 0, 4096, 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(map_ringbuf_output(m, &i, 4, 0), 0);
    rec r = { .stop_at = 2 };
    assert_int_equal(bpfvm_ringbuf_consume(m, collect, &r), -7);
    assert_int_equal(r.n, 2);
    /* the failing record was consumed (libbpf does the same) */
    r = (rec){ 0 };
    assert_int_equal(bpfvm_ringbuf_consume(m, collect, &r), 2);
    assert_int_equal(r.first[0], 2);
    bpfvm_vm_free(vm);
}

static int reenter(void *user, const void *data, size_t size)
{
    (void)data, (void)size;
    return bpfvm_ringbuf_consume(user, NULL, NULL) == -EBUSY ? 0 : -1;
}

static void test_ringbuf_reentry(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *m = mk(vm, BPFVM_MAP_RINGBUF, 0, 0, 4096, 0);
    assert_int_equal(map_ringbuf_output(m, "a", 1, 0), 0);
    assert_int_equal(bpfvm_ringbuf_consume(m, reenter, m), 1);
    bpfvm_vm_free(vm);
}

/* A program may scribble on a record header (checked mode allows writes anywhere in
 * the region): the ring stays usable. */
static void test_ringbuf_corrupt_header(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *m = mk(vm, BPFVM_MAP_RINGBUF, 0, 0, 4096, 0);
    uint32_t *s = map_ringbuf_reserve(m, 8, 0);
    s[-2] = 0x3fffffff; /* length far beyond the data */
    map_ringbuf_commit(m, s, false); /* ignored: not BUSY any more */
    assert_true(bpfvm_ringbuf_consume(m, NULL, NULL) >= 0);
    assert_int_equal(map_ringbuf_query(m, RB_AVAIL_DATA), 0);
    uint8_t buf[100] = { 0 };
    for (int i = 0; i < 100; i++) {
        assert_int_equal(map_ringbuf_output(m, buf, sizeof buf, 0), 0);
        assert_int_equal(bpfvm_ringbuf_consume(m, NULL, NULL), 1);
    }
    map_ringbuf_commit(m, (char *)s + 3, false); /* not a record: ignored */
    map_ringbuf_commit(m, buf, false);            /* not in the ring: ignored */
    assert_int_equal(map_ringbuf_output(m, buf, sizeof buf, 0), 0);
    assert_int_equal(bpfvm_ringbuf_consume(m, NULL, NULL), 1);
    bpfvm_vm_free(vm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue),
        cmocka_unit_test(test_stack),
        cmocka_unit_test(test_ringbuf_format),
        cmocka_unit_test(test_ringbuf_full),
        cmocka_unit_test(test_ringbuf_wrap),
        cmocka_unit_test(test_ringbuf_callback_error),
        cmocka_unit_test(test_ringbuf_reentry),
        cmocka_unit_test(test_ringbuf_corrupt_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
