/* map_hash.c — hash maps: HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, HASH_OF_MAPS.
 * Open addressing with linear probing over one preallocated slab of slots (a power
 * of 2, 1.5 to 3 times max_entries): each slot holds an 8-byte header, the key
 * (zero-padded to 8) and the value(s), so a lookup usually costs one cache miss, a
 * value never moves while its key lives, and every value pointer given to programs
 * lies in one region. Deleting leaves a tombstone; tombstones that end a probe run
 * are swept back to empty, with every writer lock held, when they fill half of the
 * spare slots.
 * Writers lock the segment (64 slots) of the key's home slot, so all writers of one
 * key are serialized; writers of different segments whose runs overlap claim free
 * slots with a compare-and-swap. Readers take no lock: a slot becomes LIVE with a
 * release store after its key and value are written. As in Linux's preallocated
 * maps, a deleted slot may be reused under a reader; host copies detect it with a
 * per-slot sequence count (odd while the slot is written) and retry.
 * LRU maps evict with a CLOCK hand over the slots: an insert sets age 1, a use age 2,
 * the hand decrements and evicts at 0, so used and new keys outlive unused ones.
 * Invariants: a live key lies in the probe run that starts at its home slot, with no
 * EMPTY slot between; count (live + claimed slots) <= max_entries; every loop over
 * slots is bounded, because in checked mode a program may write anywhere in the
 * slab, headers included (it can then lose its own keys, never memory safety).
 */
#include "rt/map.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

enum { S_EMPTY = 0, S_LIVE = 1, S_TOMB = 2, S_BUSY = 3 };

#define NONE UINT32_MAX
#define SEG_SHIFT 6                /* 64 slots per writer lock */
#define PCPU_MIN_UNIT_SIZE (32u << 10)
#define KMALLOC_MAX_SIZE (4u << 20)
#define HTAB_ELEM_LINUX 48u        /* sizeof(struct htab_elem) on x86-64 */
#define MAX_BUCKETS (UINT32_MAX / 16) /* Linux: n_buckets * sizeof(struct bucket) < 4 GiB */
#define RETRIES 64                 /* seqcount retries before copying under the lock */

typedef struct hslot {
    uint32_t hash;
    uint8_t state;  /* S_* */
    uint8_t age;    /* LRU: 2 used, 1 inserted, 0 evictable */
    uint16_t seq;   /* even: stable; odd: key/value being written */
    uint64_t key[]; /* key (zero-padded to 8), then the value area */
} hslot;

typedef struct htab {
    uint8_t *slab;
    uint32_t mask;        /* slots - 1 */
    uint32_t esize;       /* bytes per slot */
    uint32_t ksize;
    uint32_t voff;        /* offset of the value area in a slot */
    uint32_t vlen;        /* bytes of the value area */
    uint32_t max;         /* max_entries */
    uint64_t seed;
    size_t slab_size;
    bool lru, percpu, of_maps;
    uint32_t *locks;      /* one per segment, outside the program-visible slab */
    uint32_t nlocks;
    uint32_t count;       /* atomic: LIVE + BUSY slots */
    uint32_t tombs;       /* atomic: TOMB slots */
    uint32_t sweep_at;    /* atomic: sweep when tombs exceeds this */
    uint32_t sweep_slack; /* tombstones allowed on top of those a sweep leaves */
    uint64_t hand;        /* atomic: LRU clock hand */
} htab;

static htab *H(const bpfvm_map *m) { return m->impl; }

static hslot *slot(const htab *h, uint32_t i) { return (hslot *)(h->slab + (size_t)i * h->esize); }

static uint8_t *svalue(const htab *h, hslot *s) { return (uint8_t *)s + h->voff; }

static uint8_t st_load(const hslot *s) { return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE); }

static uint32_t *seg_lock(const htab *h, uint32_t home) { return &h->locks[home >> SEG_SHIFT]; }

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
static inline bool key_eq_o(const htab *h, const hslot *s, const void *key, int order)
{
    const uint64_t *k = s->key;
    const uint8_t *u = key;
    size_t n = h->ksize;
    if (n == 16) /* the common case, unrolled */
        return __atomic_load_n(&k[0], order) == rd64(u) && __atomic_load_n(&k[1], order) == rd64(u + 8);
    for (; n >= 8; n -= 8, u += 8, k++)
        if (__atomic_load_n(k, order) != rd64(u))
            return false;
    if (n) {
        uint64_t w = 0;
        memcpy(&w, u, n);
        return __atomic_load_n(k, order) == w;
    }
    return true;
}

