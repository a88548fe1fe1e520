/* test_maps_array.c — ARRAY, PERCPU_ARRAY, PROG_ARRAY and ARRAY_OF_MAPS through the
 * host API and the program-side ops: update flags and their errno, iteration,
 * value layout (8-byte stride, exact value_size copies), per-CPU values, program
 * slots for tail calls and the inner-map rules of Linux.
 */
#include "maptest.h"

static void test_array_basic(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *m = mk(vm, BPFVM_MAP_ARRAY, 4, 5, 4, 0);
    uint32_t k = 2, bad = 4;
    uint8_t v[5] = { 1, 2, 3, 4, 5 }, out[8];
    memset(out, 0xee, sizeof out);
    assert_int_equal(bpfvm_map_lookup(m, &k, out), 0);
    assert_memory_equal(out, "\0\0\0\0\0", 5); /* zero-initialised */
    assert_int_equal(out[5], 0xee);           /* exactly value_size bytes copied */
    assert_int_equal(bpfvm_map_update(m, &k, v, BPFVM_ANY), 0);
    assert_int_equal(bpfvm_map_update(m, &k, v, BPFVM_EXIST), 0);
    assert_int_equal(bpfvm_map_update(m, &k, v, BPFVM_NOEXIST), -EEXIST);
    assert_int_equal(bpfvm_map_update(m, &k, v, 3), -EINVAL);
    assert_int_equal(bpfvm_map_update(m, &bad, v, 0), -E2BIG);
    assert_int_equal(bpfvm_map_update(m, &bad, v, 3), -EINVAL);   /* flags first */
    assert_int_equal(bpfvm_map_update(m, &bad, v, BPFVM_NOEXIST), -E2BIG);
    assert_int_equal(bpfvm_map_lookup(m, &bad, out), -ENOENT);
    assert_int_equal(bpfvm_map_delete(m, &k), -EINVAL);
    assert_int_equal(bpfvm_map_lookup(m, &k, out), 0);
    assert_memory_equal(out, v, 5);
    /* program side */
    uint8_t *p = m->ops->lookup(m, &k, 0);
    assert_non_null(p);
    assert_memory_equal(p, v, 5);
    assert_null(m->ops->lookup(m, &bad, 0));
    p[0] = 42;
    assert_int_equal(bpfvm_map_lookup(m, &k, out), 0);
    assert_int_equal(out[0], 42);
    uint32_t k3 = 3;
    assert_ptr_equal((uint8_t *)m->ops->lookup(m, &k3, 0), p + 8);
    assert_int_equal(m->ops->update(m, &k3, v, 0, 0), 0);
    assert_int_equal(m->ops->update(m, &k3, v, BPFVM_NOEXIST, 0), -EEXIST);
    assert_int_equal(m->ops->update(m, &bad, v, 0, 0), -E2BIG);
    assert_int_equal(m->ops->update(m, &k3, v, MAP_F_LOCK, 0), -EINVAL);
    assert_int_equal(m->ops->delete(m, &k3), -EINVAL);
    assert_null(m->ops->push);
    /* unaligned keys are fine */
    uint8_t kb[5] = { 0, 3, 0, 0, 0 };
    assert_ptr_equal(m->ops->lookup(m, kb + 1, 0), p + 8);
    bpfvm_vm_free(vm);
}

static void test_array_next_key(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *m = mk(vm, BPFVM_MAP_ARRAY, 4, 4, 3, 0);
    uint32_t k, n = 99;
    assert_int_equal(bpfvm_map_next_key(m, NULL, &n), 0);
    assert_int_equal(n, 0);
    k = 0;
    assert_int_equal(bpfvm_map_next_key(m, &k, &n), 0);
    assert_int_equal(n, 1);
    k = 1;
    assert_int_equal(bpfvm_map_next_key(m, &k, &n), 0);
    assert_int_equal(n, 2);
    k = 2;
    assert_int_equal(bpfvm_map_next_key(m, &k, &n), -ENOENT);
    k = 77; /* out of range: start again */
    assert_int_equal(bpfvm_map_next_key(m, &k, &n), 0);
    assert_int_equal(n, 0);
    bpfvm_vm_free(vm);
}

static void test_array_rdonly_prog(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *m = mk(vm, BPFVM_MAP_ARRAY, 4, 16, 1, BPFVM_F_RDONLY_PROG);
    uint32_t k = 0;
    char s[16] = "hello, rodata";
    assert_int_equal(bpfvm_map_update(m, &k, s, 0), 0); /* the loader fills .rodata */
    assert_int_equal(m->ops->update(m, &k, s, 0, 0), -EPERM);
    const char *p = m->ops->lookup(m, &k, 0);
    assert_string_equal(p, "hello, rodata");
    assert_true(in_regions(m, p, 16, false));
    assert_false(in_regions(m, p, 16, true));
    bpfvm_vm_free(vm);
}

