/* vm.c — the VM object (helper registry), program loading and running: the glue
 * between the validator, the execution engines and the public API.
 * Helpers are looked up by id in a dense array so that load-time resolution and
 * callx are O(1); register helpers before loading the programs that call them.
 */
#include "rt/vm.h"
#include "exec/interp.h"
#include "exec/exec.h"
#include "exec/jit.h"

#include <time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bpfvm_vm *bpfvm_vm_new(void)
{
    return calloc(1, sizeof(bpfvm_vm));
}

void bpfvm_vm_free(bpfvm_vm *vm)
{
    if (!vm)
        return;
    for (uint32_t i = 0; i < vm->nhelpers; i++)
        free(vm->helpers[i].name);
    free(vm->helpers);
    free(vm);
}

int bpfvm_register_helper(bpfvm_vm *vm, uint32_t id, const char *name, bpfvm_helper_fn fn,
                          bpfvm_error *err)
{
    if (!vm || !fn)
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "register_helper: vm and fn must not be NULL");
    if (id > BPFVM_MAX_HELPER_ID)
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "helper id %u is above the limit of %u", id,
                          BPFVM_MAX_HELPER_ID);
    if (id >= vm->nhelpers) {
        uint32_t cap = vm->nhelpers ? vm->nhelpers : 64;
        while (cap <= id)
            cap *= 2;
        helper_entry *h = realloc(vm->helpers, cap * sizeof *h);
        if (!h)
            return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "out of memory registering helper %u", id);
        memset(h + vm->nhelpers, 0, (cap - vm->nhelpers) * sizeof *h);
        vm->helpers = h;
        vm->nhelpers = cap;
    }
    char *copy = NULL;
    if (name && !(copy = strdup(name)))
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "out of memory registering helper %u", id);
    free(vm->helpers[id].name);
    vm->helpers[id].name = copy;
    vm->helpers[id].fn = fn;
    return 0;
}

const char *bpfvm_helper_name(const bpfvm_vm *vm, uint32_t id)
{
    if (!vm || id >= vm->nhelpers || !vm->helpers[id].fn)
        return NULL;
    return vm->helpers[id].name ? vm->helpers[id].name : "";
}

unsigned bpfvm_groups(void)
{
    return (1u << BPFVM_GROUP_COUNT) - 1;
}

const char *bpfvm_group_name(unsigned group)
{
    return group < ISA_NGROUPS ? isa_group_names[group] : NULL;
}

bool bpfvm_group_is_rfc(unsigned group)
{
    return group < ISA_FIRST_EXT;
}

/* ---- programs ---------------------------------------------------------------- */

/* Host-dependent checks after validation: helpers exist, references resolve. */
static int resolve(bpfvm_prog *p, bpfvm_error *err)
{
    for (uint32_t i = 0; i < p->n; i++) {
        uint16_t id = p->info.rows[i];
        const isa_insn *in = &p->insns[i];
        switch (id) {
        case ISA_CALL_HELPER:
            if (!vm_helper(p->vm, (uint32_t)in->imm))
                return bpfvm_fail(err, BPFVM_E_INVALID, i, "call to unknown helper %u",
                                  (uint32_t)in->imm);
            break;
        case ISA_CALL_KFUNC:
            return bpfvm_fail(err, BPFVM_E_UNSUPPORTED, i,
                              "call of kernel function (kfunc) with BTF id %d is not supported", in->imm);
        case ISA_LDDW_MAP_FD:
        case ISA_LDDW_MAP_VAL:
        case ISA_LDDW_MAP_IDX:
        case ISA_LDDW_MAP_IDX_VAL:
            return bpfvm_fail(err, BPFVM_E_INVALID, i, "lddw %s refers to map %d, but the program has no maps",
                              isa_rows[id].llvm, in->imm);
        case ISA_LDDW_VAR:
            return bpfvm_fail(err, BPFVM_E_UNSUPPORTED, i,
                              "lddw var_addr (src_reg 3, platform variable %d) is not supported", in->imm);
        default:
            break;
        }
    }
    return 0;
}