static inline bool key_eq(const htab *h, const hslot *s, const void *key)
{
    return key_eq_o(h, s, key, __ATOMIC_RELAXED);
}

/* Stores a key zero-padded to whole words, so key_eq can compare words. */
static void key_store(const htab *h, hslot *s, const void *key)
{
    uint64_t *k = s->key;
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

/* ---- slot write protocol (seqcount) ----
 * Writer (segment lock held, or sole owner of a BUSY slot): seq odd, then the
 * key/value stores, which are release so none moves before the odd seq, then seq
 * even with release. Reader: seq (acquire), the copy with acquire loads, seq again;
 * a changed or odd seq means retry. No fences, so ThreadSanitizer follows it. */

static void write_begin(hslot *s)
{
    __atomic_store_n(&s->seq, (uint16_t)(__atomic_load_n(&s->seq, __ATOMIC_RELAXED) | 1u), __ATOMIC_RELAXED);
}

static void write_end(hslot *s)
{
    uint16_t q = (uint16_t)((__atomic_load_n(&s->seq, __ATOMIC_RELAXED) | 1u) + 1u);
    __atomic_store_n(&s->seq, q, __ATOMIC_RELEASE);
}

/* ---- probing ------------------------------------------------------------------------ */

/* Lock-free: the LIVE slot holding key, or NULL. The map's fields are copied to
 * locals: the acquire loads would otherwise make the compiler reload them. */
static inline hslot *find(const htab *h, const void *key, uint32_t hash)
{
    uint8_t *const slab = h->slab;
    const uint32_t mask = h->mask, esize = h->esize;
    uint32_t i = hash & mask;
    for (uint32_t n = 0; n <= mask; n++, i = (i + 1) & mask) {
        hslot *s = (hslot *)(slab + (size_t)i * esize);
        uint8_t st = st_load(s);
        if (LIKELY(st == S_LIVE)) {
            if (__atomic_load_n(&s->hash, __ATOMIC_RELAXED) == hash && key_eq(h, s, key))
                return s;
        } else if (st == S_EMPTY) {
            return NULL;
        }
    }
    return NULL;
}

/* find() for 16-byte keys (flows, IPv6 addresses): the hash and the probe loop with
 * the key in registers, few instructions, so more lookups overlap their misses. */
static inline __attribute__((always_inline)) hslot *find16(const htab *h, const void *key)
{
    const uint64_t k0 = rd64(key), k1 = rd64((const uint8_t *)key + 8);
    uint64_t x = mum(P1 ^ 16, mum(k0 ^ P1, k1 ^ h->seed));
    const uint32_t hash = (uint32_t)(x ^ (x >> 32));
    uint8_t *const slab = h->slab;
    const uint32_t mask = h->mask, esize = h->esize;
    uint32_t i = hash & mask;
    for (uint32_t n = 0; n <= mask; n++, i = (i + 1) & mask) {
        hslot *s = (hslot *)(slab + (size_t)i * esize);
        uint8_t st = st_load(s);
        if (LIKELY(st == S_LIVE)) {
            if (__atomic_load_n(&s->hash, __ATOMIC_RELAXED) == hash &&
                __atomic_load_n(&s->key[0], __ATOMIC_RELAXED) == k0 &&
                __atomic_load_n(&s->key[1], __ATOMIC_RELAXED) == k1)
                return s;
        } else if (st == S_EMPTY) {
            return NULL;
        }
    }
    return NULL;
}

static inline hslot *find_key(const htab *h, const void *key)
{
    return LIKELY(h->ksize == 16) ? find16(h, key) : find(h, key, hash_key(h, key));
}

/* With the home segment locked: the slot of key (*found) or, if absent, the first
 * free slot of its run (*free, NONE if the table has none) and its state. */
static void scan_locked(const htab *h, const void *key, uint32_t hash, uint32_t *found, uint32_t *free,
                        uint8_t *free_state)
{
    *found = *free = NONE;
    uint32_t i = hash & h->mask;
    for (uint32_t n = 0; n <= h->mask; n++, i = (i + 1) & h->mask) {
        hslot *s = slot(h, i);
        uint8_t st = st_load(s);
        if (st == S_LIVE) {
            if (__atomic_load_n(&s->hash, __ATOMIC_RELAXED) == hash && key_eq(h, s, key)) {
                *found = i;
                return;
            }
        } else if (st == S_EMPTY || st == S_TOMB) {
            if (*free == NONE) {
                *free = i;
                *free_state = st;
            }
            if (st == S_EMPTY)
                return;
        }
    }
}

/* ---- capacity ------------------------------------------------------------------------ */

static bool count_reserve(htab *h)
{
    uint32_t c = __atomic_load_n(&h->count, __ATOMIC_RELAXED);
    do {
        if (c >= h->max)
            return false;
    } while (!__atomic_compare_exchange_n(&h->count, &c, c + 1, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    return true;
}

static void count_release(htab *h) { __atomic_fetch_sub(&h->count, 1, __ATOMIC_RELAXED); }

/* Turns tombstones that end a probe run back into EMPTY slots (scanning backwards
 * from an EMPTY slot, a tombstone followed by EMPTY ends a run). Takes every writer
 * lock, so no slot is being claimed; lock-free readers are unaffected, since no live
 * key's run passes through a tombstone that is followed by an EMPTY slot. */
static void sweep(htab *h)
{
    for (uint32_t l = 0; l < h->nlocks; l++)
        map_lock(&h->locks[l]);
    uint32_t z = NONE;
    for (uint32_t i = 0; i <= h->mask; i++)
        if (st_load(slot(h, i)) == S_EMPTY) {
            z = i;
            break;
        }
    if (z != NONE) {
        for (uint32_t k = 1; k <= h->mask; k++) {
            uint32_t i = (z - k) & h->mask;
            hslot *s = slot(h, i);
            if (st_load(s) == S_TOMB && st_load(slot(h, (i + 1) & h->mask)) == S_EMPTY) {
                __atomic_store_n(&s->state, S_EMPTY, __ATOMIC_RELEASE);
                __atomic_fetch_sub(&h->tombs, 1, __ATOMIC_RELAXED);
            }
        }
    }
    /* tombstones inside runs stay until inserts reuse them */
    __atomic_store_n(&h->sweep_at, __atomic_load_n(&h->tombs, __ATOMIC_RELAXED) + h->sweep_slack,
                     __ATOMIC_RELAXED);
    for (uint32_t l = h->nlocks; l-- > 0;)
        map_unlock(&h->locks[l]);
}

/* After a delete (no lock held). */
static void tomb_added(htab *h)
{
    if (__atomic_add_fetch(&h->tombs, 1, __ATOMIC_RELAXED) > __atomic_load_n(&h->sweep_at, __ATOMIC_RELAXED))
        sweep(h);
}

/* LRU: evicts one key (no lock held). False if the hand found nothing to evict. */
static bool lru_evict(htab *h)
{
    uint64_t limit = 4ull * (h->mask + 1) + 64;
    for (uint64_t n = 0; n < limit; n++) {
        uint32_t i = (uint32_t)__atomic_fetch_add(&h->hand, 1, __ATOMIC_RELAXED) & h->mask;
        hslot *s = slot(h, i);
        if (st_load(s) != S_LIVE)
            continue;
        uint8_t age = __atomic_load_n(&s->age, __ATOMIC_RELAXED);
        if (age) {
            __atomic_store_n(&s->age, (uint8_t)(age > 2 ? 1 : age - 1), __ATOMIC_RELAXED);
            continue;
        }
        uint32_t hash = __atomic_load_n(&s->hash, __ATOMIC_RELAXED);
        uint32_t *l = seg_lock(h, hash & h->mask);
        map_lock(l);
        /* Still live, and still a key of the segment we hold? Then it is ours to take. */
        bool ok = st_load(s) == S_LIVE && ((__atomic_load_n(&s->hash, __ATOMIC_RELAXED) ^ hash) & h->mask) == 0;
        if (ok) {
            __atomic_store_n(&s->state, S_TOMB, __ATOMIC_RELEASE);
            count_release(h);
        }
        map_unlock(l);
        if (ok) {
            tomb_added(h);
            return true;
        }
    }
    return false;
}

/* ---- values ---------------------------------------------------------------------- */

enum vmode { V_ONE, V_ALL, V_PTR };

/* Writes a value into s (write_begin/end around it by the caller). V_ONE: one CPU's
 * value of value_size bytes (other CPUs zeroed when fresh), V_ALL: every CPU's value
 * from a host buffer of stride-spaced values, V_PTR: an inner map pointer. */
static void value_store(const bpfvm_map *m, hslot *s, const void *value, enum vmode mode, uint32_t cpu,
                        bool fresh)
{
    const htab *h = H(m);
    uint8_t *v = svalue(h, s);
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
    uint32_t hash = hash_key(h, key);
    uint32_t *lock = seg_lock(h, hash & h->mask);
    for (unsigned attempt = 0;; attempt++) {
        uint32_t found, free;
        uint8_t free_state = S_EMPTY;
        map_lock(lock);
        scan_locked(h, key, hash, &found, &free, &free_state);
        if (found != NONE) {
            if (flags == BPFVM_NOEXIST) {
                map_unlock(lock);
                return -EEXIST;
            }
            hslot *s = slot(h, found);
            write_begin(s);
            value_store(m, s, value, mode, cpu, false);
            write_end(s);
            if (h->lru && __atomic_load_n(&s->age, __ATOMIC_RELAXED) != 2)
                __atomic_store_n(&s->age, 2, __ATOMIC_RELAXED);
            map_unlock(lock);
            return 0;
        }
        if (flags == BPFVM_EXIST) {
            map_unlock(lock);
            return -ENOENT;
        }
        if (free == NONE) { /* no free slot at all: only if a program wrecked the slab */
            map_unlock(lock);
            return -E2BIG;
        }
        if (!count_reserve(h)) {
            map_unlock(lock);
            if (!h->lru || attempt > 1000 || !lru_evict(h))
                return -E2BIG;
            continue;
        }
        hslot *s = slot(h, free);
        /* A writer of another segment whose run crosses ours may claim it first. */
        if (!__atomic_compare_exchange_n(&s->state, &free_state, S_BUSY, false, __ATOMIC_ACQUIRE,
                                         __ATOMIC_RELAXED)) {
            count_release(h);
            map_unlock(lock);
            continue;
        }
        if (free_state == S_TOMB)
            __atomic_fetch_sub(&h->tombs, 1, __ATOMIC_RELAXED);
        write_begin(s);
        __atomic_store_n(&s->hash, hash, __ATOMIC_RELEASE);
        key_store(h, s, key);
        value_store(m, s, value, mode, cpu, true);
        __atomic_store_n(&s->age, 1, __ATOMIC_RELAXED);
        write_end(s);
        __atomic_store_n(&s->state, S_LIVE, __ATOMIC_RELEASE);
        map_unlock(lock);
        return 0;
    }
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

static int htab_host_delete(bpfvm_map *m, const void *key)
{
    htab *h = H(m);
    uint32_t hash = hash_key(h, key), found, free;
    uint8_t fs;
    uint32_t *lock = seg_lock(h, hash & h->mask);
    map_lock(lock);
    scan_locked(h, key, hash, &found, &free, &fs);
    if (found == NONE) {
        map_unlock(lock);
        return -ENOENT;
    }
    __atomic_store_n(&slot(h, found)->state, S_TOMB, __ATOMIC_RELEASE);
    count_release(h);
    map_unlock(lock);
    tomb_added(h);
    return 0;
}

static long htab_delete(bpfvm_map *m, const void *key)
{
    if (m->def.flags & MAP_F_RDONLY_PROG)
        return -EPERM;
    return htab_host_delete(m, key);
}

static int of_maps_set_ptr(bpfvm_map *m, const void *key, void *ptr)
{
    if (!ptr) {
        int rc = htab_host_delete(m, key);
        return rc == -ENOENT ? 0 : rc;
    }
    return do_update(m, key, ptr, BPFVM_ANY, V_PTR, 0);
}

/* ---- lookups ---------------------------------------------------------------------- */

static void *htab_lookup(bpfvm_map *m, const void *key, uint32_t cpu)
{
    const htab *h = H(m);
    hslot *s = find_key(h, key);
    if (!s)
        return NULL;
    uint8_t *v = svalue(h, s);
    if (h->percpu)
        v += (size_t)cpu_of(m, cpu) * m->value_stride;
    return v;
}

static void *lru_lookup(bpfvm_map *m, const void *key, uint32_t cpu)
{
    const htab *h = H(m);
    hslot *s = find_key(h, key);
    if (!s)
        return NULL;
    if (__atomic_load_n(&s->age, __ATOMIC_RELAXED) != 2) /* write only when it changes */
        __atomic_store_n(&s->age, 2, __ATOMIC_RELAXED);
    uint8_t *v = svalue(h, s);
    if (h->percpu)
        v += (size_t)cpu_of(m, cpu) * m->value_stride;
    return v;
}

static void *of_maps_lookup(bpfvm_map *m, const void *key, uint32_t cpu)
{
    (void)cpu;
    const htab *h = H(m);
    hslot *s = find(h, key, hash_key(h, key));
    return s ? __atomic_load_n((void **)svalue(h, s), __ATOMIC_ACQUIRE) : NULL;
}

/* Copies what the host sees of s's value. */
static void value_load(const bpfvm_map *m, hslot *s, void *out)
{
    const htab *h = H(m);
    if (h->of_maps) {
        const bpfvm_map *in = __atomic_load_n((void **)svalue(h, s), __ATOMIC_ACQUIRE);
        uint32_t id = in ? in->id : 0;
        memcpy(out, &id, 4);
    } else {
        map_copy_out(out, svalue(h, s), h->percpu ? (size_t)m->ncpus * m->value_stride : m->def.value_size);
    }
}

static int htab_host_lookup(bpfvm_map *m, const void *key, void *value)
{
    htab *h = H(m);
    uint32_t hash = hash_key(h, key);
    for (unsigned tries = 0; tries < RETRIES; tries++) {
        hslot *s = find(h, key, hash);
        if (!s)
            return -ENOENT;
        uint16_t q = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
        if (q & 1) {
            MAP_CPU_RELAX();
            continue;
        }
        if (st_load(s) != S_LIVE || !key_eq_o(h, s, key, __ATOMIC_ACQUIRE))
            continue; /* deleted, or reused for another key, after find() */
        value_load(m, s, value);
        if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) == q)
            return 0;
    }
    /* Heavily contended (or a program scribbled on seq): copy under the lock. */
    uint32_t found, free;
    uint8_t fs;
    uint32_t *lock = seg_lock(h, hash & h->mask);
    map_lock(lock);
    scan_locked(h, key, hash, &found, &free, &fs);
    if (found != NONE)
        value_load(m, slot(h, found), value);
    map_unlock(lock);
    return found != NONE ? 0 : -ENOENT;
}

/* Copies the key of slot i if it is LIVE (consistently: seqcount). */
static bool key_copy(const htab *h, uint32_t i, void *out)
{
    hslot *s = slot(h, i);
    for (unsigned tries = 0; tries < RETRIES; tries++) {
        uint16_t q = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
        if (st_load(s) != S_LIVE)
            return false;
        if (q & 1)
            continue;
        map_copy_out(out, s->key, h->ksize);
        if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) == q)
            return st_load(s) == S_LIVE;
    }
    return false;
}

