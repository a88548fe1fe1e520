/* map.c — the VM's map registry and the host API of bpfvm.h: creation with Linux's
 * validation (map_def_check), lookup by id / name / index, the pointer set behind
 * vm_is_map, and the bpfvm_map_* functions that check permissions and dispatch to a
 * type's ops (map_<kind>.c).
 * Invariants: maps are only added (ids 1, 2, ... in creation order) and freed with
 * the VM; readers (by_id, at, vm_is_map) take no lock: a registry generation is
 * published with a release store after it is complete, and old generations stay
 * allocated until the VM is freed, so a concurrent reader never sees freed memory.
 */
#include "rt/map.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MAX_NCPUS 4096u

/* ---- storage ---------------------------------------------------------------------- */

#define AREA_MMAP_MIN (1u << 20)
#define HUGE_PAGE (2u << 20)

void *map_area_alloc(size_t size)
{
    if (size == 0 || size > SIZE_MAX - HUGE_PAGE)
        return NULL;
    if (size < AREA_MMAP_MIN) { /* malloc'ed: ASan sees overruns of small maps */
        void *p = aligned_alloc(64, (size + 63) & ~(size_t)63);
        if (p)
            memset(p, 0, size);
        return p;
    }
    /* Align to a huge page so the kernel can back the area with 2 MiB pages. */
    size_t len = (size + 4095) & ~(size_t)4095;
    uint8_t *raw = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    uint8_t *p = (uint8_t *)(((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (p > raw)
        munmap(raw, (size_t)(p - raw));
    size_t tail = (size_t)(raw + len + HUGE_PAGE - (p + len));
    if (tail)
        munmap(p + len, tail);
#ifdef MADV_HUGEPAGE
    madvise(p, len, MADV_HUGEPAGE);
#endif
    return p;
}

void map_area_free(void *p, size_t size)
{
    if (!p)
        return;
    if (size < AREA_MMAP_MIN)
        free(p);
    else
        munmap(p, (size + 4095) & ~(size_t)4095);
}

/* ---- registry -------------------------------------------------------------------
 * One generation: the id-indexed array (vm->maps points at maps[]) and an
 * open-addressed set of the same pointers for vm_is_map. */
typedef struct map_registry {
    struct map_registry *prev; /* older generation, still readable by racing readers */
    uint32_t cap;              /* slots in maps[] */
    uint32_t hmask;            /* set has hmask + 1 slots (a power of 2, >= 2 * cap) */
    bpfvm_map **set;
    bpfvm_map *maps[];
} map_registry;

static map_registry *reg_of(bpfvm_map **maps)
{
    return (map_registry *)((char *)maps - offsetof(map_registry, maps));
}

static uint32_t ptr_hash(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ull;
    return (uint32_t)(x >> 32);
}

static void set_insert(map_registry *r, bpfvm_map *m)
{
    uint32_t h = ptr_hash(m) & r->hmask;
    while (r->set[h])
        h = (h + 1) & r->hmask;
    __atomic_store_n(&r->set[h], m, __ATOMIC_RELEASE);
}

/* Makes room for one more map; called with vm->lock held. */
static int reg_grow(bpfvm_vm *vm)
{
    if (vm->maps && vm->nmaps < vm->capmaps)
        return 0;
    uint32_t cap = vm->capmaps ? vm->capmaps * 2 : 8;
    if (cap < vm->capmaps)
        return -1;
    uint32_t hsize = 1;
    while (hsize < 2 * cap)
        hsize *= 2;
    map_registry *r = calloc(1, sizeof *r + (size_t)cap * sizeof(bpfvm_map *) + (size_t)hsize * sizeof(bpfvm_map *));
    if (!r)
        return -1;
    r->cap = cap;
    r->hmask = hsize - 1;
    r->set = r->maps + cap;
    if (vm->maps) {
        r->prev = reg_of(vm->maps);
        for (uint32_t i = 0; i < vm->nmaps; i++) {
            r->maps[i] = vm->maps[i];
            set_insert(r, vm->maps[i]);
        }
    }
    __atomic_store_n(&vm->maps, r->maps, __ATOMIC_RELEASE);
    vm->capmaps = cap;
    return 0;
}

void vm_free_maps(bpfvm_vm *vm)
{
    if (!vm->maps)
        return;
    for (uint32_t i = 0; i < vm->nmaps; i++) {
        bpfvm_map *m = vm->maps[i];
        m->ops->free(m);
        free(m);
    }
    for (map_registry *r = reg_of(vm->maps), *prev; r; r = prev) {
        prev = r->prev;
        free(r);
    }
    vm->maps = NULL;
    vm->nmaps = vm->capmaps = 0;
}

bool vm_is_map(const bpfvm_vm *vm, const void *p)
{
    if (!vm || !p || ((uintptr_t)p & 7))
        return false;
    if (!__atomic_load_n(&vm->nmaps, __ATOMIC_ACQUIRE))
        return false;
    const map_registry *r = reg_of(__atomic_load_n(&vm->maps, __ATOMIC_ACQUIRE));
    for (uint32_t h = ptr_hash(p) & r->hmask;; h = (h + 1) & r->hmask) {
        const bpfvm_map *s = __atomic_load_n(&r->set[h], __ATOMIC_ACQUIRE);
        if (s == p)
            return true;
        if (!s)
            return false;
    }
}

uint32_t bpfvm_map_id(const bpfvm_map *m) { return m ? m->id : 0; }

size_t bpfvm_map_count(const bpfvm_vm *vm)
{
    return vm ? __atomic_load_n(&vm->nmaps, __ATOMIC_ACQUIRE) : 0;
}

bpfvm_map *bpfvm_map_at(bpfvm_vm *vm, size_t index)
{
    if (!vm || index >= __atomic_load_n(&vm->nmaps, __ATOMIC_ACQUIRE))
        return NULL;
    bpfvm_map **maps = __atomic_load_n(&vm->maps, __ATOMIC_ACQUIRE);
    return __atomic_load_n(&maps[index], __ATOMIC_RELAXED);
}

bpfvm_map *bpfvm_map_by_id(bpfvm_vm *vm, uint32_t id)
{
    return id ? bpfvm_map_at(vm, id - 1) : NULL;
}

bpfvm_map *bpfvm_map_by_name(bpfvm_vm *vm, const char *name)
{
    if (!name)
        return NULL;
    size_t n = bpfvm_map_count(vm);
    for (size_t i = 0; i < n; i++) {
        bpfvm_map *m = bpfvm_map_at(vm, i);
        if (!strcmp(m->name, name))
            return m;
    }
    return NULL;
}

const bpfvm_map_def *bpfvm_map_get_def(const bpfvm_map *m) { return m ? &m->def : NULL; }

int bpfvm_vm_set_ncpus(bpfvm_vm *vm, uint32_t ncpus, bpfvm_error *err)
{
    if (!vm)
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "set_ncpus: vm must not be NULL");
    if (ncpus == 0 || ncpus > MAX_NCPUS)
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "set_ncpus: %u CPUs: must be between 1 and %u", ncpus,
                          MAX_NCPUS);
    pthread_mutex_lock(&vm->lock);
    int rc = 0;
    if (vm->nmaps && ncpus != vm->ncpus)
        rc = bpfvm_fail(err, BPFVM_E_ARG, -1,
                        "set_ncpus: the VM already has %u maps; set the CPU count before creating maps",
                        vm->nmaps);
    else
        __atomic_store_n(&vm->ncpus, ncpus, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&vm->lock);
    return rc;
}

uint32_t bpfvm_vm_ncpus(const bpfvm_vm *vm)
{
    return vm ? __atomic_load_n(&vm->ncpus, __ATOMIC_RELAXED) : 0;
}

/* ---- memory limit ------------------------------------------------------------------ */

void bpfvm_vm_set_map_memory_limit(bpfvm_vm *vm, uint64_t bytes)
{
    if (!vm)
        return;
    pthread_mutex_lock(&vm->lock);
    vm->map_mem_limit = bytes;
    pthread_mutex_unlock(&vm->lock);
}

static void human(uint64_t n, char *buf, size_t size)
{
    static const char *const unit[] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    double v = (double)n;
    unsigned u = 0;
    while (v >= 1024 && u < 6) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%llu bytes", (unsigned long long)n);
    else
        snprintf(buf, size, "%.1f %s", v, unit[u]);
}

int map_index_next_key(bpfvm_map *m, const void *key, void *next)
{
    uint32_t i = UINT32_MAX, n;
    if (key)
        memcpy(&i, key, 4);
    if (i >= m->def.max_entries)
        n = 0;
    else if (i == m->def.max_entries - 1)
        return -ENOENT;
    else
        n = i + 1;
    memcpy(next, &n, 4);
    return 0;
}

int map_charge(bpfvm_map *m, uint64_t bytes, bpfvm_error *err)
{
    bpfvm_vm *vm = m->vm;
    const char *tn = bpfvm_map_type_name(m->def.type);
    if (bytes == UINT64_MAX)
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1,
                          "map '%s' (%s): its size overflows (max_entries %u, key_size %u, value_size %u%s)",
                          m->name, tn, m->def.max_entries, m->def.key_size, m->def.value_size,
                          m->ncpus > 1 ? ", per CPU" : "");
    uint64_t left = vm->map_mem_limit > vm->map_mem_used ? vm->map_mem_limit - vm->map_mem_used : 0;
    if (bytes > left) {
        char need[32], lim[32], used[32];
        human(bytes, need, sizeof need);
        human(vm->map_mem_limit, lim, sizeof lim);
        human(vm->map_mem_used, used, sizeof used);
        if (bytes > vm->map_mem_limit)
            return bpfvm_fail(err, BPFVM_E_NOMEM, -1,
                              "map '%s' (%s): needs %s (max_entries %u, key_size %u, value_size %u), more than "
                              "the VM's map memory limit of %s (bpfvm_vm_set_map_memory_limit)",
                              m->name, tn, need, m->def.max_entries, m->def.key_size, m->def.value_size, lim);
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1,
                          "map '%s' (%s): needs %s, but the other maps already use %s of the VM's map memory "
                          "limit of %s (bpfvm_vm_set_map_memory_limit)",
                          m->name, tn, need, used, lim);
    }
    vm->map_mem_used += bytes;
    m->charged += bytes;
    return 0;
}

