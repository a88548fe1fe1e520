/* kdiff.h — runs a conformance-style BPF program in the Linux kernel and returns its
 * full 64-bit r0, so that bpfvm's results can be compared with the kernel's.
 * A conformance-style program gets r1 = a memory block (0 when there is none),
 * r2 = its length, r10 = the stack, and returns r0 through `exit` of its main
 * function (functions start at slot 0 and at every local-call target).
 */
#ifndef BPFVM_TESTS_KDIFF_H
#define BPFVM_TESTS_KDIFF_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    KDIFF_OK = 0,
    KDIFF_REJECTED,    /* the kernel refused the program; msg holds the verifier's reason */
    KDIFF_UNAVAILABLE, /* bpf(2) is not usable here; msg says why: callers SKIP */
    KDIFF_ERROR,       /* anything else (bad input, test run failed); msg says what */
} kdiff_status;

/* Loads the program (n_slots 8-byte slots) as a socket filter wrapped so that r1/r2
 * describe a kernel copy of mem (mem_len bytes, or none when mem is NULL or
 * mem_len is 0) and the main function's r0 is captured; runs it once and stores r0.
 * Helper ids are Linux's (5 = ktime_get_ns). msg (may be NULL) explains anything
 * but KDIFF_OK. Reentrant: every call uses its own maps and program. */
kdiff_status kdiff_run(const void *insns, size_t n_slots, const void *mem, size_t mem_len,
                       uint64_t *r0, char *msg, size_t msgsz);

/* Same, and when mem_out is not NULL copies the memory block as the program left
 * it into mem_out (mem_len bytes) so stores can be compared too. */
kdiff_status kdiff_run_mem(const void *insns, size_t n_slots, const void *mem, size_t mem_len,
                           void *mem_out, uint64_t *r0, char *msg, size_t msgsz);

/* Builds the program kdiff_run() loads: prologue + main with every exit turned
 * into a jump to the r0-capturing epilogue + subprograms. mem_map_fd < 0 means no
 * memory block. *out is malloc'd (*out_n slots). Returns 0, or -1 with msg.
 * Exposed for tests and for reading kernel verifier logs (whose instruction
 * numbers are those of this program). */
int kdiff_wrap(const void *insns, size_t n_slots, int mem_map_fd, uint32_t mem_len, int result_map_fd,
               void **out, size_t *out_n, char *msg, size_t msgsz);

/* Number of slots the prologue adds before original slot 0. */
#define KDIFF_PROLOGUE_SLOTS 3

const char *kdiff_status_name(kdiff_status s);

#endif
