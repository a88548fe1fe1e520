/* map_hash.c — hash maps: HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, HASH_OF_MAPS.
 * Chained hashing as in Linux: a power-of-2 bucket array of {head, lock} and every
 * element preallocated in one slab (header, key rounded up to 8, value(s)), so every
 * value pointer handed to programs lies in one region and never moves. Elements are
 * named by 32-bit slab indices; a chain ends with a "nulls" marker naming its bucket.
 * Writers lock the bucket. Readers take no lock: an element may be deleted and reused
 * under them (as in Linux's preallocated maps), which moves them onto another chain;
 * they notice because its end marker names another bucket, and start again. Host
 * copies are made consistent by a per-element sequence count (odd while written).
 * LRU maps evict with a CLOCK sweep over the slab: lookups set a reference bit
 * (only if clear, so reads stay read-only), the hand clears it or evicts.
 * Invariants: a live element is on exactly one chain, the one of its hash; every
 * index read from shared memory is bounds-checked and every walk bounded, because
 * in checked mode a program can write anywhere in the slab (headers included).
 */
#include "rt/map.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#ifdef __linux__
#include <sys/random.h>
#endif

#define NULLS 0x80000000u          /* chain end marker bit; low bits: the bucket */
#define NONE UINT32_MAX            /* empty free list */
#define NSHARD 16                  /* free lists, to spread contention */
#define PCPU_MIN_UNIT_SIZE (32u << 10)
#define KMALLOC_MAX_SIZE (4u << 20)
#define HTAB_ELEM_LINUX 48u        /* sizeof(struct htab_elem) on x86-64 */
#define MAX_BUCKETS (UINT32_MAX / 16) /* Linux: n_buckets * sizeof(struct bucket) < 4 GiB */
#define RESTARTS 64                /* lock-free walks before falling back to the lock */

typedef struct hbucket {
    uint32_t head;  /* first element, or NULLS | bucket */
    uint32_t lock;
} hbucket;

typedef struct helem {
    uint32_t next;  /* next element, or NULLS | bucket */
    uint32_t hash;
    uint32_t seq;   /* even: stable; odd: key/value being written */
    uint8_t ref;    /* LRU: used since the clock hand last passed */
    uint8_t live;   /* on a chain (the clock skips free elements) */
    uint16_t pad;
    uint64_t key[]; /* key (zero-padded to 8), then the value area */
} helem;

typedef struct fshard {
    uint32_t lock;
    uint32_t head;  /* free element, linked through htab.free_next */
} __attribute__((aligned(64))) fshard;

typedef struct htab {
    hbucket *buckets;
    uint8_t *slab;
    uint32_t bmask;
    uint32_t nelems;
    uint32_t esize;       /* bytes per element */
    uint32_t ksize;
    uint32_t voff;        /* offset of the value area in an element */
    uint32_t vlen;        /* bytes of the value area */
    uint64_t seed;
    size_t bsize, slab_size;
    bool lru, percpu, of_maps;
    uint32_t *free_next;  /* free list links, outside the program-visible slab */
    uint32_t fresh;       /* elements [fresh, nelems) were never used (atomic) */
    uint32_t nfree;       /* elements on the free lists (atomic) */
    uint64_t hand;        /* LRU clock hand (atomic) */
    fshard shards[NSHARD];
} htab;

static htab *H(const bpfvm_map *m) { return m->impl; }

static helem *elem(const htab *h, uint32_t i) { return (helem *)(h->slab + (size_t)i * h->esize); }

static uint8_t *evalue(const htab *h, helem *e) { return (uint8_t *)e + h->voff; }

/* ---- hashing: 64x64->128 multiply-fold (wyhash-style), seeded per map ---- */

