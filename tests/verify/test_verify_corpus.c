/* test_verify_corpus.c — runs every case of the verifier's corpus
 * (tests/verify/corpus, format in vcorpus.h) through bpfvm_verify and fails on any
 * difference from the expected verdict, rejected instruction or message. Prints
 * the counts per category (file).
 *   test_verify_corpus CORPUS_DIR OUT_DIR [-v] [--only NAME]
 */
#include "vcorpus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BPF_CC
#define BPF_CC "clang -O2 -g -target bpf -mcpu=v3"
#endif

typedef struct cat {
    char name[48];
    int accept, reject, failed;
} cat;

int main(int argc, char **argv)
{
    const char *dir = NULL, *out = NULL, *only = NULL;
    bool verbose = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-v"))
            verbose = true;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!dir)
            dir = argv[i];
        else
            out = argv[i];
    }
    if (!dir || !out) {
        fprintf(stderr, "usage: test_verify_corpus CORPUS_DIR OUT_DIR [-v] [--only NAME]\n");
        return 2;
    }
    vc_corpus c;
    if (vc_load(dir, out, BPF_CC, &c))
        return 1;
    cat cats[64];
    int ncats = 0, failed = 0, total = 0, nasm = 0, nc = 0;
    for (size_t i = 0; i < c.n; i++) {
        const vc_case *k = &c.cases[i];
        if (only && strcmp(only, k->name) && strcmp(only, k->category))
            continue;
        cat *ct = NULL;
        for (int j = 0; j < ncats; j++)
            if (!strcmp(cats[j].name, k->category))
                ct = &cats[j];
        if (!ct && ncats < 64) {
            ct = &cats[ncats++];
            memset(ct, 0, sizeof *ct);
            snprintf(ct->name, sizeof ct->name, "%s", k->category);
        }
        total++;
        k->is_c ? nc++ : nasm++;
        k->accept ? ct->accept++ : ct->reject++;
        vc_built b;
        bpfvm_error err;
        char why[600] = "";
        int rc = vc_build(k, &b, &err);
        bool refused = rc && !k->is_c && b.code && err.code == BPFVM_E_INVALID; /* by bpfvm_prog_load */
        if (rc && !refused) {
            snprintf(why, sizeof why, "does not load: %s", err.msg);
        } else {
            if (!refused)
                rc = vc_verify(k, &b, NULL, &err);
            char reason[512];
            if (rc == 0 && !k->accept)
                snprintf(why, sizeof why, "accepted, expected: reject %ld: %s", k->insn, k->msg);
            else if (rc && err.code != BPFVM_E_VERIFY && !refused)
                snprintf(why, sizeof why, "failed: %s", err.msg);
            else if (rc && k->accept)
                snprintf(why, sizeof why, "rejected: %s", err.msg);
            else if (rc && (err.insn != k->insn || strcmp(vc_reason(err.msg, reason, sizeof reason), k->msg)))
                snprintf(why, sizeof why, "rejected at %ld: %s\n      expected %ld: %s", err.insn,
                         vc_reason(err.msg, reason, sizeof reason), k->insn, k->msg);
        }
        vc_built_free(&b);
        if (why[0]) {
            failed++;
            ct->failed++;
            printf("FAIL %s/%s (%s:%d): %s\n", k->category, k->name, k->file, k->line, why);
        } else if (verbose) {
            printf("ok   %s/%s\n", k->category, k->name);
        }
    }
    printf("\n%-22s %7s %7s %7s\n", "category", "accept", "reject", "failed");
    int ta = 0, tr = 0;
    for (int j = 0; j < ncats; j++) {
        printf("%-22s %7d %7d %7d\n", cats[j].name, cats[j].accept, cats[j].reject, cats[j].failed);
        ta += cats[j].accept;
        tr += cats[j].reject;
    }
    printf("%-22s %7d %7d %7d\n", "total", ta, tr, failed);
    printf("%d cases (%d assembly, %d C): %d passed, %d failed\n", total, nasm, nc, total - failed, failed);
    vc_free(&c);
    return failed ? 1 : 0;
}
