# A multiboot (v1) kernel that fills the guest's RAM with a non-zero, non-repeating pattern, then halts forever.
# For benchmarks of memory snapshots on a realistic guest: an OS-less guest's RAM is all zero pages, which QEMU
# saves as a flag each, so its snapshots cost almost nothing per MiB. Built at bench time by
# bench/lib/memory-fill-kernel.ts (`as --32`, `ld -m elf_i386`) and booted by libvirt's <os><kernel> (QEMU loads
# a multiboot ELF with -kernel, entering here in 32-bit protected mode, paging off, EBX -> multiboot info).
#
# Fills [FILL_START, end of RAM) with xorshift32 values (never zero, period 2^32 - 1: no page repeats), then
# writes DONE_MAGIC and the fill's end address at DONE_ADDR, which the bench reads through the QEMU monitor
# (`xp`) to know the fill is complete. No stack, no interrupts.

.set MB_MAGIC, 0x1BADB002
.set MB_FLAGS, 0x00000002          # bit 1: pass mem_lower/mem_upper
.set MB_CHECKSUM, -(MB_MAGIC + MB_FLAGS)
.set FILL_START, 0x00200000        # above this kernel (loaded at 1 MiB) and QEMU's multiboot info
.set DONE_ADDR, 0x00000500         # free low memory, below anything the fill touches
.set DONE_MAGIC, 0x4c4c4946        # "FILL"

.text
.code32
# First in the only section, so it lands within the first 8 KiB of the file as multiboot requires.
.align 4
.long MB_MAGIC, MB_FLAGS, MB_CHECKSUM

.globl _start
_start:
    cli
    movl 8(%ebx), %ecx             # mem_upper: KiB of RAM above 1 MiB
    shll $10, %ecx
    addl $0x00100000, %ecx         # ECX = end of RAM
    movl $FILL_START, %edi
    movl $0x9e3779b9, %eax         # xorshift32 seed (any non-zero value)
fill:
    movl %eax, %edx
    shll $13, %edx
    xorl %edx, %eax
    movl %eax, %edx
    shrl $17, %edx
    xorl %edx, %eax
    movl %eax, %edx
    shll $5, %edx
    xorl %edx, %eax
    movl %eax, (%edi)
    addl $4, %edi
    cmpl %ecx, %edi
    jb fill
    movl %ecx, DONE_ADDR + 4
    movl $DONE_MAGIC, DONE_ADDR
halt:
    hlt
    jmp halt