static inline uint64_t mum(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

#define P0 0xa0761d6478bd642full
#define P1 0xe7037ed1a0b428dbull
#define P2 0x8ebc6af09c88c6e3ull

static inline uint32_t hash_key(const htab *h, const void *key)
{
    const uint8_t *p = key;
    size_t n = h->ksize;
    uint64_t seed = h->seed, a, b;
    if (LIKELY(n <= 16)) {
        if (n >= 8) {
            a = rd64(p);
            b = rd64(p + n - 8);
        } else if (n >= 4) {
            a = rd32(p);
            b = rd32(p + n - 4);
        } else {
            a = ((uint64_t)p[0] << 16) | ((uint64_t)p[n >> 1] << 8) | p[n - 1];
            b = 0;
        }
    } else {
        for (; n > 16; n -= 16, p += 16)
            seed = mum(rd64(p) ^ P1, rd64(p + 8) ^ seed);
        a = rd64(p + n - 16);
        b = rd64(p + n - 8);
    }
    uint64_t x = mum(P1 ^ h->ksize, mum(a ^ P1, b ^ seed));
    return (uint32_t)(x ^ (x >> 32));
}

/* ---- keys ---------------------------------------------------------------------- */

/* order: relaxed on the lock-free lookup path, acquire where a seqcount re-read
 * follows (host copies). */
static inline bool key_eq_o(const htab *h, const helem *e, const void *key, int order)
{
    const uint64_t *k = e->key;
    const uint8_t *u = key;
    size_t n = h->ksize;
    for (; n >= 8; n -= 8, u += 8, k++) {
        uint64_t w;
        memcpy(&w, u, 8);
        if (__atomic_load_n(k, order) != w)
            return false;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, u, n);
        return __atomic_load_n(k, order) == w;
    }
    return true;
}

static inline bool key_eq(const htab *h, const helem *e, const void *key)
{
    return key_eq_o(h, e, key, __ATOMIC_RELAXED);
}

/* Stores a key zero-padded to whole words, so key_eq can compare words. */
static void key_store(const htab *h, helem *e, const void *key)
{
    uint64_t *k = e->key;
    const uint8_t *u = key;
    size_t n = h->ksize;
    for (; n >= 8; n -= 8, u += 8)
        __atomic_store_n(k++, rd64(u), __ATOMIC_RELEASE);
    if (n) {
        uint64_t w = 0;
        memcpy(&w, u, n);
        __atomic_store_n(k, w, __ATOMIC_RELEASE);
    }
}

static void key_load(const htab *h, helem *e, void *out) { map_copy_out(out, e->key, h->ksize); }

/* ---- element write protocol (seqcount) ----
 * Writer (bucket lock held, or sole owner of a free element): seq odd, then the
 * key/value stores, which are release so none moves before the odd seq, then seq
 * even with release. Reader: seq (acquire), the copy with acquire loads, seq again;
 * a changed or odd seq means retry. No fences, so ThreadSanitizer follows it. */

static void write_begin(helem *e)
{
    __atomic_store_n(&e->seq, __atomic_load_n(&e->seq, __ATOMIC_RELAXED) | 1u, __ATOMIC_RELAXED);
}

static void write_end(helem *e)
{
    __atomic_store_n(&e->seq, (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) | 1u) + 1u, __ATOMIC_RELEASE);
}

/* ---- chain walks ------------------------------------------------------------------ */

/* Lock-free: the element holding key, or NULL. */
static helem *find(const htab *h, const void *key, uint32_t hash)
{
    uint32_t b = hash & h->bmask;
    for (unsigned tries = 0; tries < RESTARTS; tries++) {
        uint32_t r = __atomic_load_n(&h->buckets[b].head, __ATOMIC_ACQUIRE);
        for (uint32_t steps = 0; !(r & NULLS); steps++) {
            if (UNLIKELY(r >= h->nelems || steps >= h->nelems))
                return NULL; /* corrupted by a program */
            helem *e = elem(h, r);
            if (__atomic_load_n(&e->hash, __ATOMIC_RELAXED) == hash && key_eq(h, e, key))
                return e;
            r = __atomic_load_n(&e->next, __ATOMIC_ACQUIRE);
        }
        if (LIKELY((r & ~NULLS) == b))
            return NULL;
        /* the walk left the bucket through a reused element: start again */
    }
    return NULL;
}

/* With the bucket lock held: the link pointing at key's element (or NULL); *out
 * gets the element. */
static uint32_t *find_locked(const htab *h, uint32_t b, const void *key, uint32_t hash, helem **out)
{
    uint32_t *link = &h->buckets[b].head;
    for (uint32_t steps = 0; steps <= h->nelems; steps++) {
        uint32_t r = *link;
        if ((r & NULLS) || r >= h->nelems)
            break;
        helem *e = elem(h, r);
        if (__atomic_load_n(&e->hash, __ATOMIC_RELAXED) == hash && key_eq(h, e, key)) {
            *out = e;
            return link;
        }
        link = &e->next;
    }
    *out = NULL;
    return NULL;
}

