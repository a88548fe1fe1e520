/* map_ringbuf.c — RINGBUF maps with Linux's record format: each record is an 8-byte
 * header {u32 len | BUSY | DISCARD, u32 pg_off} followed by len bytes, the whole
 * rounded up to 8; positions are free-running 64-bit byte counters. Producers
 * (programs on any thread) reserve under a spin lock and commit by clearing BUSY;
 * the host consumes in order, stopping at the first record still BUSY.
 * Linux maps the data pages twice in a row so a record that wraps is contiguous;
 * here the data area is simply twice the ring size: a header always starts in the
 * first half (at pos & mask) and its record may run on into the second, so samples
 * are contiguous and the whole area is one region.
 * Invariants: cons_pos <= pending_pos <= prod_pos; prod_pos - cons_pos < size.
 */
#include "rt/map.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define RINGBUF_MAX_RECORD_SZ (UINT32_MAX / 4)
#define PAGE_SHIFT 12
#define DATA_PGOFF 3 /* Linux: the data starts 3 pages into struct bpf_ringbuf */

typedef struct ringbuf {
    uint32_t lock;       /* producers */
    uint32_t consuming;  /* one host consumer at a time */
    uint64_t mask;       /* size - 1 */
    uint64_t cons_pos;   /* atomic: written by the consumer */
    uint64_t prod_pos;   /* atomic: written by producers under lock */
    uint64_t pending_pos; /* under lock: first record that may still be BUSY */
    uint8_t *data;       /* 2 * size bytes */
} ringbuf;

typedef struct rb_hdr {
    uint32_t len;
    uint32_t pg_off;
} rb_hdr;

static ringbuf *R(const bpfvm_map *m) { return m->impl; }

static int rb_check(const bpfvm_map_def *d, char *why, size_t n)
{
    if (d->flags & ~MAP_F_NUMA_NODE) {
        snprintf(why, n, "flags %#x are not valid for a ring buffer", d->flags & ~MAP_F_NUMA_NODE);
        return -EINVAL;
    }
    if (d->key_size || d->value_size) {
        snprintf(why, n, "key_size and value_size must be 0");
        return -EINVAL;
    }
    if (!d->max_entries || (d->max_entries & (d->max_entries - 1)) || (d->max_entries & 4095)) {
        snprintf(why, n, "max_entries %u must be a power of 2 and a multiple of the 4096-byte page size",
                 d->max_entries);
        return -EINVAL;
    }
    return 0;
}

static int rb_alloc(bpfvm_map *m, bpfvm_error *err)
{
    int rc = map_charge(m, 2 * (uint64_t)m->def.max_entries, err);
    if (rc)
        return rc;
    ringbuf *r = calloc(1, sizeof *r);
    if (!r || !(r->data = map_area_alloc(2 * (size_t)m->def.max_entries))) {
        free(r);
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "map '%s': cannot allocate a %u-byte ring buffer", m->name,
                          m->def.max_entries);
    }
    r->mask = m->def.max_entries - 1;
    m->impl = r;
    return 0;
}

static void rb_free(bpfvm_map *m)
{
    ringbuf *r = R(m);
    if (r)
        map_area_free(r->data, 2 * (size_t)m->def.max_entries);
    free(r);
}

static rb_hdr *hdr_at(const ringbuf *r, uint64_t pos) { return (rb_hdr *)(r->data + (pos & r->mask)); }

static uint64_t rec_size(uint32_t len)
{
    return ((uint64_t)(len & ~(RB_BUSY_BIT | RB_DISCARD_BIT)) + RB_HDR_SZ + 7) & ~(uint64_t)7;
}

void *map_ringbuf_reserve(bpfvm_map *m, uint64_t size, uint64_t flags)
{
    ringbuf *r = R(m);
    if (flags || size > RINGBUF_MAX_RECORD_SZ)
        return NULL;
    uint64_t len = (size + RB_HDR_SZ + 7) & ~(uint64_t)7;
    if (len > r->mask + 1)
        return NULL;
    uint64_t cons = __atomic_load_n(&r->cons_pos, __ATOMIC_ACQUIRE);
    map_lock(&r->lock);
    uint64_t prod = r->prod_pos, pend = r->pending_pos;
    if (pend < cons)
        pend = cons; /* everything before cons was committed (and consumed) */
    /* Move pending_pos past committed records: a new record must not come within
     * a ring's length of the oldest one still being written. */
    while (pend < prod) {
        uint32_t l = __atomic_load_n(&hdr_at(r, pend)->len, __ATOMIC_ACQUIRE);
        if ((l & RB_BUSY_BIT) || rec_size(l) > prod - pend)
            break; /* still being written (or a header a program overwrote) */
        pend += rec_size(l);
    }
    r->pending_pos = pend;
    uint64_t new_prod = prod + len;
    if (new_prod - cons > r->mask || new_prod - pend > r->mask) {
        map_unlock(&r->lock);
        return NULL;
    }
    rb_hdr *h = hdr_at(r, prod);
    __atomic_store_n(&h->len, (uint32_t)size | RB_BUSY_BIT, __ATOMIC_RELAXED);
    __atomic_store_n(&h->pg_off, (uint32_t)(((prod & r->mask) >> PAGE_SHIFT) + DATA_PGOFF), __ATOMIC_RELAXED);
    __atomic_store_n(&r->prod_pos, new_prod, __ATOMIC_RELEASE);
    map_unlock(&r->lock);
    return h + 1;
}

