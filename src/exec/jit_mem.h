/* jit_mem.h — executable memory for the JIT, W^X: code is written into a fresh
 * read+write mapping, which is then switched to read+execute. No mapping is ever
 * writable and executable at the same time, and a sealed mapping is never made
 * writable again (code is immutable; a new compile gets new pages).
 */
#ifndef BPFVM_JIT_MEM_H
#define BPFVM_JIT_MEM_H

#include <stddef.h>
#include <stdint.h>

/* A read+write mapping of at least `size` bytes, its pages already present (the
 * code is written straight into it); NULL on failure. *map_size gets the mapped
 * size (whole pages). */
uint8_t *jit_mem_alloc(size_t size, size_t *map_size);
/* Fills all but [start, start + len) with int3, then makes the mapping
 * read+execute (never writable again). Returns 0 or -errno. */
int jit_mem_seal(uint8_t *mem, size_t map_size, size_t start, size_t len);
void jit_mem_free(uint8_t *mem, size_t map_size);

#endif
