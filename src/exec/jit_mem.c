/* jit_mem.c — W^X executable memory for the JIT (see jit_mem.h): mmap RW, copy
 * the code in, mprotect to RX. The unused parts of the pages are filled with
 * int3 so a stray jump there traps instead of running stale bytes.
 */
#define _GNU_SOURCE
#include "exec/jit_mem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t page_size(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    return ps > 0 ? (size_t)ps : 4096;
}

uint8_t *jit_mem_alloc(size_t size, size_t *map_size)
{
    size_t ps = page_size();
    size_t len = (size + ps - 1) / ps * ps;
    if (len == 0)
        len = ps;
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    *map_size = len;
    return m;
}

int jit_mem_seal(uint8_t *mem, size_t map_size, size_t start, size_t len)
{
    memset(mem, 0xcc, start); /* int3 */
    memset(mem + start + len, 0xcc, map_size - start - len);
    if (mprotect(mem, map_size, PROT_READ | PROT_EXEC) != 0)
        return -errno;
    return 0;
}

void jit_mem_free(uint8_t *mem, size_t map_size)
{
    if (mem)
        munmap(mem, map_size);
}
