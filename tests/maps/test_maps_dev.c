/* test_maps_dev.c — the maps whose entries name something outside the program
 * (src/rt/map_dev.c, and DEVMAP_HASH in map_hash.c): DEVMAP, DEVMAP_HASH, CPUMAP,
 * XSKMAP and PERF_EVENT_ARRAY. Creation rules, every host operation's errno, what
 * a program's lookup and bpf_redirect_map see (ops->lookup, ops->redirect), and
 * the memory programs may read. test_maps_kernel compares the devmaps and cpumaps
 * with the kernel's; tests/obj runs real programs on them.
 */
#include "maptest.h"

static bpfvm_map *mkv(bpfvm_vm *vm, bpfvm_map_type t, uint32_t vs, uint32_t max)
{
    return mk(vm, t, 4, vs, max, 0);
}

static void test_rules(void **state)
{
    (void)state;
    const struct { bpfvm_map_def d; int e; } rows[] = {
        { { BPFVM_MAP_DEVMAP, 4, 4, 8, 0, NULL, NULL }, 0 },
        { { BPFVM_MAP_DEVMAP, 4, 8, 8, 0, NULL, NULL }, 0 },
        { { BPFVM_MAP_DEVMAP, 4, 6, 8, 0, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_DEVMAP, 8, 4, 8, 0, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_DEVMAP, 4, 4, 0, 0, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_DEVMAP, 4, 4, 8, BPFVM_F_RDONLY_PROG, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_DEVMAP, 4, 4, 8, MAP_F_RDONLY | MAP_F_NUMA_NODE, NULL, NULL }, 0 },
        { { BPFVM_MAP_DEVMAP_HASH, 4, 8, 8, 0, NULL, NULL }, 0 },
        { { BPFVM_MAP_DEVMAP_HASH, 4, 12, 8, 0, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_DEVMAP_HASH, 4, 4, (1u << 31) + 1, 0, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_DEVMAP_HASH, 4, 4, 8, BPFVM_F_NO_PREALLOC, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_CPUMAP, 4, 4, 8, 0, NULL, NULL }, 0 },
        { { BPFVM_MAP_CPUMAP, 4, 8, 8, MAP_F_NUMA_NODE, NULL, NULL }, 0 },
        { { BPFVM_MAP_CPUMAP, 4, 8, 8, MAP_F_RDONLY, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_CPUMAP, 4, 8, 4097, 0, NULL, NULL }, -E2BIG },
        { { BPFVM_MAP_XSKMAP, 4, 4, 8, 0, NULL, NULL }, 0 },
        { { BPFVM_MAP_XSKMAP, 4, 8, 8, 0, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_PERF_EVENT_ARRAY, 4, 4, 8, 0, NULL, NULL }, 0 },
        { { BPFVM_MAP_PERF_EVENT_ARRAY, 4, 4, 8, 1u << 11, NULL, NULL }, 0 }, /* BPF_F_PRESERVE_ELEMS */
        { { BPFVM_MAP_PERF_EVENT_ARRAY, 4, 8, 8, 0, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_PERF_EVENT_ARRAY, 0, 0, 8, 0, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_PERF_EVENT_ARRAY, 4, 4, 8, BPFVM_F_RDONLY_PROG, NULL, NULL }, -EINVAL },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char why[200];
        int e = map_def_check(&rows[i].d, why, sizeof why);
        if (e != rows[i].e)
            fail_msg("row %zu (type %d): %d, expected %d (%s)", i, (int)rows[i].d.type, e, rows[i].e, why);
        if (e)
            assert_true(why[0] != 0);
    }
    bpfvm_vm *vm = bpfvm_vm_new();
    /* devmaps are read-only for programs (Linux sets BPF_F_RDONLY_PROG itself) */
    bpfvm_map *d = mkv(vm, BPFVM_MAP_DEVMAP, 4, 4), *h = mkv(vm, BPFVM_MAP_DEVMAP_HASH, 8, 4);
    assert_true(bpfvm_map_get_def(d)->flags & BPFVM_F_RDONLY_PROG);
    assert_true(bpfvm_map_get_def(h)->flags & BPFVM_F_RDONLY_PROG);
    bpfvm_map_def bad = { BPFVM_MAP_XSKMAP, 4, 8, 4, 0, "socks", NULL };
    bpfvm_map *m;
    bpfvm_error err;
    assert_int_equal(bpfvm_map_create(vm, &bad, &m, &err), -BPFVM_E_INVALID);
    assert_non_null(strstr(err.msg, "'socks'"));
    assert_non_null(strstr(err.msg, "value_size 4"));
    bpfvm_vm_free(vm);
}

