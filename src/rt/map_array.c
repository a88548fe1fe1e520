/* map_array.c — array-indexed maps: ARRAY and PERCPU_ARRAY (values in one zeroed
 * area, value_size rounded up to 8 apart; per-CPU: CPU-major, so one CPU's values
 * are contiguous and CPUs do not share cache lines), PROG_ARRAY and ARRAY_OF_MAPS
 * (slots holding a bpfvm_prog* / bpfvm_map*, swapped atomically).
 * Invariants: elements always exist (no delete; NOEXIST fails), the value area never
 * moves, and the key is a 4-byte index (keys may be unaligned: copied, not cast).
 */
#include "rt/map.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#define PCPU_MIN_UNIT_SIZE (32u << 10) /* Linux's bound on one per-CPU value */

typedef struct array_impl {
    uint8_t *vals;   /* ARRAY / PERCPU_ARRAY values */
    size_t size;     /* bytes of vals */
    void **slots;    /* PROG_ARRAY / ARRAY_OF_MAPS */
} array_impl;

static uint32_t idx_of(const void *key)
{
    uint32_t i;
    memcpy(&i, key, 4);
    return i;
}

static array_impl *A(const bpfvm_map *m) { return m->impl; }

/* ---- definition checks (Linux array_map_alloc_check, fd_array_map_alloc_check) ---- */

static int check_common(const bpfvm_map_def *d, char *why, size_t n)
{
    bool percpu = d->type == BPFVM_MAP_PERCPU_ARRAY;
    uint32_t allowed = MAP_F_NUMA_NODE | MAP_F_ACCESS_MASK;
    if (d->type == BPFVM_MAP_ARRAY)
        allowed |= MAP_F_MMAPABLE | MAP_F_INNER_MAP;
    if (d->max_entries == 0) {
        snprintf(why, n, "max_entries is 0");
        return -EINVAL;
    }
    if (d->key_size != 4) {
        snprintf(why, n, "key_size is %u, an array index must be 4 bytes", d->key_size);
        return -EINVAL;
    }
    if (d->value_size == 0) {
        snprintf(why, n, "value_size is 0");
        return -EINVAL;
    }
    if (d->flags & ~allowed) {
        snprintf(why, n, "flags %#x are not valid for this map type", d->flags & ~allowed);
        return -EINVAL;
    }
    if (d->value_size > INT_MAX) {
        snprintf(why, n, "value_size %u is too large", d->value_size);
        return -E2BIG;
    }
    if (percpu && map_round8(d->value_size) > PCPU_MIN_UNIT_SIZE) {
        snprintf(why, n, "per-CPU value_size %u is above %u bytes", d->value_size, PCPU_MIN_UNIT_SIZE);
        return -E2BIG;
    }
    return 0;
}

static int check_fd_array(const bpfvm_map_def *d, char *why, size_t n)
{
    if (d->value_size != 4) {
        snprintf(why, n, "value_size is %u, must be 4 (a program or map reference)", d->value_size);
        return -EINVAL;
    }
    if (d->flags & (MAP_F_RDONLY_PROG | MAP_F_WRONLY_PROG)) {
        snprintf(why, n, "BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG are not supported for this map type");
        return -EINVAL;
    }
    return check_common(d, why, n);
}

/* ---- storage ---------------------------------------------------------------------- */

static int array_alloc(bpfvm_map *m, bpfvm_error *err)
{
    uint64_t bytes = map_mul(map_mul(m->value_stride, m->ncpus), m->def.max_entries);
    int rc = map_charge(m, bytes, err);
    if (rc)
        return rc;
    array_impl *a = calloc(1, sizeof *a);
    if (!a)
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "map '%s': out of memory", m->name);
    size_t size = (size_t)bytes;
    if (!(a->vals = map_area_alloc(size))) {
        free(a);
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "map '%s': cannot allocate %u values of %u bytes", m->name,
                          m->def.max_entries, m->value_stride * m->ncpus);
    }
    a->size = size;
    m->impl = a;
    return 0;
}

static int slots_alloc(bpfvm_map *m, bpfvm_error *err)
{
    int rc = map_charge(m, map_mul(m->def.max_entries, sizeof(void *)), err);
    if (rc)
        return rc;
    array_impl *a = calloc(1, sizeof *a);
    if (!a || !(a->slots = calloc(m->def.max_entries, sizeof(void *)))) {
        free(a);
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "map '%s': cannot allocate %u slots", m->name,
                          m->def.max_entries);
    }
    m->impl = a;
    return 0;
}

