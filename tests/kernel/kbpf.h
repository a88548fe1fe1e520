/* kbpf.h — a thin, dependency-free wrapper over the Linux bpf(2) system call, used by
 * the kernel differential tests and the benchmarks to load and run BPF programs in
 * the real kernel. Every function returns a result or -errno; none prints or aborts.
 * Only built and used on Linux; callers must SKIP (not fail) when kbpf_available()
 * says no.
 */
#ifndef BPFVM_TESTS_KBPF_H
#define BPFVM_TESTS_KBPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when this process can create an array map, load a trivial socket filter and
 * test-run it. Otherwise fills `why` (if not NULL) with the failing step and the
 * errno text, e.g. "bpf(BPF_PROG_LOAD) not permitted: Operation not permitted". */
bool kbpf_available(char *why, size_t n);

/* A BPF_MAP_TYPE_ARRAY with 4-byte keys. Returns the map fd or -errno. */
int kbpf_map_create_array(uint32_t value_size, uint32_t max_entries);
/* Copies value_size bytes in or out of element `key`. Return 0 or -errno. */
int kbpf_map_update(int map_fd, uint32_t key, const void *value);
int kbpf_map_lookup(int map_fd, uint32_t key, void *value);
/* Closes a map or program fd; negative fds are ignored. */
void kbpf_close(int fd);

/* Loads n_slots 8-byte instruction slots as a GPL program of `prog_type`
 * (enum bpf_prog_type). Returns the program fd or -errno. On failure, when log is
 * not NULL and logsz > 0, the load is retried with verifier log level 1 and log
 * receives the log (on kernels >= 6.4 its tail when it does not fit); it is ""
 * when the kernel wrote none. The first load runs without a log, so successful
 * loads pay no logging cost. */
int kbpf_prog_load(const void *insns, size_t n_slots, int prog_type, char *log, size_t logsz);

/* BPF_PROG_TEST_RUN: runs the program `repeat` times (0 counts as 1) on a copy of
 * data. data_out may be NULL; when it is not, len_out must give its capacity and
 * receives the output length. retval and duration_ns (mean time per run, measured
 * by the kernel) may be NULL. Returns 0 or -errno (-ENOSPC: data_out too small). */
/* BPF_OBJ_GET_INFO_BY_FD: the size of the program's native code (jited_prog_len)
 * and of its instructions after the verifier's rewrites (xlated_prog_len, bytes).
 * Either pointer may be NULL. Returns 0 or -errno. */
int kbpf_prog_code_size(int prog_fd, uint32_t *jited_len, uint32_t *xlated_len);

int kbpf_test_run(int prog_fd, const void *data, size_t len, void *data_out, size_t *len_out,
                  uint32_t repeat, uint32_t *retval, uint32_t *duration_ns);

/* ---- loading with every attribute (the verifier's kernel differential) ---- */

typedef struct kbpf_load_opts {
    int prog_type;               /* enum bpf_prog_type */
    int expected_attach_type;    /* 0 unless the type needs one */
    uint32_t prog_flags;         /* BPF_F_STRICT_ALIGNMENT, ... */
    const char *license;         /* NULL: "GPL" */
    uint32_t log_level;          /* 0: none; 1, 2; 4 = BPF_LOG_STATS (may be or'ed) */
    char *log;                   /* log buffer (needed when log_level != 0) */
    size_t logsz;
    int prog_btf_fd;             /* > 0: BTF for func_info */
    const void *func_info;       /* struct bpf_func_info[func_info_cnt] */
    uint32_t func_info_cnt;
} kbpf_load_opts;

/* BPF_BTF_LOAD of a BTF blob. Returns the fd or -errno. */
int kbpf_btf_load(const void *btf, size_t len, char *log, size_t logsz);

/* One BPF_PROG_LOAD with these attributes (no retry). Returns the fd or -errno. */
int kbpf_prog_load_ex(const void *insns, size_t n_slots, const kbpf_load_opts *o);

/* Parses "verification time N usec" from a BPF_LOG_STATS log: N, or -1. */
long kbpf_log_verification_usec(const char *log);

/* ---- any map type (map differential tests) ---- */

/* BPF_MAP_CREATE with the given attributes; inner_fd < 0 when there is no inner map
 * template. Returns the map fd or -errno. */
int kbpf_map_create_any(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries,
                        uint32_t flags, int inner_fd);
/* Element commands with Linux's arguments (key may be NULL where the kernel allows).
 * Return 0 or -errno. */
int kbpf_map_lookup_elem(int map_fd, const void *key, void *value);
int kbpf_map_update_elem(int map_fd, const void *key, const void *value, uint64_t flags);
int kbpf_map_delete_elem(int map_fd, const void *key);
int kbpf_map_get_next_key(int map_fd, const void *key, void *next_key);
int kbpf_map_lookup_and_delete_elem(int map_fd, const void *key, void *value);

#endif
