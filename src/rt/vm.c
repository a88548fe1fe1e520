/* vm.c — the VM object (helper registry), program loading and running: the glue
 * between the validator, the execution engines and the public API.
 * Helpers are looked up by id in a dense array so that load-time resolution and
 * callx are O(1); register helpers before loading the programs that call them.
 */
#include "rt/vm.h"
#include "exec/interp.h"
#include "exec/exec.h"
#include "exec/jit.h"
#include "rt/map.h"
#include "rt/helpers.h"
#include "rt/progtype.h"
#include "rt/packet.h"

#include <time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bpfvm_vm *bpfvm_vm_new(void)
{
    bpfvm_vm *vm = calloc(1, sizeof(bpfvm_vm));
    if (!vm)
        return NULL;
    pthread_mutex_init(&vm->lock, NULL);
    vm->ncpus = 1;
    vm->map_mem_limit = BPFVM_DEFAULT_MAP_MEMORY;
    vm->seed = 0x5eed5eed5eed5eedull;
    if (helpers_register_std(vm, NULL)) {
        bpfvm_vm_free(vm);
        return NULL;
    }
    return vm;
}

void bpfvm_vm_free(bpfvm_vm *vm)
{
    if (!vm)
        return;
    for (uint32_t i = 0; i < vm->nhelpers; i++)
        free(vm->helpers[i].name);
    free(vm->helpers);
    vm_free_maps(vm);
    free(vm->map_regions);
    free(vm->probe);
    pthread_mutex_destroy(&vm->lock);
    free(vm);
}

int bpfvm_register_helper_proto(bpfvm_vm *vm, uint32_t id, const char *name, bpfvm_helper_fn fn,
                                const bpfvm_helper_proto *proto, bpfvm_error *err)
{
    if (!vm || !fn)
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "register_helper: vm and fn must not be NULL");
    if (id > BPFVM_MAX_HELPER_ID)
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "helper id %u is above the limit of %u", id,
                          BPFVM_MAX_HELPER_ID);
    if (id >= vm->nhelpers) {
        uint32_t cap = vm->nhelpers ? vm->nhelpers : 256;
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
    helper_entry *e = &vm->helpers[id];
    free(e->name);
    e->name = copy;
    e->fn = fn;
    e->std = false;
    if (proto) {
        e->proto = *proto;
    } else {
        memset(&e->proto, 0, sizeof e->proto);
        for (int i = 0; i < 5; i++)
            e->proto.args[i] = BPFVM_ARG_ANYTHING;
    }
    return 0;
}

int bpfvm_register_helper(bpfvm_vm *vm, uint32_t id, const char *name, bpfvm_helper_fn fn,
                          bpfvm_error *err)
{
    return bpfvm_register_helper_proto(vm, id, name, fn, NULL, err);
}

const bpfvm_helper_proto *bpfvm_helper_get_proto(const bpfvm_vm *vm, uint32_t id)
{
    return vm && id < vm->nhelpers && vm->helpers[id].fn ? &vm->helpers[id].proto : NULL;
}

void bpfvm_vm_set_print(bpfvm_vm *vm, bpfvm_print_fn fn, void *user)
{
    vm->print = fn;
    vm->print_user = user;
}

int bpfvm_vm_add_probe_region(bpfvm_vm *vm, const void *start, size_t len, bpfvm_error *err)
{
    bpfvm_region *r = realloc(vm->probe, (vm->nprobe + 1) * sizeof *r);
    if (!r)
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "out of memory");
    vm->probe = r;
    r[vm->nprobe++] = (bpfvm_region){ (uint64_t)(uintptr_t)start, len, false };
    return 0;
}

void bpfvm_vm_set_seed(bpfvm_vm *vm, uint64_t seed)
{
    vm->seed = seed;
    vm->prng = 0;
}

void bpfvm_vm_set_perf_output(bpfvm_vm *vm, bpfvm_perf_fn fn, void *user)
{
    vm->perf = fn;
    vm->perf_user = user;
}

