// SPDX-License-Identifier: GPL-2.0
/* only a function in .text: no program */
int f(int x) { return x + 1; }
char LICENSE[] __attribute__((section("license"), used)) = "GPL";
