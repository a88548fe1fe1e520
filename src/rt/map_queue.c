/* map_queue.c — QUEUE (FIFO) and STACK (LIFO) maps, as Linux's queue_stack_maps.c:
 * a ring of max_entries + 1 value slots under one spin lock, values copied in and
 * out (programs never get pointers into it, so it reports no regions).
 * Invariants: head == tail means empty; head + 1 == tail (mod size) means full;
 * push with BPF_EXIST on a full map drops the oldest value (the tail) to make room.
 */
#include "rt/map.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define KMALLOC_MAX_SIZE (4u << 20)

typedef struct qstack {
    uint32_t lock;
    uint32_t head, tail, size;
    bool stack;
    uint8_t *elems; /* size * value_size bytes */
} qstack;

static qstack *Q(const bpfvm_map *m) { return m->impl; }

static int qs_check(const bpfvm_map_def *d, char *why, size_t n)
{
    if (d->max_entries == 0 || d->key_size != 0 || d->value_size == 0) {
        snprintf(why, n, "%s", d->key_size ? "key_size must be 0 (queues and stacks have no keys)"
                               : d->max_entries == 0 ? "max_entries is 0" : "value_size is 0");
        return -EINVAL;
    }
    if (d->flags & ~(MAP_F_NUMA_NODE | MAP_F_ACCESS_MASK)) {
        snprintf(why, n, "flags %#x are not valid for this map type", d->flags & ~(MAP_F_NUMA_NODE | MAP_F_ACCESS_MASK));
        return -EINVAL;
    }
    if (d->value_size > KMALLOC_MAX_SIZE) {
        snprintf(why, n, "value_size %u is too large", d->value_size);
        return -E2BIG;
    }
    return 0;
}

static int qs_alloc(bpfvm_map *m, bpfvm_error *err)
{
    int rc = map_charge(m, map_mul((uint64_t)m->def.max_entries + 1, m->def.value_size), err);
    if (rc)
        return rc;
    qstack *q = calloc(1, sizeof *q);
    size_t bytes = 0;
    if (!q || m->def.max_entries == UINT32_MAX ||
        __builtin_mul_overflow((size_t)m->def.max_entries + 1, (size_t)m->def.value_size, &bytes) ||
        !(q->elems = malloc(bytes))) {
        free(q);
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "map '%s': cannot allocate %u values of %u bytes", m->name,
                          m->def.max_entries, m->def.value_size);
    }
    q->size = m->def.max_entries + 1;
    q->stack = m->def.type == BPFVM_MAP_STACK;
    m->impl = q;
    return 0;
}

static void qs_free(bpfvm_map *m)
{
    qstack *q = Q(m);
    if (q)
        free(q->elems);
    free(q);
}

static uint8_t *slot(const bpfvm_map *m, uint32_t i) { return Q(m)->elems + (size_t)i * m->def.value_size; }

static long qs_push(bpfvm_map *m, const void *value, uint64_t flags)
{
    qstack *q = Q(m);
    if ((flags & BPFVM_NOEXIST) || flags > BPFVM_EXIST)
        return -EINVAL;
    map_lock(&q->lock);
    uint32_t next = q->head + 1 >= q->size ? 0 : q->head + 1;
    if (next == q->tail) { /* full */
        if (!(flags & BPFVM_EXIST)) {
            map_unlock(&q->lock);
            return -E2BIG;
        }
        q->tail = q->tail + 1 >= q->size ? 0 : q->tail + 1;
    }
    memcpy(slot(m, q->head), value, m->def.value_size);
    q->head = next;
    map_unlock(&q->lock);
    return 0;
}

/* Programs get a zeroed value from an empty map (Linux helpers); bpf(2) leaves the
 * caller's buffer alone. */
static long qs_get(bpfvm_map *m, void *value, bool remove, bool zero_if_empty)
{
    qstack *q = Q(m);
    map_lock(&q->lock);
    if (q->head == q->tail) {
        map_unlock(&q->lock);
        if (zero_if_empty)
            memset(value, 0, m->def.value_size);
        return -ENOENT;
    }
    uint32_t i;
    if (q->stack) {
        i = q->head ? q->head - 1 : q->size - 1;
        if (remove)
            q->head = i;
    } else {
        i = q->tail;
        if (remove)
            q->tail = q->tail + 1 >= q->size ? 0 : q->tail + 1;
    }
    memcpy(value, slot(m, i), m->def.value_size);
    map_unlock(&q->lock);
    return 0;
}

static long qs_pop(bpfvm_map *m, void *value) { return qs_get(m, value, true, true); }
static long qs_peek(bpfvm_map *m, void *value) { return qs_get(m, value, false, true); }
static int qs_host_pop(bpfvm_map *m, void *value) { return (int)qs_get(m, value, true, false); }

static void *qs_lookup(bpfvm_map *m, const void *key, uint32_t cpu)
{
    (void)m, (void)key, (void)cpu;
    return NULL;
}

static long qs_update(bpfvm_map *m, const void *key, const void *value, uint64_t flags, uint32_t cpu)
{
    (void)m, (void)key, (void)value, (void)flags, (void)cpu;
    return -EINVAL; /* programs use bpf_map_push_elem */
}

static long qs_delete(bpfvm_map *m, const void *key)
{
    (void)m, (void)key;
    return -EINVAL;
}

/* The host's lookup is a peek and its update a push (bpf(2) does the same). */
static int qs_host_lookup(bpfvm_map *m, const void *key, void *value)
{
    (void)key;
    return (int)qs_get(m, value, false, false);
}

static int qs_host_update(bpfvm_map *m, const void *key, const void *value, uint64_t flags)
{
    (void)key;
    return (int)qs_push(m, value, flags);
}

static int qs_next_key(bpfvm_map *m, const void *key, void *next)
{
    (void)m, (void)key, (void)next;
    return -EINVAL;
}

static size_t qs_regions(const bpfvm_map *m, bpfvm_region *out, size_t max)
{
    (void)m, (void)out, (void)max;
    return 0;
}

#define QS_OPS                       \
    .check = qs_check,               \
    .alloc = qs_alloc,               \
    .free = qs_free,                 \
    .lookup = qs_lookup,             \
    .update = qs_update,             \
    .delete = qs_delete,             \
    .push = qs_push,                 \
    .pop = qs_pop,                   \
    .peek = qs_peek,                 \
    .host_lookup = qs_host_lookup,   \
    .host_pop = qs_host_pop,         \
    .host_update = qs_host_update,   \
    .next_key = qs_next_key,         \
    .regions = qs_regions

const map_ops map_queue_ops = { QS_OPS };
const map_ops map_stack_ops = { QS_OPS };
