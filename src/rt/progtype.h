/* progtype.h — program types as data: the context each one gets (size, fields,
 * which are pointers into the packet, which may be written), whether bpfvm can run
 * it, the return values Linux allows, and the helpers it may call. The runtime
 * builds contexts from it; the verifier checks context accesses and helper calls
 * against it. */
#ifndef BPFVM_PROGTYPE_H
#define BPFVM_PROGTYPE_H

#include "bpfvm.h"

typedef enum {
    CTXF_VALUE,    /* a plain value */
    CTXF_PKT_DATA, /* u32 field holding the address of the packet data */
    CTXF_PKT_END,  /* ... of the end of the packet data */
    CTXF_PKT_META, /* ... of the packet metadata */
} ctx_kind;

typedef struct ctx_field {
    const char *name;
    uint16_t off;
    uint8_t size;     /* natural size; narrower reads of a value field are allowed */
    uint8_t kind;     /* ctx_kind */
    bool writable;
} ctx_field;

typedef struct progtype_info {
    bpfvm_prog_type type;
    const char *name;        /* canonical name, as in `bpftool prog` */
    uint32_t ctx_size;
    const ctx_field *fields; /* NULL: any aligned read inside ctx_size (pt_regs, tracepoints) */
    size_t nfields;
    bool runnable;           /* bpfvm can build this context and run it */
    bool ret_checked;        /* the return value must lie in [ret_min, ret_max] */
    int64_t ret_min, ret_max;
    bool packet;             /* has packet pointers / packet helpers */
    bool tracing;            /* may use the probe_read and get_current_* helpers */
} progtype_info;

const progtype_info *progtype_get(bpfvm_prog_type type);
/* The context field covering [off, off+size), or NULL. */
const ctx_field *progtype_field(const progtype_info *pt, uint32_t off, uint32_t size);
/* May a program of this type call helper id? */
bool progtype_helper_allowed(const progtype_info *pt, uint32_t helper_id);

#endif