/* ---- iteration ----------------------------------------------------------------------
 * Keys come in the order (home slot, hash, key bytes): a function of the contents
 * and the seed alone, whatever order the keys were inserted or deleted in (slot
 * order is not: two keys with the same home slot sit in insertion order).
 * get_next_key(K) scans from K's home slot: the slots from a home slot H up to the
 * next EMPTY slot hold every key whose home lies in that stretch (a key's probe run
 * from its home has no EMPTY slot), so the first stretch that holds a key ordered
 * after K gives the answer; later stretches only hold keys with later homes.
 * Candidates are checked as lookups would find them (stored hash = hash of the
 * key, home inside the stretch): a slot a program scribbled on in checked mode is
 * skipped, and since every answer is findable and ordered after the previous one,
 * a host loop over next_key always ends. */

static int key_order(const htab *h, uint32_t ha, const void *ka, uint32_t hb, const void *kb)
{
    uint32_t a = ha & h->mask, b = hb & h->mask;
    if (a != b)
        return a < b ? -1 : 1;
    if (ha != hb)
        return ha < hb ? -1 : 1;
    return memcmp(ka, kb, h->ksize);
}

static int htab_next_key(bpfvm_map *m, const void *key, void *next)
{
    htab *h = H(m);
    uint8_t *cur = malloc(2 * (size_t)map_round8(h->ksize));
    if (!cur)
        return -ENOMEM;
    uint8_t *best = cur + map_round8(h->ksize);
    bool after = key && find_key(h, key); /* a missing key restarts from the first key, as in Linux */
    uint32_t kh = after ? hash_key(h, key) : 0, bh = 0;
    bool found = false;
    const uint64_t nslots = (uint64_t)h->mask + 1;
    for (uint64_t H0 = after ? (kh & h->mask) : 0; H0 < nslots && !found;) {
        uint64_t d = 0;
        for (; d < nslots; d++) {
            uint32_t i = (uint32_t)((H0 + d) & h->mask);
            hslot *s = slot(h, i);
            uint8_t st = st_load(s);
            if (st == S_EMPTY)
                break;
            if (st != S_LIVE || !key_copy(h, i, cur))
                continue;
            uint32_t ch = hash_key(h, cur), home = ch & h->mask;
            if (home < H0 || home > H0 + d || __atomic_load_n(&s->hash, __ATOMIC_RELAXED) != ch)
                continue; /* an earlier stretch's key, or a slot lookups would not find */
            if (after && key_order(h, ch, cur, kh, key) <= 0)
                continue;
            if (found && key_order(h, ch, cur, bh, best) >= 0)
                continue;
            memcpy(best, cur, h->ksize);
            bh = ch;
            found = true;
        }
        H0 += d + 1;
    }
    if (found)
        memcpy(next, best, h->ksize);
    free(cur);
    return found ? 0 : -ENOENT;
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

/* The VM's seed (bpfvm_vm_set_seed, fixed by default), so that the same contents
 * give the same layout and iteration order on every run. Linux seeds every map
 * randomly instead; a host facing untrusted keys sets a random VM seed. */
static uint64_t make_seed(const bpfvm_map *m)
{
    if (m->def.flags & MAP_F_ZERO_SEED)
        return 0;
    return mum(m->vm->seed ^ P2, P0);
}

static void htab_free(bpfvm_map *m)
{
    htab *h = H(m);
    if (!h)
        return;
    map_area_free(h->slab, h->slab_size);
    free(h->locks);
    free(h);
    m->impl = NULL;
}

static int htab_alloc(bpfvm_map *m, bpfvm_error *err)
{
    /* Sizes first, all in 64 bits: nothing is allocated for a map that cannot be. */
    uint32_t ksize = m->def.key_size;
    bool of_maps = m->def.type == BPFVM_MAP_HASH_OF_MAPS, percpu = is_percpu(m->def.type);
    uint64_t voff = sizeof(hslot) + (uint64_t)map_round8(ksize);
    uint64_t vlen = of_maps ? 8 : percpu ? map_mul(m->ncpus, m->value_stride) : m->value_stride;
    uint64_t esize = map_add(voff, vlen);
    /* A power of 2 at least 1.5 times max_entries: the load factor stays between
     * 1/3 and 2/3, so probe runs stay short, without the 4x of "twice the next
     * power of 2" when max_entries is just above a power of 2. */
    uint64_t slots = pow2_at_least((uint64_t)m->def.max_entries + m->def.max_entries / 2 + 1);
    uint64_t nlocks = (slots + (1u << SEG_SHIFT) - 1) >> SEG_SHIFT;
    uint64_t slab = esize > UINT32_MAX ? UINT64_MAX : map_mul(slots, esize);
    int rc = map_charge(m, map_add(map_add(slab, map_mul(nlocks, sizeof(uint32_t))), sizeof(htab)), err);
    if (rc)
        return rc;
    htab *h = calloc(1, sizeof *h);
    if (!h)
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "map '%s': out of memory", m->name);
    m->impl = h;
    h->lru = is_lru(m->def.type);
    h->percpu = percpu;
    h->of_maps = of_maps;
    h->max = m->def.max_entries;
    h->ksize = ksize;
    h->voff = (uint32_t)voff;
    h->vlen = (uint32_t)vlen;
    h->esize = (uint32_t)esize;
    h->seed = make_seed(m);
    h->mask = (uint32_t)(slots - 1);
    h->nlocks = (uint32_t)nlocks;
    h->sweep_slack = (uint32_t)((slots - h->max) / 2);
    h->sweep_at = h->sweep_slack;
    h->slab_size = (size_t)slab;
    if (!(h->slab = map_area_alloc(h->slab_size)) || !(h->locks = calloc(h->nlocks, sizeof(uint32_t)))) {
        htab_free(m); /* h is gone from here on: the message uses the locals */
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "map '%s': cannot allocate %llu slots of %llu bytes", m->name,
                          (unsigned long long)slots, (unsigned long long)esize);
    }
    return 0;
}