static void test_devmap(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    for (uint32_t vs = 4; vs <= 8; vs += 4) {
        bpfvm_map *m = mkv(vm, BPFVM_MAP_DEVMAP, vs, 4);
        uint32_t k = 1, v[2] = { 7, 0 }, o[2] = { 0xaa, 0xbb }, n;
        assert_int_equal(bpfvm_map_lookup(m, &k, o), -ENOENT);
        assert_null(m->ops->lookup(m, &k, 0));
        uint32_t ifi = 99;
        assert_false(m->ops->redirect(m, 1, &ifi));
        assert_int_equal(bpfvm_map_update(m, &k, v, BPFVM_NOEXIST), -EEXIST); /* an array: every entry exists */
        assert_int_equal(bpfvm_map_update(m, &k, v, 4), -EINVAL);
        assert_int_equal(bpfvm_map_update(m, &k, v, BPFVM_EXIST), 0);
        assert_int_equal(bpfvm_map_lookup(m, &k, o), 0);
        assert_int_equal(o[0], 7);
        assert_int_equal(o[1], vs == 8 ? 0 : 0xbb); /* the program id, 0: none */
        const uint32_t *p = m->ops->lookup(m, &k, 0);
        assert_non_null(p);
        assert_int_equal(p[0], 7);
        assert_true(in_regions(m, p, vs, false));
        assert_false(in_regions(m, p, 4, true)); /* programs cannot write */
        assert_true(m->ops->redirect(m, 1, &ifi));
        assert_int_equal(ifi, 7);
        if (vs == 8) { /* a program fd: bpfvm runs no program on redirect */
            v[1] = 3;
            assert_int_equal(bpfvm_map_update(m, &k, v, 0), -EINVAL);
            v[1] = (uint32_t)-1; /* fd <= 0: none */
            assert_int_equal(bpfvm_map_update(m, &k, v, 0), 0);
            assert_int_equal(bpfvm_map_lookup(m, &k, o), 0);
            assert_int_equal(o[1], 0);
        }
        v[0] = 0, v[1] = 0; /* ifindex 0 empties the entry */
        assert_int_equal(bpfvm_map_update(m, &k, v, 0), 0);
        assert_int_equal(bpfvm_map_lookup(m, &k, o), -ENOENT);
        assert_false(m->ops->redirect(m, 1, &ifi));
        k = 4;
        assert_int_equal(bpfvm_map_update(m, &k, v, 0), -E2BIG);
        assert_int_equal(bpfvm_map_delete(m, &k), -EINVAL);
        assert_false(m->ops->redirect(m, 4, &ifi));
        k = 2;
        v[0] = 3;
        assert_int_equal(bpfvm_map_update(m, &k, v, 0), 0);
        assert_int_equal(bpfvm_map_delete(m, &k), 0);
        assert_int_equal(bpfvm_map_delete(m, &k), 0); /* Linux: deleting an empty entry is fine */
        assert_int_equal(bpfvm_map_lookup(m, &k, o), -ENOENT);
        /* iteration: every index, as an array */
        assert_int_equal(bpfvm_map_next_key(m, NULL, &n), 0);
        assert_int_equal(n, 0);
        k = 2;
        assert_int_equal(bpfvm_map_next_key(m, &k, &n), 0);
        assert_int_equal(n, 3);
        k = 3;
        assert_int_equal(bpfvm_map_next_key(m, &k, &n), -ENOENT);
        k = 77;
        assert_int_equal(bpfvm_map_next_key(m, &k, &n), 0);
        assert_int_equal(n, 0);
        /* programs cannot update or delete */
        assert_null(m->ops->update);
        assert_null(m->ops->delete);
    }
    bpfvm_vm_free(vm);
}

