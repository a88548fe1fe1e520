/* test_maps_registry.c — the map registry and the generic rules of map creation:
 * ids in creation order, lookup by id/name/index, type names, the CPU count, the
 * Linux validation of definitions (errno for every rule), map-in-map templates,
 * access flags, vm_is_map (never fooled by pointers that are not maps) and regions.
 */
#include "maptest.h"

static void test_ids_names(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    assert_int_equal(bpfvm_map_count(vm), 0);
    assert_null(bpfvm_map_by_id(vm, 1));
    bpfvm_map_def d1 = { BPFVM_MAP_ARRAY, 4, 8, 2, 0, "counts", NULL };
    bpfvm_map_def d2 = { BPFVM_MAP_HASH, 8, 8, 16, 0, "flows", NULL };
    bpfvm_map_def d3 = { BPFVM_MAP_QUEUE, 0, 4, 4, 0, NULL, NULL };
    bpfvm_map *a, *b, *c;
    assert_int_equal(bpfvm_map_create(vm, &d1, &a, NULL), 0);
    assert_int_equal(bpfvm_map_create(vm, &d2, &b, NULL), 0);
    assert_int_equal(bpfvm_map_create(vm, &d3, &c, NULL), 0);
    assert_int_equal(bpfvm_map_id(a), 1);
    assert_int_equal(bpfvm_map_id(b), 2);
    assert_int_equal(bpfvm_map_id(c), 3);
    assert_ptr_equal(bpfvm_map_by_id(vm, 2), b);
    assert_null(bpfvm_map_by_id(vm, 0));
    assert_null(bpfvm_map_by_id(vm, 4));
    assert_ptr_equal(bpfvm_map_by_name(vm, "flows"), b);
    assert_ptr_equal(bpfvm_map_by_name(vm, "counts"), a);
    assert_null(bpfvm_map_by_name(vm, "nope"));
    assert_null(bpfvm_map_by_name(vm, NULL));
    assert_int_equal(bpfvm_map_count(vm), 3);
    assert_ptr_equal(bpfvm_map_at(vm, 0), a);
    assert_ptr_equal(bpfvm_map_at(vm, 2), c);
    assert_null(bpfvm_map_at(vm, 3));
    const bpfvm_map_def *g = bpfvm_map_get_def(b);
    assert_int_equal(g->type, BPFVM_MAP_HASH);
    assert_int_equal(g->key_size, 8);
    assert_int_equal(g->max_entries, 16);
    assert_string_equal(g->name, "flows");
    assert_ptr_not_equal(g->name, d2.name); /* copied */
    assert_string_equal(bpfvm_map_get_def(c)->name, "");
    /* many maps: the registry grows, ids stay dense */
    for (int i = 0; i < 100; i++)
        mk(vm, BPFVM_MAP_ARRAY, 4, 4, 1, 0);
    assert_int_equal(bpfvm_map_count(vm), 103);
    for (uint32_t id = 1; id <= 103; id++)
        assert_int_equal(bpfvm_map_id(bpfvm_map_by_id(vm, id)), id);
    bpfvm_vm_free(vm);
}

static void test_type_names(void **state)
{
    (void)state;
    static const struct { bpfvm_map_type t; const char *n; } names[] = {
        { BPFVM_MAP_HASH, "hash" }, { BPFVM_MAP_ARRAY, "array" }, { BPFVM_MAP_PROG_ARRAY, "prog_array" },
        { BPFVM_MAP_PERCPU_HASH, "percpu_hash" }, { BPFVM_MAP_PERCPU_ARRAY, "percpu_array" },
        { BPFVM_MAP_LRU_HASH, "lru_hash" }, { BPFVM_MAP_LRU_PERCPU_HASH, "lru_percpu_hash" },
        { BPFVM_MAP_ARRAY_OF_MAPS, "array_of_maps" }, { BPFVM_MAP_HASH_OF_MAPS, "hash_of_maps" },
        { BPFVM_MAP_QUEUE, "queue" }, { BPFVM_MAP_STACK, "stack" }, { BPFVM_MAP_RINGBUF, "ringbuf" },
        { BPFVM_MAP_PERF_EVENT_ARRAY, "perf_event_array" }, { BPFVM_MAP_DEVMAP, "devmap" },
        { BPFVM_MAP_DEVMAP_HASH, "devmap_hash" }, { BPFVM_MAP_CPUMAP, "cpumap" }, { BPFVM_MAP_XSKMAP, "xskmap" },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        assert_string_equal(bpfvm_map_type_name(names[i].t), names[i].n);
        assert_non_null(map_ops_for(names[i].t));
        /* every type answers a program's lookup (helpers call it unconditionally) */
        assert_non_null(map_ops_for(names[i].t)->lookup);
        assert_non_null(map_ops_for(names[i].t)->regions);
    }
    /* Linux's other types have names (objects declaring them load and list), no ops */
    assert_string_equal(bpfvm_map_type_name((bpfvm_map_type)7), "stack_trace");
    assert_string_equal(bpfvm_map_type_name((bpfvm_map_type)11), "lpm_trie");
    assert_null(map_ops_for((bpfvm_map_type)7));
    assert_null(bpfvm_map_type_name((bpfvm_map_type)999));
    assert_null(bpfvm_map_type_name((bpfvm_map_type)0));
}