/* ---- DEVMAP_HASH: a hash map of struct bpf_devmap_val, read-only for programs ---- */

static int devmap_hash_check(const bpfvm_map_def *d, char *why, size_t n)
{
    uint32_t allowed = MAP_F_NUMA_NODE | MAP_F_RDONLY | MAP_F_WRONLY;
    if (d->max_entries == 0 || d->key_size != 4 || (d->value_size != 4 && d->value_size != 8) ||
        (d->flags & ~allowed)) {
        snprintf(why, n, "a devmap_hash needs max_entries > 0, key_size 4, value_size 4 or 8 and no flags "
                 "besides BPF_F_NUMA_NODE, BPF_F_RDONLY, BPF_F_WRONLY");
        return -EINVAL;
    }
    if (d->max_entries > 1u << 31) {
        snprintf(why, n, "max_entries %u is above 2^31", d->max_entries);
        return -EINVAL;
    }
    if (pow2_at_least(d->max_entries) > MAX_BUCKETS) {
        snprintf(why, n, "max_entries %u is too large (bpfvm: at most 2^27 for hash maps)", d->max_entries);
        return -E2BIG;
    }
    return 0;
}

static int devmap_hash_alloc(bpfvm_map *m, bpfvm_error *err)
{
    m->def.flags |= MAP_F_RDONLY_PROG; /* as Linux: lookups return the entry itself */
    m->value_stride = 8;               /* { ifindex, prog id } whatever value_size says */
    return htab_alloc(m, err);
}