static void test_devmap_hash(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *m = mkv(vm, BPFVM_MAP_DEVMAP_HASH, 8, 2);
    uint32_t k = 1000, v[2] = { 5, 0 }, o[2], n, ifi = 0;
    assert_int_equal(bpfvm_map_update(m, &k, v, BPFVM_EXIST), 0); /* Linux: BPF_EXIST inserts too */
    assert_int_equal(bpfvm_map_delete(m, &k), 0);
    assert_int_equal(bpfvm_map_update(m, &k, v, BPFVM_NOEXIST), 0);
    assert_int_equal(bpfvm_map_update(m, &k, v, BPFVM_NOEXIST), -EEXIST);
    assert_int_equal(bpfvm_map_update(m, &k, v, 3), -EINVAL);
    v[0] = 0; /* a hash entry needs a device */
    assert_int_equal(bpfvm_map_update(m, &k, v, BPFVM_ANY), -EINVAL);
    v[0] = 6, v[1] = 9; /* a program fd */
    assert_int_equal(bpfvm_map_update(m, &k, v, BPFVM_ANY), -EINVAL);
    assert_int_equal(bpfvm_map_update(m, &k, v, BPFVM_NOEXIST), -EEXIST); /* Linux checks that first */
    v[1] = 0;
    assert_int_equal(bpfvm_map_update(m, &k, v, BPFVM_EXIST), 0);
    assert_int_equal(bpfvm_map_lookup(m, &k, o), 0);
    assert_int_equal(o[0], 6);
    assert_int_equal(o[1], 0);
    const uint32_t *p = m->ops->lookup(m, &k, 0);
    assert_non_null(p);
    assert_int_equal(*p, 6);
    assert_false(in_regions(m, p, 4, true));
    assert_true(m->ops->redirect(m, 1000, &ifi));
    assert_int_equal(ifi, 6);
    assert_false(m->ops->redirect(m, 1001, &ifi));
    k = 1001;
    assert_int_equal(bpfvm_map_update(m, &k, v, 0), 0);
    k = 1002;
    assert_int_equal(bpfvm_map_update(m, &k, v, 0), -E2BIG); /* full */
    assert_int_equal(bpfvm_map_delete(m, &k), -ENOENT);
    unsigned count = 0;
    for (int rc = bpfvm_map_next_key(m, NULL, &n); !rc; rc = bpfvm_map_next_key(m, &k, &n)) {
        assert_true(n == 1000 || n == 1001);
        k = n;
        count++;
    }
    assert_int_equal(count, 2);
    k = 1000;
    assert_int_equal(bpfvm_map_delete(m, &k), 0);
    assert_false(m->ops->redirect(m, 1000, &ifi));
    bpfvm_vm_free(vm);
}

static void test_cpumap(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    assert_int_equal(bpfvm_vm_set_ncpus(vm, 2, NULL), 0);
    bpfvm_map *m = mkv(vm, BPFVM_MAP_CPUMAP, 8, 4);
    uint32_t k = 1, v[2] = { 192, 0 }, o[2], ifi = 5;
    assert_int_equal(bpfvm_map_lookup(m, &k, o), -ENOENT);
    assert_int_equal(bpfvm_map_update(m, &k, v, BPFVM_NOEXIST), -EEXIST);
    assert_int_equal(bpfvm_map_update(m, &k, v, 0), 0);
    assert_int_equal(bpfvm_map_lookup(m, &k, o), 0);
    assert_int_equal(o[0], 192);
    assert_int_equal(o[1], 0);
    assert_null(m->ops->lookup(m, &k, 0)); /* Linux: programs only redirect to a cpumap */
    assert_true(m->ops->redirect(m, 1, &ifi));
    assert_int_equal(ifi, 0);
    v[0] = 16385;
    assert_int_equal(bpfvm_map_update(m, &k, v, 0), -EOVERFLOW);
    v[0] = 16384;
    k = 2; /* not one of the VM's 2 CPUs */
    assert_int_equal(bpfvm_map_update(m, &k, v, 0), -ENODEV);
    k = 4;
    assert_int_equal(bpfvm_map_update(m, &k, v, 0), -E2BIG);
    assert_int_equal(bpfvm_map_delete(m, &k), -EINVAL);
    k = 0;
    v[1] = 4; /* a program for the CPU's queue: Linux's answer for an fd that is not one */
    assert_int_equal(bpfvm_map_update(m, &k, v, 0), -ENOMEM);
    v[0] = 0; /* qsize 0 empties the entry */
    k = 1;
    assert_int_equal(bpfvm_map_update(m, &k, v, 0), 0);
    assert_int_equal(bpfvm_map_lookup(m, &k, o), -ENOENT);
    assert_false(m->ops->redirect(m, 1, &ifi));
    assert_false(m->ops->redirect(m, 9, &ifi));
    bpfvm_vm_free(vm);
}

