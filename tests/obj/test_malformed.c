/* test_malformed.c — malformed ELF objects, each refused with its own message,
 * and never a crash (run it under the sanitizer build too): objects truncated at
 * every length, header fields (magic, class, byte order, machine, type), section
 * table and section offsets, symbol table, relocations (type, symbol, offset,
 * target), .BTF and .BTF.ext, legacy map records, invalid instructions; objects
 * clang really produces that bpfvm refuses (big-endian, .maps without BTF, map
 * definitions with bad members, externs, unknown helpers); and a few thousand
 * seeded random corruptions.
 *   test_malformed [-p]     -p: print each case's message instead of checking it
 */
#include "objtest.h"
#include "fuzz_body.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>

static bool print_only;

typedef struct img {
    uint8_t *b;
    size_t n;
} img;

static img load(const char *path)
{
    img m = { 0 };
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    m.n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    m.b = malloc(m.n);
    if (fread(m.b, 1, m.n, f) != m.n)
        exit(1);
    fclose(f);
    return m;
}

static img dup_img(const img *a)
{
    img m = { malloc(a->n), a->n };
    memcpy(m.b, a->b, a->n);
    return m;
}

static Elf64_Ehdr *ehdr(img *m) { return (Elf64_Ehdr *)m->b; }
static Elf64_Shdr *shdr(img *m, size_t i) { return (Elf64_Shdr *)(m->b + ehdr(m)->e_shoff) + i; }
static const char *secname(img *m, size_t i)
{
    return (const char *)m->b + shdr(m, ehdr(m)->e_shstrndx)->sh_offset + shdr(m, i)->sh_name;
}
static size_t find(img *m, const char *name)
{
    for (size_t i = 1; i < ehdr(m)->e_shnum; i++)
        if (!strcmp(secname(m, i), name))
            return i;
    fprintf(stderr, "no section %s\n", name);
    exit(1);
}
static uint8_t *secdata(img *m, const char *name) { return m->b + shdr(m, find(m, name))->sh_offset; }
static Elf64_Rel *rel(img *m, const char *relsec, size_t k) { return (Elf64_Rel *)secdata(m, relsec) + k; }

/* Opens the image; checks the status and the whole message ("t.o: " + want). */
static void expect(const char *what, img *m, size_t len, int code, const char *want)
{
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_obj *obj = NULL;
    bpfvm_error err;
    memset(&err, 0, sizeof err);
    int rc = bpfvm_obj_open_mem(vm, m->b, len, "t.o", 0, &obj, &err);
    snprintf(ot_where, sizeof ot_where, "%s", what);
    if (print_only) {
        printf("%-44s %-12s %s\n", what, rc ? bpfvm_status_name((bpfvm_status)-rc) : "LOADED", rc ? err.msg : "");
    } else if (code == 0) {
        CHECK(rc == 0, "not loaded: %s", err.msg);
    } else {
        CHECK(rc == -code, "status %d (%s), expected %d", rc, rc ? err.msg : "loaded", -code);
        if (want) {
            char full[600];
            snprintf(full, sizeof full, "t.o: %s", want);
            CHECK_STR(err.msg, full);
        } else {
            CHECK(!strncmp(err.msg, "t.o: ", 5), "message without the object's name: %s", err.msg);
        }
    }
    bpfvm_obj_free(obj);
    bpfvm_vm_free(vm);
}

#define INV BPFVM_E_INVALID
#define UNS BPFVM_E_UNSUPPORTED
#define LEGACY_MAP_MSG SRC_DIR "/tests/obj/progs/legacy_maps.c:39: instruction 21: map 'legacy_hash' is of map type 77, which bpfvm does not implement"

/* Opens the image, which must load; its program prog (the first one when NULL)
 * must not run: bpfvm_prog_can_run, a run and the JIT all give status code and
 * the message "program 'NAME' cannot run here: " + want. */