/* ---- free elements ------------------------------------------------------------------ */

static void elem_free(htab *h, uint32_t i, uint32_t b)
{
    fshard *s = &h->shards[b & (NSHARD - 1)];
    map_lock(&s->lock);
    h->free_next[i] = s->head;
    __atomic_store_n(&s->head, i, __ATOMIC_RELAXED); /* peeked at without the lock */
    map_unlock(&s->lock);
    __atomic_fetch_add(&h->nfree, 1, __ATOMIC_RELEASE);
}

/* An unused element, or NONE when every element is in the table. */
static uint32_t elem_alloc(htab *h, uint32_t b)
{
    if (__atomic_load_n(&h->fresh, __ATOMIC_RELAXED) < h->nelems) {
        uint32_t i = __atomic_fetch_add(&h->fresh, 1, __ATOMIC_RELAXED);
        if (i < h->nelems)
            return i;
    }
    /* Reserve one of the nfree elements, then find it: it may still be on its way
     * to a free list, but it is there or will be. */
    uint32_t n = __atomic_load_n(&h->nfree, __ATOMIC_ACQUIRE);
    do {
        if (!n)
            return NONE;
    } while (!__atomic_compare_exchange_n(&h->nfree, &n, n - 1, true, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE));
    for (uint32_t k = 0;; k++) {
        fshard *s = &h->shards[(b + k) & (NSHARD - 1)];
        if (__atomic_load_n(&s->head, __ATOMIC_RELAXED) == NONE) {
            if ((k & (NSHARD - 1)) == NSHARD - 1)
                sched_yield();
            continue;
        }
        map_lock(&s->lock);
        uint32_t i = s->head;
        if (i != NONE)
            __atomic_store_n(&s->head, h->free_next[i], __ATOMIC_RELAXED);
        map_unlock(&s->lock);
        if (i != NONE)
            return i;
    }
}

/* LRU: an unused element, evicting the least recently used one if needed. */
static uint32_t lru_alloc(htab *h, uint32_t b)
{
    uint32_t i = elem_alloc(h, b);
    if (i != NONE)
        return i;
    uint64_t limit = 4ull * h->nelems + 64;
    for (uint64_t n = 1; n <= limit; n++) {
        uint32_t v = (uint32_t)(__atomic_fetch_add(&h->hand, 1, __ATOMIC_RELAXED) % h->nelems);
        helem *e = elem(h, v);
        if (!__atomic_load_n(&e->live, __ATOMIC_RELAXED))
            goto next;
        if (__atomic_load_n(&e->ref, __ATOMIC_RELAXED)) {
            __atomic_store_n(&e->ref, 0, __ATOMIC_RELAXED);
            goto next;
        }
        uint32_t vb = __atomic_load_n(&e->hash, __ATOMIC_RELAXED) & h->bmask;
        map_lock(&h->buckets[vb].lock);
        uint32_t *link = &h->buckets[vb].head;
        bool found = false;
        for (uint32_t steps = 0; steps <= h->nelems; steps++) {
            uint32_t r = *link;
            if ((r & NULLS) || r >= h->nelems)
                break;
            if (r == v) {
                __atomic_store_n(link, __atomic_load_n(&e->next, __ATOMIC_RELAXED), __ATOMIC_RELEASE);
                __atomic_store_n(&e->live, 0, __ATOMIC_RELAXED);
                found = true;
                break;
            }
            link = &elem(h, r)->next;
        }
        map_unlock(&h->buckets[vb].lock);
        if (found)
            return v;
    next:
        if (!(n & 63) && (i = elem_alloc(h, b)) != NONE)
            return i; /* a delete freed one meanwhile */
    }
    return elem_alloc(h, b);
}

/* ---- values ---------------------------------------------------------------------- */

enum vmode { V_ONE, V_ALL, V_PTR };

/* Writes a value into e (write_begin/end around it by the caller). V_ONE: one CPU's
 * value of value_size bytes (other CPUs zeroed when fresh), V_ALL: every CPU's value
 * from a host buffer of stride-spaced values, V_PTR: an inner map pointer. */