static void test_xskmap(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *m = mkv(vm, BPFVM_MAP_XSKMAP, 4, 4);
    uint32_t k = 3, q = 0, o, ifi = 5;
    assert_int_equal(bpfvm_map_update(m, &k, &q, BPFVM_EXIST), -ENOENT);
    assert_null(m->ops->lookup(m, &k, 0));
    assert_false(m->ops->redirect(m, 3, &ifi));
    assert_int_equal(bpfvm_map_update(m, &k, &q, BPFVM_NOEXIST), 0); /* queue 0 is a socket too */
    assert_int_equal(bpfvm_map_update(m, &k, &q, BPFVM_NOEXIST), -EEXIST);
    q = 7;
    assert_int_equal(bpfvm_map_update(m, &k, &q, BPFVM_EXIST), 0);
    assert_int_equal(bpfvm_map_lookup(m, &k, &o), -EOPNOTSUPP); /* Linux does not give sockets back */
    const uint32_t *p = m->ops->lookup(m, &k, 0); /* struct bpf_xdp_sock: queue_id */
    assert_non_null(p);
    assert_int_equal(*p, 7);
    assert_true(in_regions(m, p, 4, false));
    assert_false(in_regions(m, p, 4, true));
    assert_true(m->ops->redirect(m, 3, &ifi));
    assert_int_equal(ifi, 0);
    k = 4;
    assert_int_equal(bpfvm_map_update(m, &k, &q, 0), -E2BIG);
    assert_int_equal(bpfvm_map_delete(m, &k), -EINVAL);
    k = 3;
    assert_int_equal(bpfvm_map_delete(m, &k), 0);
    assert_false(m->ops->redirect(m, 3, &ifi));
    bpfvm_vm_free(vm);
}

static void test_perf_event_array(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *m = mkv(vm, BPFVM_MAP_PERF_EVENT_ARRAY, 4, 4);
    uint32_t k = 2, cpu = 2, o, n;
    assert_int_equal(map_perf_entry(m, 2), -ENOENT);
    assert_int_equal(map_perf_entry(m, 4), -E2BIG);
    assert_int_equal(bpfvm_map_update(m, &k, &cpu, BPFVM_NOEXIST), -EINVAL); /* Linux: BPF_ANY only */
    assert_int_equal(bpfvm_map_update(m, &k, &cpu, BPFVM_ANY), 0);
    assert_int_equal(map_perf_entry(m, 2), 2);
    assert_int_equal(bpfvm_map_lookup(m, &k, &o), -MAP_ENOTSUPP);
    assert_null(m->ops->lookup(m, &k, 0));
    assert_null(m->ops->redirect);
    k = 4;
    assert_int_equal(bpfvm_map_update(m, &k, &cpu, 0), -E2BIG);
    assert_int_equal(bpfvm_map_delete(m, &k), -E2BIG);
    k = 2;
    assert_int_equal(bpfvm_map_delete(m, &k), 0);
    assert_int_equal(bpfvm_map_delete(m, &k), -ENOENT);
    assert_int_equal(map_perf_entry(m, 2), -ENOENT);
    assert_int_equal(bpfvm_map_next_key(m, NULL, &n), 0);
    assert_int_equal(n, 0);
    bpfvm_region r[MAP_MAX_REGIONS];
    assert_int_equal(m->ops->regions(m, r, MAP_MAX_REGIONS), 0); /* programs get no pointer into it */
    bpfvm_vm_free(vm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),        cmocka_unit_test(test_devmap), cmocka_unit_test(test_devmap_hash),
        cmocka_unit_test(test_cpumap),       cmocka_unit_test(test_xskmap), cmocka_unit_test(test_perf_event_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
