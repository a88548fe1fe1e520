# adjust.s — helpers that move the packet (bpf_xdp_adjust_head/_tail/_meta, tc's
# bpf_skb_store_bytes and checksum helpers) invalidate every packet pointer;
# they must be loaded from the context and checked again.
#@ type xdp

#@ case adjust_head_then_reload_ok
#@ expect accept
r6 = r1
r2 = -4
call 44
r2 = *(u32 *)(r6 + 0)
r3 = *(u32 *)(r6 + 4)
r4 = r2
r4 += 4
if r4 > r3 goto out
*(u32 *)(r2 + 0) = 0
out:
r0 = 2
exit

#@ case adjust_head_old_pointer
#@ expect reject 9: R7 is no longer a pointer: bpf_xdp_adjust_head at instruction 8 may have moved the packet: load ctx->data and data_end again and check the bounds again
r6 = r1
r7 = *(u32 *)(r6 + 0)
r3 = *(u32 *)(r6 + 4)
r4 = r7
r4 += 14
if r4 > r3 goto out
r1 = r6
r2 = 4
call 44
r0 = *(u8 *)(r7 + 0)
out:
r0 = 2
exit

#@ case adjust_head_old_end_in_compare
#@ expect reject 9: R7 pointer to packet: read of 1 byte at offset 0 is not proven to be inside the packet: compare the pointer with data_end first
r6 = r1
r8 = *(u32 *)(r6 + 4)
r1 = r6
r2 = 4
call 44
r7 = *(u32 *)(r6 + 0)
r4 = r7
r4 += 14
if r4 > r8 goto out
r0 = *(u8 *)(r7 + 0)
out:
r0 = 2
exit

#@ case adjust_head_spilled_pointer
#@ expect reject 11: R7 is no longer a pointer: bpf_xdp_adjust_head at instruction 9 may have moved the packet: load ctx->data and data_end again and check the bounds again
r6 = r1
r7 = *(u32 *)(r6 + 0)
r3 = *(u32 *)(r6 + 4)
r4 = r7
r4 += 14
if r4 > r3 goto out
*(u64 *)(r10 - 8) = r7
r1 = r6
r2 = 4
call 44
r7 = *(u64 *)(r10 - 8)
r0 = *(u8 *)(r7 + 0)
out:
r0 = 2
exit

#@ case adjust_tail_old_pointer
#@ expect reject 9: R7 is no longer a pointer: bpf_xdp_adjust_tail at instruction 8 may have moved the packet: load ctx->data and data_end again and check the bounds again
r6 = r1
r7 = *(u32 *)(r6 + 0)
r3 = *(u32 *)(r6 + 4)
r4 = r7
r4 += 14
if r4 > r3 goto out
r1 = r6
r2 = -4
call 65
r0 = *(u8 *)(r7 + 0)
out:
r0 = 2
exit

#@ case adjust_meta_then_check_ok
#@ expect accept
r6 = r1
r2 = -4
call 54
if r0 != 0 goto out
r2 = *(u32 *)(r6 + 8)
r3 = *(u32 *)(r6 + 0)
r4 = r2
r4 += 4
if r4 > r3 goto out
*(u32 *)(r2 + 0) = 0
out:
r0 = 2
exit

#@ case adjust_head_result_is_number_ok
#@ expect accept
r2 = 0
call 44
r0 &= 1
r0 += 1
exit

#@ case non_packet_helper_keeps_pointers_ok
#@ expect accept
r6 = r1
r7 = *(u32 *)(r6 + 0)
r3 = *(u32 *)(r6 + 4)
r4 = r7
r4 += 14
if r4 > r3 goto out
call 7
r0 = *(u8 *)(r7 + 13)
out:
r0 = 2
exit

#@ case tc_store_bytes_old_pointer
#@ type tc
#@ expect reject 14: R7 is no longer a pointer: bpf_skb_store_bytes at instruction 13 may have moved the packet: load ctx->data and data_end again and check the bounds again
r6 = r1
r7 = *(u32 *)(r6 + 76)
r3 = *(u32 *)(r6 + 80)
r4 = r7
r4 += 14
if r4 > r3 goto out
*(u64 *)(r10 - 8) = 0
r1 = r6
r2 = 0
r3 = r10
r3 += -8
r4 = 4
r5 = 0
call 9
r0 = *(u8 *)(r7 + 0)
out:
r0 = 0
exit

#@ case tc_l3_csum_replace_old_pointer
#@ type tc
#@ expect reject 12: R7 is no longer a pointer: bpf_l3_csum_replace at instruction 11 may have moved the packet: load ctx->data and data_end again and check the bounds again
r6 = r1
r7 = *(u32 *)(r6 + 76)
r3 = *(u32 *)(r6 + 80)
r4 = r7
r4 += 14
if r4 > r3 goto out
r1 = r6
r2 = 24
r3 = 0
r4 = 0
r5 = 2
call 10
r0 = *(u8 *)(r7 + 0)
out:
r0 = 0
exit

#@ case tc_store_bytes_then_reload_ok
#@ type tc
#@ expect accept
r6 = r1
*(u64 *)(r10 - 8) = 0
r2 = 0
r3 = r10
r3 += -8
r4 = 4
r5 = 0
call 9
r7 = *(u32 *)(r6 + 76)
r3 = *(u32 *)(r6 + 80)
r4 = r7
r4 += 14
if r4 > r3 goto out
r0 = *(u8 *)(r7 + 0)
out:
r0 = 0
exit
