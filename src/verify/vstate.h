/* vstate.h — the verifier's state: what each register and stack slot may hold at
 * one point of one path (type, fixed and variable offset, identity, scalar value
 * from domain.h), the frames of bpf-to-bpf calls, and acquired references.
 * Shared by state.c (copy, compare for pruning, print), check.c (per-instruction
 * rules) and walk.c (the path walk). The "what must hold" rules live in check.c;
 * the "how we know it" lives in domain.h; this file only holds the data.
 */
#ifndef BPFVM_VSTATE_H
#define BPFVM_VSTATE_H

#include "rt/vm.h"
#include "verify/domain.h"

typedef enum {
    T_NOT_INIT = 0,
    T_SCALAR,
    T_CTX,         /* the program's context */
    T_MAP,         /* a map (lddw map_by_fd), or an inner map from map-in-map lookup */
    T_MAP_VALUE,   /* a map's value (off within value_size) */
    T_STACK,       /* frame `frameno`'s stack; off is negative from r10 */
    T_PKT,         /* packet data; accesses must be below `range` */
    T_PKT_META,
    T_PKT_END,
    T_MEM,         /* helper-returned memory of mem_size bytes (ring buffer record) */
    T_FUNC,        /* a BPF function (lddw code_addr) */
} reg_type;

typedef struct reg {
    uint8_t type;          /* reg_type */
    bool maybe_null;       /* MAP_VALUE / MEM / MAP that may still be NULL */
    bool rdonly;           /* MAP_VALUE of a read-only map (.rodata) */
    uint8_t frameno;       /* T_STACK: whose stack */
    bool precise;          /* scalars: pruning must compare the value exactly (see precise.c) */
    int32_t off;           /* pointers: fixed offset */
    uint32_t id;           /* null-check and packet-range identity; scalar link id */
    uint32_t ref_id;       /* acquired reference (ring buffer record) to release */
    uint32_t range;        /* T_PKT/T_PKT_META: bytes from the base (off 0) proven < end */
    uint32_t mem_size;     /* T_MEM */
    uint32_t subprog;      /* T_FUNC: target slot */
    const bpfvm_map *map;  /* T_MAP, T_MAP_VALUE */
    uint32_t stale;        /* messages only (0: none): a scalar that was a pointer until the
                              helper call at insn stale - 1 invalidated it; an unset R0
                              left by the function called at insn stale - 1 */
    scalar s;              /* scalars: the value; pointers: the variable offset */
} reg;

/* One 8-byte stack slot. Bytes are STACK_INVALID (never written), STACK_MISC
 * (unknown), STACK_ZERO, or STACK_SPILL (part of the spilled register kept in
 * `spilled`, which is exact: pointers and scalars survive a spill and fill). */
enum { STACK_INVALID = 0, STACK_MISC, STACK_ZERO, STACK_SPILL };

typedef struct slot {
    uint8_t type[8];
    reg spilled;
} slot;

#define VFRAME_SLOTS (BPFVM_STACK_SIZE / 8)
#define VCHUNK_SLOTS 8

/* Stack slots come in chunks shared between the states that hold the same ones
 * (a snapshot and the path that goes on from it, the two sides of a branch):
 * copied on the first write (vframe_own). Only precision marks are written into
 * shared chunks, which is sound: a precise scalar is only compared more exactly. */
typedef struct vchunk {
    uint32_t refs;
    slot s[VCHUNK_SLOTS];
} vchunk;

typedef struct vframe {
    reg regs[11];
    vchunk *chunk[VFRAME_SLOTS / VCHUNK_SLOTS]; /* slot i covers fp-8*(i+1) .. fp-8*i-1 */
    uint32_t nslots;          /* slots in use (<= VFRAME_SLOTS); beyond: never written */
    uint32_t depth;           /* deepest byte used, for stack depth accounting */
    uint32_t callsite;        /* slot of the call that made this frame (-1 for main) */
    uint32_t subprog;         /* first slot of the function */
    bool callback;            /* a callback of bpf_loop: returns to the helper call */
    uint32_t callback_depth;  /* times the callback of the bpf_loop call this frame is in
                                 was entered on this path (bounded by nr_loops, as Linux) */
} vframe;

typedef struct vref {
    uint32_t id;
    uint32_t insn;            /* where it was acquired */
} vref;

/* One step of a path's history: what precision backtracking needs to walk it
 * backwards (which frame ran the instruction, and the stack slot it accessed). */
typedef struct hist_entry {
    uint32_t insn;
    uint8_t frame;
    uint8_t stack_frame;     /* 0xff: no stack access through a constant offset */
    uint8_t spi;             /* slot index (fp-8*(spi+1)) */
    uint8_t callback_exit;   /* an exit of a bpf_loop callback frame */
} hist_entry;

typedef struct vstate {
    vframe *frames[BPFVM_MAX_FRAMES];
    uint32_t curframe;
    vref *refs;
    uint32_t nrefs;
    uint32_t insn;            /* the next instruction of this path */
    /* the walk's bookkeeping: the nearest explored ancestor and, for explored
     * states, how many paths from it are still being verified */
    struct vstate *parent;
    uint32_t branches;
    bool in_loop_ok;          /* reached again through may_goto or a bpf_loop callback */
    uint32_t hits, misses;    /* explored states: how often they pruned, or did not */
    uint32_t ckpt;            /* a checkpoint kept only for its path (walk.c): index + 1 in
                                 venv.ckpt, 0 for states in the explored lists */
    hist_entry *hist;         /* the steps since `parent` (for a stored state: up to it) */
    uint32_t nhist, caphist;
    /* precise.c's summary of a frozen history (a snapshot's), computed on first use:
     * sum_kind 0 = not yet, 1 = every step in frame sum_frame, touching only the
     * registers in sum_regs and the frame's stack slots in sum_stack, 2 = other */
    uint8_t sum_kind, sum_frame;
    uint16_t sum_regs;
    uint64_t sum_stack;
} vstate;

/* Slot k (< nslots) of a frame, for reading (or for precision marks). */
static inline slot *vslot(const vframe *f, uint32_t k)
{
    return &f->chunk[k / VCHUNK_SLOTS]->s[k % VCHUNK_SLOTS];
}

vstate *vstate_new(void);
/* Makes sure frame f has slots down to `bytes` below its frame pointer. */
bool vframe_grow(vframe *f, uint32_t bytes);
/* Makes slots klo..khi (< nslots) of f its own, so they may be written. */
bool vframe_own(vframe *f, uint32_t klo, uint32_t khi);
/* Bytes of stack chunks alive on this thread (the verifier's peak memory). */
size_t vchunk_bytes(void);
vframe *vframe_new(void);
void vframe_free(vframe *f);
vstate *vstate_clone(const vstate *s);
void vstate_free(vstate *s);
size_t vstate_bytes(const vstate *s);

void reg_mark_not_init(reg *r);
void reg_mark_scalar(reg *r, scalar s);
void reg_mark_unknown(reg *r);
void reg_mark_const(reg *r, uint64_t v);
bool reg_is_pointer(const reg *r);
const char *reg_type_name(const reg *r);
size_t reg_str(const reg *r, char *buf, size_t size);
/* "R0=scalar(...) R1=ctx R10=fp0 fp-8=..." of the current frame. */
size_t vstate_str(const vstate *s, char *buf, size_t size);

#endif