/* ---- types ------------------------------------------------------------------------ */

static const struct {
    bpfvm_map_type type;
    const char *name;
    const map_ops *ops;
} types[] = {
    { BPFVM_MAP_HASH, "hash", &map_hash_ops },
    { BPFVM_MAP_ARRAY, "array", &map_array_ops },
    { BPFVM_MAP_PROG_ARRAY, "prog_array", &map_prog_array_ops },
    { BPFVM_MAP_PERCPU_HASH, "percpu_hash", &map_percpu_hash_ops },
    { BPFVM_MAP_PERCPU_ARRAY, "percpu_array", &map_percpu_array_ops },
    { BPFVM_MAP_LRU_HASH, "lru_hash", &map_lru_hash_ops },
    { BPFVM_MAP_LRU_PERCPU_HASH, "lru_percpu_hash", &map_lru_percpu_hash_ops },
    { BPFVM_MAP_ARRAY_OF_MAPS, "array_of_maps", &map_array_of_maps_ops },
    { BPFVM_MAP_HASH_OF_MAPS, "hash_of_maps", &map_hash_of_maps_ops },
    { BPFVM_MAP_QUEUE, "queue", &map_queue_ops },
    { BPFVM_MAP_STACK, "stack", &map_stack_ops },
    { BPFVM_MAP_RINGBUF, "ringbuf", &map_ringbuf_ops },
    { BPFVM_MAP_PERF_EVENT_ARRAY, "perf_event_array", &map_perf_event_array_ops },
    { BPFVM_MAP_DEVMAP, "devmap", &map_devmap_ops },
    { BPFVM_MAP_DEVMAP_HASH, "devmap_hash", &map_devmap_hash_ops },
    { BPFVM_MAP_CPUMAP, "cpumap", &map_cpumap_ops },
    { BPFVM_MAP_XSKMAP, "xskmap", &map_xskmap_ops },
};