static void expect_unrunnable(const char *what, img *m, size_t len, const char *prog, int code, const char *want)
{
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_obj *obj = NULL;
    bpfvm_error err;
    snprintf(ot_where, sizeof ot_where, "%s", what);
    int rc = bpfvm_obj_open_mem(vm, m->b, len, "t.o", 0, &obj, &err);
    if (print_only) {
        printf("%-44s %-12s %s\n", what, rc ? bpfvm_status_name((bpfvm_status)-rc) : "LOADED", rc ? err.msg : "");
    } else if (CHECK_OK(rc, &err) == 0) {
        bpfvm_prog *p = prog ? bpfvm_obj_find_prog(obj, prog) : bpfvm_obj_prog(obj, 0);
        CHECK(p, "no program %s", prog ? prog : "");
        char full[700];
        snprintf(full, sizeof full, "program '%s' cannot run here: %s", p ? bpfvm_prog_name(p) : "?", want);
        bpfvm_packet *pkt = bpfvm_packet_new();
        uint8_t frame[64] = { 0 };
        uint64_t ret;
        for (int k = 0; p && k < 3; k++) {
            memset(&err, 0, sizeof err);
            if (k == 0)
                CHECK(!bpfvm_prog_can_run(p, &err), "can run");
            else if (k == 1)
                CHECK_EQ(bpfvm_prog_jit(p, &err), -code);
            else {
                bpfvm_packet_set(pkt, frame, sizeof frame, &err);
                CHECK_EQ(bpfvm_run_packet(p, pkt, NULL, &ret, &err), -code);
            }
            CHECK_EQ(err.code, code);
            CHECK_STR(err.msg, full);
        }
        bpfvm_packet_free(pkt);
    }
    bpfvm_obj_free(obj);
    bpfvm_vm_free(vm);
}

static void header_cases(const img *good)
{
    img m = dup_img(good);
    memcpy(m.b, "\x7f" "ELG", 4);
    expect("bad magic", &m, m.n, INV, "not an ELF file");
    free(m.b);

    m = dup_img(good);
    m.b[EI_CLASS] = ELFCLASS32;
    expect("32-bit", &m, m.n, INV, "not a 64-bit ELF file (BPF objects are ELFCLASS64)");
    free(m.b);

    m = dup_img(good);
    m.b[EI_DATA] = ELFDATA2MSB;
    expect("big-endian flag", &m, m.n, INV, "big-endian BPF objects (bpfeb) are not supported; build with -target bpfel");
    free(m.b);

    m = dup_img(good);
    ehdr(&m)->e_machine = EM_X86_64;
    expect("wrong machine", &m, m.n, INV, "ELF machine is 62, not BPF (247)");
    free(m.b);

    m = dup_img(good);
    ehdr(&m)->e_type = ET_EXEC;
    expect("not relocatable", &m, m.n, INV, "ELF type is 2, not a relocatable object (ET_REL)");
    free(m.b);

    m = dup_img(good);
    ehdr(&m)->e_shoff = m.n + 4096;
    char msg[200];
    snprintf(msg, sizeof msg, "truncated or corrupt: the section table (%u sections at offset %zu) lies outside the "
             "%zu-byte file", ehdr(&m)->e_shnum, m.n + 4096, m.n);
    expect("section table past the end", &m, m.n, INV, msg);
    free(m.b);

    m = dup_img(good);
    ehdr(&m)->e_shstrndx = 999;
    expect("bad section name table index", &m, m.n, INV, "the section name table is section 999, which does not exist");
    free(m.b);

    m = dup_img(good);
    ehdr(&m)->e_shoff = 0;
    expect("no section table", &m, m.n, INV, "no section table");
    free(m.b);
}