static void test_create_errors(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_error err;
    bpfvm_map *m = (bpfvm_map *)1;
    bpfvm_map_def d = { BPFVM_MAP_ARRAY, 8, 4, 1, 0, "bad", NULL };
    assert_int_equal(bpfvm_map_create(vm, &d, &m, &err), -BPFVM_E_INVALID);
    assert_null(m);
    assert_non_null(strstr(err.msg, "key_size"));
    assert_non_null(strstr(err.msg, "EINVAL"));
    assert_non_null(strstr(err.msg, "'bad'"));
    d.type = (bpfvm_map_type)7;
    assert_int_equal(bpfvm_map_create(vm, &d, &m, &err), -BPFVM_E_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "not supported"));
    assert_int_equal(bpfvm_map_create(NULL, &d, &m, &err), -BPFVM_E_ARG);
    assert_int_equal(bpfvm_map_create(vm, NULL, &m, &err), -BPFVM_E_ARG);
    d = (bpfvm_map_def){ BPFVM_MAP_ARRAY, 4, 4, 1, 0,
                         "a_very_long_map_name_that_goes_on_and_on_past_sixty_three_characters_x", NULL };
    assert_int_equal(bpfvm_map_create(vm, &d, &m, &err), -BPFVM_E_ARG);
    d.name = "x";
    d.max_entries = 0x40000000; /* 4 GiB of values: refused, not crashed */
    d.value_size = 1u << 30;
    assert_int_equal(bpfvm_map_create(vm, &d, &m, &err), -BPFVM_E_NOMEM);
    assert_int_equal(bpfvm_map_count(vm), 0);
    bpfvm_vm_free(vm);
}

/* Absurd sizes are refused with a message naming the map, never a crash or an
 * allocation the OOM killer would have to end; the limit is the VM's. */
