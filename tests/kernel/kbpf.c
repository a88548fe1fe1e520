/* kbpf.c — the bpf(2) calls behind kbpf.h: array maps, program load with a
 * verifier log only on failure, and BPF_PROG_TEST_RUN. Talks to the kernel through
 * raw syscall(__NR_bpf) so the tests need no libbpf. No state is kept between calls.
 */
#define _GNU_SOURCE
#include "kbpf.h"

#include "isa/isa.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel ignores trailing attr bytes only when they are zero, so every call
 * starts from a zeroed union and passes its full size. */
static int sys_bpf(int cmd, union bpf_attr *attr)
{
    long r = syscall(__NR_bpf, cmd, attr, sizeof *attr);
    if (r < 0)
        return -errno;
    return (int)r;
}

static uint64_t ptr64(const void *p) { return (uint64_t)(uintptr_t)p; }

int kbpf_map_create_array(uint32_t value_size, uint32_t max_entries)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_type = BPF_MAP_TYPE_ARRAY;
    a.key_size = 4;
    a.value_size = value_size;
    a.max_entries = max_entries;
    return sys_bpf(BPF_MAP_CREATE, &a);
}

int kbpf_map_update(int map_fd, uint32_t key, const void *value)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_fd = (uint32_t)map_fd;
    a.key = ptr64(&key);
    a.value = ptr64(value);
    a.flags = BPF_ANY;
    int r = sys_bpf(BPF_MAP_UPDATE_ELEM, &a);
    return r < 0 ? r : 0;
}

int kbpf_map_lookup(int map_fd, uint32_t key, void *value)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_fd = (uint32_t)map_fd;
    a.key = ptr64(&key);
    a.value = ptr64(value);
    int r = sys_bpf(BPF_MAP_LOOKUP_ELEM, &a);
    return r < 0 ? r : 0;
}

void kbpf_close(int fd)
{
    if (fd >= 0)
        close(fd);
}

static int load(const void *insns, size_t n_slots, int prog_type, char *log, size_t logsz)
{
    static const char license[] = "GPL";
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_type = (uint32_t)prog_type;
    a.insns = ptr64(insns);
    a.insn_cnt = (uint32_t)n_slots;
    a.license = ptr64(license);
    if (log) {
        a.log_level = 1;
        a.log_buf = ptr64(log);
        a.log_size = (uint32_t)logsz;
    }
    return sys_bpf(BPF_PROG_LOAD, &a);
}

/* The kernel refuses log buffers under 128 bytes, and its ring-buffer log (6.4+)
 * keeps the tail, where the reason is; so a small caller buffer gets the tail of a
 * larger scratch log. */
#define KBPF_MIN_LOG 128
#define KBPF_SCRATCH_LOG 16384

int kbpf_prog_load(const void *insns, size_t n_slots, int prog_type, char *log, size_t logsz)
{
    if (log && logsz)
        log[0] = '\0';
    if (n_slots > UINT32_MAX)
        return -E2BIG;
    int fd = load(insns, n_slots, prog_type, NULL, 0);
    if (fd >= 0 || !log || logsz == 0)
        return fd;

    /* Retry only to obtain the log; the error of the first load is the answer
     * (the retry may fail differently, e.g. -ENOSPC when the log is truncated). */
    char *buf = log;
    size_t bufsz = logsz > UINT32_MAX >> 2 ? UINT32_MAX >> 2 : logsz;
    if (bufsz < KBPF_MIN_LOG) {
        bufsz = KBPF_SCRATCH_LOG;
        buf = calloc(1, bufsz);
        if (!buf)
            return fd;
    }
    buf[0] = '\0';
    int fd2 = load(insns, n_slots, prog_type, buf, bufsz);
    if (fd2 >= 0)
        close(fd2);
    buf[bufsz - 1] = '\0';
    if (buf != log) {
        size_t len = strlen(buf);
        size_t keep = len < logsz - 1 ? len : logsz - 1;
        memcpy(log, buf + len - keep, keep);
        log[keep] = '\0';
        free(buf);
    }
    return fd;
}

int kbpf_prog_code_size(int prog_fd, uint32_t *jited_len, uint32_t *xlated_len)
{
    struct bpf_prog_info info;
    union bpf_attr a;
    memset(&info, 0, sizeof info);
    memset(&a, 0, sizeof a);
    a.info.bpf_fd = (uint32_t)prog_fd;
    a.info.info_len = sizeof info;
    a.info.info = ptr64(&info);
    int r = sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a);
    if (r < 0)
        return r;
    if (jited_len)
        *jited_len = info.jited_prog_len;
    if (xlated_len)
        *xlated_len = info.xlated_prog_len;
    return 0;
}

int kbpf_test_run(int prog_fd, const void *data, size_t len, void *data_out, size_t *len_out,
                  uint32_t repeat, uint32_t *retval, uint32_t *duration_ns)
{
    /* data_size_out == 0 would let the kernel write the whole output unchecked. */
    if (data_out && (!len_out || *len_out == 0))
        return -EINVAL;
    if (len > UINT32_MAX || (len_out && *len_out > UINT32_MAX))
        return -E2BIG;
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.test.prog_fd = (uint32_t)prog_fd;
    a.test.data_in = ptr64(data);
    a.test.data_size_in = (uint32_t)len;
    if (data_out) {
        a.test.data_out = ptr64(data_out);
        a.test.data_size_out = (uint32_t)*len_out;
    }
    a.test.repeat = repeat;
    int r = sys_bpf(BPF_PROG_TEST_RUN, &a);
    if (data_out && (r == 0 || r == -ENOSPC))
        *len_out = a.test.data_size_out;
    if (r < 0)
        return r;
    if (retval)
        *retval = a.test.retval;
    if (duration_ns)
        *duration_ns = a.test.duration;
    return 0;
}