/* Linux __dev_map_hash_update_elem, checks in its order: BPF_EXIST inserts a
 * missing key (it is only BPF_NOEXIST that the kernel checks). */
static int devmap_hash_host_update(bpfvm_map *m, const void *key, const void *value, uint64_t flags)
{
    uint32_t v[2], ifindex;
    memcpy(&ifindex, value, 4);
    if (flags > BPFVM_EXIST || ifindex == 0)
        return -EINVAL;
    if (flags == BPFVM_NOEXIST && find(H(m), key, hash_key(H(m), key)))
        return -EEXIST; /* host updates of one map are not concurrent with each other here */
    int rc = map_devmap_value(m, value, v, true);
    return rc ? rc : do_update(m, key, v, flags == BPFVM_NOEXIST ? BPFVM_NOEXIST : BPFVM_ANY, V_ALL, 0);
}

static bool devmap_hash_redirect(bpfvm_map *m, uint32_t key, uint32_t *ifindex)
{
    const htab *h = H(m);
    uint64_t k[2] = { key, 0 }; /* key_size is 4; the padding keeps the compiler's bounds checks quiet */
    hslot *s = find(h, k, hash_key(h, k));
    if (!s)
        return false;
    memcpy(ifindex, svalue(h, s), 4);
    return true;
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

const map_ops map_devmap_hash_ops = {
    .check = devmap_hash_check,
    .alloc = devmap_hash_alloc,
    .free = htab_free,
    .lookup = htab_lookup,
    .host_lookup = htab_host_lookup,
    .host_update = devmap_hash_host_update,
    .host_delete = htab_host_delete,
    .next_key = htab_next_key,
    .regions = htab_regions,
    .redirect = devmap_hash_redirect,
    .redirect_flags = REDIR_F_BROADCAST | REDIR_F_EXCLUDE_INGRESS,
};

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
