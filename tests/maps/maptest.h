/* maptest.h — small helpers shared by the map tests: creating a map from a few
 * numbers (failing the test if it cannot be created), a deterministic RNG, and the
 * cmocka includes in the order cmocka needs.
 */
#ifndef BPFVM_TESTS_MAPTEST_H
#define BPFVM_TESTS_MAPTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bpfvm.h"
#include "rt/map.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline bpfvm_map *mk(bpfvm_vm *vm, bpfvm_map_type type, uint32_t key_size, uint32_t value_size,
                            uint32_t max_entries, uint32_t flags)
{
    bpfvm_map_def d = { type, key_size, value_size, max_entries, flags, NULL, NULL };
    bpfvm_map *m = NULL;
    bpfvm_error err;
    int rc = bpfvm_map_create(vm, &d, &m, &err);
    if (rc)
        fail_msg("map_create(type %d, %u, %u, %u, %#x): %s", (int)type, key_size, value_size, max_entries,
                 flags, err.msg);
    return m;
}

static inline bpfvm_map *mk_inner(bpfvm_vm *vm, bpfvm_map_type type, uint32_t key_size, uint32_t max_entries,
                                  const bpfvm_map *inner)
{
    bpfvm_map_def d = { type, key_size, 4, max_entries, 0, NULL, inner };
    bpfvm_map *m = NULL;
    bpfvm_error err;
    if (bpfvm_map_create(vm, &d, &m, &err))
        fail_msg("map_create(map-in-map): %s", err.msg);
    return m;
}

/* xorshift64*: deterministic test data. */
static inline uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

/* A program `r0 = imm; exit` (for prog arrays). */
static inline bpfvm_prog *tiny_prog(bpfvm_vm *vm, int32_t imm)
{
    uint8_t code[16] = { 0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95 };
    memcpy(code + 4, &imm, 4);
    bpfvm_prog *p = NULL;
    bpfvm_error err;
    if (bpfvm_prog_load(vm, code, sizeof code, NULL, &p, &err))
        fail_msg("prog_load: %s", err.msg);
    return p;
}

/* Does [p, p+len) lie inside one of the map's regions (writable if asked)? */
static inline bool in_regions(const bpfvm_map *m, const void *p, size_t len, bool write)
{
    bpfvm_region r[MAP_MAX_REGIONS];
    size_t n = m->ops->regions(m, r, MAP_MAX_REGIONS);
    uint64_t a = (uint64_t)(uintptr_t)p;
    for (size_t i = 0; i < n; i++)
        if (a >= r[i].start && a + len <= r[i].start + r[i].len && (!write || r[i].writable))
            return true;
    return false;
}

#endif