static bool explain(char *why, size_t n, const char *step, int err)
{
    if (why && n) {
        char ebuf[128];
        const char *text = strerror_r(-err, ebuf, sizeof ebuf);
        const char *verdict = err == -EPERM || err == -EACCES ? "not permitted"
                              : err == -ENOSYS               ? "not implemented by this kernel"
                                                             : "failed";
        snprintf(why, n, "bpf(%s) %s: %s", step, verdict, text);
    }
    return false;
}

bool kbpf_available(char *why, size_t n)
{
    if (why && n)
        why[0] = '\0';
    int map = kbpf_map_create_array(8, 1);
    if (map < 0)
        return explain(why, n, "BPF_MAP_CREATE", map);
    kbpf_close(map);

    const isa_insn prog[2] = {
        isa_make(ISA_MOV64_K, 0, 0, 0, 0),
        isa_make(ISA_EXIT, 0, 0, 0, 0),
    };
    int fd = kbpf_prog_load(prog, 2, BPF_PROG_TYPE_SOCKET_FILTER, NULL, 0);
    if (fd < 0)
        return explain(why, n, "BPF_PROG_LOAD", fd);

    /* A socket filter's test run needs at least an Ethernet header of input. */
    static const uint8_t pkt[64];
    uint32_t ret = 1;
    int r = kbpf_test_run(fd, pkt, sizeof pkt, NULL, NULL, 1, &ret, NULL);
    kbpf_close(fd);
    if (r < 0)
        return explain(why, n, "BPF_PROG_TEST_RUN", r);
    if (ret != 0) {
        if (why && n)
            snprintf(why, n, "bpf(BPF_PROG_TEST_RUN) returned %u for a program returning 0", ret);
        return false;
    }
    return true;
}

/* ---- loading with every attribute ---- */

int kbpf_prog_load_ex(const void *insns, size_t n_slots, const kbpf_load_opts *o)
{
    if (n_slots > UINT32_MAX)
        return -E2BIG;
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_type = (uint32_t)o->prog_type;
    a.expected_attach_type = (uint32_t)o->expected_attach_type;
    a.prog_flags = o->prog_flags;
    a.insns = ptr64(insns);
    a.insn_cnt = (uint32_t)n_slots;
    a.license = ptr64(o->license ? o->license : "GPL");
    if (o->prog_btf_fd > 0 && o->func_info_cnt) {
        a.prog_btf_fd = (uint32_t)o->prog_btf_fd;
        a.func_info = ptr64(o->func_info);
        a.func_info_cnt = o->func_info_cnt;
        a.func_info_rec_size = sizeof(struct bpf_func_info);
    }
    if (o->log_level && o->log && o->logsz >= KBPF_MIN_LOG) {
        o->log[0] = '\0';
        a.log_level = o->log_level;
        a.log_buf = ptr64(o->log);
        a.log_size = (uint32_t)(o->logsz > UINT32_MAX >> 2 ? UINT32_MAX >> 2 : o->logsz);
    }
    return sys_bpf(BPF_PROG_LOAD, &a);
}

int kbpf_btf_load(const void *btf, size_t len, char *log, size_t logsz)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.btf = ptr64(btf);
    a.btf_size = (uint32_t)len;
    if (log && logsz >= KBPF_MIN_LOG) {
        log[0] = '\0';
        a.btf_log_buf = ptr64(log);
        a.btf_log_size = (uint32_t)(logsz > UINT32_MAX >> 2 ? UINT32_MAX >> 2 : logsz);
        a.btf_log_level = 1;
    }
    return sys_bpf(BPF_BTF_LOAD, &a);
}

long kbpf_log_verification_usec(const char *log)
{
    const char *p = log ? strstr(log, "verification time ") : NULL;
    if (!p)
        return -1;
    return strtol(p + strlen("verification time "), NULL, 10);
}

/* ---- any map type ---- */

int kbpf_map_create_any(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries,
                        uint32_t flags, int inner_fd)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_type = type;
    a.key_size = key_size;
    a.value_size = value_size;
    a.max_entries = max_entries;
    a.map_flags = flags;
    if (inner_fd >= 0)
        a.inner_map_fd = (uint32_t)inner_fd;
    return sys_bpf(BPF_MAP_CREATE, &a);
}

static int elem_cmd(int cmd, int map_fd, const void *key, const void *value, uint64_t flags)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_fd = (uint32_t)map_fd;
    a.key = ptr64(key);
    a.value = ptr64(value);
    a.flags = flags;
    int r = sys_bpf(cmd, &a);
    return r < 0 ? r : 0;
}

int kbpf_map_lookup_elem(int map_fd, const void *key, void *value)
{
    return elem_cmd(BPF_MAP_LOOKUP_ELEM, map_fd, key, value, 0);
}

int kbpf_map_update_elem(int map_fd, const void *key, const void *value, uint64_t flags)
{
    return elem_cmd(BPF_MAP_UPDATE_ELEM, map_fd, key, value, flags);
}

int kbpf_map_delete_elem(int map_fd, const void *key)
{
    return elem_cmd(BPF_MAP_DELETE_ELEM, map_fd, key, NULL, 0);
}

int kbpf_map_get_next_key(int map_fd, const void *key, void *next_key)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_fd = (uint32_t)map_fd;
    a.key = ptr64(key);
    a.next_key = ptr64(next_key);
    int r = sys_bpf(BPF_MAP_GET_NEXT_KEY, &a);
    return r < 0 ? r : 0;
}

int kbpf_map_lookup_and_delete_elem(int map_fd, const void *key, void *value)
{
    return elem_cmd(BPF_MAP_LOOKUP_AND_DELETE_ELEM, map_fd, key, value, 0);
}
