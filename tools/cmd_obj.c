/* cmd_obj.c — what an ELF object holds: `bpfvm progs` (programs: name, section,
 * type, instructions) and `bpfvm maps` (maps: type, sizes, flags), each with
 * --json; and cli_print_maps, the map contents decoded through BTF, shared with
 * test-run. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void cli_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

/* A map type's name; "type N" for one Linux does not name either. */
static const char *type_name(bpfvm_map_type t)
{
    static char buf[4][24];
    static int k;
    const char *n = bpfvm_map_type_name(t);
    if (n)
        return n;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "type %d", (int)t);
    return buf[k];
}

/* Whether bpfvm implements a map type (objects load with the others). */
static bool implemented(const bpfvm_map *m)
{
    const bpfvm_map_def *d = bpfvm_map_get_def(m);
    /* placeholders answer every host call with -EOPNOTSUPP; implemented types
     * iterate (or, without keys, are queues, stacks and ring buffers) */
    if (!d->key_size)
        return true;
    uint8_t *k = malloc(d->key_size);
    bool yes = !k || bpfvm_map_next_key((bpfvm_map *)m, NULL, k) != -EOPNOTSUPP;
    free(k);
    return yes;
}

/* The short reason a program cannot run, for the table of `bpfvm progs`. */
static const char *short_reason(const char *msg)
{
    const char *p = strstr(msg, "cannot run here: ");
    p = p ? p + 17 : msg;
    const char *q = strstr(p, "instruction ");
    if (q && (q = strstr(q, ": ")))
        return q + 2;
    q = strstr(p, ".o: ");
    return q ? q + 4 : p;
}

static int open_obj(const char *path, bpfvm_vm **vm, bpfvm_obj **obj)
{
    bpfvm_error err;
    *vm = bpfvm_vm_new();
    if (!*vm)
        return cli_error("out of memory");
    if (bpfvm_obj_open(*vm, path, BPFVM_EXT_ALL, obj, &err)) {
        bpfvm_vm_free(*vm);
        return cli_error("%s", err.msg);
    }
    return 0;
}

static int parse_common(int argc, char **argv, const char *cmd, const char **path, bool *json,
                        void (*usage)(FILE *))
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return -1;
        } else if (!strcmp(argv[i], "--json")) {
            *json = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error("%s: unknown option '%s'", cmd, argv[i]);
        } else if (!*path) {
            *path = argv[i];
        } else {
            return cli_error("%s: more than one object given", cmd);
        }
    }
    if (!*path) {
        usage(stderr);
        return 2;
    }
    return 0;
}

static void progs_usage(FILE *f)
{
    fprintf(f, "usage: bpfvm progs OBJ.o [--json]\n"
               "  Lists the programs of a BPF ELF object: name, section, program type (from the\n"
               "  section name, as libbpf assigns it), instruction count, and whether bpfvm can\n"
               "  run it (XDP, socket filter, tc) or only load and verify it.\n");
}

int cmd_progs(int argc, char **argv)
{
    const char *path = NULL;
    bool json = false;
    int rc = parse_common(argc, argv, "progs", &path, &json, progs_usage);
    if (rc)
        return rc < 0 ? 0 : rc;
    bpfvm_vm *vm;
    bpfvm_obj *obj;
    if (open_obj(path, &vm, &obj))
        return 1;
    size_t n = bpfvm_obj_prog_count(obj);
    if (json) {
        printf("{\"object\": ");
        cli_json_str(stdout, path);
        printf(", \"license\": ");
        cli_json_str(stdout, bpfvm_obj_license(obj));
        printf(", \"programs\": [");
    } else {
        printf("%-24s %-28s %-16s %8s  %s\n", "program", "section", "type", "insns", "runs here");
    }
    for (size_t i = 0; i < n; i++) {
        bpfvm_prog *p = bpfvm_obj_prog(obj, i);
        bpfvm_prog_type t = bpfvm_prog_get_type(p);
        bool type_runs = t == BPFVM_PROG_XDP || t == BPFVM_PROG_SOCKET_FILTER || t == BPFVM_PROG_SCHED_CLS ||
                         t == BPFVM_PROG_SCHED_ACT || t == BPFVM_PROG_MEM;
        bpfvm_error why;
        bool runs = bpfvm_prog_can_run(p, &why) && type_runs;
        char text[600];
        if (runs)
            snprintf(text, sizeof text, "yes");
        else if (!type_runs)
            snprintf(text, sizeof text, "load/verify only");
        else
            snprintf(text, sizeof text, "no: %s", short_reason(why.msg));
        if (json) {
            printf("%s{\"name\": ", i ? ", " : "");
            cli_json_str(stdout, bpfvm_prog_name(p));
            printf(", \"section\": ");
            cli_json_str(stdout, bpfvm_prog_section(p));
            printf(", \"type\": ");
            cli_json_str(stdout, bpfvm_prog_type_name(t));
            printf(", \"insns\": %zu, \"runnable\": %s", bpfvm_prog_len(p), runs ? "true" : "false");
            if (!runs && type_runs) {
                printf(", \"why\": ");
                cli_json_str(stdout, why.msg);
            }
            printf("}");
        } else {
            printf("%-24s %-28s %-16s %8zu  %s\n", bpfvm_prog_name(p), bpfvm_prog_section(p),
                   bpfvm_prog_type_name(t), bpfvm_prog_len(p), text);
        }
    }
    if (json)
        printf("]}\n");
    bpfvm_obj_free(obj);
    bpfvm_vm_free(vm);
    return 0;
}

