/* helpers.h — bpfvm's standard helpers: Linux ids, names, prototypes. */
#ifndef BPFVM_HELPERS_H
#define BPFVM_HELPERS_H

#include "rt/vm.h"

typedef struct std_helper {
    uint32_t id;
    const char *name;
    bpfvm_helper_fn fn;
    bpfvm_helper_proto proto;
} std_helper;

extern const std_helper std_helpers[];
extern const size_t std_helpers_count;

/* Registers every standard helper in vm (bpfvm_vm_new does this). */
int helpers_register_std(bpfvm_vm *vm, bpfvm_error *err);

#endif
