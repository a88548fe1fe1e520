/* obj.h — an opened ELF object: its programs, the maps it created, its BTF and
 * line info. Shared by the ELF loader (elf.c), the .BTF.ext parser (btf_ext.c) and
 * the accessors and BTF printing (obj.c). */
#ifndef BPFVM_OBJ_H
#define BPFVM_OBJ_H

#include "rt/vm.h"

struct btf;

typedef struct btf_ext_line {
    const char *sec;      /* section name */
    uint64_t insn_off;    /* byte offset in the section */
    const char *file, *src;
    uint32_t line, col;
} btf_ext_line;

typedef struct btf_ext_lines {
    btf_ext_line *v;
    size_t n;
} btf_ext_lines;

struct bpfvm_obj {
    bpfvm_vm *vm;
    char *name;
    char *license;
    uint8_t *image;       /* private copy of the file: libelf and BTF strings point into it */
    struct btf *btf;      /* libbpf's, or NULL */
    btf_ext_lines ext;    /* line info of all sections */
    bpfvm_prog **progs;
    size_t nprogs;
    bpfvm_map **maps;     /* created in the VM, in definition order (inner templates too) */
    size_t nmaps;
};

/* Parses .BTF.ext line info into obj->ext (strings resolved through obj->btf). */
int btf_ext_parse(bpfvm_obj *obj, const void *data, size_t size, bpfvm_error *err);

#endif
