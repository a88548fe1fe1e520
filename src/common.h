/* common.h — small shared utilities for bpfvm's modules: error reporting and
 * branch hints. Every module reports failures through bpfvm_fail(), which keeps
 * the message format ("instruction N: ...") in one place.
 */
#ifndef BPFVM_COMMON_H
#define BPFVM_COMMON_H

#include "bpfvm.h"

#include <stdarg.h>

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Fills err (if not NULL) and returns -code. insn < 0: no instruction prefix. */
int bpfvm_fail(bpfvm_error *err, bpfvm_status code, long insn, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int bpfvm_vfail(bpfvm_error *err, bpfvm_status code, long insn, const char *fmt, va_list ap);
/* Same, for a source line of a text input ("line N: ..."). */
int bpfvm_fail_line(bpfvm_error *err, bpfvm_status code, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