int bpfvm_prog_load(bpfvm_vm *vm, const void *code, size_t len, const bpfvm_load_opts *opts,
                    bpfvm_prog **out, bpfvm_error *err)
{
    *out = NULL;
    if (!vm || (!code && len))
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "prog_load: vm and code must not be NULL");
    if (len % 8)
        return bpfvm_fail(err, BPFVM_E_INVALID, -1,
                          "bytecode is %zu bytes, not a multiple of the 8-byte instruction size", len);
    if (len / 8 > BPFVM_MAX_INSNS)
        return bpfvm_fail(err, BPFVM_E_INVALID, -1,
                          "program has %zu instructions, more than the limit of %u", len / 8, BPFVM_MAX_INSNS);
    bpfvm_prog *p = calloc(1, sizeof *p);
    if (!p)
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "out of memory");
    p->vm = vm;
    p->n = (uint32_t)(len / 8);
    p->ext = opts ? opts->ext : 0;
    p->jit_blind = opts && opts->jit_blind;
    pthread_mutex_init(&p->lock, NULL);
    p->name = strdup(opts && opts->name ? opts->name : "prog");
    p->insns = malloc(len ? len : 1);
    if (!p->name || !p->insns) {
        bpfvm_prog_free(p);
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "out of memory");
    }
    memcpy(p->insns, code, len);
    int rc = isa_validate(p->insns, p->n, p->ext, &p->info, err);
    if (rc == 0)
        rc = resolve(p, err);
    if (rc == 0)
        rc = interp_build(p, err);
    if (rc) {
        bpfvm_prog_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

void bpfvm_prog_free(bpfvm_prog *p)
{
    if (!p)
        return;
    interp_free(p->interp);
    jit_free(p->jit);
    pthread_mutex_destroy(&p->lock);
    free(p->facts);
    isa_prog_info_free(&p->info);
    free(p->insns);
    free(p->name);
    free(p);
}

size_t bpfvm_prog_len(const bpfvm_prog *p) { return p->n; }
const void *bpfvm_prog_code(const bpfvm_prog *p) { return p->insns; }
const char *bpfvm_prog_name(const bpfvm_prog *p) { return p->name; }

/* ---- running ------------------------------------------------------------------ */

void *bpfvm_call_user(bpfvm_call *call) { return call->user; }

void bpfvm_call_fail(bpfvm_call *call, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(call->fail_msg, sizeof call->fail_msg, fmt, ap);
    va_end(ap);
    call->failed = true;
}

bool bpfvm_call_mem_ok(bpfvm_call *call, uint64_t addr, uint64_t len, bool write)
{
    return len == 0 || run_mem_ok(call, addr, len, write);
}

static int run_common(bpfvm_prog *p, const uint64_t args[5], void *mem, size_t mem_len,
                      const bpfvm_run_opts *o, uint64_t *r0, bpfvm_error *err)
{
    static const bpfvm_run_opts defaults;
    if (!p || !r0)
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "run: prog and r0 must not be NULL");
    if (!o)
        o = &defaults;
    if (o->engine == BPFVM_ENGINE_JIT) {
        if (o->trace)
            return bpfvm_fail(err, BPFVM_E_ARG, -1, "tracing is only available with the interpreter");
        int rc = bpfvm_prog_jit(p, err);
        if (rc)
            return rc;
    } else if (o->engine != BPFVM_ENGINE_INTERP) {
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "unknown engine %d", (int)o->engine);
    }
    struct bpfvm_call c;
    memset(&c, 0, sizeof c);
    c.prog = p;
    c.user = o->user;
    c.mem_lo = (uint64_t)(uintptr_t)mem;
    c.mem_len = mem ? mem_len : 0;
    c.regions = o->regions;
    c.nregions = o->nregions;
    if (o->packet) {
        c.pkt = o->packet;
        c.pkt_len = o->packet_len;
    } else {
        c.pkt = mem;
        c.pkt_len = c.mem_len;
    }
    c.budget = o->step_budget == 0 ? (int64_t)BPFVM_DEFAULT_BUDGET
               : o->step_budget > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)o->step_budget;
    c.may_goto_left = 8u * 1024 * 1024;
    c.trace = o->trace;
    c.trace_user = o->trace_user;
    *r0 = 0;
    if (o->engine == BPFVM_ENGINE_JIT)
        return jit_run(p, &c, args, r0, err);
    return interp_run(p, &c, args, r0, err);
}

int bpfvm_prog_jit(bpfvm_prog *p, bpfvm_error *err)
{
    if (!p)
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "prog_jit: prog must not be NULL");
    pthread_mutex_lock(&p->lock);
    if (p->jit_status == 0) {
        p->jit_status = jit_compile(p, &p->jit_err);
        if (p->jit_status == 0)
            p->jit_status = 1;
    }
    int rc = p->jit_status < 0 ? p->jit_status : 0;
    if (rc && err)
        *err = p->jit_err;
    pthread_mutex_unlock(&p->lock);
    return rc;
}

int bpfvm_prog_jit_info(bpfvm_prog *p, bpfvm_jit_info *info, bpfvm_error *err)
{
    int rc = bpfvm_prog_jit(p, err);
    if (rc)
        return rc;
    const uint32_t *offs;
    jit_code_info(p->jit, &info->code, &info->code_size, &offs, &info->compile_ns);
    info->insn_offsets = offs;
    return 0;
}

int bpfvm_run_args(bpfvm_prog *p, const uint64_t args[5], const bpfvm_run_opts *o, uint64_t *r0,
                   bpfvm_error *err)
{
    return run_common(p, args, NULL, 0, o, r0, err);
}

int bpfvm_run(bpfvm_prog *p, void *mem, size_t mem_len, const bpfvm_run_opts *o, uint64_t *r0,
              bpfvm_error *err)
{
    uint64_t args[5] = { (uint64_t)(uintptr_t)mem, mem_len, 0, 0, 0 };
    return run_common(p, args, mem, mem_len, o, r0, err);
}
