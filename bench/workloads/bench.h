/* bench.h — the conventions shared by every benchmark workload.
 *
 * A workload is one function, `long bench_entry(unsigned char *mem, unsigned long len)`,
 * compiled twice by bench/build.sh: to BPF (section "bench", raw bytes extracted,
 * run by bpfvm and by the kernel) and natively (renamed bench_<name> with -D).
 * Rules that keep the BPF build loadable everywhere: no helper calls, no globals,
 * no non-inlined calls, every loop bounded by a constant, every index into mem
 * bounded by len, stack at most 512 bytes, and mem is only read, never written
 * (the kernel's BPF_PROG_TEST_RUN repeats a run without restoring the block).
 */
#ifndef BENCH_WORKLOAD_H
#define BENCH_WORKLOAD_H

#ifdef __bpf__
#define BENCH_ENTRY __attribute__((section("bench"), used)) long bench_entry
#else
#define BENCH_ENTRY long bench_entry
#endif

#define INLINE static inline __attribute__((always_inline))

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

/* Little-endian loads from the block, byte by byte: no alignment assumptions. */
INLINE u32 ld16(const u8 *p) { return (u32)p[0] | (u32)p[1] << 8; }
INLINE u32 ld32(const u8 *p) { return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24; }

#endif