void vm_map_regions(bpfvm_vm *vm, const bpfvm_region **regions, size_t *n)
{
    if (__atomic_load_n(&vm->map_regions_for, __ATOMIC_ACQUIRE) != __atomic_load_n(&vm->nmaps, __ATOMIC_ACQUIRE)) {
        pthread_mutex_lock(&vm->lock);
        size_t cap = (size_t)vm->nmaps * MAP_MAX_REGIONS, k = 0;
        bpfvm_region *r = cap ? malloc(cap * sizeof *r) : NULL;
        for (uint32_t i = 0; r && i < vm->nmaps; i++)
            if (vm->maps[i]->ops->regions)
                k += vm->maps[i]->ops->regions(vm->maps[i], r + k, MAP_MAX_REGIONS);
        /* Maps are created before programs run on other threads (bpfvm.h), so no
         * run still reads the old table. */
        if (r || !cap) {
            bpfvm_region *old = vm->map_regions;
            vm->map_regions = r;
            vm->nmap_regions = k;
            __atomic_store_n(&vm->map_regions_for, vm->nmaps, __ATOMIC_RELEASE);
            free(old);
        }
        pthread_mutex_unlock(&vm->lock);
    }
    *regions = vm->map_regions;
    *n = vm->nmap_regions;
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
/* The map an lddw refers to: by id (src 1, 2) or by creation index (src 5, 6). */
static bpfvm_map *lddw_map(bpfvm_prog *p, uint16_t id, int32_t imm)
{
    if (id == ISA_LDDW_MAP_FD || id == ISA_LDDW_MAP_VAL)
        return imm > 0 ? bpfvm_map_by_id(p->vm, (uint32_t)imm) : NULL;
    return imm >= 0 && (size_t)imm < bpfvm_map_count(p->vm) ? bpfvm_map_at(p->vm, (size_t)imm) : NULL;
}

/* What keeps a program from running here while it may still load (ELF objects,
 * so that they list): the first such error, kept in p->unrunnable. Returns 0 when
 * deferred, else the error. */
static int cannot_run(bpfvm_prog *p, bool defer, bpfvm_error *err, bpfvm_status code, long insn, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static int cannot_run(bpfvm_prog *p, bool defer, bpfvm_error *err, bpfvm_status code, long insn, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = 0;
    if (!defer) {
        rc = bpfvm_vfail(err, code, insn, fmt, ap);
    } else if (!p->unrunnable && (p->unrunnable = malloc(sizeof *p->unrunnable))) {
        bpfvm_vfail(p->unrunnable, code, insn, fmt, ap);
    }
    va_end(ap);
    return rc;
}

/* Host-dependent checks after validation: helpers exist and may be called by the
 * program's type, map references resolve (the value each lddw loads is computed
 * here once: a map pointer, or the address of an array map's value + offset).
 * defer: what bpfvm cannot run (unknown helpers, kfuncs, maps of types it does not
 * implement) only marks the program unrunnable. */
static int resolve(bpfvm_prog *p, bool defer, bpfvm_error *err)
{
    const progtype_info *pt = progtype_get(p->type);
    for (uint32_t i = 0; i < p->n; i++) {
        uint16_t id = p->info.rows[i];
        const isa_insn *in = &p->insns[i];
        int rc = 0;
        switch (id) {
        case ISA_CALL_HELPER: {
            uint32_t h = (uint32_t)in->imm;
            if (!vm_helper(p->vm, h))
                rc = cannot_run(p, defer, err, BPFVM_E_INVALID, i, "call to unknown helper %u", h);
            else if (pt && p->type != BPFVM_PROG_MEM && p->vm->helpers[h].std && !progtype_helper_allowed(pt, h))
                rc = cannot_run(p, defer, err, BPFVM_E_INVALID, i, "program type %s may not call helper %s (%u)",
                                pt->name, p->vm->helpers[h].name, h);
            if (rc)
                return rc;
            break;
        }
        case ISA_CALL_KFUNC:
            if ((rc = cannot_run(p, defer, err, BPFVM_E_UNSUPPORTED, i,
                                 "call of kernel function (kfunc) with BTF id %d is not supported", in->imm)))
                return rc;
            break;
        case ISA_LDDW_MAP_FD:
        case ISA_LDDW_MAP_VAL:
        case ISA_LDDW_MAP_IDX:
        case ISA_LDDW_MAP_IDX_VAL: {
            bpfvm_map *m = lddw_map(p, id, in->imm);
            if (!m) {
                if (!bpfvm_map_count(p->vm))
                    return bpfvm_fail(err, BPFVM_E_INVALID, i, "lddw %s refers to map %d, but the program has no maps",
                                      isa_rows[id].llvm, in->imm);
                return bpfvm_fail(err, BPFVM_E_INVALID, i, "lddw %s refers to map %d, which does not exist",
                                  isa_rows[id].llvm, in->imm);
            }
            if (!p->lddw_values && !(p->lddw_values = calloc(p->n, sizeof *p->lddw_values)))
                return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "out of memory");
            if (map_is_placeholder(m)) {
                const char *tn = bpfvm_map_type_name(m->def.type);
                char tb[48];
                if (tn)
                    snprintf(tb, sizeof tb, "of type %s (%d)", tn, (int)m->def.type);
                else
                    snprintf(tb, sizeof tb, "of map type %d", (int)m->def.type);
                if ((rc = cannot_run(p, defer, err, BPFVM_E_UNSUPPORTED, i,
                                     "map '%s' is %s, which bpfvm does not implement", m->name, tb)))
                    return rc;
                break;
            }
            uint64_t v = (uint64_t)(uintptr_t)m;
            if (id == ISA_LDDW_MAP_VAL || id == ISA_LDDW_MAP_IDX_VAL) {
                uint32_t off = (uint32_t)p->insns[i + 1].imm, zero = 0;
                if (m->def.type != BPFVM_MAP_ARRAY || m->def.max_entries != 1)
                    return bpfvm_fail(err, BPFVM_E_INVALID, i,
                                      "lddw %s: map '%s' is not a single-entry array, so its value has no fixed address",
                                      isa_rows[id].llvm, m->name);
                if (off >= m->def.value_size)
                    return bpfvm_fail(err, BPFVM_E_INVALID, i,
                                      "lddw %s: offset %u is outside the %u-byte value of map '%s'",
                                      isa_rows[id].llvm, off, m->def.value_size, m->name);
                v = (uint64_t)(uintptr_t)m->ops->lookup(m, &zero, 0) + off;
            }
            p->lddw_values[i] = v;
            break;
        }
        case ISA_LDDW_VAR:
            if ((rc = cannot_run(p, defer, err, BPFVM_E_UNSUPPORTED, i,
                                 "lddw var_addr (src_reg 3, platform variable %d) is not supported", in->imm)))
                return rc;
            break;
        default:
            break;
        }
    }
    return 0;
}

int bpfvm_prog_load(bpfvm_vm *vm, const void *code, size_t len, const bpfvm_load_opts *opts,
                    bpfvm_prog **out, bpfvm_error *err)
{
    return vm_prog_load(vm, code, len, opts, false, out, err);
}

int vm_prog_load(bpfvm_vm *vm, const void *code, size_t len, const bpfvm_load_opts *opts, bool defer,
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
    p->type = opts && opts->type ? opts->type : BPFVM_PROG_MEM;
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
        rc = resolve(p, defer, err);
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
    free(p->lddw_values);
    free(p->unrunnable);
    free(p->section);
    free(p->lines);
    isa_prog_info_free(&p->info);
    free(p->insns);
    free(p->name);
    free(p);
}

size_t bpfvm_prog_len(const bpfvm_prog *p) { return p->n; }
const void *bpfvm_prog_code(const bpfvm_prog *p) { return p->insns; }
const char *bpfvm_prog_name(const bpfvm_prog *p) { return p->name; }
const char *bpfvm_prog_section(const bpfvm_prog *p) { return p->section; }
bpfvm_prog_type bpfvm_prog_get_type(const bpfvm_prog *p) { return p->type; }

int bpfvm_prog_set_type(bpfvm_prog *p, bpfvm_prog_type type, bpfvm_error *err)
{
    if (!progtype_get(type))
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "unknown program type %d", (int)type);
    p->type = type;
    return 0;
}

