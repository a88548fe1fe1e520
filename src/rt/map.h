/* map.h — the internal shape of maps: one ops table per map type, implemented in
 * map_<kind>.c, and the VM-wide registry in map.c. Programs reach maps through the
 * helpers (src/rt/helpers.c), hosts through bpfvm_map_* in bpfvm.h.
 * Invariants: value memory that programs can touch lies in the regions the map
 * reports (for checked mode), is 8-byte aligned, and never moves while the map lives.
 * Map memory is shared with programs that write it without locks, so the runtime
 * itself only touches it with atomic accesses (map_copy_in/out below: plain moves
 * on x86-64), which keeps host copies race-free for ThreadSanitizer too.
 */
#ifndef BPFVM_MAP_H
#define BPFVM_MAP_H

#include "rt/vm.h"

#include <sched.h>
#include <string.h>

#define MAP_MAX_REGIONS 4

/* Linux map_flags bits (bpfvm.h exposes the common ones as BPFVM_F_*). */
#define MAP_F_NO_PREALLOC   (1u << 0)
#define MAP_F_NO_COMMON_LRU (1u << 1)
#define MAP_F_NUMA_NODE     (1u << 2)
#define MAP_F_RDONLY        (1u << 3)  /* host may not write */
#define MAP_F_WRONLY        (1u << 4)  /* host may not read */
#define MAP_F_ZERO_SEED     (1u << 6)
#define MAP_F_RDONLY_PROG   (1u << 7)
#define MAP_F_WRONLY_PROG   (1u << 8)
#define MAP_F_MMAPABLE      (1u << 10)
#define MAP_F_INNER_MAP     (1u << 12)
#define MAP_F_ACCESS_MASK (MAP_F_RDONLY | MAP_F_WRONLY | MAP_F_RDONLY_PROG | MAP_F_WRONLY_PROG)

/* Linux's kernel-internal ENOTSUPP, which bpf(2) passes on (ring buffer element
 * commands, LRU with BPF_F_NO_PREALLOC, prog arrays as inner maps). */
#define MAP_ENOTSUPP 524

/* bpf_redirect_map flags for devmaps (Linux uapi). */
#define REDIR_F_BROADCAST       (1u << 3)
#define REDIR_F_EXCLUDE_INGRESS (1u << 4)

/* Element update flags beyond BPFVM_ANY/NOEXIST/EXIST (bpf_spin_lock: unsupported). */
#define MAP_F_LOCK 4u

/* Ring buffer constants (Linux uapi). */
#define RB_BUSY_BIT     (1u << 31)
#define RB_DISCARD_BIT  (1u << 30)
#define RB_HDR_SZ       8u
#define RB_NO_WAKEUP    1u
#define RB_FORCE_WAKEUP 2u
#define RB_AVAIL_DATA   0u
#define RB_RING_SIZE    1u
#define RB_CONS_POS     2u
#define RB_PROD_POS     3u

typedef struct map_ops {
    /* Type-specific checks of a definition, as Linux's map_alloc_check: 0 or the
     * -errno the kernel gives, with the reason in why. */
    int (*check)(const bpfvm_map_def *def, char *why, size_t n);
    /* Allocates the map's storage for m->def; m->ncpus is set. */
    int (*alloc)(bpfvm_map *m, bpfvm_error *err);
    void (*free)(bpfvm_map *m);

    /* ---- program side (helpers): Linux semantics, may run on many threads ---- */
    /* Pointer to the value for key (CPU cpu's for per-CPU maps; a cpu >= ncpus
     * wraps around) or NULL. For map-in-map the "value" is the inner bpfvm_map*,
     * for prog arrays, queues, stacks and ring buffers NULL. */
    void *(*lookup)(bpfvm_map *m, const void *key, uint32_t cpu);
    /* 0 or -errno. value is one value (this CPU's slot for per-CPU maps). update
     * and delete refuse BPF_F_RDONLY_PROG maps with -EPERM (Linux refuses such
     * programs at load). */
    long (*update)(bpfvm_map *m, const void *key, const void *value, uint64_t flags, uint32_t cpu);
    long (*delete)(bpfvm_map *m, const void *key);
    long (*push)(bpfvm_map *m, const void *value, uint64_t flags);
    long (*pop)(bpfvm_map *m, void *value);
    long (*peek)(bpfvm_map *m, void *value);

    /* ---- host side ---- */
    int (*host_lookup)(bpfvm_map *m, const void *key, void *value); /* all CPUs */
    int (*host_update)(bpfvm_map *m, const void *key, const void *value, uint64_t flags);
    int (*next_key)(bpfvm_map *m, const void *key, void *next);
    /* Optional host variants: delete without the program-side BPF_F_RDONLY_PROG
     * refusal; pop leaving value untouched when empty (programs get zeros). */
    int (*host_delete)(bpfvm_map *m, const void *key);
    int (*host_pop)(bpfvm_map *m, void *value);
    /* Prog arrays and map-in-map: store a bpfvm_prog* / bpfvm_map* (already
     * checked by the caller), NULL clears. */
    int (*set_ptr)(bpfvm_map *m, const void *key, void *ptr);

    /* Memory programs may access through pointers this map hands out. Returns how
     * many regions were written (at most max, which is MAP_MAX_REGIONS). */
    size_t (*regions)(const bpfvm_map *m, bpfvm_region *out, size_t max);

    /* ---- redirect targets (bpf_redirect_map): devmap, devmap_hash, cpumap, xskmap ---- */
    /* True when key names a target; *ifindex: the devmap entry's interface (else key). */
    bool (*redirect)(bpfvm_map *m, uint32_t key, uint32_t *ifindex);
    uint64_t redirect_flags; /* flags accepted besides the fallback action bits */
} map_ops;