static void test_memory_limit(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_error err;
    bpfvm_map *m = NULL;
    static const bpfvm_map_def huge[] = {
        { BPFVM_MAP_HASH, 8, 1u << 20, 1u << 27, 0, "huge_hash", NULL },          /* 256 TiB of slots */
        { BPFVM_MAP_LRU_PERCPU_HASH, 16, 32768, 1u << 26, 0, "huge_pcpu", NULL },
        { BPFVM_MAP_ARRAY, 4, 1u << 30, 0xffffffffu, 0, "huge_array", NULL },
        { BPFVM_MAP_PERCPU_ARRAY, 4, 32768, 0xffffffffu, 0, "huge_pcpu_array", NULL },
        { BPFVM_MAP_QUEUE, 0, 1u << 22, 0xfffffffeu, 0, "huge_queue", NULL },
        { BPFVM_MAP_PROG_ARRAY, 4, 4, 0xffffffffu, 0, "huge_progs", NULL },
        { BPFVM_MAP_DEVMAP, 4, 8, 0xffffffffu, 0, "huge_devmap", NULL },
        { BPFVM_MAP_DEVMAP_HASH, 4, 8, 1u << 27, 0, "huge_devhash", NULL },
    };
    assert_int_equal(bpfvm_vm_set_ncpus(vm, 64, NULL), 0);
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        int rc = bpfvm_map_create(vm, &huge[i], &m, &err);
        if (rc != -BPFVM_E_NOMEM)
            fail_msg("%s: rc %d: %s", huge[i].name, rc, rc ? err.msg : "created");
        assert_null(m);
        char want[64];
        snprintf(want, sizeof want, "map '%s'", huge[i].name);
        assert_non_null(strstr(err.msg, want));
        assert_non_null(strstr(err.msg, "map memory limit of 4.0 GiB"));
    }
    assert_int_equal(bpfvm_map_count(vm), 0);
    /* maps share the limit: the third 400 KiB array does not fit in 1 MiB */
    bpfvm_vm_set_map_memory_limit(vm, 1u << 20);
    bpfvm_map_def d = { BPFVM_MAP_ARRAY, 4, 4096, 100, 0, "a", NULL };
    assert_int_equal(bpfvm_map_create(vm, &d, &m, &err), 0);
    d.name = "b";
    assert_int_equal(bpfvm_map_create(vm, &d, &m, &err), 0);
    d.name = "c";
    assert_int_equal(bpfvm_map_create(vm, &d, &m, &err), -BPFVM_E_NOMEM);
    assert_non_null(strstr(err.msg, "map 'c' (array): needs 400.0 KiB, but the other maps already use 800.0 KiB"));
    d.max_entries = 50; /* a refused map charged nothing: half of it fits */
    assert_int_equal(bpfvm_map_create(vm, &d, &m, &err), 0);
    bpfvm_map_def rb = { BPFVM_MAP_RINGBUF, 0, 0, 1u << 20, 0, "ring", NULL }; /* mapped twice: 2 MiB */
    assert_int_equal(bpfvm_map_create(vm, &rb, &m, &err), -BPFVM_E_NOMEM);
    assert_non_null(strstr(err.msg, "map 'ring' (ringbuf): needs 2.0 MiB ("));
    assert_non_null(strstr(err.msg, "more than the VM's map memory limit of 1.0 MiB"));
    bpfvm_vm_free(vm);

    /* with the limit lifted, an allocation the system refuses takes the error path
     * (the hash map's used the map after freeing it: ASan checks it here) */
    vm = bpfvm_vm_new();
    bpfvm_vm_set_map_memory_limit(vm, UINT64_MAX);
    static const bpfvm_map_def refused[] = {
        { BPFVM_MAP_HASH, 8, (4u << 20) - 64, 1u << 27, 0, "too_big", NULL }, /* 1 PiB: beyond the address space */
        { BPFVM_MAP_ARRAY, 4, 1u << 30, 1u << 22, 0, "too_big_array", NULL },
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        int rc = bpfvm_map_create(vm, &refused[i], &m, &err);
        assert_int_equal(rc, -BPFVM_E_NOMEM);
        assert_non_null(strstr(err.msg, refused[i].name));
        assert_non_null(strstr(err.msg, "cannot allocate"));
    }
    bpfvm_vm_free(vm);
}

/* Linux's creation rules: every row is checked against the errno bpf(2) gives
 * (tests/maps/test_maps_kernel.c checks the same rows against the running kernel). */
