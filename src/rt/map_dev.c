/* map_dev.c — array maps whose entries name something outside the program: the
 * redirect targets of bpf_redirect_map (DEVMAP: interfaces, CPUMAP: CPUs, XSKMAP:
 * AF_XDP sockets) and the perf buffers of bpf_perf_event_output
 * (PERF_EVENT_ARRAY). bpfvm has no devices, sockets or perf events: an entry keeps
 * what the host stored (an ifindex, a queue size, a socket's queue id, a CPU), so
 * that programs get Linux's results (which keys redirect, which outputs succeed)
 * and test-run can say where a packet went. DEVMAP_HASH lives in map_hash.c.
 * Invariants: one 8-byte word per entry, { first field, second field }, replaced
 * whole with one atomic store, so programs and the host never see half an update;
 * an entry is empty when its word is 0 (DEVMAP: ifindex 0, CPUMAP: qsize 0; XSKMAP
 * and PERF_EVENT_ARRAY keep a presence bit in the upper half). Programs cannot
 * write these maps: lookups that hand out an entry point into read-only memory.
 */
#include "rt/map.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define CPUMAP_MAX_ENTRIES 4096u  /* Linux: NR_CPUS, a build option */
#define CPUMAP_MAX_QSIZE 16384u   /* Linux's sanity limit on a CPU's queue */
#define MAP_F_PRESERVE_ELEMS (1u << 11)
#define PRESENT (1ull << 32)      /* XSKMAP / PERF_EVENT_ARRAY: the entry is set */

typedef struct dev_impl {
    uint64_t *e;  /* max_entries words */
    size_t size;  /* bytes of e */
} dev_impl;

static uint64_t *ent(const bpfvm_map *m, uint32_t i) { return &((dev_impl *)m->impl)->e[i]; }
static uint64_t get(const bpfvm_map *m, uint32_t i) { return __atomic_load_n(ent(m, i), __ATOMIC_ACQUIRE); }
static void put(bpfvm_map *m, uint32_t i, uint64_t v) { __atomic_store_n(ent(m, i), v, __ATOMIC_RELEASE); }

static uint32_t idx_of(const void *key)
{
    uint32_t i;
    memcpy(&i, key, 4);
    return i;
}

static bool present(const bpfvm_map *m, uint64_t w)
{
    switch (m->def.type) {
    case BPFVM_MAP_DEVMAP:
    case BPFVM_MAP_CPUMAP:
        return (uint32_t)w != 0;
    default:
        return (w & PRESENT) != 0;
    }
}

/* ---- definition checks (Linux dev_map_init_map, cpu_map_alloc, xsk_map_alloc,
 * fd_array_map_alloc_check) ---- */

static int check(const bpfvm_map_def *d, char *why, size_t n)
{
    uint32_t flags = MAP_F_NUMA_NODE | MAP_F_RDONLY | MAP_F_WRONLY;
    bool v48 = false;
    const char *what = "";
    switch (d->type) {
    case BPFVM_MAP_DEVMAP:
        v48 = true, what = "a devmap";
        break;
    case BPFVM_MAP_CPUMAP:
        v48 = true, what = "a cpumap", flags = MAP_F_NUMA_NODE;
        break;
    case BPFVM_MAP_XSKMAP:
        what = "an xskmap";
        break;
    default:
        what = "a perf_event_array", flags |= MAP_F_PRESERVE_ELEMS;
        break;
    }
    bool vs_ok = d->value_size == 4 || (v48 && d->value_size == 8);
    if (d->max_entries == 0 || d->key_size != 4 || !vs_ok) {
        snprintf(why, n, "%s needs max_entries > 0, key_size 4 and value_size %s", what, v48 ? "4 or 8" : "4");
        return -EINVAL;
    }
    if (d->flags & ~flags) {
        snprintf(why, n, "flags %#x are not valid for %s", d->flags & ~flags, what);
        return -EINVAL;
    }
    if (d->type == BPFVM_MAP_CPUMAP && d->max_entries > CPUMAP_MAX_ENTRIES) {
        snprintf(why, n, "a cpumap has at most %u entries (Linux: NR_CPUS)", CPUMAP_MAX_ENTRIES);
        return -E2BIG;
    }
    return 0;
}