static void section_cases(const img *good)
{
    img m = dup_img(good);
    shdr(&m, find(&m, "xdp"))->sh_offset = m.n + 100;
    expect("code section offset past the end", &m, m.n, INV, "section 'xdp' has bad offsets: invalid section header");
    free(m.b);

    m = dup_img(good);
    shdr(&m, find(&m, "xdp"))->sh_size = 1u << 30;
    expect("code section size past the end", &m, m.n, INV, "section 'xdp' has bad offsets: invalid section header");
    free(m.b);

    m = dup_img(good);
    shdr(&m, find(&m, "xdp"))->sh_size -= 4;
    expect("code section not made of instructions", &m, m.n, INV,
           "function 'globals' lies outside section 'xdp' or is not made of 8-byte instructions");
    free(m.b);

    m = dup_img(good);
    shdr(&m, find(&m, ".data"))->sh_offset = (Elf64_Off)-16;
    expect("data section offset overflowing", &m, m.n, INV, "section '.data' has bad offsets: invalid section header");
    free(m.b);

    m = dup_img(good);
    shdr(&m, find(&m, ".symtab"))->sh_type = SHT_PROGBITS;
    expect("no symbol table", &m, m.n, INV, "no symbol table");
    free(m.b);

    m = dup_img(good);
    shdr(&m, find(&m, ".symtab"))->sh_link = 999;
    expect("symbol table's string table index", &m, m.n, INV, "malformed symbol table '.symtab'");
    free(m.b);

    m = dup_img(good);
    shdr(&m, find(&m, ".symtab"))->sh_entsize = 16;
    expect("symbol table entry size", &m, m.n, INV, "malformed symbol table '.symtab'");
    free(m.b);

    m = dup_img(good);
    shdr(&m, find(&m, ".relxdp"))->sh_info = 999;
    expect("relocation section target", &m, m.n, INV,
           "relocation section '.relxdp' patches section 999, which does not exist");
    free(m.b);

    m = dup_img(good);
    shdr(&m, find(&m, ".relxdp"))->sh_entsize = 24;
    expect("relocation entry size", &m, m.n, INV, "malformed relocation section '.relxdp'");
    free(m.b);

    m = dup_img(good);
    shdr(&m, find(&m, ".relxdp"))->sh_type = SHT_RELA;
    expect("RELA relocations", &m, m.n, INV, "section '.relxdp': RELA relocations are not used by BPF objects");
    free(m.b);
}

/* The symbol a program's first relocation names. */
static Elf64_Sym *sym(img *m, size_t i) { return (Elf64_Sym *)secdata(m, ".symtab") + i; }

static size_t sym_by_name(img *m, const char *name)
{
    Elf64_Shdr *st = shdr(m, find(m, ".symtab"));
    const char *str = (const char *)m->b + shdr(m, st->sh_link)->sh_offset;
    for (size_t i = 1; i < st->sh_size / sizeof(Elf64_Sym); i++)
        if (!strcmp(str + sym(m, i)->st_name, name))
            return i;
    fprintf(stderr, "no symbol %s\n", name);
    exit(1);
}

static void symbol_cases(const img *good)
{
    img m = dup_img(good);
    sym(&m, sym_by_name(&m, "globals"))->st_size = 1u << 20;
    expect("function past its section", &m, m.n, INV,
           "function 'globals' lies outside section 'xdp' or is not made of 8-byte instructions");
    free(m.b);

    m = dup_img(good);
    sym(&m, sym_by_name(&m, "globals"))->st_value = 4;
    expect("function not at an instruction", &m, m.n, INV,
           "function 'globals' lies outside section 'xdp' or is not made of 8-byte instructions");
    free(m.b);

    m = dup_img(good);
    sym(&m, sym_by_name(&m, "globals"))->st_name = 0x7fffffff;
    expect("symbol name outside the string table", &m, m.n, INV,
           "function symbol 24 in section 'xdp' has no name (its name lies outside the string table)");
    free(m.b);

    m = dup_img(good);
    sym(&m, sym_by_name(&m, "g_bss"))->st_value = 1u << 20;
    expect("data symbol outside its section", &m, m.n, INV,
           ".relxdp: relocation 1: offset 1048576 is outside section '.bss'");
    free(m.b);

    m = dup_img(good);
    sym(&m, sym_by_name(&m, "g_bss"))->st_shndx = 999;
    expect("data symbol in a section that does not exist", &m, m.n, INV,
           ".relxdp: relocation 1: symbol 'g_bss' has a bad section");
    free(m.b);
}

