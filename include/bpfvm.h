/* bpfvm.h — the public API of bpfvm, a BPF runtime (RFC 9669).
 *
 * Everything a host needs: load a program (raw bytecode or assembly), run it with
 * the interpreter, give it helpers, read its errors. Types are opaque; every
 * function that can fail returns 0 on success or a negative bpfvm_status and fills
 * the caller's bpfvm_error (which may be NULL). The library never prints and never
 * aborts. Distinct VMs share nothing; one loaded program may run on many threads.
 */
#ifndef BPFVM_H
#define BPFVM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BPFVM_VERSION "0.1.0"

/* ---- errors ------------------------------------------------------------------ */

typedef enum bpfvm_status {
    BPFVM_OK = 0,
    BPFVM_E_INVALID = 1,     /* malformed input: bytecode, assembly, object, capture */
    BPFVM_E_FAULT = 2,       /* run time: memory access outside the allowed regions */
    BPFVM_E_BUDGET = 3,      /* run time: step budget exhausted (runaway program) */
    BPFVM_E_HELPER = 4,      /* run time: a helper failed */
    BPFVM_E_CALL_DEPTH = 5,  /* run time: more than 8 nested local calls */
    BPFVM_E_VERIFY = 6,      /* the verifier rejected the program */
    BPFVM_E_UNSUPPORTED = 7, /* valid, but not supported by this build or engine */
    BPFVM_E_NOMEM = 8,
    BPFVM_E_IO = 9,
    BPFVM_E_ARG = 10,        /* API misuse: bad argument */
} bpfvm_status;

typedef struct bpfvm_error {
    bpfvm_status code;
    long insn;      /* instruction index the error concerns, or -1 */
    int line;       /* source line (assembly or C via BTF line info), or 0 */
    char msg[512];  /* complete message, e.g. "instruction 3: unknown opcode 0x8e" */
} bpfvm_error;

const char *bpfvm_status_name(bpfvm_status s);

/* ---- ISA capabilities ------------------------------------------------------- */

/* RFC 9669 conformance groups (bit numbers of bpfvm_groups()). */
enum {
    BPFVM_GROUP_BASE32, BPFVM_GROUP_BASE64, BPFVM_GROUP_ATOMIC32, BPFVM_GROUP_ATOMIC64,
    BPFVM_GROUP_DIVMUL32, BPFVM_GROUP_DIVMUL64, BPFVM_GROUP_PACKET,
    /* non-RFC extensions, decoded only when enabled with the BPFVM_EXT_* flag */
    BPFVM_GROUP_CALLX, BPFVM_GROUP_ACQREL, BPFVM_GROUP_MAY_GOTO,
    BPFVM_GROUP_COUNT
};
#define BPFVM_EXT_CALLX    (1u << BPFVM_GROUP_CALLX)    /* 0x8d: call helper whose id is in dst */
#define BPFVM_EXT_ACQREL   (1u << BPFVM_GROUP_ACQREL)   /* load-acquire / store-release */
#define BPFVM_EXT_MAY_GOTO (1u << BPFVM_GROUP_MAY_GOTO) /* 0xe5 may_goto */
#define BPFVM_EXT_ALL      (BPFVM_EXT_CALLX | BPFVM_EXT_ACQREL | BPFVM_EXT_MAY_GOTO)

/* Bit mask of the groups bpfvm implements (RFC groups always; extensions listed too). */
unsigned bpfvm_groups(void);
const char *bpfvm_group_name(unsigned group);
/* True for the RFC 9669 groups, false for the non-RFC extension groups. */
bool bpfvm_group_is_rfc(unsigned group);

#define BPFVM_MAX_INSNS 1000000u
#define BPFVM_STACK_SIZE 512u
#define BPFVM_MAX_FRAMES 8u
/* Default step budget: stops a runaway loop in well under a second. */
#define BPFVM_DEFAULT_BUDGET 250000000ull

/* ---- VM: the environment programs are loaded into (helpers, options) ------------ */

typedef struct bpfvm_vm bpfvm_vm;
typedef struct bpfvm_prog bpfvm_prog;
typedef struct bpfvm_call bpfvm_call;

bpfvm_vm *bpfvm_vm_new(void);
void bpfvm_vm_free(bpfvm_vm *vm);

/* A helper: arguments in r1..r5, result to r0. `call` gives the run's context. */
typedef uint64_t (*bpfvm_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                    uint64_t r5, bpfvm_call *call);

/* Registers (or replaces) helper `id`. Programs loaded afterwards may call it.
 * `name` is used in disassembly, traces and errors. */
int bpfvm_register_helper(bpfvm_vm *vm, uint32_t id, const char *name, bpfvm_helper_fn fn,
                          bpfvm_error *err);
/* Name of helper `id`, or NULL when none is registered. */
const char *bpfvm_helper_name(const bpfvm_vm *vm, uint32_t id);