/* ---- storage ---------------------------------------------------------------------------- */

static int alloc(bpfvm_map *m, bpfvm_error *err)
{
    uint64_t bytes = map_mul(m->def.max_entries, 8);
    int rc = map_charge(m, bytes, err);
    if (rc)
        return rc;
    dev_impl *d = calloc(1, sizeof *d);
    if (!d || !(d->e = map_area_alloc((size_t)bytes))) {
        free(d);
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "map '%s': cannot allocate %u entries", m->name,
                          m->def.max_entries);
    }
    d->size = (size_t)bytes;
    m->impl = d;
    if (m->def.type == BPFVM_MAP_DEVMAP)
        m->def.flags |= MAP_F_RDONLY_PROG; /* as Linux: lookups return the entry itself */
    return 0;
}

static void dev_free(bpfvm_map *m)
{
    dev_impl *d = m->impl;
    if (!d)
        return;
    map_area_free(d->e, d->size);
    free(d);
}

static size_t regions(const bpfvm_map *m, bpfvm_region *out, size_t max)
{
    const dev_impl *d = m->impl;
    if (!max || (m->def.type != BPFVM_MAP_DEVMAP && m->def.type != BPFVM_MAP_XSKMAP))
        return 0;
    out[0] = (bpfvm_region){ (uint64_t)(uintptr_t)d->e, d->size, false };
    return 1;
}

/* ---- program side -------------------------------------------------------------------- */

/* DEVMAP: struct bpf_devmap_val; XSKMAP: the socket (struct bpf_xdp_sock, whose
 * queue_id is the value the host stored). Linux's verifier refuses lookups in
 * cpumaps and perf event arrays. */
static void *lookup(bpfvm_map *m, const void *key, uint32_t cpu)
{
    (void)cpu;
    uint32_t i = idx_of(key);
    if (i >= m->def.max_entries || (m->def.type != BPFVM_MAP_DEVMAP && m->def.type != BPFVM_MAP_XSKMAP))
        return NULL;
    return present(m, get(m, i)) ? ent(m, i) : NULL;
}

static bool redirect(bpfvm_map *m, uint32_t key, uint32_t *ifindex)
{
    if (key >= m->def.max_entries)
        return false;
    uint64_t w = get(m, key);
    if (!present(m, w))
        return false;
    *ifindex = m->def.type == BPFVM_MAP_DEVMAP ? (uint32_t)w : 0;
    return true;
}

int64_t map_perf_entry(bpfvm_map *m, uint32_t index)
{
    if (index >= m->def.max_entries)
        return -E2BIG;
    uint64_t w = get(m, index);
    return present(m, w) ? (int64_t)(uint32_t)w : -ENOENT;
}

/* ---- host side ------------------------------------------------------------------------- */

int map_devmap_value(const bpfvm_map *m, const void *value, uint32_t stored[2], bool hash)
{
    uint32_t v[2] = { 0, 0 };
    memcpy(v, value, m->def.value_size >= 8 ? 8 : 4);
    int32_t fd = (int32_t)v[1];
    /* Linux: ifindex 0 clears an array entry (and may not come with a program);
     * a hash entry needs a device. A program fd must name a devmap program, and
     * bpfvm runs none on redirect. */
    if ((hash && v[0] == 0) || fd > 0)
        return -EINVAL;
    stored[0] = v[0];
    stored[1] = 0; /* the attached program's id */
    return 0;
}