static void array_free(bpfvm_map *m)
{
    array_impl *a = A(m);
    if (!a)
        return;
    map_area_free(a->vals, a->size);
    free(a->slots);
    free(a);
}

/* Value of element i for CPU cpu (0 for plain arrays). */
static uint8_t *val(const bpfvm_map *m, uint32_t i, uint32_t cpu)
{
    return A(m)->vals + ((size_t)cpu * m->def.max_entries + i) * m->value_stride;
}

static uint32_t cpu_of(const bpfvm_map *m, uint32_t cpu)
{
    return LIKELY(cpu < m->ncpus) ? cpu : cpu % m->ncpus;
}

/* ---- ARRAY / PERCPU_ARRAY ------------------------------------------------------------ */

static void *array_lookup(bpfvm_map *m, const void *key, uint32_t cpu)
{
    uint32_t i = idx_of(key);
    if (UNLIKELY(i >= m->def.max_entries))
        return NULL;
    return val(m, i, cpu_of(m, cpu));
}

static int update_flags(const bpfvm_map *m, uint32_t i, uint64_t flags)
{
    if ((flags & ~(uint64_t)MAP_F_LOCK) > BPFVM_EXIST)
        return -EINVAL;
    if (i >= m->def.max_entries)
        return -E2BIG; /* all elements exist: nothing can be inserted */
    if (flags & BPFVM_NOEXIST)
        return -EEXIST;
    if (flags & MAP_F_LOCK)
        return -EINVAL; /* no bpf_spin_lock in bpfvm values */
    return 0;
}

static long array_update(bpfvm_map *m, const void *key, const void *value, uint64_t flags, uint32_t cpu)
{
    uint32_t i = idx_of(key);
    int rc = update_flags(m, i, flags);
    if (rc)
        return rc;
    if (m->def.flags & MAP_F_RDONLY_PROG)
        return -EPERM;
    map_copy_in(val(m, i, cpu_of(m, cpu)), value, m->def.value_size);
    return 0;
}

static long array_delete(bpfvm_map *m, const void *key)
{
    (void)m, (void)key;
    return -EINVAL;
}

static int array_host_lookup(bpfvm_map *m, const void *key, void *value)
{
    uint32_t i = idx_of(key);
    if (i >= m->def.max_entries)
        return -ENOENT;
    if (m->def.type == BPFVM_MAP_ARRAY) {
        map_copy_out(value, val(m, i, 0), m->def.value_size);
        return 0;
    }
    for (uint32_t c = 0; c < m->ncpus; c++)
        map_copy_out((uint8_t *)value + (size_t)c * m->value_stride, val(m, i, c), m->value_stride);
    return 0;
}

static int array_host_update(bpfvm_map *m, const void *key, const void *value, uint64_t flags)
{
    uint32_t i = idx_of(key);
    int rc = update_flags(m, i, flags);
    if (rc)
        return rc;
    if (m->def.type == BPFVM_MAP_ARRAY) {
        map_copy_in(val(m, i, 0), value, m->def.value_size);
        return 0;
    }
    for (uint32_t c = 0; c < m->ncpus; c++)
        map_copy_in(val(m, i, c), (const uint8_t *)value + (size_t)c * m->value_stride, m->value_stride);
    return 0;
}

static size_t array_regions(const bpfvm_map *m, bpfvm_region *out, size_t max)
{
    if (!max)
        return 0;
    out[0] = (bpfvm_region){ (uint64_t)(uintptr_t)A(m)->vals, A(m)->size,
                             !(m->def.flags & MAP_F_RDONLY_PROG) };
    return 1;
}

const map_ops map_array_ops = {
    .check = check_common,
    .alloc = array_alloc,
    .free = array_free,
    .lookup = array_lookup,
    .update = array_update,
    .delete = array_delete,
    .host_lookup = array_host_lookup,
    .host_update = array_host_update,
    .next_key = map_index_next_key,
    .regions = array_regions,
};