static void value_store(const bpfvm_map *m, helem *e, const void *value, enum vmode mode, uint32_t cpu,
                        bool fresh)
{
    const htab *h = H(m);
    uint8_t *v = evalue(h, e);
    if (mode == V_PTR) {
        __atomic_store_n((void **)v, (void *)value, __ATOMIC_RELEASE);
    } else if (!h->percpu) {
        map_copy_in(v, value, m->def.value_size);
    } else if (mode == V_ALL) {
        map_copy_in(v, value, (size_t)m->ncpus * m->value_stride);
    } else {
        if (fresh)
            map_zero(v, (size_t)m->ncpus * m->value_stride);
        map_copy_in(v + (size_t)cpu * m->value_stride, value, m->def.value_size);
    }
}

/* ---- update / delete ---------------------------------------------------------------- */

static uint32_t cpu_of(const bpfvm_map *m, uint32_t cpu)
{
    return LIKELY(cpu < m->ncpus) ? cpu : cpu % m->ncpus;
}

static int do_update(bpfvm_map *m, const void *key, const void *value, uint64_t flags, enum vmode mode,
                     uint32_t cpu)
{
    htab *h = H(m);
    if (flags > BPFVM_EXIST)
        return -EINVAL; /* unknown flags, or BPF_F_LOCK without a bpf_spin_lock */
    uint32_t hash = hash_key(h, key), b = hash & h->bmask;
    hbucket *bk = &h->buckets[b];
    uint32_t fresh = NONE;
    helem *e;
    map_lock(&bk->lock);
    for (;;) {
        find_locked(h, b, key, hash, &e);
        if (e) {
            if (flags == BPFVM_NOEXIST) {
                map_unlock(&bk->lock);
                if (fresh != NONE)
                    elem_free(h, fresh, b);
                return -EEXIST;
            }
            write_begin(e);
            value_store(m, e, value, mode, cpu, false);
            write_end(e);
            if (h->lru)
                __atomic_store_n(&e->ref, 1, __ATOMIC_RELAXED);
            map_unlock(&bk->lock);
            if (fresh != NONE)
                elem_free(h, fresh, b);
            return 0;
        }
        if (flags == BPFVM_EXIST) {
            map_unlock(&bk->lock);
            if (fresh != NONE)
                elem_free(h, fresh, b);
            return -ENOENT;
        }
        if (fresh != NONE)
            break;
        if (!h->lru) {
            fresh = elem_alloc(h, b); /* free lists are leaf locks */
            if (fresh == NONE) {
                map_unlock(&bk->lock);
                return -E2BIG;
            }
            break;
        }
        /* Eviction locks other buckets: allocate unlocked, then look again. */
        map_unlock(&bk->lock);
        fresh = lru_alloc(h, b);
        if (fresh == NONE)
            return -E2BIG;
        map_lock(&bk->lock);
    }
    e = elem(h, fresh);
    write_begin(e);
    __atomic_store_n(&e->hash, hash, __ATOMIC_RELEASE);
    key_store(h, e, key);
    value_store(m, e, value, mode, cpu, true);
    __atomic_store_n(&e->ref, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&e->live, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&e->next, bk->head, __ATOMIC_RELAXED);
    write_end(e);
    __atomic_store_n(&bk->head, fresh, __ATOMIC_RELEASE);
    map_unlock(&bk->lock);
    return 0;
}

static long htab_update(bpfvm_map *m, const void *key, const void *value, uint64_t flags, uint32_t cpu)
{
    if (m->def.flags & MAP_F_RDONLY_PROG)
        return -EPERM;
    return do_update(m, key, value, flags, V_ONE, cpu_of(m, cpu));
}

static int htab_host_update(bpfvm_map *m, const void *key, const void *value, uint64_t flags)
{
    return do_update(m, key, value, flags, V_ALL, 0);
}

static int of_maps_host_update(bpfvm_map *m, const void *key, const void *value, uint64_t flags)
{
    bpfvm_map *in;
    int rc = map_inner_from_id(m, value, &in);
    return rc ? rc : do_update(m, key, in, flags, V_PTR, 0);
}

static int htab_host_delete(bpfvm_map *m, const void *key);

