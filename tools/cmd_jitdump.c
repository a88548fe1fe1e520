/* cmd_jitdump.c — `bpfvm jit-dump PROG`: the x86-64 code the JIT generates, next to
 * the BPF instruction each piece came from. (Filled in with the JIT.) */
#include "cli.h"

int cmd_jitdump(int argc, char **argv)
{
    (void)argc, (void)argv;
    return cli_error("jit-dump: the JIT engine is not available in this build");
}
