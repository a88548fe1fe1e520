/* fuzz_body.h — what fuzz_elf does with one input, shared with the replay of the
 * inputs it found (tests/obj/fuzz_regress, run by test_malformed): open the bytes
 * as an object, list programs and maps, print map contents through BTF, look up
 * line info, and run every packet / raw-memory program with a step budget. */
#ifndef BPFVM_TESTS_FUZZ_BODY_H
#define BPFVM_TESTS_FUZZ_BODY_H

#include "bpfvm.h"

#include <stdint.h>
#include <string.h>

static inline void fuzz_one(const uint8_t *data, size_t size)
{
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_obj *obj = NULL;
    bpfvm_error err;
    if (!vm)
        return;
    if (bpfvm_obj_open_mem(vm, data, size, "fuzz.o", BPFVM_EXT_ALL, &obj, &err) == 0) {
        char buf[4096];
        for (size_t i = 0; i < bpfvm_obj_map_count(obj); i++) {
            bpfvm_map *m = bpfvm_obj_map(obj, i);
            const bpfvm_map_def *d = bpfvm_map_get_def(m);
            uint8_t key[512] = { 0 }, next[512], val[8192];
            if (d->key_size > sizeof key || d->value_size > 1024)
                continue;
            if (bpfvm_map_next_key(m, NULL, next) == 0 && bpfvm_map_lookup(m, next, val) == 0) {
                bpfvm_map_format(m, true, next, buf, sizeof buf);
                if (d->type == BPFVM_MAP_ARRAY || d->type == BPFVM_MAP_HASH)
                    bpfvm_map_format(m, false, val, buf, sizeof buf);
            }
            (void)key;
        }
        bpfvm_packet *pkt = bpfvm_packet_new();
        static const uint8_t frame[60] = { 0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00, 0x45 };
        for (size_t i = 0; pkt && i < bpfvm_obj_prog_count(obj); i++) {
            bpfvm_prog *p = bpfvm_obj_prog(obj, i);
            const char *file, *src;
            int line, col;
            bpfvm_prog_line(p, 0, &file, &line, &col, &src);
            bpfvm_prog_type t = bpfvm_prog_get_type(p);
            uint64_t ret;
            bpfvm_run_opts ro = { .step_budget = 20000 };
            if (t == BPFVM_PROG_XDP || t == BPFVM_PROG_SOCKET_FILTER || t == BPFVM_PROG_SCHED_CLS) {
                if (bpfvm_packet_set(pkt, frame, sizeof frame, &err) == 0)
                    bpfvm_run_packet(p, pkt, &ro, &ret, &err);
            } else if (t == BPFVM_PROG_MEM) {
                uint8_t mem[64] = { 0 };
                bpfvm_run(p, mem, sizeof mem, &ro, &ret, &err);
            }
        }
        bpfvm_packet_free(pkt);
        bpfvm_obj_free(obj);
    }
    bpfvm_vm_free(vm);
}

#endif