struct bpfvm_map {
    const map_ops *ops;
    bpfvm_vm *vm;
    uint32_t id;
    bpfvm_map_def def;       /* def.name points at name[] */
    char name[64];
    uint32_t ncpus;          /* per-CPU maps: number of value copies (1 for others) */
    uint64_t charged;        /* bytes counted against the VM's map memory limit */
    uint32_t value_stride;   /* value_size rounded up to 8 (per-CPU value spacing) */
    void *impl;              /* the type's own state */
    /* BTF description of key and value (set by the ELF loader, may be 0): used
     * to print contents as their C types. */
    const void *btf;
    uint32_t btf_key_type, btf_value_type;
};

/* The ops table of a map type, or NULL if bpfvm does not implement it. */
const map_ops *map_ops_for(bpfvm_map_type type);
extern const map_ops map_array_ops, map_percpu_array_ops, map_prog_array_ops,
    map_array_of_maps_ops, map_hash_ops, map_percpu_hash_ops, map_lru_hash_ops,
    map_lru_percpu_hash_ops, map_hash_of_maps_ops, map_queue_ops, map_stack_ops,
    map_ringbuf_ops, map_perf_event_array_ops, map_devmap_ops, map_devmap_hash_ops,
    map_cpumap_ops, map_xskmap_ops;

/* Counts bytes of storage against the VM's map memory limit before a map type
 * allocates them (called from ops->alloc, with the VM's lock held). bytes is
 * UINT64_MAX when the size overflowed. 0, or BPFVM_E_NOMEM naming the map. */
int map_charge(bpfvm_map *m, uint64_t bytes, bpfvm_error *err);
/* next_key of maps indexed by a u32 below max_entries (arrays, devmaps, cpumaps,
 * xskmaps, perf event arrays): Linux's order, a missing or NULL key gives 0. */
int map_index_next_key(bpfvm_map *m, const void *key, void *next);
/* a * b, or UINT64_MAX when it overflows (for map_charge). */
static inline uint64_t map_mul(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}
static inline uint64_t map_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Devmaps (array and hash): checks a host update's value (struct bpf_devmap_val
 * of value_size 4 or 8 bytes) and gives what is stored: { ifindex, prog id 0 }.
 * 0 or the -errno Linux gives (-EINVAL: ifindex 0 in a devmap_hash, or a program fd). */
int map_devmap_value(const bpfvm_map *m, const void *value, uint32_t stored[2], bool hash);

/* Perf event arrays (program side): the CPU stored at index, or -ENOENT / -E2BIG. */
int64_t map_perf_entry(bpfvm_map *m, uint32_t index);

/* A map of a type bpfvm does not implement, so that an ELF object declaring one
 * still loads and lists: it holds nothing, every host operation fails with
 * -EOPNOTSUPP, and a program that refers to it cannot run (vm.c resolve). */
int map_create_placeholder(bpfvm_vm *vm, const bpfvm_map_def *def, bpfvm_map **out, bpfvm_error *err);
bool map_is_placeholder(const bpfvm_map *m);