/* Inside a helper: the host's pointer given in bpfvm_run_opts.user. */
void *bpfvm_call_user(bpfvm_call *call);
/* Inside a helper: stop the program with BPFVM_E_HELPER and this message. */
void bpfvm_call_fail(bpfvm_call *call, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Inside a helper: true when [addr, addr+len) lies inside memory the program may
 * access (its stack, its memory block, registered regions). `write` asks for write. */
bool bpfvm_call_mem_ok(bpfvm_call *call, uint64_t addr, uint64_t len, bool write);

/* ---- programs ------------------------------------------------------------------- */

typedef struct bpfvm_load_opts {
    unsigned ext;        /* BPFVM_EXT_* extensions to accept; 0 = RFC 9669 only */
    const char *name;    /* program name for messages; may be NULL */
    bool jit_blind;      /* JIT: blind immediates (constant blinding) for untrusted programs */
} bpfvm_load_opts;

/* Decodes and validates raw bytecode (8-byte little-endian slots) into a program.
 * Rejects, naming the instruction: unknown opcodes, non-zero unused fields, bad
 * registers, writes to r10, jumps out of range or into lddw, truncated lddw, calls
 * to non-instructions or unknown helpers, falling off the end, empty or oversized
 * programs. */
int bpfvm_prog_load(bpfvm_vm *vm, const void *code, size_t len, const bpfvm_load_opts *opts,
                    bpfvm_prog **out, bpfvm_error *err);
void bpfvm_prog_free(bpfvm_prog *prog);
/* Number of 8-byte slots, and the bytes themselves (as loaded). */
size_t bpfvm_prog_len(const bpfvm_prog *prog);
const void *bpfvm_prog_code(const bpfvm_prog *prog);
const char *bpfvm_prog_name(const bpfvm_prog *prog);

/* ---- running ---------------------------------------------------------------- */

typedef enum bpfvm_engine { BPFVM_ENGINE_INTERP = 0, BPFVM_ENGINE_JIT = 1 } bpfvm_engine;

/* Called after each executed instruction when tracing: `insn` is its index,
 * `regs` the 11 registers after it, `depth` the call depth (0 = main). */
typedef void (*bpfvm_trace_fn)(void *user, long insn, const uint64_t regs[11], unsigned depth);

/* A memory region a program may access besides its stack and memory block. */
typedef struct bpfvm_region {
    uint64_t start;
    uint64_t len;
    bool writable;
} bpfvm_region;

typedef struct bpfvm_run_opts {
    bpfvm_engine engine;
    uint64_t step_budget;          /* instructions; 0 = BPFVM_DEFAULT_BUDGET, UINT64_MAX = none */
    bpfvm_trace_fn trace;          /* optional: per-instruction trace (interpreter only) */
    void *trace_user;
    void *user;                    /* given to helpers through bpfvm_call_user() */
    const bpfvm_region *regions;   /* extra accessible regions */
    size_t nregions;
    const void *packet;            /* buffer for the legacy ABS/IND loads; default: the memory block */
    size_t packet_len;
} bpfvm_run_opts;

/* Runs the program with r1 = mem, r2 = mem_len, r10 = top of a fresh 512-byte stack.
 * Unverified programs run in checked mode: every load and store is checked against
 * the stack, the memory block and opts->regions; a bad access stops the program
 * with BPFVM_E_FAULT naming the instruction, address and size. On success *r0 holds
 * the program's 64-bit return value. */
int bpfvm_run(bpfvm_prog *prog, void *mem, size_t mem_len, const bpfvm_run_opts *opts,
              uint64_t *r0, bpfvm_error *err);

/* Same with explicit r1..r5 (the memory block is then only what opts->regions lists). */
int bpfvm_run_args(bpfvm_prog *prog, const uint64_t args[5], const bpfvm_run_opts *opts,
                   uint64_t *r0, bpfvm_error *err);

/* Compiles the program with the JIT now (otherwise the first JIT run does it).
 * Thread-safe; compiling happens once. */
int bpfvm_prog_jit(bpfvm_prog *prog, bpfvm_error *err);

typedef struct bpfvm_jit_info {
    const uint8_t *code;          /* generated x86-64 machine code */
    size_t code_size;
    const uint32_t *insn_offsets; /* per BPF slot: offset of its code; [n] = code_size */
    uint64_t compile_ns;          /* time the compile took */
} bpfvm_jit_info;

/* Compiles if needed and describes the generated code (valid while prog lives). */
int bpfvm_prog_jit_info(bpfvm_prog *prog, bpfvm_jit_info *info, bpfvm_error *err);

/* ---- assembler / disassembler -------------------------------------------------- */

typedef enum bpfvm_syntax {
    BPFVM_SYNTAX_AUTO = 0,  /* assembler: detect per file; disassembler: LLVM */
    BPFVM_SYNTAX_UBPF = 1,  /* the conformance suite's dialect: mov %r0, 1 */
    BPFVM_SYNTAX_LLVM = 2,  /* as llvm-objdump -d prints: r0 = 1 */
} bpfvm_syntax;

/* Assembles text into bytecode. On success *out is malloc'ed (free() it) and *len
 * its size in bytes. Errors name the line: "line 3: unknown mnemonic 'ldxq'". */
int bpfvm_asm(const char *text, bpfvm_syntax syntax, unsigned ext, uint8_t **out, size_t *len,
              bpfvm_error *err);

/* Disassembles the instruction at slot `idx` of `code` (n slots) into buf.
 * Returns the number of slots it used (1, or 2 for lddw), or a negative status.
 * Jump targets are printed as relative offsets (+3) so text reassembles to the
 * same bytes. */
int bpfvm_disasm_insn(const void *code, size_t n, size_t idx, bpfvm_syntax syntax,
                      unsigned ext, char *buf, size_t bufsz);

/* Disassembles a whole program, one instruction per line, into a malloc'ed string. */
char *bpfvm_disasm(const void *code, size_t n, bpfvm_syntax syntax, unsigned ext);

#ifdef __cplusplus
}
#endif
#endif
