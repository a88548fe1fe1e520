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
        bool runs = t == BPFVM_PROG_XDP || t == BPFVM_PROG_SOCKET_FILTER || t == BPFVM_PROG_SCHED_CLS ||
                    t == BPFVM_PROG_SCHED_ACT || t == BPFVM_PROG_MEM;
        if (json) {
            printf("%s{\"name\": ", i ? ", " : "");
            cli_json_str(stdout, bpfvm_prog_name(p));
            printf(", \"section\": ");
            cli_json_str(stdout, bpfvm_prog_section(p));
            printf(", \"type\": ");
            cli_json_str(stdout, bpfvm_prog_type_name(t));
            printf(", \"insns\": %zu, \"runnable\": %s}", bpfvm_prog_len(p), runs ? "true" : "false");
        } else {
            printf("%-24s %-28s %-16s %8zu  %s\n", bpfvm_prog_name(p), bpfvm_prog_section(p),
                   bpfvm_prog_type_name(t), bpfvm_prog_len(p), runs ? "yes" : "load/verify only");
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
            printf(", \"type\": \"%s\", \"key_size\": %u, \"value_size\": %u, \"max_entries\": %u, \"flags\": %u}",
                   bpfvm_map_type_name(d->type), d->key_size, d->value_size, d->max_entries, d->flags);
        } else {
            printf("%-24s %-16s %6u %6u %10u  %s\n", d->name, bpfvm_map_type_name(d->type), d->key_size,
                   d->value_size, d->max_entries, fl);
        }
    }
    if (json)
        printf("]}\n");
    bpfvm_obj_free(obj);
    bpfvm_vm_free(vm);
    return 0;
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
            printf(", \"type\": \"%s\", \"entries\": [", bpfvm_map_type_name(d->type));
        } else {
            printf("  %s (%s, max %u entries)\n", d->name, bpfvm_map_type_name(d->type), d->max_entries);
        }
        if (d->type == BPFVM_MAP_RINGBUF || d->type == BPFVM_MAP_QUEUE || d->type == BPFVM_MAP_STACK ||
            d->type == BPFVM_MAP_PROG_ARRAY || !d->key_size) {
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
            total++;
            if (shown < MAX_SHOWN && bpfvm_map_lookup(m, key, val) == 0) {
                bpfvm_map_format(m, true, key, kb, sizeof kb);
                if (json) {
                    printf("%s{\"key\": ", first ? "" : ", ");
                    cli_json_str(stdout, kb);
                    printf(", \"value\": ");
                } else {
                    printf("    %s: ", kb);
                }
                for (uint32_t c = 0; c < ncpus; c++) {
                    if (vsize == 4 && (d->type == BPFVM_MAP_ARRAY_OF_MAPS || d->type == BPFVM_MAP_HASH_OF_MAPS)) {
                        uint32_t id;
                        memcpy(&id, val, 4);
                        snprintf(vb, sizeof vb, "map id %u", id);
                    } else {
                        bpfvm_map_format(m, false, val + c * stride, vb, sizeof vb);
                    }
                    if (json) {
                        cli_json_str(stdout, vb);
                    } else if (ncpus > 1) {
                        printf("%scpu%u %s", c ? ", " : "", c, vb);
                    } else {
                        printf("%s", vb);
                    }
                }
                if (json)
                    printf("}");
                else
                    printf("\n");
                first = false;
                shown++;
            }
            rc = bpfvm_map_next_key(m, key, next);
        }
        if (json)
            printf("]}");
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