/* ---- running ------------------------------------------------------------------ */

void *bpfvm_call_user(bpfvm_call *call) { return call->user; }

void bpfvm_call_fail(bpfvm_call *call, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(call->fail_msg, sizeof call->fail_msg, fmt, ap);
    va_end(ap);
    call->pending |= PENDING_FAIL;
}

bool bpfvm_call_mem_ok(bpfvm_call *call, uint64_t addr, uint64_t len, bool write)
{
    return len == 0 || run_mem_ok(call, addr, len, write);
}

/* The error of a program that loaded but cannot run here. */
static int unrunnable(const bpfvm_prog *p, bpfvm_error *err)
{
    /* the message names the instruction already */
    int rc = bpfvm_fail(err, p->unrunnable->code, -1, "program '%s' cannot run here: %s", p->name, p->unrunnable->msg);
    if (err) {
        err->insn = p->unrunnable->insn;
        err->line = p->unrunnable->line;
    }
    return rc;
}

bool bpfvm_prog_can_run(const bpfvm_prog *p, bpfvm_error *why)
{
    if (!p)
        return bpfvm_fail(why, BPFVM_E_ARG, -1, "prog_can_run: prog must not be NULL"), false;
    if (p->unrunnable) {
        unrunnable(p, why);
        return false;
    }
    const progtype_info *pt = progtype_get(p->type);
    if (p->type != BPFVM_PROG_MEM && p->type != BPFVM_PROG_UNSPEC && (!pt || !pt->runnable))
        return bpfvm_fail(why, BPFVM_E_UNSUPPORTED, -1,
                          "program '%s' is of type %s, which loads, lists and verifies but cannot run here", p->name,
                          bpfvm_prog_type_name(p->type)), false;
    return true;
}