static void test_def_rules(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_map *arr = mk(vm, BPFVM_MAP_ARRAY, 4, 8, 4, 0);
    bpfvm_map *pa = mk(vm, BPFVM_MAP_PROG_ARRAY, 4, 4, 4, 0);
    bpfvm_map *aom = mk_inner(vm, BPFVM_MAP_ARRAY_OF_MAPS, 4, 4, arr);
    const struct { bpfvm_map_def d; int e; } rows[] = {
        { { BPFVM_MAP_HASH, 8, 8, 4, 0, NULL, NULL }, 0 },
        { { BPFVM_MAP_HASH, 513, 8, 4, 0, NULL, NULL }, 0 },
        { { BPFVM_MAP_HASH, 0, 8, 4, 0, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_HASH, 8, 0, 4, 0, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_HASH, 8, 8, 0, 0, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_HASH, 8, 8, (1u << 27) + 1, 0, NULL, NULL }, -E2BIG },
        { { BPFVM_MAP_HASH, 4u << 20, 8, 4, 0, NULL, NULL }, -E2BIG },
        { { BPFVM_MAP_HASH, 8, 8, 4, MAP_F_MMAPABLE, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_HASH, 8, 8, 4, MAP_F_NO_COMMON_LRU, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_HASH, 8, 8, 4, BPFVM_F_NO_PREALLOC | MAP_F_ZERO_SEED, NULL, NULL }, 0 },
        { { BPFVM_MAP_HASH, 8, 8, 4, MAP_F_RDONLY | MAP_F_WRONLY, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_HASH, 8, 8, 4, MAP_F_RDONLY_PROG | MAP_F_WRONLY_PROG, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_LRU_HASH, 8, 8, 4, BPFVM_F_NO_PREALLOC, NULL, NULL }, -MAP_ENOTSUPP },
        { { BPFVM_MAP_LRU_HASH, 8, 8, 4, MAP_F_NO_COMMON_LRU, NULL, NULL }, 0 },
        { { BPFVM_MAP_PERCPU_HASH, 8, 32768, 4, 0, NULL, NULL }, 0 },
        { { BPFVM_MAP_PERCPU_HASH, 8, 32769, 4, 0, NULL, NULL }, -E2BIG },
        { { BPFVM_MAP_ARRAY, 4, 8, 4, BPFVM_F_NO_PREALLOC, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_ARRAY, 8, 8, 4, 0, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_ARRAY, 4, 0, 4, 0, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_ARRAY, 4, 8, 0, 0, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_ARRAY, 4, 8, 4, BPFVM_F_RDONLY_PROG | MAP_F_MMAPABLE, NULL, NULL }, 0 },
        { { BPFVM_MAP_PERCPU_ARRAY, 4, 32768, 4, 0, NULL, NULL }, 0 },
        { { BPFVM_MAP_PERCPU_ARRAY, 4, 32769, 4, 0, NULL, NULL }, -E2BIG },
        { { BPFVM_MAP_PERCPU_ARRAY, 4, 8, 4, MAP_F_MMAPABLE, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_PROG_ARRAY, 4, 8, 4, 0, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_PROG_ARRAY, 4, 4, 4, BPFVM_F_RDONLY_PROG, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_QUEUE, 4, 8, 4, 0, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_QUEUE, 0, 8, 0, 0, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_QUEUE, 0, 8, 4, BPFVM_F_NO_PREALLOC, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_STACK, 0, 8, 4, BPFVM_F_RDONLY_PROG, NULL, NULL }, 0 },
        { { BPFVM_MAP_RINGBUF, 0, 0, 4096, 0, NULL, NULL }, 0 },
        { { BPFVM_MAP_RINGBUF, 0, 0, 3 * 4096, 0, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_RINGBUF, 0, 0, 2048, 0, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_RINGBUF, 4, 0, 4096, 0, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_RINGBUF, 0, 0, 4096, BPFVM_F_RDONLY_PROG, NULL, NULL }, -EINVAL },
        { { BPFVM_MAP_ARRAY_OF_MAPS, 4, 4, 4, 0, NULL, NULL }, -EBADF },
        { { BPFVM_MAP_ARRAY_OF_MAPS, 4, 8, 4, 0, NULL, arr }, -EINVAL },
        { { BPFVM_MAP_ARRAY_OF_MAPS, 4, 4, 4, 0, NULL, pa }, -MAP_ENOTSUPP },
        { { BPFVM_MAP_ARRAY_OF_MAPS, 4, 4, 4, 0, NULL, aom }, -EINVAL },
        { { BPFVM_MAP_ARRAY_OF_MAPS, 4, 4, 4, BPFVM_F_RDONLY_PROG, NULL, arr }, -EINVAL },
        { { BPFVM_MAP_HASH_OF_MAPS, 4, 4, 4, BPFVM_F_RDONLY_PROG, NULL, arr }, 0 },
        { { BPFVM_MAP_HASH_OF_MAPS, 4, 4, 4, 0, NULL, NULL }, -EBADF },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char why[200];
        int e = map_def_check(&rows[i].d, why, sizeof why);
        if (e != rows[i].e)
            fail_msg("row %zu (type %d): got %d (%s), want %d", i, (int)rows[i].d.type, e, why, rows[i].e);
        if (e)
            assert_true(why[0] != '\0');
    }
    bpfvm_vm_free(vm);
}

static void test_ncpus(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_error err;
    assert_int_equal(bpfvm_vm_ncpus(vm), 1);
    assert_int_equal(bpfvm_vm_set_ncpus(vm, 0, &err), -BPFVM_E_ARG);
    assert_int_equal(bpfvm_vm_set_ncpus(vm, 100000, &err), -BPFVM_E_ARG);
    assert_int_equal(bpfvm_vm_set_ncpus(vm, 4, &err), 0);
    assert_int_equal(bpfvm_vm_ncpus(vm), 4);
    bpfvm_map *pc = mk(vm, BPFVM_MAP_PERCPU_ARRAY, 4, 4, 1, 0);
    bpfvm_map *a = mk(vm, BPFVM_MAP_ARRAY, 4, 4, 1, 0);
    assert_int_equal(pc->ncpus, 4);
    assert_int_equal(a->ncpus, 1);
    assert_int_equal(pc->value_stride, 8);
    assert_int_equal(bpfvm_vm_set_ncpus(vm, 8, &err), -BPFVM_E_ARG);
    assert_non_null(strstr(err.msg, "before creating maps"));
    assert_int_equal(bpfvm_vm_set_ncpus(vm, 4, &err), 0); /* no change: fine */
    assert_int_equal(bpfvm_vm_ncpus(vm), 4);
    bpfvm_vm_free(vm);
}

