/* fuzz_elf.c — libFuzzer target for the ELF loader: bytes -> bpfvm_obj_open_mem,
 * then everything a host does with an object: list programs and maps, print map
 * contents through BTF, look up line info, and run every packet program on a
 * small frame with a step budget (checked mode must contain whatever loaded).
 * Built with -DBPFVM_FUZZ=ON and CC=clang (tests/obj/CMakeLists.txt); the loader's
 * sources are compiled into the target with coverage instrumentation.
 *   fuzz_elf -max_total_time=300 CORPUS_DIR SEED_DIR   (seeds: build/tests/obj/corpus)
 */
#include "bpfvm.h"

#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level, (void)fmt, (void)ap;
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    libbpf_set_print(quiet); /* libbpf's BTF parser warns on stderr */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_obj *obj = NULL;
    bpfvm_error err;
    if (!vm)
        return 0;
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
    return 0;
}