/* Linux's other map types (enum bpf_map_type): named, not implemented. */
static const char *const linux_names[] = {
    [7] = "stack_trace", [8] = "cgroup_array", [11] = "lpm_trie", [15] = "sockmap", [18] = "sockhash",
    [19] = "cgroup_storage", [20] = "reuseport_sockarray", [21] = "percpu_cgroup_storage",
    [24] = "sk_storage", [26] = "struct_ops", [28] = "inode_storage", [29] = "task_storage",
    [30] = "bloom_filter", [31] = "user_ringbuf", [32] = "cgrp_storage", [33] = "arena",
};

const map_ops *map_ops_for(bpfvm_map_type type)
{
    for (size_t i = 0; i < ARRAY_LEN(types); i++)
        if (types[i].type == type)
            return types[i].ops;
    return NULL;
}

const char *bpfvm_map_type_name(bpfvm_map_type type)
{
    for (size_t i = 0; i < ARRAY_LEN(types); i++)
        if (types[i].type == type)
            return types[i].name;
    if ((unsigned)type < ARRAY_LEN(linux_names))
        return linux_names[type];
    return NULL;
}

/* ---- placeholders: map types bpfvm does not implement ---------------------------- */

static int ph_check(const bpfvm_map_def *d, char *why, size_t n)
{
    (void)d, (void)why, (void)n;
    return 0;
}