static void test_map_in_map_template(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new(), *vm2 = bpfvm_vm_new();
    bpfvm_error err;
    bpfvm_map *other = mk(vm2, BPFVM_MAP_ARRAY, 4, 8, 4, 0);
    bpfvm_map_def d = { BPFVM_MAP_HASH_OF_MAPS, 4, 4, 4, 0, "outer", other };
    bpfvm_map *m;
    assert_int_equal(bpfvm_map_create(vm, &d, &m, &err), -BPFVM_E_INVALID);
    assert_non_null(strstr(err.msg, "another VM"));
    d.inner = NULL;
    assert_int_equal(bpfvm_map_create(vm, &d, &m, &err), -BPFVM_E_INVALID);
    assert_non_null(strstr(err.msg, "EBADF"));
    /* def.inner is ignored (cleared) for other types */
    bpfvm_map_def h = { BPFVM_MAP_HASH, 4, 4, 4, 0, NULL, other };
    assert_int_equal(bpfvm_map_create(vm, &h, &m, &err), 0);
    assert_null(bpfvm_map_get_def(m)->inner);
    bpfvm_vm_free(vm);
    bpfvm_vm_free(vm2);
}

static void test_access_flags(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    uint32_t k = 1, v = 7, out = 0;
    bpfvm_map *ro = mk(vm, BPFVM_MAP_HASH, 4, 4, 4, MAP_F_RDONLY);
    assert_int_equal(bpfvm_map_update(ro, &k, &v, 0), -EPERM);
    assert_int_equal(bpfvm_map_delete(ro, &k), -EPERM);
    assert_int_equal(bpfvm_map_lookup(ro, &k, &out), -ENOENT);
    /* programs may still write a host-read-only map */
    assert_int_equal(ro->ops->update(ro, &k, &v, 0, 0), 0);
    assert_int_equal(bpfvm_map_lookup(ro, &k, &out), 0);
    assert_int_equal(out, 7);
    bpfvm_map *wo = mk(vm, BPFVM_MAP_HASH, 4, 4, 4, MAP_F_WRONLY);
    assert_int_equal(bpfvm_map_update(wo, &k, &v, 0), 0);
    assert_int_equal(bpfvm_map_lookup(wo, &k, &out), -EPERM);
    assert_int_equal(bpfvm_map_next_key(wo, NULL, &out), -EPERM);
    bpfvm_map *rop = mk(vm, BPFVM_MAP_HASH, 4, 4, 4, BPFVM_F_RDONLY_PROG);
    assert_int_equal(rop->ops->update(rop, &k, &v, 0, 0), -EPERM);
    assert_int_equal(bpfvm_map_update(rop, &k, &v, 0), 0);
    assert_int_equal(rop->ops->delete(rop, &k), -EPERM);
    assert_int_equal(bpfvm_map_delete(rop, &k), 0);
    /* BPF_F_LOCK needs a bpf_spin_lock: refused for every map */
    bpfvm_map *h = mk(vm, BPFVM_MAP_HASH, 4, 4, 4, 0);
    assert_int_equal(bpfvm_map_update(h, &k, &v, MAP_F_LOCK), -EINVAL);
    /* NULL arguments */
    assert_int_equal(bpfvm_map_lookup(NULL, &k, &out), -EINVAL);
    assert_int_equal(bpfvm_map_lookup(h, NULL, &out), -EINVAL);
    assert_int_equal(bpfvm_map_lookup(h, &k, NULL), -EINVAL);
    assert_int_equal(bpfvm_map_update(h, &k, NULL, 0), -EINVAL);
    assert_int_equal(bpfvm_map_delete(h, NULL), -EINVAL);
    assert_int_equal(bpfvm_map_next_key(h, NULL, NULL), -EINVAL);
    /* push/pop only exist for queues and stacks */
    assert_int_equal(bpfvm_map_push(h, &v, 0), -EINVAL);
    assert_int_equal(bpfvm_map_pop(h, &out), -EINVAL);
    assert_int_equal(bpfvm_map_set_prog(h, 0, NULL), -EINVAL);
    assert_int_equal(bpfvm_map_set_map(h, &k, NULL), -EINVAL);
    bpfvm_vm_free(vm);
}