static void relocation_cases(const img *good)
{
    img m = dup_img(good);
    Elf64_Rel *r = rel(&m, ".relxdp", 0);
    r->r_info = ELF64_R_INFO(ELF64_R_SYM(r->r_info), 7);
    expect("relocation type 7", &m, m.n, INV, ".relxdp: relocation 0 has type 7, which does not apply to code");
    free(m.b);

    m = dup_img(good);
    r = rel(&m, ".relxdp", 0);
    r->r_info = ELF64_R_INFO(99999, ELF64_R_TYPE(r->r_info));
    expect("relocation symbol out of range", &m, m.n, INV, "symbol 99999 does not exist");
    free(m.b);

    m = dup_img(good);
    r = rel(&m, ".relxdp", 0);
    r->r_offset += 4;
    expect("relocation offset inside an instruction", &m, m.n, INV,
           ".relxdp: relocation 0 at offset 0x14 is not at an instruction");
    free(m.b);

    m = dup_img(good);
    r = rel(&m, ".relxdp", 0);
    r->r_offset += 16; /* the instruction after the lddw */
    expect("relocation of a non-lddw", &m, m.n, INV,
           ".relxdp: relocation 0 (R_BPF_64_64 '.bss') does not patch an lddw");
    free(m.b);

    m = dup_img(good);
    r = rel(&m, ".relxdp", 0);
    r->r_offset = 1u << 30;
    expect("relocation offset past the section", &m, m.n, INV,
           ".relxdp: relocation 0 at offset 0x40000000 lies outside section 'xdp' (912 bytes)");
    free(m.b);

    m = dup_img(good);
    r = rel(&m, ".relxdp", 0);
    r->r_info = ELF64_R_INFO(sym_by_name(&m, "globals"), ELF64_R_TYPE(r->r_info));
    /* what clang emits for a callback (bpf_loop): a code address, not a map */
    expect("lddw relocation to a function symbol", &m, m.n, 0, NULL);
    free(m.b);

    m = dup_img(good);
    r = rel(&m, ".relxdp", 0);
    r->r_info = ELF64_R_INFO(sym_by_name(&m, "LICENSE"), ELF64_R_TYPE(r->r_info));
    expect("lddw relocation to the license", &m, m.n, INV,
           ".relxdp: relocation 0: symbol 'LICENSE' is in section 'license', which bpfvm does not load");
    free(m.b);
}