void map_ringbuf_commit(bpfvm_map *m, void *sample, bool discard)
{
    ringbuf *r = R(m);
    uint64_t off = (uint64_t)(uintptr_t)sample - (uint64_t)(uintptr_t)r->data - RB_HDR_SZ;
    if (off > r->mask || (off & 7))
        return; /* not a sample of this ring (wraps around to a huge offset if below) */
    rb_hdr *h = (rb_hdr *)(r->data + off);
    uint32_t l = __atomic_load_n(&h->len, __ATOMIC_RELAXED);
    if (!(l & RB_BUSY_BIT))
        return; /* already committed */
    uint32_t nl = (l & ~RB_BUSY_BIT) | (discard ? RB_DISCARD_BIT : 0);
    __atomic_compare_exchange_n(&h->len, &l, nl, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

long map_ringbuf_output(bpfvm_map *m, const void *data, uint64_t size, uint64_t flags)
{
    if (flags & ~(uint64_t)(RB_NO_WAKEUP | RB_FORCE_WAKEUP))
        return -EINVAL;
    void *rec = map_ringbuf_reserve(m, size, 0);
    if (!rec)
        return -EAGAIN;
    memcpy(rec, data, size);
    map_ringbuf_commit(m, rec, false);
    return 0;
}

uint64_t map_ringbuf_query(bpfvm_map *m, uint64_t flags)
{
    ringbuf *r = R(m);
    switch (flags) {
    case RB_AVAIL_DATA: {
        uint64_t cons = __atomic_load_n(&r->cons_pos, __ATOMIC_ACQUIRE);
        return __atomic_load_n(&r->prod_pos, __ATOMIC_ACQUIRE) - cons;
    }
    case RB_RING_SIZE:
        return r->mask + 1;
    case RB_CONS_POS:
        return __atomic_load_n(&r->cons_pos, __ATOMIC_ACQUIRE);
    case RB_PROD_POS:
        return __atomic_load_n(&r->prod_pos, __ATOMIC_ACQUIRE);
    default:
        return 0;
    }
}

int bpfvm_ringbuf_consume(bpfvm_map *m, bpfvm_ringbuf_fn fn, void *user)
{
    if (!m || m->def.type != BPFVM_MAP_RINGBUF)
        return -EINVAL;
    ringbuf *r = R(m);
    if (__atomic_exchange_n(&r->consuming, 1, __ATOMIC_ACQUIRE))
        return -EBUSY; /* another thread, or fn itself, is consuming */
    uint64_t cons = __atomic_load_n(&r->cons_pos, __ATOMIC_RELAXED);
    int count = 0, rc = 0;
    for (;;) {
        uint64_t prod = __atomic_load_n(&r->prod_pos, __ATOMIC_ACQUIRE);
        if (cons >= prod)
            break;
        rb_hdr *h = hdr_at(r, cons);
        uint32_t l = __atomic_load_n(&h->len, __ATOMIC_ACQUIRE);
        if (l & RB_BUSY_BIT)
            break;
        uint64_t sz = rec_size(l);
        if (sz > prod - cons) { /* a program overwrote the header: drop the rest */
            cons = prod;
            __atomic_store_n(&r->cons_pos, cons, __ATOMIC_RELEASE);
            break;
        }
        cons += sz;
        if (!(l & RB_DISCARD_BIT)) {
            if (fn)
                rc = fn(user, h + 1, l & ~(RB_BUSY_BIT | RB_DISCARD_BIT));
            if (rc >= 0 && count < INT32_MAX)
                count++;
        }
        __atomic_store_n(&r->cons_pos, cons, __ATOMIC_RELEASE);
        if (rc < 0)
            break;
    }
    __atomic_store_n(&r->consuming, 0, __ATOMIC_RELEASE);
    return rc < 0 ? rc : count;
}

static void *rb_lookup(bpfvm_map *m, const void *key, uint32_t cpu)
{
    (void)m, (void)key, (void)cpu;
    return NULL;
}

static size_t rb_regions(const bpfvm_map *m, bpfvm_region *out, size_t max)
{
    if (!max)
        return 0;
    out[0] = (bpfvm_region){ (uint64_t)(uintptr_t)R(m)->data, 2 * (uint64_t)m->def.max_entries, true };
    return 1;
}

/* bpf(2) element commands on a ring buffer fail with ENOTSUPP (524). */
static int rb_host_lookup(bpfvm_map *m, const void *key, void *value)
{
    (void)m, (void)key, (void)value;
    return -MAP_ENOTSUPP;
}

static int rb_host_update(bpfvm_map *m, const void *key, const void *value, uint64_t flags)
{
    (void)m, (void)key, (void)value, (void)flags;
    return -MAP_ENOTSUPP;
}

static int rb_host_delete(bpfvm_map *m, const void *key)
{
    (void)m, (void)key;
    return -MAP_ENOTSUPP;
}

static int rb_next_key(bpfvm_map *m, const void *key, void *next)
{
    (void)m, (void)key, (void)next;
    return -MAP_ENOTSUPP;
}

const map_ops map_ringbuf_ops = {
    .check = rb_check,
    .alloc = rb_alloc,
    .free = rb_free,
    .lookup = rb_lookup,
    .host_lookup = rb_host_lookup,
    .host_update = rb_host_update,
    .host_delete = rb_host_delete,
    .next_key = rb_next_key,
    .regions = rb_regions,
};
