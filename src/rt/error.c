/* error.c — building bpfvm_error values and naming status codes. */
#include "common.h"

#include <stdio.h>
#include <string.h>

int bpfvm_vfail(bpfvm_error *err, bpfvm_status code, long insn, const char *fmt, va_list ap)
{
    if (err) {
        int n = 0;
        err->code = code;
        err->insn = insn;
        err->line = 0;
        if (insn >= 0)
            n = snprintf(err->msg, sizeof err->msg, "instruction %ld: ", insn);
        vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
    }
    return -(int)code;
}

int bpfvm_fail(bpfvm_error *err, bpfvm_status code, long insn, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = bpfvm_vfail(err, code, insn, fmt, ap);
    va_end(ap);
    return r;
}

int bpfvm_fail_line(bpfvm_error *err, bpfvm_status code, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err) {
        int n = snprintf(err->msg, sizeof err->msg, "line %d: ", line);
        vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
        err->code = code;
        err->insn = -1;
        err->line = line;
    }
    va_end(ap);
    return -(int)code;
}

const char *bpfvm_status_name(bpfvm_status s)
{
    static const char *const names[] = {
        [BPFVM_OK] = "ok", [BPFVM_E_INVALID] = "invalid", [BPFVM_E_FAULT] = "fault",
        [BPFVM_E_BUDGET] = "budget", [BPFVM_E_HELPER] = "helper",
        [BPFVM_E_CALL_DEPTH] = "call-depth", [BPFVM_E_VERIFY] = "verify",
        [BPFVM_E_UNSUPPORTED] = "unsupported", [BPFVM_E_NOMEM] = "nomem",
        [BPFVM_E_IO] = "io", [BPFVM_E_ARG] = "arg",
    };
    if ((unsigned)s < ARRAY_LEN(names) && names[s])
        return names[s];
    return "unknown";
}