static int of_maps_set_ptr(bpfvm_map *m, const void *key, void *ptr)
{
    if (!ptr) {
        int rc = htab_host_delete(m, key);
        return rc == -ENOENT ? 0 : rc;
    }
    return do_update(m, key, ptr, BPFVM_ANY, V_PTR, 0);
}

static int htab_host_delete(bpfvm_map *m, const void *key)
{
    htab *h = H(m);
    uint32_t hash = hash_key(h, key), b = hash & h->bmask;
    hbucket *bk = &h->buckets[b];
    helem *e;
    map_lock(&bk->lock);
    uint32_t *link = find_locked(h, b, key, hash, &e);
    if (!e) {
        map_unlock(&bk->lock);
        return -ENOENT;
    }
    uint32_t i = *link;
    __atomic_store_n(link, __atomic_load_n(&e->next, __ATOMIC_RELAXED), __ATOMIC_RELEASE);
    __atomic_store_n(&e->live, 0, __ATOMIC_RELAXED);
    map_unlock(&bk->lock);
    elem_free(h, i, b);
    return 0;
}

static long htab_delete(bpfvm_map *m, const void *key)
{
    if (m->def.flags & MAP_F_RDONLY_PROG)
        return -EPERM;
    return htab_host_delete(m, key);
}

/* ---- lookups ---------------------------------------------------------------------- */

static void *htab_lookup(bpfvm_map *m, const void *key, uint32_t cpu)
{
    const htab *h = H(m);
    helem *e = find(h, key, hash_key(h, key));
    if (!e)
        return NULL;
    uint8_t *v = evalue(h, e);
    if (h->percpu)
        v += (size_t)cpu_of(m, cpu) * m->value_stride;
    return v;
}

static void *lru_lookup(bpfvm_map *m, const void *key, uint32_t cpu)
{
    const htab *h = H(m);
    helem *e = find(h, key, hash_key(h, key));
    if (!e)
        return NULL;
    if (!__atomic_load_n(&e->ref, __ATOMIC_RELAXED))
        __atomic_store_n(&e->ref, 1, __ATOMIC_RELAXED);
    uint8_t *v = evalue(h, e);
    if (h->percpu)
        v += (size_t)cpu_of(m, cpu) * m->value_stride;
    return v;
}

static void *of_maps_lookup(bpfvm_map *m, const void *key, uint32_t cpu)
{
    (void)cpu;
    const htab *h = H(m);
    helem *e = find(h, key, hash_key(h, key));
    return e ? __atomic_load_n((void **)evalue(h, e), __ATOMIC_ACQUIRE) : NULL;
}

/* Copies what the host sees of e's value. */
static void value_load(const bpfvm_map *m, helem *e, void *out)
{
    const htab *h = H(m);
    if (h->of_maps) {
        const bpfvm_map *in = __atomic_load_n((void **)evalue(h, e), __ATOMIC_ACQUIRE);
        uint32_t id = in ? in->id : 0;
        memcpy(out, &id, 4);
    } else {
        map_copy_out(out, evalue(h, e), h->percpu ? (size_t)m->ncpus * m->value_stride : m->def.value_size);
    }
}

static int htab_host_lookup(bpfvm_map *m, const void *key, void *value)
{
    htab *h = H(m);
    uint32_t hash = hash_key(h, key);
    for (unsigned tries = 0; tries < RESTARTS; tries++) {
        helem *e = find(h, key, hash);
        if (!e)
            return -ENOENT;
        uint32_t s = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
        if (s & 1) {
            MAP_CPU_RELAX();
            continue;
        }
        if (!key_eq_o(h, e, key, __ATOMIC_ACQUIRE))
            continue; /* reused for another key after find() */
        value_load(m, e, value);
        if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) == s)
            return 0;
    }
    /* Heavily contended (or a program scribbled on seq): copy under the lock. */
    uint32_t b = hash & h->bmask;
    helem *e;
    map_lock(&h->buckets[b].lock);
    find_locked(h, b, key, hash, &e);
    if (e)
        value_load(m, e, value);
    map_unlock(&h->buckets[b].lock);
    return e ? 0 : -ENOENT;
}