static void flags_text(uint32_t flags, char *buf, size_t n)
{
    buf[0] = 0;
    if (flags & BPFVM_F_RDONLY_PROG)
        snprintf(buf + strlen(buf), n - strlen(buf), "%srdonly_prog", buf[0] ? "," : "");
    if (flags & BPFVM_F_NO_PREALLOC)
        snprintf(buf + strlen(buf), n - strlen(buf), "%sno_prealloc", buf[0] ? "," : "");
    if (flags & ~(BPFVM_F_RDONLY_PROG | BPFVM_F_NO_PREALLOC))
        snprintf(buf + strlen(buf), n - strlen(buf), "%s%#x", buf[0] ? "," : "",
                 flags & ~(BPFVM_F_RDONLY_PROG | BPFVM_F_NO_PREALLOC));
    if (!buf[0])
        snprintf(buf, n, "-");
}

static void maps_usage(FILE *f)
{
    fprintf(f, "usage: bpfvm maps OBJ.o [--json]\n"
               "  Lists the maps a BPF ELF object defines (.maps, legacy maps, and the global\n"
               "  data sections .data/.rodata/.bss as single-entry arrays): name, type, key and\n"
               "  value sizes, maximum entries and flags.\n");
}

int cmd_maps(int argc, char **argv)
{
    const char *path = NULL;
    bool json = false;
    int rc = parse_common(argc, argv, "maps", &path, &json, maps_usage);
    if (rc)
        return rc < 0 ? 0 : rc;
    bpfvm_vm *vm;
    bpfvm_obj *obj;
    if (open_obj(path, &vm, &obj))
        return 1;
    size_t n = bpfvm_obj_map_count(obj);
    if (json) {
        printf("{\"object\": ");
        cli_json_str(stdout, path);
        printf(", \"maps\": [");
    }
    else
        printf("%-24s %-16s %6s %6s %10s  %s\n", "map", "type", "key", "value", "max", "flags");
    for (size_t i = 0; i < n; i++) {
        const bpfvm_map *m = bpfvm_obj_map(obj, i);
        const bpfvm_map_def *d = bpfvm_map_get_def(m);
        char fl[64];
        flags_text(d->flags, fl, sizeof fl);
        if (json) {
            printf("%s{\"name\": ", i ? ", " : "");
            cli_json_str(stdout, d->name);
            printf(", \"type\": \"%s\", \"key_size\": %u, \"value_size\": %u, \"max_entries\": %u, \"flags\": %u, "
                   "\"implemented\": %s}",
                   type_name(d->type), d->key_size, d->value_size, d->max_entries, d->flags,
                   implemented(m) ? "true" : "false");
        } else {
            printf("%-24s %-16s %6u %6u %10u  %s%s\n", d->name, type_name(d->type), d->key_size, d->value_size,
                   d->max_entries, fl, implemented(m) ? "" : "  (not implemented by bpfvm)");
        }
    }
    if (json)
        printf("]}\n");
    bpfvm_obj_free(obj);
    bpfvm_vm_free(vm);
    return 0;
}

/* ---- perf output and redirect targets (test-run, run) ------------------------------ */

static void on_perf(void *user, bpfvm_map *map, uint32_t index, const void *data, size_t size)
{
    FILE *out = user;
    const uint8_t *b = data;
    fprintf(out, "perf_event_output: %s[%u]: %zu bytes:", bpfvm_map_get_def(map)->name, index, size);
    for (size_t i = 0; i < size && i < 64; i++)
        fprintf(out, " %02x", b[i]);
    fprintf(out, "%s\n", size > 64 ? " ..." : "");
}

