# checksum.s — the Internet checksum (RFC 1071) of the memory block, in LLVM's
# BPF assembly syntax. r1 = the data, r2 = its length; returns the 16-bit
# checksum in r0. Run it on an IPv4 header whose checksum field is zero:
#   bpfvm run examples/checksum.s --mem-hex "45 00 00 73 00 00 40 00 40 11 00 00 c0 a8 00 01 c0 a8 00 c7" --trace
    r0 = 0                          # running 32-bit sum
    r3 = 0                          # offset into the block
loop:
    r4 = r3
    r4 += 1
    if r4 >= r2 goto tail           # fewer than two bytes left
    r5 = r1
    r5 += r3
    r4 = *(u16 *)(r5 + 0)
    r4 = be16 r4                    # words are big-endian on the wire
    r0 += r4
    r3 += 2
    goto loop
tail:
    if r3 >= r2 goto fold           # an odd last byte is padded with zero
    r5 = r1
    r5 += r3
    r4 = *(u8 *)(r5 + 0)
    r4 <<= 8
    r0 += r4
fold:
    r4 = r0                         # fold the carries back in, twice
    r4 >>= 16
    r0 &= 0xffff
    r0 += r4
    r4 = r0
    r4 >>= 16
    r0 += r4
    r0 ^= 0xffff                    # one's complement
    r0 &= 0xffff
    exit