static int host_update(bpfvm_map *m, const void *key, const void *value, uint64_t flags)
{
    uint32_t i = idx_of(key), v[2] = { 0, 0 };
    memcpy(v, value, m->def.value_size);
    switch (m->def.type) {
    case BPFVM_MAP_PERF_EVENT_ARRAY:
        if (flags != BPFVM_ANY)
            return -EINVAL;
        if (i >= m->def.max_entries)
            return -E2BIG;
        put(m, i, PRESENT | v[0]);
        return 0;
    case BPFVM_MAP_XSKMAP: {
        if (flags > BPFVM_EXIST)
            return -EINVAL;
        if (i >= m->def.max_entries)
            return -E2BIG;
        uint64_t old = get(m, i); /* Linux compares under a lock; updates here are the host's */
        if ((old & PRESENT) && flags == BPFVM_NOEXIST)
            return -EEXIST;
        if (!(old & PRESENT) && flags == BPFVM_EXIST)
            return -ENOENT;
        put(m, i, PRESENT | v[0]);
        return 0;
    }
    case BPFVM_MAP_DEVMAP: {
        if (flags > BPFVM_EXIST)
            return -EINVAL;
        if (i >= m->def.max_entries)
            return -E2BIG;
        if (flags == BPFVM_NOEXIST)
            return -EEXIST; /* every entry exists, as in an array */
        uint32_t s[2];
        int rc = map_devmap_value(m, value, s, false);
        if (rc)
            return rc;
        put(m, i, (uint64_t)s[1] << 32 | s[0]);
        return 0;
    }
    default: /* CPUMAP: struct bpf_cpumap_val { qsize, program fd } */
        if (flags > BPFVM_EXIST)
            return -EINVAL;
        if (i >= m->def.max_entries)
            return -E2BIG;
        if (flags == BPFVM_NOEXIST)
            return -EEXIST;
        if (v[0] > CPUMAP_MAX_QSIZE)
            return -EOVERFLOW;
        if (i >= m->vm->ncpus)
            return -ENODEV; /* not a possible CPU */
        if (v[0] && m->def.value_size == 8 && (int32_t)v[1] > 0)
            return -ENOMEM; /* no program runs on a CPU's queue here; Linux's errno for an fd
                             * that is not a cpumap program */
        put(m, i, v[0]);
        return 0;
    }
}

static int host_lookup(bpfvm_map *m, const void *key, void *value)
{
    uint32_t i = idx_of(key);
    if (m->def.type == BPFVM_MAP_XSKMAP)
        return -EOPNOTSUPP; /* Linux: sockets are not read back */
    if (m->def.type == BPFVM_MAP_PERF_EVENT_ARRAY)
        return -MAP_ENOTSUPP;
    if (i >= m->def.max_entries)
        return -ENOENT;
    uint64_t w = get(m, i);
    if (!present(m, w))
        return -ENOENT;
    memcpy(value, &w, m->def.value_size); /* { ifindex or qsize, program id 0 } */
    return 0;
}

static int host_delete(bpfvm_map *m, const void *key)
{
    uint32_t i = idx_of(key);
    if (m->def.type == BPFVM_MAP_PERF_EVENT_ARRAY) {
        if (i >= m->def.max_entries)
            return -E2BIG;
        return __atomic_exchange_n(ent(m, i), 0, __ATOMIC_ACQ_REL) ? 0 : -ENOENT;
    }
    if (i >= m->def.max_entries)
        return -EINVAL;
    put(m, i, 0);
    return 0;
}

#define DEV_OPS                       \
    .check = check,                   \
    .alloc = alloc,                   \
    .free = dev_free,                 \
    .lookup = lookup,                 \
    .host_lookup = host_lookup,       \
    .host_update = host_update,       \
    .host_delete = host_delete,       \
    .next_key = map_index_next_key,   \
    .regions = regions

const map_ops map_devmap_ops = { DEV_OPS, .redirect = redirect,
                                 .redirect_flags = REDIR_F_BROADCAST | REDIR_F_EXCLUDE_INGRESS };
const map_ops map_cpumap_ops = { DEV_OPS, .redirect = redirect };
const map_ops map_xskmap_ops = { DEV_OPS, .redirect = redirect };
const map_ops map_perf_event_array_ops = { DEV_OPS };