void cli_perf_open(bpfvm_obj *obj, FILE *out)
{
    bpfvm_vm *vm = bpfvm_obj_vm(obj);
    uint32_t ncpus = bpfvm_vm_ncpus(vm);
    for (size_t i = 0; i < bpfvm_obj_map_count(obj); i++) {
        bpfvm_map *m = bpfvm_obj_map(obj, i);
        const bpfvm_map_def *d = bpfvm_map_get_def(m);
        if (d->type != BPFVM_MAP_PERF_EVENT_ARRAY)
            continue;
        for (uint32_t cpu = 0; cpu < ncpus && cpu < d->max_entries; cpu++)
            bpfvm_map_update(m, &cpu, &cpu, 0);
    }
    bpfvm_vm_set_perf_output(vm, on_perf, out);
}

void cli_redirect_text(const bpfvm_redirect *r, char *buf, size_t size)
{
    if (!r->map) {
        snprintf(buf, size, "ifindex %u%s", r->ifindex, r->flags & 1 ? " (ingress)" : "");
        return;
    }
    const bpfvm_map_def *d = bpfvm_map_get_def(r->map);
    const char *tn = type_name(d->type);
    if (r->flags & (1u << 3)) /* BPF_F_BROADCAST */
        snprintf(buf, size, "%s %s (broadcast%s)", tn, d->name, r->flags & (1u << 4) ? ", excluding ingress" : "");
    else if (d->type == BPFVM_MAP_CPUMAP)
        snprintf(buf, size, "%s %s[%u] (CPU %u)", tn, d->name, r->key, r->key);
    else if (d->type == BPFVM_MAP_XSKMAP)
        snprintf(buf, size, "%s %s[%u] (AF_XDP socket)", tn, d->name, r->key);
    else
        snprintf(buf, size, "%s %s[%u] (ifindex %u)", tn, d->name, r->key, r->ifindex);
}

/* KEY or VALUE of --map-update: an integer (little-endian, as wide as the field)
 * or hex:BYTES of exactly the field's size. */
static int parse_field(const char *text, size_t size, uint8_t *out, const char *what, const char *spec)
{
    memset(out, 0, size);
    if (!strncmp(text, "hex:", 4)) {
        uint8_t *b = NULL;
        size_t n = 0;
        bpfvm_error err;
        if (util_parse_hex(text + 4, &b, &n, &err))
            return cli_error("--map-update %s: %s: %s", spec, what, err.msg);
        if (n != size) {
            free(b);
            return cli_error("--map-update %s: the %s has %zu bytes, the map's %zu", spec, what, n, size);
        }
        memcpy(out, b, n);
        free(b);
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 0);
    if (!*text || *end || errno || text[0] == '-')
        return cli_error("--map-update %s: the %s '%s' is not a number (or hex:BYTES)", spec, what, text);
    if (size < 8 && v >> (8 * size))
        return cli_error("--map-update %s: the %s %llu does not fit in %zu bytes", spec, what, v, size);
    for (size_t i = 0; i < size && i < 8; i++)
        out[i] = (uint8_t)(v >> (8 * i));
    return 0;
}

int cli_map_update(bpfvm_obj *obj, const char *spec)
{
    /* NAME:KEY=VALUE: map names have no ':', hex:BYTES no '=' */
    const char *colon = strchr(spec, ':'), *eq = colon ? strchr(colon, '=') : NULL;
    if (!colon || !eq)
        return cli_error("--map-update needs NAME:KEY=VALUE, not '%s'", spec);
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(colon - spec), spec);
    bpfvm_map *m = bpfvm_map_by_name(bpfvm_obj_vm(obj), name);
    if (!m)
        return cli_error("--map-update %s: the object has no map '%s' (see bpfvm maps)", spec, name);
    const bpfvm_map_def *d = bpfvm_map_get_def(m);
    bool percpu = d->type == BPFVM_MAP_PERCPU_ARRAY || d->type == BPFVM_MAP_PERCPU_HASH ||
                  d->type == BPFVM_MAP_LRU_PERCPU_HASH;
    uint32_t ncpus = percpu ? bpfvm_vm_ncpus(bpfvm_obj_vm(obj)) : 1;
    size_t stride = percpu ? ((d->value_size + 7u) & ~7u) : d->value_size;
    char kt[256], vt[256];
    snprintf(kt, sizeof kt, "%.*s", (int)(eq - colon - 1), colon + 1);
    snprintf(vt, sizeof vt, "%s", eq + 1);
    uint8_t *key = calloc(1, d->key_size + 8), *val = calloc(ncpus, stride + 8);
    int rc = 1;
    if (key && val && !parse_field(kt, d->key_size, key, "key", spec) &&
        !parse_field(vt, d->value_size, val, "value", spec)) {
        for (uint32_t c = 1; c < ncpus; c++) /* per-CPU maps: the value on every CPU */
            memcpy(val + c * stride, val, d->value_size);
        int e = bpfvm_map_update(m, key, val, 0);
        rc = e ? cli_error("--map-update %s: %s", spec, strerror(-e)) : 0;
    }
    free(key);
    free(val);
    return rc;
}

