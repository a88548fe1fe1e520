/* btf_ext.c — the line-info part of .BTF.ext (Linux Documentation/bpf/btf.rst
 * §4.2): header, then per section a record size, the section name and the
 * records {insn_off (bytes), file_name_off, line_off, line_col}. libbpf 1.1 keeps
 * its .BTF.ext parser private, so this small one reads only what bpfvm uses,
 * checking every offset and count against the section's size. */
#include "load/obj.h"

#include <bpf/btf.h>
#include <stdlib.h>
#include <string.h>

struct ext_hdr {
    uint16_t magic;
    uint8_t version, flags;
    uint32_t hdr_len;
    uint32_t func_info_off, func_info_len;
    uint32_t line_info_off, line_info_len;
};

static int bad(bpfvm_obj *obj, bpfvm_error *err, const char *what)
{
    return bpfvm_fail(err, BPFVM_E_INVALID, -1, "%s: section .BTF.ext: %s", obj->name, what);
}

int btf_ext_parse(bpfvm_obj *obj, const void *data, size_t size, bpfvm_error *err)
{
    struct ext_hdr h;
    if (size < 8)
        return bad(obj, err, "truncated header");
    memset(&h, 0, sizeof h);
    memcpy(&h, data, size < sizeof h ? size : sizeof h);
    if (h.magic != 0xeB9F)
        return bad(obj, err, "bad magic");
    if (h.hdr_len < sizeof h || h.hdr_len > size)
        return h.hdr_len < 24 ? 0 : bad(obj, err, "bad header length"); /* no line info */
    if (h.line_info_len == 0)
        return 0;
    const uint8_t *base = (const uint8_t *)data + h.hdr_len;
    size_t avail = size - h.hdr_len;
    if (h.line_info_off > avail || h.line_info_len > avail - h.line_info_off || h.line_info_len < 4)
        return bad(obj, err, "line info lies outside the section");
    const uint8_t *p = base + h.line_info_off, *end = p + h.line_info_len;
    uint32_t rec;
    memcpy(&rec, p, 4);
    p += 4;
    if (rec < 16 || rec > 256)
        return bad(obj, err, "line info record size is not 16..256");
    while (p < end) {
        uint32_t sec_off, n;
        if (end - p < 8)
            return bad(obj, err, "truncated line info section header");
        memcpy(&sec_off, p, 4);
        memcpy(&n, p + 4, 4);
        p += 8;
        if (n > (size_t)(end - p) / rec)
            return bad(obj, err, "line info records run past the end");
        const char *sec = btf__name_by_offset(obj->btf, sec_off);
        if (!sec)
            return bad(obj, err, "line info names a section outside the BTF strings");
        btf_ext_line *v = realloc(obj->ext.v, (obj->ext.n + n + 1) * sizeof *v);
        if (!v)
            return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "out of memory");
        obj->ext.v = v;
        for (uint32_t i = 0; i < n; i++, p += rec) {
            uint32_t f[4];
            memcpy(f, p, sizeof f);
            btf_ext_line *e = &v[obj->ext.n++];
            e->sec = sec;
            e->insn_off = f[0];
            e->file = btf__name_by_offset(obj->btf, f[1]);
            e->src = btf__name_by_offset(obj->btf, f[2]);
            e->line = f[3] >> 10;
            e->col = f[3] & 0x3ff;
            if (!e->file)
                e->file = "?";
        }
    }
    return 0;
}
