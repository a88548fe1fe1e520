/* map.c — placeholder registry until the map types land (helper in progress). */
#include "rt/map.h"

#include <stdlib.h>

void vm_free_maps(bpfvm_vm *vm)
{
    free(vm->maps);
    vm->maps = NULL;
    vm->nmaps = vm->capmaps = 0;
}

/* Placeholders: replaced by the real registry and map types. */
uint32_t bpfvm_map_id(const bpfvm_map *m) { return m->id; }
bpfvm_map *bpfvm_map_by_id(bpfvm_vm *vm, uint32_t id) { return id && id <= vm->nmaps ? vm->maps[id - 1] : NULL; }
size_t bpfvm_map_count(const bpfvm_vm *vm) { return vm->nmaps; }
bpfvm_map *bpfvm_map_at(bpfvm_vm *vm, size_t i) { return i < vm->nmaps ? vm->maps[i] : NULL; }
bool vm_is_map(const bpfvm_vm *vm, const void *p)
{
    for (uint32_t i = 0; i < vm->nmaps; i++)
        if (vm->maps[i] == p)
            return true;
    return false;
}
bpfvm_prog *map_prog_at(bpfvm_map *m, uint32_t index) { (void)m, (void)index; return NULL; }
void *map_ringbuf_reserve(bpfvm_map *m, uint64_t size, uint64_t flags) { (void)m, (void)size, (void)flags; return NULL; }
void map_ringbuf_commit(bpfvm_map *m, void *sample, bool discard) { (void)m, (void)sample, (void)discard; }
long map_ringbuf_output(bpfvm_map *m, const void *data, uint64_t size, uint64_t flags) { (void)m, (void)data, (void)size, (void)flags; return -1; }
uint64_t map_ringbuf_query(bpfvm_map *m, uint64_t flags) { (void)m, (void)flags; return 0; }
