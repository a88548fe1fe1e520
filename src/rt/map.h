/* map.h — the internal shape of maps: one ops table per map type, implemented in
 * map_<kind>.c, and the VM-wide registry in map.c. Programs reach maps through the
 * helpers (src/rt/helpers.c), hosts through bpfvm_map_* in bpfvm.h.
 * Invariants: value memory that programs can touch lies in the regions the map
 * reports (for checked mode), is 8-byte aligned, and never moves while the map lives.
 */
#ifndef BPFVM_MAP_H
#define BPFVM_MAP_H

#include "rt/vm.h"

#define MAP_MAX_REGIONS 4

typedef struct map_ops {
    /* Allocates the map's storage for m->def; m->ncpus is set. */
    int (*alloc)(bpfvm_map *m, bpfvm_error *err);
    void (*free)(bpfvm_map *m);

    /* ---- program side (helpers): Linux semantics, may run on many threads ---- */
    /* Pointer to the value for key (this CPU's for per-CPU maps) or NULL. For
     * map-in-map the "value" is the inner bpfvm_map*, for prog arrays NULL. */
    void *(*lookup)(bpfvm_map *m, const void *key, uint32_t cpu);
    /* 0 or -errno. value is one value (this CPU's slot for per-CPU maps). */
    long (*update)(bpfvm_map *m, const void *key, const void *value, uint64_t flags, uint32_t cpu);
    long (*delete)(bpfvm_map *m, const void *key);
    long (*push)(bpfvm_map *m, const void *value, uint64_t flags);
    long (*pop)(bpfvm_map *m, void *value);
    long (*peek)(bpfvm_map *m, void *value);

    /* ---- host side ---- */
    int (*host_lookup)(bpfvm_map *m, const void *key, void *value); /* all CPUs */
    int (*host_update)(bpfvm_map *m, const void *key, const void *value, uint64_t flags);
    int (*next_key)(bpfvm_map *m, const void *key, void *next);

    /* Memory programs may access through pointers this map hands out. Returns how
     * many regions were written (at most max, which is MAP_MAX_REGIONS). */
    size_t (*regions)(const bpfvm_map *m, bpfvm_region *out, size_t max);
} map_ops;

struct bpfvm_map {
    const map_ops *ops;
    bpfvm_vm *vm;
    uint32_t id;
    bpfvm_map_def def;       /* def.name points at name[] */
    char name[64];
    uint32_t ncpus;          /* per-CPU maps: number of value copies */
    uint32_t value_stride;   /* per-CPU maps: value_size rounded up to 8 */
    void *impl;              /* the type's own state */
    /* BTF description of key and value (set by the ELF loader, may be 0): used
     * to print contents as their C types. */
    const void *btf;
    uint32_t btf_key_type, btf_value_type;
};

/* The ops table of a map type, or NULL if bpfvm does not implement it. */
const map_ops *map_ops_for(bpfvm_map_type type);

/* Ring buffer (program side). reserve returns a pointer to size bytes or NULL. */
void *map_ringbuf_reserve(bpfvm_map *m, uint64_t size, uint64_t flags);
void map_ringbuf_commit(bpfvm_map *m, void *sample, bool discard);
long map_ringbuf_output(bpfvm_map *m, const void *data, uint64_t size, uint64_t flags);
uint64_t map_ringbuf_query(bpfvm_map *m, uint64_t flags);

/* Prog array (tail calls): the program at index, or NULL. */
bpfvm_prog *map_prog_at(bpfvm_map *m, uint32_t index);

/* Frees every map of the VM (bpfvm_vm_free). */
void vm_free_maps(bpfvm_vm *vm);

/* True when p is a map of this VM (checked-mode validation of map arguments). */
bool vm_is_map(const bpfvm_vm *vm, const void *p);

#endif