/* .BTF and .BTF.ext */
static void btf_cases(const img *good)
{
    img m = dup_img(good);
    secdata(&m, ".BTF")[0] ^= 0xff;
    expect("BTF magic", &m, m.n, INV, "section .BTF is malformed (Invalid argument)");
    free(m.b);

    m = dup_img(good);
    shdr(&m, find(&m, ".BTF"))->sh_size = 12;
    expect("BTF truncated", &m, m.n, INV, "section .BTF is malformed (Invalid argument)");
    free(m.b);

    m = dup_img(good);
    uint32_t *h = (uint32_t *)secdata(&m, ".BTF");
    h[2] = 0x7ffffff0; /* type_off */
    expect("BTF type offset", &m, m.n, INV, "section .BTF is malformed (Invalid argument)");
    free(m.b);

    /* found by fuzz_elf: a second .BTF section leaked the first one's parse */
    m = dup_img(good);
    shdr(&m, find(&m, ".BTF.ext"))->sh_name = shdr(&m, find(&m, ".BTF"))->sh_name;
    expect("two .BTF sections", &m, m.n, INV, "more than one .BTF section");
    free(m.b);

    m = dup_img(good);
    secdata(&m, ".BTF.ext")[0] ^= 0xff;
    expect("BTF.ext magic", &m, m.n, INV, "section .BTF.ext: bad magic");
    free(m.b);

    m = dup_img(good);
    shdr(&m, find(&m, ".BTF.ext"))->sh_size = 6;
    expect("BTF.ext truncated header", &m, m.n, INV, "section .BTF.ext: truncated header");
    free(m.b);

    m = dup_img(good);
    h = (uint32_t *)secdata(&m, ".BTF.ext");
    h[4] = 0x7ffffff0; /* line_info_off */
    expect("BTF.ext line info offset", &m, m.n, INV, "section .BTF.ext: line info lies outside the section");
    free(m.b);

    m = dup_img(good);
    h = (uint32_t *)secdata(&m, ".BTF.ext");
    uint32_t *li = (uint32_t *)(secdata(&m, ".BTF.ext") + h[1] + h[4]);
    li[0] = 8; /* record size */
    expect("BTF.ext line record size", &m, m.n, INV, "section .BTF.ext: line info record size is not 16..256");
    free(m.b);

    m = dup_img(good);
    h = (uint32_t *)secdata(&m, ".BTF.ext");
    li = (uint32_t *)(secdata(&m, ".BTF.ext") + h[1] + h[4]);
    li[2] = 0x7fffffff; /* number of records of the first section */
    expect("BTF.ext line record count", &m, m.n, INV, "section .BTF.ext: line info records run past the end");
    free(m.b);

    m = dup_img(good);
    h = (uint32_t *)secdata(&m, ".BTF.ext");
    li = (uint32_t *)(secdata(&m, ".BTF.ext") + h[1] + h[4]);
    li[1] = 0x7fffffff; /* section name offset */
    expect("BTF.ext section name", &m, m.n, INV, "section .BTF.ext: line info names a section outside the BTF strings");
    free(m.b);

    m = dup_img(good);
    h = (uint32_t *)secdata(&m, ".BTF.ext");
    li = (uint32_t *)(secdata(&m, ".BTF.ext") + h[1] + h[4]);
    li[4] = 0x7fffffff; /* file name of the first record */
    li[5] = 0x7fffffff; /* source line text */
    expect("BTF.ext line strings outside BTF (tolerated)", &m, m.n, 0, NULL);
    free(m.b);
}

/* Instructions the validator refuses, reported with the program and C line. */
static void insn_cases(const img *good)
{
    img m = dup_img(good);
    uint8_t *code = secdata(&m, "xdp");
    code[8 * 3] = 0xff; /* opcode of the 4th instruction */
    expect("unknown opcode", &m, m.n, INV,
           "program 'globals' (section 'xdp'), " SRC_DIR "/tests/obj/progs/globals.c:38: instruction 3: second slot "
           "of lddw must have opcode, registers and offset 0 (opcode 0xff, dst 0, src 0, offset 0)");
    free(m.b);

    m = dup_img(good);
    code = secdata(&m, "xdp");
    Elf64_Shdr *s = shdr(&m, find(&m, "xdp"));
    memset(code + s->sh_size - 8, 0, 8); /* the final exit becomes a mov: falls off the end */
    code[s->sh_size - 8] = 0xb7;
    expect("falls off the end", &m, m.n, INV,
           "program 'globals' (section 'xdp'), " SRC_DIR "/tests/obj/progs/globals.c:50: instruction 113: execution "
           "can fall through into the function at 114: the last instruction of the function at 0 is mov, not exit "
           "or ja");
    free(m.b);
}