static void test_vm_is_map(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new(), *vm2 = bpfvm_vm_new();
    assert_false(vm_is_map(vm, NULL));
    bpfvm_map *a = mk(vm, BPFVM_MAP_ARRAY, 4, 8, 4, 0);
    bpfvm_map *o = mk(vm2, BPFVM_MAP_ARRAY, 4, 8, 4, 0);
    uint64_t local = 0;
    assert_true(vm_is_map(vm, a));
    assert_false(vm_is_map(vm, o));
    assert_false(vm_is_map(vm2, a));
    assert_false(vm_is_map(vm, (char *)a + 8));
    assert_false(vm_is_map(vm, (char *)a + 1));
    assert_false(vm_is_map(vm, &local));
    assert_false(vm_is_map(vm, (void *)(uintptr_t)0xdead0000)); /* not dereferenced */
    assert_false(vm_is_map(vm, a->ops->lookup(a, &(uint32_t){ 0 }, 0)));
    bpfvm_map *all[300];
    for (int i = 0; i < 300; i++)
        all[i] = mk(vm, BPFVM_MAP_ARRAY, 4, 4, 1, 0);
    for (int i = 0; i < 300; i++)
        assert_true(vm_is_map(vm, all[i]));
    assert_true(vm_is_map(vm, a));
    assert_false(vm_is_map(vm, o));
    bpfvm_vm_free(vm);
    bpfvm_vm_free(vm2);
}

static void test_regions(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_region r[MAP_MAX_REGIONS];
    uint32_t k = 3;
    bpfvm_map *a = mk(vm, BPFVM_MAP_ARRAY, 4, 12, 5, 0);
    assert_int_equal(a->ops->regions(a, r, MAP_MAX_REGIONS), 1);
    assert_int_equal(r[0].len, 5 * 16);
    assert_true(r[0].writable);
    uint8_t *v = a->ops->lookup(a, &k, 0);
    assert_ptr_equal(v, (uint8_t *)(uintptr_t)r[0].start + 3 * 16);
    assert_int_equal((uintptr_t)v & 7, 0);
    assert_int_equal(a->ops->regions(a, r, 0), 0);

    bpfvm_map *ro = mk(vm, BPFVM_MAP_ARRAY, 4, 8, 1, BPFVM_F_RDONLY_PROG);
    assert_int_equal(ro->ops->regions(ro, r, MAP_MAX_REGIONS), 1);
    assert_false(r[0].writable);

    bpfvm_map *h = mk(vm, BPFVM_MAP_HASH, 6, 10, 64, 0);
    for (uint64_t i = 0; i < 64; i++) {
        uint8_t key[6] = { (uint8_t)i, 1, 2, 3, 4, 5 }, val[10] = { (uint8_t)i };
        assert_int_equal(bpfvm_map_update(h, key, val, 0), 0);
        uint8_t *p = h->ops->lookup(h, key, 0);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p & 7, 0);
        assert_true(in_regions(h, p, 16, true));
        assert_int_equal(p[0], (uint8_t)i);
    }
    bpfvm_map *q = mk(vm, BPFVM_MAP_QUEUE, 0, 8, 4, 0);
    assert_int_equal(q->ops->regions(q, r, MAP_MAX_REGIONS), 0);
    bpfvm_map *rb = mk(vm, BPFVM_MAP_RINGBUF, 0, 0, 4096, 0);
    assert_int_equal(rb->ops->regions(rb, r, MAP_MAX_REGIONS), 1);
    assert_true(r[0].writable);
    void *s = map_ringbuf_reserve(rb, 100, 0);
    assert_true(in_regions(rb, s, 100, true));
    map_ringbuf_commit(rb, s, true);
    bpfvm_vm_free(vm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_names),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_create_errors),
        cmocka_unit_test(test_memory_limit),
        cmocka_unit_test(test_def_rules),
        cmocka_unit_test(test_ncpus),
        cmocka_unit_test(test_map_in_map_template),
        cmocka_unit_test(test_access_flags),
        cmocka_unit_test(test_vm_is_map),
        cmocka_unit_test(test_regions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