static void test_percpu_array(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    assert_int_equal(bpfvm_vm_set_ncpus(vm, 3, NULL), 0);
    bpfvm_map *m = mk(vm, BPFVM_MAP_PERCPU_ARRAY, 4, 4, 2, 0);
    uint32_t k = 1, v = 0xabcd;
    uint64_t all[3] = { 0x1111, 0x2222, 0x3333 }, out[3];
    assert_int_equal(bpfvm_map_update(m, &k, all, 0), 0);
    for (uint32_t c = 0; c < 3; c++) {
        uint32_t *p = m->ops->lookup(m, &k, c);
        assert_non_null(p);
        assert_int_equal(*p, all[c]);
        assert_int_equal((uintptr_t)p & 7, 0);
        assert_true(in_regions(m, p, 4, true));
    }
    assert_int_equal(m->ops->update(m, &k, &v, 0, 1), 0);
    assert_int_equal(bpfvm_map_lookup(m, &k, out), 0);
    assert_int_equal(out[0], 0x1111);
    assert_int_equal(out[1], 0xabcd);
    assert_int_equal(out[2], 0x3333);
    /* per-CPU values do not share cache lines across CPUs: CPU-major layout */
    uint32_t k0 = 0;
    assert_ptr_equal((uint8_t *)m->ops->lookup(m, &k, 0), (uint8_t *)m->ops->lookup(m, &k0, 0) + 8);
    assert_ptr_equal((uint8_t *)m->ops->lookup(m, &k0, 1), (uint8_t *)m->ops->lookup(m, &k0, 0) + 16);
    assert_int_equal(bpfvm_map_update(m, &k, all, BPFVM_NOEXIST), -EEXIST);
    assert_int_equal(bpfvm_map_update(m, &k, all, 3), -EINVAL);
    bpfvm_vm_free(vm);
}

static void test_prog_array(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new(), *vm2 = bpfvm_vm_new();
    bpfvm_map *m = mk(vm, BPFVM_MAP_PROG_ARRAY, 4, 4, 4, 0);
    bpfvm_prog *p1 = tiny_prog(vm, 1), *p2 = tiny_prog(vm, 2), *other = tiny_prog(vm2, 3);
    uint32_t k = 2, bad = 4, out;
    assert_null(map_prog_at(m, 2));
    assert_int_equal(bpfvm_map_lookup(m, &k, &out), -ENOENT);
    assert_int_equal(bpfvm_map_delete(m, &k), -ENOENT);
    assert_int_equal(bpfvm_map_set_prog(m, 2, p1), 0);
    assert_ptr_equal(map_prog_at(m, 2), p1);
    assert_int_equal(bpfvm_map_set_prog(m, 2, p2), 0);
    assert_ptr_equal(map_prog_at(m, 2), p2);
    assert_int_equal(bpfvm_map_set_prog(m, 4, p1), -E2BIG);
    assert_int_equal(bpfvm_map_set_prog(m, 1, other), -EINVAL);
    assert_null(map_prog_at(m, 4));
    assert_null(map_prog_at(m, UINT32_MAX));
    assert_null(m->ops->lookup(m, &k, 0)); /* programs see no value */
    assert_int_equal(bpfvm_map_lookup(m, &k, &out), -EOPNOTSUPP);
    assert_int_equal(bpfvm_map_update(m, &k, &out, 0), -EOPNOTSUPP);
    assert_int_equal(bpfvm_map_update(m, &k, &out, 1), -EINVAL);
    assert_int_equal(bpfvm_map_update(m, &bad, &out, 0), -E2BIG);
    assert_int_equal(bpfvm_map_delete(m, &bad), -E2BIG);
    assert_int_equal(bpfvm_map_delete(m, &k), 0);
    assert_null(map_prog_at(m, 2));
    assert_int_equal(bpfvm_map_set_prog(m, 0, p1), 0);
    assert_int_equal(bpfvm_map_set_prog(m, 0, NULL), 0);
    assert_null(map_prog_at(m, 0));
    assert_null(m->ops->update);
    bpfvm_map *a = mk(vm, BPFVM_MAP_ARRAY, 4, 4, 4, 0);
    assert_null(map_prog_at(a, 0));
    assert_int_equal(bpfvm_map_next_key(m, NULL, &out), 0);
    assert_int_equal(out, 0);
    bpfvm_prog_free(p1);
    bpfvm_prog_free(p2);
    bpfvm_prog_free(other);
    bpfvm_vm_free(vm);
    bpfvm_vm_free(vm2);
}

