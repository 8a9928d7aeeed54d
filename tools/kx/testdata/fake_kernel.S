// A stand-in for keel.elf in boot_smoke_test: bootable by GRUB (multiboot2) and by QEMU's
// PVH loader, both of which enter in 32-bit protected mode. It prints a passing KTAP log on
// COM1, a JSON line on COM2, and exits through isa-debug-exit as "tests passed" (33).
    .section .multiboot2, "a"
    .align 8
mb2_start:
    .long 0xe85250d6
    .long 0
    .long mb2_end - mb2_start
    .long -(0xe85250d6 + (mb2_end - mb2_start))
    .short 0, 0
    .long 8
mb2_end:

    .section .note.Xen, "a", @note
    .align 4
    .long 4, 4, 18
    .asciz "Xen"
    .long _start

    .text
    .code32
    .globl _start
_start:
    mov $ktap, %esi
    mov $0x3f8, %dx
    call puts
    mov $bench, %esi
    mov $0x2f8, %dx
    call puts
    mov $0xf4, %dx
    mov $0x10, %eax
    out %eax, %dx
1:  hlt
    jmp 1b

puts:
    lodsb
    test %al, %al
    jz 2f
    out %al, %dx
    jmp puts
2:  ret

    .section .rodata
ktap:
    .ascii "KTAP version 1\r\n1..1\r\n    KTAP version 1\r\n    # Subtest: fake\r\n    1..1\r\n"
    .asciz "    ok 1 boots\r\nok 1 fake\r\n# Totals: pass:1 fail:0 skip:0\r\n"
bench:
    .asciz "{\"fake\": 1}\n"