static int ph_alloc(bpfvm_map *m, bpfvm_error *err)
{
    (void)m, (void)err;
    return 0;
}

static void ph_free(bpfvm_map *m) { (void)m; }

static void *ph_lookup(bpfvm_map *m, const void *key, uint32_t cpu)
{
    (void)m, (void)key, (void)cpu;
    return NULL;
}

static size_t ph_regions(const bpfvm_map *m, bpfvm_region *out, size_t max)
{
    (void)m, (void)out, (void)max;
    return 0;
}

static const map_ops placeholder_ops = {
    .check = ph_check, .alloc = ph_alloc, .free = ph_free, .lookup = ph_lookup, .regions = ph_regions,
};

bool map_is_placeholder(const bpfvm_map *m) { return m && m->ops == &placeholder_ops; }

static bool is_map_in_map(bpfvm_map_type t)
{
    return t == BPFVM_MAP_ARRAY_OF_MAPS || t == BPFVM_MAP_HASH_OF_MAPS;
}

static int why(char *buf, size_t n, int e, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int why(char *buf, size_t n, int e, const char *fmt, ...)
{
    if (buf && n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, n, fmt, ap);
        va_end(ap);
    }
    return e;
}

int map_def_check(const bpfvm_map_def *def, char *buf, size_t n)
{
    if (buf && n)
        buf[0] = '\0';
    const map_ops *ops = map_ops_for(def->type);
    if (!ops)
        return why(buf, n, -EINVAL, "map type %d is not supported", (int)def->type);
    /* bpf_get_file_flag: read-only and write-only at once is a contradiction */
    if ((def->flags & (MAP_F_RDONLY | MAP_F_WRONLY)) == (MAP_F_RDONLY | MAP_F_WRONLY))
        return why(buf, n, -EINVAL, "flags BPF_F_RDONLY and BPF_F_WRONLY together");
    if ((def->flags & (MAP_F_RDONLY_PROG | MAP_F_WRONLY_PROG)) == (MAP_F_RDONLY_PROG | MAP_F_WRONLY_PROG))
        return why(buf, n, -EINVAL, "flags BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG together");
    int rc = ops->check(def, buf, n);
    if (rc)
        return rc;
    if (is_map_in_map(def->type)) {
        const bpfvm_map *in = def->inner;
        if (!in)
            return why(buf, n, -EBADF, "a map-in-map needs an inner map template (def.inner)");
        if (is_map_in_map(in->def.type))
            return why(buf, n, -EINVAL, "inner map '%s' is itself a map-in-map (one level only)", in->name);
        if (in->def.type == BPFVM_MAP_PROG_ARRAY)
            return why(buf, n, -MAP_ENOTSUPP, "a prog array cannot be an inner map");
    }
    return 0;
}