const map_ops map_percpu_array_ops = {
    .check = check_common,
    .alloc = array_alloc,
    .free = array_free,
    .lookup = array_lookup,
    .update = array_update,
    .delete = array_delete,
    .host_lookup = array_host_lookup,
    .host_update = array_host_update,
    .next_key = map_index_next_key,
    .regions = array_regions,
};

/* ---- PROG_ARRAY / ARRAY_OF_MAPS ---------------------------------------------------------- */

static void *slot_get(const bpfvm_map *m, uint32_t i)
{
    return __atomic_load_n(&A(m)->slots[i], __ATOMIC_ACQUIRE);
}

static void *prog_array_lookup(bpfvm_map *m, const void *key, uint32_t cpu)
{
    (void)m, (void)key, (void)cpu;
    return NULL; /* programs reach prog arrays only through bpf_tail_call */
}

static void *array_of_maps_lookup(bpfvm_map *m, const void *key, uint32_t cpu)
{
    (void)cpu;
    uint32_t i = idx_of(key);
    return i < m->def.max_entries ? slot_get(m, i) : NULL;
}

static long slots_delete(bpfvm_map *m, const void *key)
{
    uint32_t i = idx_of(key);
    if (i >= m->def.max_entries)
        return -E2BIG;
    return __atomic_exchange_n(&A(m)->slots[i], NULL, __ATOMIC_ACQ_REL) ? 0 : -ENOENT;
}

static int slots_set(bpfvm_map *m, const void *key, void *p)
{
    uint32_t i = idx_of(key);
    if (i >= m->def.max_entries)
        return -E2BIG;
    __atomic_store_n(&A(m)->slots[i], p, __ATOMIC_RELEASE);
    return 0;
}

static int prog_array_host_lookup(bpfvm_map *m, const void *key, void *value)
{
    (void)value;
    uint32_t i = idx_of(key);
    if (i >= m->def.max_entries || !slot_get(m, i))
        return -ENOENT;
    return -EOPNOTSUPP; /* Linux returns a program id; bpfvm programs have none */
}

static int prog_array_host_update(bpfvm_map *m, const void *key, const void *value, uint64_t flags)
{
    (void)value;
    if (flags != BPFVM_ANY)
        return -EINVAL;
    if (idx_of(key) >= m->def.max_entries)
        return -E2BIG;
    return -EOPNOTSUPP; /* Linux takes a program fd; bpfvm: bpfvm_map_set_prog */
}

static int array_of_maps_host_lookup(bpfvm_map *m, const void *key, void *value)
{
    uint32_t i = idx_of(key);
    bpfvm_map *in = i < m->def.max_entries ? slot_get(m, i) : NULL;
    if (!in)
        return -ENOENT;
    memcpy(value, &in->id, 4); /* Linux gives the inner map's id */
    return 0;
}

static int array_of_maps_host_update(bpfvm_map *m, const void *key, const void *value, uint64_t flags)
{
    if (flags != BPFVM_ANY)
        return -EINVAL;
    if (idx_of(key) >= m->def.max_entries)
        return -E2BIG;
    bpfvm_map *in;
    int rc = map_inner_from_id(m, value, &in);
    return rc ? rc : slots_set(m, key, in);
}

bpfvm_prog *map_prog_at(bpfvm_map *m, uint32_t index)
{
    if (!m || m->def.type != BPFVM_MAP_PROG_ARRAY || index >= m->def.max_entries)
        return NULL;
    return slot_get(m, index);
}

static size_t no_regions(const bpfvm_map *m, bpfvm_region *out, size_t max)
{
    (void)m, (void)out, (void)max;
    return 0;
}

const map_ops map_prog_array_ops = {
    .check = check_fd_array,
    .alloc = slots_alloc,
    .free = array_free,
    .lookup = prog_array_lookup,
    .delete = slots_delete,
    .host_lookup = prog_array_host_lookup,
    .host_update = prog_array_host_update,
    .next_key = map_index_next_key,
    .set_ptr = slots_set,
    .regions = no_regions,
};

const map_ops map_array_of_maps_ops = {
    .check = check_fd_array,
    .alloc = slots_alloc,
    .free = array_free,
    .lookup = array_of_maps_lookup,
    .delete = slots_delete,
    .host_lookup = array_of_maps_host_lookup,
    .host_update = array_of_maps_host_update,
    .next_key = map_index_next_key,
    .set_ptr = slots_set,
    .regions = no_regions,
};