static int run_common(bpfvm_prog *p, const uint64_t args[5], void *mem, size_t mem_len,
                      bpfvm_packet *pkt, const bpfvm_run_opts *o, uint64_t *r0, bpfvm_error *err)
{
    static const bpfvm_run_opts defaults;
    if (!p || !r0)
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "run: prog and r0 must not be NULL");
    if (p->unrunnable)
        return unrunnable(p, err);
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
    if (p->facts && p->type == BPFVM_PROG_MEM && mem_len < p->verified_mem_size)
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "the program was verified for a memory block of %u bytes; this one has %zu",
                          p->verified_mem_size, mem_len);
    if (o->cpu >= p->vm->ncpus)
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "cpu %u is not below the VM's %u CPUs", o->cpu, p->vm->ncpus);
    struct bpfvm_call c;
    memset(&c, 0, sizeof c);
    c.prog = p;
    c.vm = p->vm;
    c.cpu = o->cpu;
    c.checked = p->facts == NULL;
    c.ctx = args[0];
    c.pkt = pkt;
    vm_map_regions(p->vm, &c.vm_regions, &c.nvm_regions);
    c.user = o->user;
    c.mem_lo = (uint64_t)(uintptr_t)mem;
    c.mem_len = mem ? mem_len : 0;
    c.regions = o->regions;
    c.nregions = o->nregions;
    if (o->packet) {
        c.ldabs_pkt = o->packet;
        c.ldabs_len = o->packet_len;
    } else if (pkt) {
        c.ldabs_pkt = pkt->data;
        c.ldabs_len = (uint64_t)(pkt->data_end - pkt->data);
    } else {
        c.ldabs_pkt = mem;
        c.ldabs_len = c.mem_len;
    }
    c.budget = o->step_budget == 0 ? (int64_t)BPFVM_DEFAULT_BUDGET
               : o->step_budget > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)o->step_budget;
    c.may_goto_left = 8u * 1024 * 1024;
    c.trace = o->trace;
    c.trace_user = o->trace_user;
    *r0 = 0;
    int rc = o->engine == BPFVM_ENGINE_JIT ? jit_run(p, &c, args, r0, err) : interp_run(p, &c, args, r0, err);
    /* Reservations the program did not submit are discarded, so the ring moves on. */
    for (unsigned i = 0; i < c.nringbuf_open; i++)
        map_ringbuf_commit(c.ringbuf_map[i], c.ringbuf_open[i], true);
    return rc;
}