static int htab_next_key(bpfvm_map *m, const void *key, void *next)
{
    htab *h = H(m);
    uint32_t b = 0;
    if (key) {
        uint32_t hash = hash_key(h, key), kb = hash & h->bmask;
        helem *e;
        map_lock(&h->buckets[kb].lock);
        find_locked(h, kb, key, hash, &e);
        if (e) {
            uint32_t r = e->next;
            if (!(r & NULLS) && r < h->nelems) {
                key_load(h, elem(h, r), next);
                map_unlock(&h->buckets[kb].lock);
                return 0;
            }
            b = kb + 1;
        } /* else a missing key restarts from the first key, as in Linux */
        map_unlock(&h->buckets[kb].lock);
    }
    for (; b <= h->bmask; b++) {
        if (__atomic_load_n(&h->buckets[b].head, __ATOMIC_RELAXED) & NULLS)
            continue;
        map_lock(&h->buckets[b].lock);
        uint32_t r = h->buckets[b].head;
        bool ok = !(r & NULLS) && r < h->nelems;
        if (ok)
            key_load(h, elem(h, r), next);
        map_unlock(&h->buckets[b].lock);
        if (ok)
            return 0;
    }
    return -ENOENT;
}

static size_t htab_regions(const bpfvm_map *m, bpfvm_region *out, size_t max)
{
    const htab *h = H(m);
    if (!max || h->of_maps)
        return 0;
    out[0] = (bpfvm_region){ (uint64_t)(uintptr_t)h->slab, h->slab_size, !(m->def.flags & MAP_F_RDONLY_PROG) };
    return 1;
}

/* ---- creation ---------------------------------------------------------------------- */

static bool is_lru(bpfvm_map_type t) { return t == BPFVM_MAP_LRU_HASH || t == BPFVM_MAP_LRU_PERCPU_HASH; }
static bool is_percpu(bpfvm_map_type t)
{
    return t == BPFVM_MAP_PERCPU_HASH || t == BPFVM_MAP_LRU_PERCPU_HASH;
}

