/* fuzz_elf.c — libFuzzer target for the ELF loader: bytes -> bpfvm_obj_open_mem,
 * then everything a host does with an object: list programs and maps, print map
 * contents through BTF, look up line info, and run every packet program on a
 * small frame with a step budget (checked mode must contain whatever loaded).
 * Built with -DBPFVM_FUZZ=ON and CC=clang (tests/obj/CMakeLists.txt); the loader's
 * sources are compiled into the target with coverage instrumentation.
 *   fuzz_elf -max_total_time=300 CORPUS_DIR SEED_DIR   (seeds: build/tests/obj/corpus)
 */
#include "bpfvm.h"
#include "fuzz_body.h"

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
    fuzz_one(data, size);
    return 0;
}