int prog_set_verified(bpfvm_prog *p, uint8_t *facts, uint32_t mem_size, uint32_t zero_stack)
{
    free(p->facts);
    p->facts = facts;
    p->verified_mem_size = mem_size;
    p->zero_stack = zero_stack;
    struct interp_code *old = p->interp;
    p->interp = NULL;
    if (interp_build(p, NULL)) {
        p->interp = old; /* keep running checked */
        free(p->facts);
        p->facts = NULL;
        return -BPFVM_E_NOMEM;
    }
    interp_free(old);
    return 0;
}

bool bpfvm_prog_verified(const bpfvm_prog *p) { return p && p->facts; }

int bpfvm_prog_jit(bpfvm_prog *p, bpfvm_error *err)
{
    if (!p)
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "prog_jit: prog must not be NULL");
    if (p->unrunnable)
        return unrunnable(p, err);
    return jit_prog_compile(p, NULL, err);
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
    return run_common(p, args, NULL, 0, NULL, o, r0, err);
}

int bpfvm_run(bpfvm_prog *p, void *mem, size_t mem_len, const bpfvm_run_opts *o, uint64_t *r0,
              bpfvm_error *err)
{
    uint64_t args[5] = { (uint64_t)(uintptr_t)mem, mem_len, 0, 0, 0 };
    return run_common(p, args, mem, mem_len, NULL, o, r0, err);
}

int bpfvm_run_packet(bpfvm_prog *p, bpfvm_packet *pkt, const bpfvm_run_opts *o, uint64_t *ret,
                     bpfvm_error *err)
{
    static const bpfvm_run_opts defaults;
    if (!p || !pkt || !ret)
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "run_packet: prog, pkt and ret must not be NULL");
    if (p->unrunnable)
        return unrunnable(p, err);
    int rc = run_packet_prepare(p, pkt, err);
    if (rc)
        return rc;
    /* the packet's own regions (context, data) are pkt->regions, kept current by
     * the helpers that move the packet; o->regions come on top */
    uint64_t args[5] = { (uint64_t)(uintptr_t)pkt->ctx, 0, 0, 0, 0 };
    rc = run_common(p, args, NULL, 0, pkt, o ? o : &defaults, ret, err);
    *ret = (uint32_t)*ret; /* packet programs return u32, as Linux's bpf_prog_run */
    run_packet_finish(pkt);
    return rc;
}

bool bpfvm_prog_line(const bpfvm_prog *p, long insn, const char **file, int *line, int *col, const char **src)
{
    if (!p || !p->nlines || insn < 0)
        return false;
    /* the last record at or before insn */
    uint32_t lo = 0, hi = p->nlines;
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (p->lines[mid].insn <= (uint32_t)insn)
            lo = mid;
        else
            hi = mid;
    }
    /* line 0 marks compiler-made code: take the record before it */
    while (lo > 0 && p->lines[lo].line == 0)
        lo--;
    const prog_line *l = &p->lines[lo];
    if (l->insn > (uint32_t)insn || l->line == 0)
        return false;
    if (file)
        *file = l->file;
    if (line)
        *line = (int)l->line;
    if (col)
        *col = (int)l->col;
    if (src)
        *src = l->src;
    return true;
}