static uint64_t pow2_at_least(uint64_t n)
{
    uint64_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

/* Linux htab_map_alloc_check, plus the bucket-count limit htab_map_alloc applies. */
static int htab_check(const bpfvm_map_def *d, char *why, size_t n)
{
    bool lru = is_lru(d->type), percpu = is_percpu(d->type);
    bool percpu_lru = d->flags & MAP_F_NO_COMMON_LRU, prealloc = !(d->flags & MAP_F_NO_PREALLOC);
    uint32_t allowed = MAP_F_NO_PREALLOC | MAP_F_NO_COMMON_LRU | MAP_F_NUMA_NODE | MAP_F_ACCESS_MASK |
                       MAP_F_ZERO_SEED;
    if (d->flags & ~allowed) {
        snprintf(why, n, "flags %#x are not valid for this map type", d->flags & ~allowed);
        return -EINVAL;
    }
    if (!lru && percpu_lru) {
        snprintf(why, n, "BPF_F_NO_COMMON_LRU is only for LRU maps");
        return -EINVAL;
    }
    if (lru && !prealloc) {
        snprintf(why, n, "LRU maps cannot be BPF_F_NO_PREALLOC");
        return -MAP_ENOTSUPP;
    }
    if ((d->flags & MAP_F_NUMA_NODE) && (percpu || percpu_lru)) {
        snprintf(why, n, "BPF_F_NUMA_NODE is not valid for per-CPU maps or lists");
        return -EINVAL;
    }
    if (d->max_entries == 0 || d->key_size == 0 || d->value_size == 0) {
        snprintf(why, n, "%s is 0", d->max_entries == 0 ? "max_entries" : d->key_size == 0 ? "key_size" : "value_size");
        return -EINVAL;
    }
    if ((uint64_t)d->key_size + d->value_size >= KMALLOC_MAX_SIZE - HTAB_ELEM_LINUX) {
        snprintf(why, n, "key_size + value_size = %llu bytes is too large",
                 (unsigned long long)d->key_size + d->value_size);
        return -E2BIG;
    }
    if (percpu && map_round8(d->value_size) > PCPU_MIN_UNIT_SIZE) {
        snprintf(why, n, "per-CPU value_size %u is above %u bytes", d->value_size, PCPU_MIN_UNIT_SIZE);
        return -E2BIG;
    }
    if (pow2_at_least(d->max_entries) > MAX_BUCKETS) {
        snprintf(why, n, "max_entries %u is too large (Linux: at most 2^27 for hash maps)", d->max_entries);
        return -E2BIG;
    }
    return 0;
}

static int of_maps_check(const bpfvm_map_def *d, char *why, size_t n)
{
    if (d->value_size != 4) {
        snprintf(why, n, "value_size is %u, must be 4 (an inner map reference)", d->value_size);
        return -EINVAL;
    }
    return htab_check(d, why, n);
}

static uint64_t make_seed(const bpfvm_map *m)
{
    uint64_t s = 0;
    if (m->def.flags & MAP_F_ZERO_SEED)
        return 0;
#ifdef __linux__
    if (getrandom(&s, sizeof s, GRND_NONBLOCK) == sizeof s)
        return s;
#endif
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return mum((uint64_t)ts.tv_nsec ^ P2, (uint64_t)(uintptr_t)m ^ (uint64_t)ts.tv_sec ^ P0);
}

static void htab_free(bpfvm_map *m)
{
    htab *h = H(m);
    if (!h)
        return;
    map_area_free(h->buckets, h->bsize);
    map_area_free(h->slab, h->slab_size);
    free(h->free_next);
    free(h);
}

static int htab_alloc(bpfvm_map *m, bpfvm_error *err)
{
    htab *h = aligned_alloc(64, sizeof(htab));
    if (!h)
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "map '%s': out of memory", m->name);
    memset(h, 0, sizeof *h);
    m->impl = h;
    h->lru = is_lru(m->def.type);
    h->percpu = is_percpu(m->def.type);
    h->of_maps = m->def.type == BPFVM_MAP_HASH_OF_MAPS;
    h->nelems = m->def.max_entries;
    h->ksize = m->def.key_size;
    h->voff = (uint32_t)sizeof(helem) + map_round8(h->ksize);
    h->vlen = h->of_maps ? 8 : h->percpu ? m->ncpus * m->value_stride : m->value_stride;
    h->esize = h->voff + h->vlen;
    h->seed = make_seed(m);
    uint64_t nb = pow2_at_least(h->nelems);
    h->bmask = (uint32_t)(nb - 1);
    h->bsize = (size_t)nb * sizeof(hbucket);
    for (int i = 0; i < NSHARD; i++)
        h->shards[i].head = NONE;
    if (__builtin_mul_overflow((size_t)h->nelems, (size_t)h->esize, &h->slab_size) ||
        !(h->buckets = map_area_alloc(h->bsize)) || !(h->slab = map_area_alloc(h->slab_size)) ||
        !(h->free_next = malloc((size_t)h->nelems * sizeof(uint32_t)))) {
        htab_free(m);
        m->impl = NULL;
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "map '%s': cannot allocate %u elements of %u bytes", m->name,
                          h->nelems, h->esize);
    }
    for (uint64_t b = 0; b < nb; b++)
        h->buckets[b].head = NULLS | (uint32_t)b;
    return 0;
}

#define HTAB_OPS(lookup_fn)                 \
    .check = htab_check,                    \
    .alloc = htab_alloc,                    \
    .free = htab_free,                      \
    .lookup = lookup_fn,                    \
    .update = htab_update,                  \
    .delete = htab_delete,                  \
    .host_delete = htab_host_delete,        \
    .host_lookup = htab_host_lookup,        \
    .host_update = htab_host_update,        \
    .next_key = htab_next_key,              \
    .regions = htab_regions

const map_ops map_hash_ops = { HTAB_OPS(htab_lookup) };
const map_ops map_percpu_hash_ops = { HTAB_OPS(htab_lookup) };
const map_ops map_lru_hash_ops = { HTAB_OPS(lru_lookup) };
const map_ops map_lru_percpu_hash_ops = { HTAB_OPS(lru_lookup) };

const map_ops map_hash_of_maps_ops = {
    .check = of_maps_check,
    .alloc = htab_alloc,
    .free = htab_free,
    .lookup = of_maps_lookup,
    .delete = htab_delete,
    .host_delete = htab_host_delete,
    .host_lookup = htab_host_lookup,
    .host_update = of_maps_host_update,
    .next_key = htab_next_key,
    .set_ptr = of_maps_set_ptr,
    .regions = htab_regions,
};