bool map_inner_fits(const bpfvm_map *t, const bpfvm_map *in)
{
    if (!t || !in || in->vm != t->vm)
        return false;
    if (in->def.type != t->def.type || in->def.key_size != t->def.key_size ||
        in->def.value_size != t->def.value_size || in->def.flags != t->def.flags)
        return false;
    /* Arrays: the verifier inlines index checks, so the size must match unless
     * the template says BPF_F_INNER_MAP (Linux array_map_meta_equal). */
    if (t->def.type == BPFVM_MAP_ARRAY && !(t->def.flags & MAP_F_INNER_MAP))
        return in->def.max_entries == t->def.max_entries;
    return true;
}

int map_inner_from_id(bpfvm_map *outer, const void *value, bpfvm_map **inner)
{
    uint32_t id;
    memcpy(&id, value, 4);
    bpfvm_map *in = bpfvm_map_by_id(outer->vm, id);
    if (!in)
        return -EBADF;
    if (!map_inner_fits(outer->def.inner, in))
        return -EINVAL;
    *inner = in;
    return 0;
}

static int map_create(bpfvm_vm *vm, const bpfvm_map_def *def, bool placeholder, bpfvm_map **out, bpfvm_error *err)
{
    if (out)
        *out = NULL;
    if (!vm || !def || !out)
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "map_create: vm, def and out must not be NULL");
    const char *name = def->name ? def->name : "";
    if (strlen(name) >= sizeof(((bpfvm_map *)0)->name))
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "map name '%.40s...' is longer than %zu characters", name,
                          sizeof(((bpfvm_map *)0)->name) - 1);
    const map_ops *ops = placeholder ? &placeholder_ops : map_ops_for(def->type);
    if (!ops)
        return bpfvm_fail(err, BPFVM_E_UNSUPPORTED, -1, "map '%s': map type %d is not supported", name,
                          (int)def->type);
    char reason[200];
    int e = placeholder ? 0 : map_def_check(def, reason, sizeof reason);
    if (e)
        return bpfvm_fail(err, BPFVM_E_INVALID, -1, "map '%s' (%s): %s (Linux: %s)", name,
                          bpfvm_map_type_name(def->type), reason,
                          e == -EINVAL ? "EINVAL" : e == -E2BIG ? "E2BIG" : e == -EBADF ? "EBADF"
                          : e == -MAP_ENOTSUPP ? "ENOTSUPP" : "error");
    if (def->inner && is_map_in_map(def->type) && def->inner->vm != vm)
        return bpfvm_fail(err, BPFVM_E_INVALID, -1, "map '%s': the inner map template belongs to another VM",
                          name);

    bpfvm_map *m = calloc(1, sizeof *m);
    if (!m)
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "map '%s': out of memory", name);
    m->ops = ops;
    m->vm = vm;
    m->def = *def;
    strcpy(m->name, name);
    m->def.name = m->name;
    if (!is_map_in_map(def->type))
        m->def.inner = NULL;
    m->value_stride = map_round8(def->value_size);

    pthread_mutex_lock(&vm->lock);
    bool percpu = def->type == BPFVM_MAP_PERCPU_ARRAY || def->type == BPFVM_MAP_PERCPU_HASH ||
                  def->type == BPFVM_MAP_LRU_PERCPU_HASH;
    m->ncpus = percpu ? vm->ncpus : 1;
    int rc = reg_grow(vm) ? bpfvm_fail(err, BPFVM_E_NOMEM, -1, "map '%s': out of memory", name) : 0;
    if (!rc)
        rc = ops->alloc(m, err);
    if (rc) {
        vm->map_mem_used -= m->charged;
        pthread_mutex_unlock(&vm->lock);
        free(m);
        return rc;
    }
    m->id = vm->nmaps + 1;
    __atomic_store_n(&vm->maps[vm->nmaps], m, __ATOMIC_RELAXED);
    set_insert(reg_of(vm->maps), m);
    __atomic_store_n(&vm->nmaps, vm->nmaps + 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&vm->lock);
    *out = m;
    return 0;
}