static void test_array_of_maps(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *tmpl = mk(vm, BPFVM_MAP_ARRAY, 4, 8, 4, 0);
    bpfvm_map *in1 = mk(vm, BPFVM_MAP_ARRAY, 4, 8, 4, 0);
    bpfvm_map *in_size = mk(vm, BPFVM_MAP_ARRAY, 4, 8, 5, 0);
    bpfvm_map *in_val = mk(vm, BPFVM_MAP_ARRAY, 4, 16, 4, 0);
    bpfvm_map *in_flags = mk(vm, BPFVM_MAP_ARRAY, 4, 8, 4, BPFVM_F_RDONLY_PROG);
    bpfvm_map *in_hash = mk(vm, BPFVM_MAP_HASH, 4, 8, 4, 0);
    bpfvm_map *o = mk_inner(vm, BPFVM_MAP_ARRAY_OF_MAPS, 4, 3, tmpl);
    uint32_t k = 1, bad = 3, id, out = 0;
    assert_null(o->ops->lookup(o, &k, 0));
    assert_int_equal(bpfvm_map_lookup(o, &k, &out), -ENOENT);
    assert_int_equal(bpfvm_map_set_map(o, &k, in1), 0);
    assert_ptr_equal(o->ops->lookup(o, &k, 0), in1);
    assert_int_equal(bpfvm_map_lookup(o, &k, &out), 0);
    assert_int_equal(out, bpfvm_map_id(in1));
    assert_int_equal(bpfvm_map_set_map(o, &k, in_size), -EINVAL); /* arrays: same max_entries */
    assert_int_equal(bpfvm_map_set_map(o, &k, in_val), -EINVAL);
    assert_int_equal(bpfvm_map_set_map(o, &k, in_flags), -EINVAL);
    assert_int_equal(bpfvm_map_set_map(o, &k, in_hash), -EINVAL);
    assert_int_equal(bpfvm_map_set_map(o, &bad, in1), -E2BIG);
    /* host update by map id (Linux: by fd) */
    id = bpfvm_map_id(tmpl);
    uint32_t k0 = 0;
    assert_int_equal(bpfvm_map_update(o, &k0, &id, 0), 0);
    assert_ptr_equal(o->ops->lookup(o, &k0, 0), tmpl);
    assert_int_equal(bpfvm_map_update(o, &k0, &id, BPFVM_NOEXIST), -EINVAL); /* only BPF_ANY */
    assert_int_equal(bpfvm_map_update(o, &bad, &id, 0), -E2BIG);
    id = 999;
    assert_int_equal(bpfvm_map_update(o, &k0, &id, 0), -EBADF);
    id = bpfvm_map_id(in_size);
    assert_int_equal(bpfvm_map_update(o, &k0, &id, 0), -EINVAL);
    assert_null(o->ops->update);
    assert_int_equal(bpfvm_map_delete(o, &k0), 0);
    assert_int_equal(bpfvm_map_delete(o, &k0), -ENOENT);
    assert_int_equal(bpfvm_map_delete(o, &bad), -E2BIG);
    assert_int_equal(bpfvm_map_set_map(o, &k, NULL), 0);
    assert_null(o->ops->lookup(o, &k, 0));
    assert_int_equal(o->ops->regions(o, NULL, 0), 0);

    /* BPF_F_INNER_MAP on the template: inner arrays of any size (same flags) */
    bpfvm_map *t2 = mk(vm, BPFVM_MAP_ARRAY, 4, 8, 4, MAP_F_INNER_MAP);
    bpfvm_map *big = mk(vm, BPFVM_MAP_ARRAY, 4, 8, 100, MAP_F_INNER_MAP);
    bpfvm_map *o2 = mk_inner(vm, BPFVM_MAP_ARRAY_OF_MAPS, 4, 3, t2);
    assert_int_equal(bpfvm_map_set_map(o2, &k, big), 0);
    assert_int_equal(bpfvm_map_set_map(o2, &k, in1), -EINVAL); /* flags differ */
    /* other inner types: max_entries may differ (Linux bpf_map_meta_equal) */
    bpfvm_map *pt = mk(vm, BPFVM_MAP_PERCPU_ARRAY, 4, 8, 4, 0);
    bpfvm_map *pbig = mk(vm, BPFVM_MAP_PERCPU_ARRAY, 4, 8, 40, 0);
    bpfvm_map *o3 = mk_inner(vm, BPFVM_MAP_ARRAY_OF_MAPS, 4, 3, pt);
    assert_int_equal(bpfvm_map_set_map(o3, &k, pbig), 0);
    bpfvm_map *rt = mk(vm, BPFVM_MAP_RINGBUF, 0, 0, 4096, 0);
    bpfvm_map *rbig = mk(vm, BPFVM_MAP_RINGBUF, 0, 0, 8192, 0);
    bpfvm_map *o4 = mk_inner(vm, BPFVM_MAP_ARRAY_OF_MAPS, 4, 3, rt);
    assert_int_equal(bpfvm_map_set_map(o4, &k, rbig), 0);
    assert_ptr_equal(o4->ops->lookup(o4, &k, 0), rbig);
    /* a map of another VM never fits */
    bpfvm_vm *vm2 = bpfvm_vm_new();
    bpfvm_map *far = mk(vm2, BPFVM_MAP_ARRAY, 4, 8, 4, 0);
    assert_int_equal(bpfvm_map_set_map(o, &k, far), -EINVAL);
    bpfvm_vm_free(vm2);
    bpfvm_vm_free(vm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_array_basic),
        cmocka_unit_test(test_array_next_key),
        cmocka_unit_test(test_array_rdonly_prog),
        cmocka_unit_test(test_percpu_array),
        cmocka_unit_test(test_prog_array),
        cmocka_unit_test(test_array_of_maps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