static void legacy_cases(const img *good)
{
    img m = dup_img(good);
    shdr(&m, find(&m, "maps"))->sh_size -= 4;
    expect("legacy map records not a multiple", &m, m.n, INV,
           "section 'maps' holds 36 bytes for 2 maps: not struct bpf_map_def records");
    free(m.b);

    m = dup_img(good);
    uint32_t *w = (uint32_t *)secdata(&m, "maps");
    w[0] = 77; /* type of the first map: a type bpfvm does not know; the object loads, its program cannot run */
    expect_unrunnable("legacy map type", &m, m.n, NULL, UNS, LEGACY_MAP_MSG);
    free(m.b);

    m = dup_img(good);
    w = (uint32_t *)secdata(&m, "maps");
    w[2] = 0; /* value_size 0 */
    expect("legacy map value size 0", &m, m.n, INV, "map 'legacy_hash' (hash): value_size is 0 (Linux: EINVAL)");
    free(m.b);
}

static void truncations(const img *good)
{
    unsigned n = 0;
    for (size_t len = 0; len < good->n; len += len < 512 ? 1 : 13) {
        img m = dup_img(good); /* a fresh copy: ASan sees reads past len */
        char what[64];
        snprintf(what, sizeof what, "truncated at %zu of %zu bytes", len, good->n);
        if (len < 4)
            expect(what, &m, len, INV, "not an ELF file");
        else if (len < 64)
            expect(what, &m, len, INV, len < EI_NIDENT ? "not an ELF file" : "truncated ELF header");
        else {
            char msg[200];
            snprintf(msg, sizeof msg, "truncated or corrupt: the section table (%u sections at offset %llu) lies "
                     "outside the %zu-byte file", ehdr(&m)->e_shnum, (unsigned long long)ehdr(&m)->e_shoff, len);
            expect(what, &m, len, INV, msg);
        }
        free(m.b);
        n++;
    }
    if (!print_only)
        printf("truncations: %u lengths\n", n);
}

/* Seeded random corruption: a few bytes changed anywhere. The result must be a
 * load or a clean error, never a crash (which ASan/UBSan would report). */
static void corruptions(const img *good, uint64_t seed, unsigned count)
{
    unsigned loaded = 0;
    for (unsigned i = 0; i < count; i++) {
        img m = dup_img(good);
        unsigned k = 1 + (unsigned)(seed % 4);
        for (unsigned j = 0; j < k; j++) {
            seed ^= seed >> 12, seed ^= seed << 25, seed ^= seed >> 27;
            uint64_t r = seed * 0x2545f4914f6cdd1dull;
            m.b[(r >> 8) % m.n] = (uint8_t)r;
        }
        bpfvm_vm *vm = bpfvm_vm_new();
        bpfvm_obj *obj = NULL;
        bpfvm_error err;
        err.msg[0] = 0;
        int rc = bpfvm_obj_open_mem(vm, m.b, m.n, "t.o", BPFVM_EXT_ALL, &obj, &err);
        if (rc == 0) {
            loaded++;
            /* whatever loaded must also run without harming the host */
            bpfvm_packet *pkt = bpfvm_packet_new();
            static const uint8_t frame[64] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0 };
            for (size_t p = 0; p < bpfvm_obj_prog_count(obj); p++) {
                uint64_t ret;
                bpfvm_run_opts ro = { .step_budget = 100000 };
                bpfvm_packet_set(pkt, frame, sizeof frame, &err);
                bpfvm_run_packet(bpfvm_obj_prog(obj, p), pkt, &ro, &ret, &err);
            }
            bpfvm_packet_free(pkt);
        } else {
            snprintf(ot_where, sizeof ot_where, "corruption %u", i);
            CHECK(err.msg[0] && !strncmp(err.msg, "t.o: ", 5), "error without the object's name: '%s'", err.msg);
        }
        bpfvm_obj_free(obj);
        bpfvm_vm_free(vm);
        free(m.b);
    }
    if (!print_only)
        printf("corruptions: %u objects, %u still loaded (and ran)\n", count, loaded);
}