/* The whole of Linux's creation-time validation of def (generic and type rules,
 * map-in-map template): 0 or the -errno bpf(BPF_MAP_CREATE) gives, reason in why. */
int map_def_check(const bpfvm_map_def *def, char *why, size_t n);

/* Map-in-map: may `inner` be stored in a map created with template `tmpl`
 * (Linux bpf_map_meta_equal / array_map_meta_equal)? */
bool map_inner_fits(const bpfvm_map *tmpl, const bpfvm_map *inner);
/* Map-in-map host update: the 4-byte value is an inner map id (Linux: an fd). */
int map_inner_from_id(bpfvm_map *outer, const void *value, bpfvm_map **inner);

/* Ring buffer (program side). reserve returns a pointer to size bytes or NULL. */
void *map_ringbuf_reserve(bpfvm_map *m, uint64_t size, uint64_t flags);
void map_ringbuf_commit(bpfvm_map *m, void *sample, bool discard);
long map_ringbuf_output(bpfvm_map *m, const void *data, uint64_t size, uint64_t flags);
uint64_t map_ringbuf_query(bpfvm_map *m, uint64_t flags);

/* Prog array (tail calls): the program at index, or NULL. */
bpfvm_prog *map_prog_at(bpfvm_map *m, uint32_t index);

/* Frees every map of the VM (bpfvm_vm_free). */
void vm_free_maps(bpfvm_vm *vm);

/* True when p is a map of this VM (checked-mode validation of map arguments).
 * Never dereferences p: it is compared against the registry's pointer set. */
bool vm_is_map(const bpfvm_vm *vm, const void *p);

/* ---- shared by the map kinds ------------------------------------------------ */

/* Zeroed storage that never moves, 64-byte aligned; large areas are mmap'ed with
 * transparent huge pages (random access to big hash maps is TLB-bound otherwise).
 * NULL when out of memory (or size is 0). */
void *map_area_alloc(size_t size);
void map_area_free(void *p, size_t size);

static inline uint32_t map_round8(uint32_t n) { return (n + 7u) & ~7u; }

/* Copies n bytes out of map memory (8-aligned) into private memory. Loads are
 * acquire (plain moves on x86-64) so a seqcount re-read after the copy cannot move
 * before it. */
static inline void map_copy_out(void *dst, const void *map_src, size_t n)
{
    const uint64_t *s = map_src;
    uint8_t *d = dst;
    for (; n >= 8; n -= 8, d += 8, s++) {
        uint64_t w = __atomic_load_n(s, __ATOMIC_ACQUIRE);
        memcpy(d, &w, 8);
    }
    for (const uint8_t *b = (const uint8_t *)s; n; n--)
        *d++ = __atomic_load_n(b++, __ATOMIC_ACQUIRE);
}

/* Copies n bytes of private memory into map memory (8-aligned). Stores are release
 * (plain moves on x86-64): they cannot move before a seqcount's odd store. */
static inline void map_copy_in(void *map_dst, const void *src, size_t n)
{
    uint64_t *d = map_dst;
    const uint8_t *s = src;
    for (; n >= 8; n -= 8, s += 8, d++) {
        uint64_t w;
        memcpy(&w, s, 8);
        __atomic_store_n(d, w, __ATOMIC_RELEASE);
    }
    for (uint8_t *b = (uint8_t *)d; n; n--)
        __atomic_store_n(b++, *s++, __ATOMIC_RELEASE);
}

/* Zeroes n bytes (a multiple of 8) of map memory. */
static inline void map_zero(void *map_dst, size_t n)
{
    uint64_t *d = map_dst;
    for (; n >= 8; n -= 8)
        __atomic_store_n(d++, 0, __ATOMIC_RELEASE);
}

#if defined(__x86_64__) || defined(__i386__)
#define MAP_CPU_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define MAP_CPU_RELAX() __asm__ __volatile__("yield")
#else
#define MAP_CPU_RELAX() ((void)0)
#endif

/* A 4-byte spin lock for short critical sections (hash buckets, free lists, ring
 * buffer producers). Yields when the holder seems preempted: threads may outnumber
 * CPUs. */
static inline void map_lock(uint32_t *l)
{
    for (unsigned spins = 0;;) {
        if (!__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
            return;
        while (__atomic_load_n(l, __ATOMIC_RELAXED)) {
            if (++spins < 128)
                MAP_CPU_RELAX();
            else
                sched_yield();
        }
    }
}

static inline void map_unlock(uint32_t *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }

#endif
