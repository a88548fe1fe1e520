/* cli.h — the bpfvm command-line tool's subcommands and shared option parsing. */
#ifndef BPFVM_CLI_H
#define BPFVM_CLI_H

#include "bpfvm.h"
#include "util.h"

#include <stdio.h>

int cmd_run(int argc, char **argv);
int cmd_asm(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_jitdump(int argc, char **argv);
int cmd_testrun(int argc, char **argv);
int cmd_progs(int argc, char **argv);
int cmd_maps(int argc, char **argv);
int cmd_verify(int argc, char **argv);

/* Verifies p (mem programs: for a block of mem_size bytes); prints a rejection
 * and returns 1, or returns 0. */
int cli_verify(const char *what, bpfvm_prog *p, uint32_t mem_size);

/* Prints the maps of an object with their contents decoded through BTF; with
 * json, a JSON array (no newline) for the caller to place in its object. */
void cli_print_maps(const bpfvm_obj *obj, bool json);

/* Opens every entry of the object's perf event arrays on its CPU (entry i, CPU i,
 * as libbpf's perf buffer) and prints bpf_perf_event_output records to out. */
void cli_perf_open(bpfvm_obj *obj, FILE *out);

/* --map-update NAME:KEY=VALUE (integers, or hex:BYTES): 0, or prints the error
 * and returns 1. */
int cli_map_update(bpfvm_obj *obj, const char *spec);

/* Where a redirect went: "devmap tx_port[2] (ifindex 1)", "ifindex 3", ... */
void cli_redirect_text(const bpfvm_redirect *r, char *buf, size_t size);

/* Writes s as a JSON string (quoted, escaped). */
void cli_json_str(FILE *f, const char *s);

/* CLOCK_MONOTONIC in nanoseconds; the median of n run times (sorts v). */
uint64_t cli_now_ns(void);
uint64_t cli_median_ns(uint64_t *v, size_t n);

/* Prints "bpfvm: error: MSG" to stderr and returns 1. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Option helpers: match "--name VALUE" or "--name=VALUE" at argv[*i]. */
bool cli_opt(int argc, char **argv, int *i, const char *name, const char **value);
bool cli_syntax(const char *s, bpfvm_syntax *out);

#endif
