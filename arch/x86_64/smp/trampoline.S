// The application-processor trampoline: copied to AP_TRAMPOLINE_PADDR (0x8000) in low
// memory, where a Startup IPI starts an AP in real mode at CS:IP = 0x0800:0000. It goes
// straight from real mode to long mode (PE and PG in one CR0 write, LME already set) on
// a small page table below 4 GiB (ap_start.cc builds it: the kernel's upper half plus an
// identity map of the first 2 MiB), then jumps to ap_entry in the higher half on the
// AP's own stack. Everything it reads at run time is in the data block at its end, which
// ap_start.cc fills in before each AP's SIPI (layout: ApTrampolineData in ap_start.cc).
#define TRAMPOLINE_PADDR 0x8000
#define OFF(label) ((label) - ap_trampoline_start)
#define ABS(label) (OFF(label) + TRAMPOLINE_PADDR)

    .section .rodata.ap_trampoline, "a"
    .balign 16
    .globl ap_trampoline_start
    .globl ap_trampoline_data
    .globl ap_trampoline_end

    .code16
ap_trampoline_start:
    cli
    cld
    movw %cs, %ax
    movw %ax, %ds
    lgdtl OFF(gdtr)
    movl OFF(ap_trampoline_data) + 8, %eax     // cr4 (PAE, and LA57 as the BSP has it)
    movl %eax, %cr4
    movl OFF(ap_trampoline_data) + 0, %eax     // cr3: the trampoline page table (< 4 GiB)
    movl %eax, %cr3
    movl $0xc0000080, %ecx                     // IA32_EFER
    rdmsr
    orl $((1 << 8) | (1 << 11)), %eax          // LME, NXE (kernel PTEs use NX)
    wrmsr
    movl $0x80010001, %eax                     // PG | WP | PE
    movl %eax, %cr0
    ljmpl $0x08, $ABS(long_mode)

    .code64
long_mode:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorl %eax, %eax
    movw %ax, %fs
    movw %ax, %gs
    movq ap_trampoline_data + 16(%rip), %rsp   // this AP's stack top
    movq ap_trampoline_data + 32(%rip), %rdi   // argument: the attempt's token
    movq ap_trampoline_data + 24(%rip), %rax   // ap_entry (higher half)
    xorl %ebp, %ebp                            // ends backtraces
    pushq $0                                   // a null return address, 16-byte aligned
    jmpq *%rax

    .balign 8
gdt:
    .quad 0
    .quad 0x00af9a000000ffff                   // 0x08: 64-bit code
    .quad 0x00cf92000000ffff                   // 0x10: data
gdt_end:
gdtr:
    .word gdt_end - gdt - 1
    .long ABS(gdt)

    .balign 8
ap_trampoline_data:
    .quad 0   // +0  cr3
    .quad 0   // +8  cr4
    .quad 0   // +16 stack top
    .quad 0   // +24 entry
    .quad 0   // +32 token
ap_trampoline_end:
