# tailcall.s — bpf_tail_call(ctx, prog_array, index): the map must be a program
# array, r1 the context; nothing acquired may be held; after a failed tail call
# the program continues.
#@ type xdp
#@ map prog_array key=4 value=4 entries=4
#@ map array key=4 value=4 entries=4

#@ case tail_call_ok
#@ expect accept
r2 = map_by_fd(1) ll
r3 = 1
call 12
r0 = 2
exit

#@ case tail_call_unknown_index_ok
#@ expect accept
r3 = *(u32 *)(r1 + 16)
r2 = map_by_fd(1) ll
call 12
r0 = 2
exit

#@ case tail_call_on_array
#@ expect reject 3: helper bpf_tail_call cannot be used with map 'map2' of type array
r2 = map_by_fd(2) ll
r3 = 1
call 12
r0 = 2
exit

#@ case tail_call_ctx_not_ctx
#@ expect reject 4: R1 is a pointer to stack, but helper bpf_tail_call expects the program's context
r1 = r10
r2 = map_by_fd(1) ll
r3 = 1
call 12
r0 = 2
exit

#@ case tail_call_map_uninit
#@ expect reject 1: R2 is read before it is written (it holds no value on this path)
r3 = 1
call 12
r0 = 2
exit

#@ case tail_call_index_uninit
#@ expect reject 2: R3 is read before it is written (it holds no value on this path)
r2 = map_by_fd(1) ll
call 12
r0 = 2
exit

#@ case tail_call_clobbers_args
#@ expect reject 5: R1 is read before it is written (it holds no value on this path)
r6 = r1
r2 = map_by_fd(1) ll
r3 = 1
call 12
r0 = *(u32 *)(r1 + 12)
r0 = 2
exit

#@ case tail_call_keeps_callee_saved_ok
#@ expect accept
r6 = r1
r2 = map_by_fd(1) ll
r3 = 1
call 12
r0 = *(u32 *)(r6 + 12)
r0 = 2
exit

#@ case tail_call_in_subprogram
# Linux allows tail calls in BPF-to-BPF subprograms (with JIT support); bpfvm's runtime does not
#@ kernel accept: Linux (x86-64 JIT) allows tail calls from BPF-to-BPF subprograms when the stack allows; bpfvm's runtime does not support them
#@ expect reject 6: bpf_tail_call from a BPF-to-BPF subprogram is not supported by bpfvm
call f
r0 = 2
exit
f:
r2 = map_by_fd(1) ll
r3 = 0
call 12
r0 = 0
exit

#@ case tail_call_with_spilled_context_ok
#@ expect accept
*(u64 *)(r10 - 8) = r1
r1 = *(u64 *)(r10 - 8)
r2 = map_by_fd(1) ll
r3 = 0
call 12
r0 = 2
exit
