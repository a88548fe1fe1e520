/* verifier.h — the verifier's environment, shared by its modules:
 *   analysis.c  the control-flow graph, recursion and reachability, register
 *               liveness and which scalars must be compared exactly (precision);
 *   check.c     what each instruction requires and does to the state;
 *   walk.c      the path walk with state pruning, and the entry point;
 *   state.c     states themselves (vstate.h).
 */
#ifndef BPFVM_VERIFIER_H
#define BPFVM_VERIFIER_H

#include "rt/progtype.h"
#include "verify/vstate.h"

typedef struct explored {
    vstate **v;
    uint32_t n, cap;
} explored;

typedef struct venv {
    bpfvm_prog *prog;
    const isa_insn *insns;
    const uint16_t *rows;
    uint32_t n;
    const progtype_info *pt;
    bpfvm_prog_type type;
    bpfvm_verify_opts opts;
    bpfvm_error *err;
    bool gpl;                 /* the license allows GPL-only helpers */

    /* analysis.c */
    uint16_t *live;           /* registers live at entry of each slot */
    bool *prune;              /* prune points */
    bool *loop_ok;            /* prune points where a repeated state is a bounded loop */
    uint32_t *func_depth;     /* per function: deepest stack byte used */

    /* walk.c */
    explored *explored;       /* per slot */
    vstate **ckpt;            /* checkpoints outside the explored lists (full ones) */
    uint32_t nckpt, capckpt;
    vstate **pending;
    uint32_t npending, cappending;
    uint64_t processed;
    uint32_t stored, cur_states, peak_states;
    size_t bytes, peak_bytes; /* states' own bytes (stack chunks: vchunk_bytes() - chunk_base) */
    size_t chunk_base;
    uint32_t next_id;
    vstate *cur;              /* the state being checked (for messages) */
} venv;

/* analysis.c */
int analysis_init(venv *e);
void analysis_free(venv *e);

/* check.c. Returns CHECK_NEXT (continue at s->insn), CHECK_DONE (the path ended)
 * or a negative error. *fork receives a second state to explore, or NULL. */
enum { CHECK_NEXT = 0, CHECK_DONE = 1 };
int check_insn(venv *e, vstate *s, vstate **fork);
void check_init_state(venv *e, vstate *s);

/* Reports a rejection at slot insn (formats the message, adds the source line
 * and logs the state). Returns -BPFVM_E_VERIFY. */
int vreject(venv *e, uint32_t insn, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void vlog(venv *e, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* precise.c: the history of a path, and precision marks. */
int hist_push(venv *e, vstate *s);
void hist_stack(vstate *s, uint32_t frame, int64_t off, uint32_t size);
void hist_callback_exit(vstate *s);
/* Register regno of the current frame must be compared exactly: mark it and
 * everything it came from along the path. */
void vprecise(venv *e, vstate *s, int regno);
/* The scalar spilled in stack slot spi (fp-8*(spi+1)) of frame `frame` must be
 * compared exactly. */
void vprecise_slot(venv *e, vstate *s, uint32_t frame, uint32_t spi);
/* After pruning cur against old: what old relied on, cur's path relies on too. */
void vprecise_like(venv *e, vstate *cur, const vstate *old);
uint32_t vnew_id(venv *e);

#endif