/* Objects clang produces that bpfvm refuses, with their message (minus the path). */
static void compiled_cases(void)
{
    static const struct {
        const char *file;
        int code;
        const char *msg;
    } cases[] = {
        { "globals.bpfeb.o", INV, "big-endian BPF objects (bpfeb) are not supported; build with -target bpfel" },
        { "xdp_maps.nobtf.o", INV, "section .maps needs BTF (compile with clang -g)" },
        { "map_unknown_member.o", INV, "map 'm': unknown member 'colour'" },
        { "map_key_not_type.o", INV, "map 'm': member 'key' is not __type(key, T)" },
        { "map_type_not_uint.o", INV, "map 'm': member 'type' is not __uint(type, N)" },
        { "map_zero_entries.o", INV, "map 'm' (hash): max_entries is 0 (Linux: EINVAL)" },
        { "map_ringbuf_size.o", INV,
          "map 'm' (ringbuf): max_entries 5000 must be a power of 2 and a multiple of the 4096-byte page size "
          "(Linux: EINVAL)" },
        { "map_huge_value.o", INV, "map 'm': the size of 'value' cannot be determined from BTF" },
        { "map_in_map_no_values.o", INV,
          "map-in-map 'm' needs __array(values, struct {...}) describing its inner maps" },
        { "map_not_struct.o", INV, "map 'm': its BTF type is not a struct" },
        { "map_in_map_key8.o", INV, "map 'm' is initialised in the object, which needs 4-byte keys (its key_size is 8)" },
        { "prog_array_not_prog.o", INV, "prog array 'jmp'[0]: '.text'+0 is not a program of this object" },
        { "no_programs.o", INV, "no programs: no global function in a program section (SEC(\"...\"))" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", BAD_DIR, cases[i].file);
        img m = load(path);
        expect(cases[i].file, &m, m.n, cases[i].code, cases[i].msg);
        free(m.b);
    }
    /* what bpfvm lacks: the object loads and lists, the program cannot run */
    static const struct {
        const char *file;
        int code;
        const char *msg;
    } unrunnable[] = {
        { "map_type_unknown.o", UNS, SRC_DIR "/tests/obj/bad/map_type_unknown.c:16: instruction 4: map 'm' is of map type 999, which bpfvm does not implement" },
        { "extern_kfunc.o", UNS, "t.o: call to extern function 'bpf_xdp_metadata_rx_hash' (a kfunc) is not supported" },
        { "extern_kconfig.o", UNS, "t.o: extern 'LINUX_KERNEL_VERSION' (kconfig/ksym) is not supported" },
        { "unknown_helper.o", INV, SRC_DIR "/tests/obj/bad/unknown_helper.c:10: instruction 4: call to unknown helper 189" },
        { "helper_wrong_type.o", INV,
          SRC_DIR "/tests/obj/bad/helper_wrong_type.c:10: instruction 4: program type xdp may not call helper "
          "bpf_skb_load_bytes (26)" },
    };
    for (size_t i = 0; i < sizeof unrunnable / sizeof *unrunnable; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", BAD_DIR, unrunnable[i].file);
        img m = load(path);
        expect_unrunnable(unrunnable[i].file, &m, m.n, NULL, unrunnable[i].code, unrunnable[i].msg);
        free(m.b);
    }
    /* an LPM trie and a stack trace map: the program using the trie cannot run, the
     * kprobe is not runnable anyway (and calls bpf_get_stackid), the counter runs */
    {
        char path[4096];
        snprintf(path, sizeof path, "%s/lists_only.o", BAD_DIR);
        img m = load(path);
        expect_unrunnable("lists_only.o firewall", &m, m.n, "firewall", UNS,
                          SRC_DIR "/tests/obj/bad/lists_only.c:43: instruction 12: map 'blocklist' is of type "
                                  "lpm_trie (11), which bpfvm does not implement");
        expect_unrunnable("lists_only.o profile", &m, m.n, "profile", UNS,
                          SRC_DIR "/tests/obj/bad/lists_only.c:49: instruction 0: map 'stacks' is of type "
                                  "stack_trace (7), which bpfvm does not implement");
        bpfvm_vm *vm = bpfvm_vm_new();
        bpfvm_obj *obj = NULL;
        bpfvm_error err;
        snprintf(ot_where, sizeof ot_where, "lists_only.o counter");
        if (CHECK_OK(bpfvm_obj_open_mem(vm, m.b, m.n, "t.o", 0, &obj, &err), &err) == 0) {
            bpfvm_prog *c = bpfvm_obj_find_prog(obj, "counter");
            CHECK(c && bpfvm_prog_can_run(c, &err), "counter cannot run: %s", err.msg);
            bpfvm_packet *pkt = bpfvm_packet_new();
            uint8_t frame[60] = { 0 };
            uint64_t ret = 0;
            bpfvm_packet_set(pkt, frame, sizeof frame, &err);
            CHECK_OK(bpfvm_run_packet(c, pkt, NULL, &ret, &err), &err);
            CHECK_EQ(ret, BPFVM_XDP_PASS);
            bpfvm_packet_free(pkt);
            /* the placeholder maps: listed with their definition, no host access */
            bpfvm_map *bl = bpfvm_map_by_name(vm, "blocklist");
            CHECK(bl != NULL, "no map blocklist");
            if (bl) {
                const bpfvm_map_def *d = bpfvm_map_get_def(bl);
                CHECK_EQ(d->type, 11);
                CHECK_EQ(d->key_size, 8);
                CHECK_EQ(d->max_entries, 16);
                uint8_t k[8] = { 32 }, v[4], n[8];
                CHECK_EQ(bpfvm_map_lookup(bl, k, v), -EOPNOTSUPP);
                CHECK_EQ(bpfvm_map_update(bl, k, v, 0), -EOPNOTSUPP);
                CHECK_EQ(bpfvm_map_delete(bl, k), -EOPNOTSUPP);
                CHECK_EQ(bpfvm_map_next_key(bl, NULL, n), -EOPNOTSUPP);
            }
            /* the public API still refuses to create such a map */
            bpfvm_map_def d = { (bpfvm_map_type)11, 8, 4, 16, 1, "trie", NULL };
            bpfvm_map *tm;
            CHECK_EQ(bpfvm_map_create(vm, &d, &tm, &err), -BPFVM_E_UNSUPPORTED);
        }
        bpfvm_obj_free(obj);
        bpfvm_vm_free(vm);
        free(m.b);
    }
    /* legacy maps need no BTF */
    char path[4096];
    snprintf(path, sizeof path, "%s/legacy_maps.nobtf.o", BAD_DIR);
    img m = load(path);
    expect("legacy maps without BTF load", &m, m.n, 0, NULL);
    free(m.b);
}

/* Inputs fuzz_elf found (tests/obj/fuzz_regress), replayed the way it ran them. */
static void fuzz_regressions(void)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/obj/fuzz_regress", SRC_DIR);
    DIR *d = opendir(dir);
    unsigned n = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        img m = load(path);
        fuzz_one(m.b, m.n);
        free(m.b);
        n++;
    }
    if (d)
        closedir(d);
    if (!print_only)
        printf("fuzz regressions: %u inputs replayed\n", n);
}

static img corpus(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", OBJ_DIR, name);
    return load(path);
}

int main(int argc, char **argv)
{
    print_only = argc > 1 && !strcmp(argv[1], "-p");
    img globals = corpus("globals.v3.o"), legacy = corpus("legacy_maps.v3.o"), tail = corpus("tailcalls.v3.o");
    header_cases(&globals);
    section_cases(&globals);
    symbol_cases(&globals);
    relocation_cases(&globals);
    btf_cases(&globals);
    insn_cases(&globals);
    legacy_cases(&legacy);
    compiled_cases();
    truncations(&globals);
    corruptions(&globals, 1, 1500);
    corruptions(&tail, 2, 1500);
    corruptions(&legacy, 3, 500);
    fuzz_regressions();
    free(globals.b);
    free(legacy.b);
    free(tail.b);
    return print_only ? 0 : ot_summary("obj_malformed");
}
