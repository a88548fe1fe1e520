/* vcorpus.h — the verifier's test corpus (tests/verify/corpus/): reading the case
 * files, building each case's program in a bpfvm VM (its maps first), and the
 * verdict each case expects. Shared by the corpus test, the kernel differential,
 * the soundness fuzzer and the benchmark.
 *
 * A case file is assembly (*.s, LLVM or uBPF syntax) or BPF C (*.c, compiled with
 * clang at test time). Annotations are comment lines starting with `#@` (or `;@`)
 * in assembly and `//@` in C:
 *
 *   #@ case NAME                 starts a case (assembly: the lines up to the next
 *                                case are its program; C: NAME is the program's
 *                                function name in the object)
 *   #@ type xdp                  program type (bpfvm_prog_type_parse names)
 *   #@ map TYPE key=K value=V entries=N [flags=F] [inner=ID] [name=NAME]
 *                                a map; ids start at 1 in order (assembly only)
 *   #@ expect accept
 *   #@ expect reject INSN: MESSAGE   the rejected instruction and the exact reason
 *                                (without "instruction N: " and the source line)
 *   #@ kernel accept|reject|skip: WHY   the Linux verifier's verdict differs from
 *                                bpfvm's (or cannot be compared): documented in
 *                                docs/verifier.md
 *   #@ unpriv                    verify in unprivileged mode
 *   #@ strict                    strict alignment
 *   #@ ext LIST                  extensions (may_goto, ...)
 *   #@ mem N                     BPFVM_PROG_MEM: size of the memory block
 *
 * `type` and `map` lines before the first case are the file's defaults; a case
 * with its own `map` lines replaces the default maps.
 */
#ifndef BPFVM_TESTS_VCORPUS_H
#define BPFVM_TESTS_VCORPUS_H

#include "bpfvm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VC_MAX_MAPS 8

typedef struct vc_map {
    bpfvm_map_type type;
    uint32_t key, value, entries, flags;
    int inner; /* id of the template map (map-in-map), 0 = none */
    char name[32];
} vc_map;

enum { VC_KERNEL_SAME = 0, VC_KERNEL_ACCEPT, VC_KERNEL_REJECT, VC_KERNEL_SKIP };

typedef struct vc_case {
    char name[64];
    char category[48];   /* the file's name without extension */
    char file[256];      /* path of the case file */
    int line;            /* line of its `case` annotation */
    bool is_c;
    bpfvm_prog_type type;
    vc_map maps[VC_MAX_MAPS];
    int nmaps;
    bool accept;         /* expected verdict */
    long insn;           /* rejections: expected instruction */
    char msg[400];       /* rejections: expected reason */
    int kernel;          /* VC_KERNEL_* */
    char kernel_why[240];
    bool unpriv, strict;
    unsigned ext;
    uint32_t mem_size;
    char *text;          /* assembly source (NULL for C) */
    char obj[512];       /* C: the compiled object */
} vc_case;

typedef struct vc_corpus {
    vc_case *cases;
    size_t n;
} vc_corpus;

/* Reads every *.s and *.c file of dir (sorted), compiling C files into outdir with
 * `clang` (the command, with flags, in cc). Returns 0 or prints the problem to
 * stderr and returns -1. */
int vc_load(const char *dir, const char *outdir, const char *cc, vc_corpus *c);
void vc_free(vc_corpus *c);

/* A case's program in a new VM (maps created first). For C cases the object is
 * kept in *obj (free it with bpfvm_obj_free before the VM); for assembly *obj is
 * NULL and the program must be freed with bpfvm_prog_free. */
typedef struct vc_built {
    bpfvm_vm *vm;
    bpfvm_obj *obj;
    bpfvm_prog *prog;
    uint8_t *code;       /* assembly: the bytecode */
    size_t len;          /* bytes */
} vc_built;
int vc_build(const vc_case *k, vc_built *b, bpfvm_error *err);
void vc_built_free(vc_built *b);

/* bpfvm's verdict on a built case: 0 accepted, else the error (err filled). */
int vc_verify(const vc_case *k, vc_built *b, bpfvm_verify_stats *st, bpfvm_error *err);

/* The reason of a verifier error: msg without "instruction N: " and a trailing
 * " (file:line)". Returns a pointer into buf. */
const char *vc_reason(const char *msg, char *buf, size_t size);

/* Map type from its name ("array", "hash", "ringbuf", ...), or -1. */
int vc_map_type(const char *name);

#endif