#define MAX_SHOWN 64 /* entries printed per map */

void cli_print_maps(const bpfvm_obj *obj, bool json)
{
    bpfvm_vm *vm = bpfvm_obj_vm(obj);
    size_t n = bpfvm_obj_map_count(obj);
    if (json)
        printf("[");
    else
        printf("\nmaps:\n");
    for (size_t i = 0; i < n; i++) {
        bpfvm_map *m = bpfvm_obj_map(obj, i);
        const bpfvm_map_def *d = bpfvm_map_get_def(m);
        bool percpu = d->type == BPFVM_MAP_PERCPU_ARRAY || d->type == BPFVM_MAP_PERCPU_HASH ||
                      d->type == BPFVM_MAP_LRU_PERCPU_HASH;
        if (json) {
            printf("%s{\"name\": ", i ? ", " : "");
            cli_json_str(stdout, d->name);
            printf(", \"type\": \"%s\", \"entries\": [", type_name(d->type));
        } else {
            printf("  %s (%s, max %u entries)\n", d->name, type_name(d->type), d->max_entries);
        }
        if (!implemented(m)) {
            if (!json)
                printf("    (a map type bpfvm does not implement)\n");
            else
                printf("]}");
            continue;
        }
        if (d->type == BPFVM_MAP_RINGBUF || d->type == BPFVM_MAP_QUEUE || d->type == BPFVM_MAP_STACK ||
            d->type == BPFVM_MAP_PROG_ARRAY || d->type == BPFVM_MAP_PERF_EVENT_ARRAY ||
            d->type == BPFVM_MAP_XSKMAP || !d->key_size) {
            if (!json)
                printf("    (contents not listed for this map type)\n");
            else
                printf("]}");
            continue;
        }
        uint32_t ncpus = percpu ? bpfvm_vm_ncpus(vm) : 1;
        size_t stride = percpu ? ((d->value_size + 7) & ~7u) : d->value_size;
        size_t vsize = d->type == BPFVM_MAP_ARRAY_OF_MAPS || d->type == BPFVM_MAP_HASH_OF_MAPS ? 4 : stride * ncpus;
        uint8_t *key = calloc(1, d->key_size), *next = calloc(1, d->key_size), *val = calloc(1, vsize + 8);
        char kb[2048], vb[4096];
        size_t shown = 0, total = 0;
        bool first = true;
        int rc = bpfvm_map_next_key(m, NULL, next);
        while (key && next && val && rc == 0) {
            memcpy(key, next, d->key_size);
            int lr = bpfvm_map_lookup(m, key, val);
            total += lr == 0; /* devmaps and cpumaps list empty entries too */
            if (shown < MAX_SHOWN && lr == 0) {
                bpfvm_map_format(m, true, key, kb, sizeof kb);
                if (json) {
                    printf("%s{\"key\": ", first ? "" : ", ");
                    cli_json_str(stdout, kb);
                    printf(", \"value\": ");
                } else {
                    printf("    %s: ", kb);
                }
                if (json && ncpus > 1)
                    printf("[");
                for (uint32_t c = 0; c < ncpus; c++) {
                    if (vsize == 4 && (d->type == BPFVM_MAP_ARRAY_OF_MAPS || d->type == BPFVM_MAP_HASH_OF_MAPS)) {
                        uint32_t id;
                        memcpy(&id, val, 4);
                        snprintf(vb, sizeof vb, "map id %u", id);
                    } else {
                        bpfvm_map_format(m, false, val + c * stride, vb, sizeof vb);
                    }
                    if (json) {
                        printf("%s", c ? ", " : "");
                        cli_json_str(stdout, vb);
                    } else if (ncpus > 1) {
                        printf("%scpu%u %s", c ? ", " : "", c, vb);
                    } else {
                        printf("%s", vb);
                    }
                }
                if (json)
                    printf("%s}", ncpus > 1 ? "]" : "");
                else
                    printf("\n");
                first = false;
                shown++;
            }
            rc = bpfvm_map_next_key(m, key, next);
        }
        if (json)
            printf("], \"count\": %zu}", total);
        else if (!total)
            printf("    (empty)\n");
        else if (total > shown)
            printf("    ... %zu more entries\n", total - shown);
        free(key);
        free(next);
        free(val);
    }
    if (json)
        printf("]");
}
