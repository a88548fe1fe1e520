/* util.h — shared by the command-line tools and the tests: reading files, hex
 * text, conformance-suite test files, loading a program from any supported form,
 * and the conformance harness's helper #5. */
#ifndef BPFVM_TOOLS_UTIL_H
#define BPFVM_TOOLS_UTIL_H

#include "bpfvm.h"

#include <stdio.h>

/* Reads a whole file (or stdin for "-"); *data is NUL-terminated and malloc'ed. */
int util_read_file(const char *path, uint8_t **data, size_t *len, bpfvm_error *err);

/* Parses hex bytes separated by blanks ("aa bb", "aa  bb  ", "aabb"). */
int util_parse_hex(const char *text, uint8_t **out, size_t *len, bpfvm_error *err);

/* A test file of the conformance suite (see shared/bpf_conformance/README.md). */
typedef struct conf_test {
    char *asm_text;   /* -- asm, or NULL */
    uint8_t *raw;     /* -- raw, or NULL */
    size_t raw_len;
    uint8_t *mem;     /* -- mem, or NULL */
    size_t mem_len;
    bool has_result;
    uint64_t result;
    bool has_error;
    char *error;      /* -- error text (may be empty) */
} conf_test;

int util_parse_conf_test(const char *text, conf_test *t, bpfvm_error *err);
void util_free_conf_test(conf_test *t);

/* Loads program bytes from PATH: .bin = raw bytecode, .data = conformance test
 * file, anything else is assembly (syntax detected per line unless given). */
int util_load_program_bytes(const char *path, bpfvm_syntax syntax, unsigned ext, uint8_t **code,
                            size_t *len, bpfvm_error *err);

/* Parses "callx,acqrel,may_goto" or "all" into BPFVM_EXT_* flags. */
int util_parse_ext(const char *list, unsigned *ext, bpfvm_error *err);

/* Sorted names of the files in dir ending with suffix; NULL on error.
 * Free each name and the array. */
char **util_list_dir(const char *dir, const char *suffix, size_t *n);

/* Registers the conformance harness's helper #5 (util_helper_noop) with the
 * prototype of Linux's helper 5 (no arguments), so programs calling it verify. */
int util_register_conformance_helper(bpfvm_vm *vm, bpfvm_error *err);

/* The conformance harness's helper #5: returns normally (r0 = 0). */
uint64_t util_helper_noop(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfvm_call *c);

#endif
