# ldabs.s — the legacy packet loads (ld_abs, ld_ind): socket filters and tc only,
# r6 must hold the context, they clobber r1-r5 like a call, and may end the
# program (so nothing acquired may be held).
#@ type socket

#@ case ldabs_ok
#@ expect accept
r6 = r1
r0 = *(u8 *)skb[12]
r0 = *(u16 *)skb[12]
r0 = *(u32 *)skb[26]
r0 = 0
exit

#@ case ldind_ok
#@ expect accept
r6 = r1
r7 = 14
r0 = *(u16 *)skb[r7 + 0]
exit

#@ case ldabs_r6_not_ctx
#@ expect reject 1: legacy packet loads read the packet through R6, which must hold the context (it is scalar)
r6 = 0
r0 = *(u8 *)skb[12]
exit

#@ case ldabs_r6_uninit
#@ expect reject 0: legacy packet loads read the packet through R6, which must hold the context (it is uninitialized)
r0 = *(u8 *)skb[12]
exit

#@ case ldabs_in_xdp
#@ type xdp
#@ expect reject 1: legacy packet loads (ldabsb) are only allowed in socket filter and tc programs
r6 = r1
r0 = *(u8 *)skb[12]
r0 = 2
exit

#@ case ldabs_in_tc_ok
#@ type tc
#@ expect accept
r6 = r1
r0 = *(u8 *)skb[12]
r0 = 0
exit

#@ case ldabs_clobbers_r1
#@ expect reject 2: R1 is read before it is written (it holds no value on this path)
r6 = r1
r0 = *(u8 *)skb[12]
r0 = *(u32 *)(r1 + 0)
exit

#@ case ldind_pointer_offset_privileged_ok
# privileged: the address is used as a number
#@ expect accept
r6 = r1
r0 = *(u16 *)skb[r10 + 0]
exit

#@ case ldabs_in_subprogram
#@ expect reject 3: legacy packet loads are not allowed in BPF-to-BPF subprograms
r6 = r1
call f
exit
f:
r0 = *(u8 *)skb[12]
exit

#@ case ldabs_keeps_r7_ok
#@ expect accept
r6 = r1
r7 = 5
r0 = *(u8 *)skb[12]
r0 = r7
exit

#@ case ldabs_with_ringbuf_record
#@ map ringbuf key=0 value=0 entries=4096
#@ expect reject 8: legacy packet loads may end the program, which would leak the reserved record
r6 = r1
r1 = map_by_fd(1) ll
r2 = 8
r3 = 0
call 131
if r0 == 0 goto out
r7 = r0
r0 = *(u8 *)skb[12]
r1 = r7
r2 = 0
call 133
out:
r0 = 0
exit