int bpfvm_map_create(bpfvm_vm *vm, const bpfvm_map_def *def, bpfvm_map **out, bpfvm_error *err)
{
    return map_create(vm, def, false, out, err);
}

int map_create_placeholder(bpfvm_vm *vm, const bpfvm_map_def *def, bpfvm_map **out, bpfvm_error *err)
{
    return map_create(vm, def, true, out, err);
}

/* ---- host element access ----------------------------------------------------------- */

/* Keyed maps need a key; queue, stack and ring buffer maps have key_size 0. */
static bool key_ok(const bpfvm_map *m, const void *key) { return key || m->def.key_size == 0; }

int bpfvm_map_lookup(bpfvm_map *m, const void *key, void *value)
{
    if (!m || !value || !key_ok(m, key))
        return -EINVAL;
    if (m->def.flags & MAP_F_WRONLY)
        return -EPERM;
    return m->ops->host_lookup ? m->ops->host_lookup(m, key, value) : -EOPNOTSUPP;
}

int bpfvm_map_update(bpfvm_map *m, const void *key, const void *value, uint64_t flags)
{
    if (!m || !value || !key_ok(m, key))
        return -EINVAL;
    if (m->def.flags & MAP_F_RDONLY)
        return -EPERM;
    if (flags & MAP_F_LOCK)
        return -EINVAL; /* bpf(2): BPF_F_LOCK needs a bpf_spin_lock in the value */
    return m->ops->host_update ? m->ops->host_update(m, key, value, flags) : -EOPNOTSUPP;
}

int bpfvm_map_delete(bpfvm_map *m, const void *key)
{
    if (!m || !key_ok(m, key))
        return -EINVAL;
    if (m->def.flags & MAP_F_RDONLY)
        return -EPERM;
    if (m->ops->host_delete)
        return m->ops->host_delete(m, key);
    return m->ops->delete ? (int)m->ops->delete(m, key) : -EOPNOTSUPP;
}

int bpfvm_map_next_key(bpfvm_map *m, const void *key, void *next_key)
{
    if (!m || !next_key)
        return -EINVAL;
    if (m->def.flags & MAP_F_WRONLY)
        return -EPERM;
    return m->ops->next_key ? m->ops->next_key(m, key, next_key) : -EOPNOTSUPP;
}

int bpfvm_map_push(bpfvm_map *m, const void *value, uint64_t flags)
{
    if (!m || !value)
        return -EINVAL;
    if (m->def.flags & MAP_F_RDONLY)
        return -EPERM;
    return m->ops->push ? (int)m->ops->push(m, value, flags) : -EINVAL;
}

int bpfvm_map_pop(bpfvm_map *m, void *value)
{
    if (!m || !value)
        return -EINVAL;
    if (m->def.flags & (MAP_F_RDONLY | MAP_F_WRONLY))
        return -EPERM;
    if (m->ops->host_pop)
        return m->ops->host_pop(m, value);
    return m->ops->pop ? (int)m->ops->pop(m, value) : -EINVAL;
}

int bpfvm_map_set_prog(bpfvm_map *m, uint32_t index, bpfvm_prog *prog)
{
    if (!m || m->def.type != BPFVM_MAP_PROG_ARRAY || (prog && prog->vm != m->vm))
        return -EINVAL;
    return m->ops->set_ptr(m, &index, prog);
}

int bpfvm_map_set_map(bpfvm_map *m, const void *key, bpfvm_map *inner)
{
    if (!m || !key || !is_map_in_map(m->def.type))
        return -EINVAL;
    if (inner && !map_inner_fits(m->def.inner, inner))
        return -EINVAL;
    return m->ops->set_ptr(m, key, inner);
}
