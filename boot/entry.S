/*
 * The 32-bit entry paths (multiboot2 and PVH) up to kernel_entry() in the higher half.
 *
 * Both start in 32-bit protected mode with paging off. Steps: remember what the loader
 * passed, check the magic and the CPU (long mode, PAE, NX), clear .bss, build the early
 * page tables, enable PAE + long mode + NX + paging, far-jump to 64-bit code, jump to the
 * higher half, switch to the boot stack (guard page below it) and call
 * kernel_entry(path, magic, info_paddr). Any failure prints a message on COM1 and on the
 * VGA text screen, then halts.
 *
 * Early page tables (all in .boot.bss), 4-level or, where the CPU has LA57, 5-level with
 * a PML5 whose entries 0 and 511 both lead to the PML4 below:
 *   PML4[0]   -> identity map of 0..4 GiB (2 MiB pages), for the switch itself
 *   PML4[256] -> the same 0..4 GiB at the linear-map base 0xffff800000000000
 *   PML4[511] -> PDPT[510] -> 0..8 MiB at 0xffffffff80000000 in 4 KiB pages, so the page
 *                below the boot stack can be left unmapped (stack overflow faults).
 * The kernel address-space code replaces all of this once memory management is up.
 */
#define KERNEL_VMA 0xffffffff80000000
#define PA(sym) ((sym) - KERNEL_VMA)

#define BOOT_PATH_MULTIBOOT2 1
#define BOOT_PATH_PVH 2
#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define PVH_START_MAGIC 0x336ec578

#define PTE_PRESENT 0x1
#define PTE_WRITABLE 0x2
#define PTE_HUGE 0x80
#define PTE_GLOBAL 0x100

#define COM1 0x3f8
#define CR4_LA57 (1 << 12)

    .section .boot.text, "ax"
    .code32

    .globl multiboot2_entry
multiboot2_entry:
    cli
    cld
    movl %eax, boot_magic
    movl $BOOT_PATH_MULTIBOOT2, boot_path
    rdtsc                     /* boot-phase timing starts here */
    movl %eax, boot_tsc_entry
    movl %edx, boot_tsc_entry + 4
    movl boot_magic, %eax
    movl $boot_stack32_top, %esp
    movl %ebx, boot_info_paddr
    cmpl $MB2_BOOTLOADER_MAGIC, %eax
    je common32
    movl $msg_bad_mb2_magic, %esi
    jmp fail32

    .globl pvh_entry
pvh_entry:
    cli
    cld
    rdtsc
    movl %eax, boot_tsc_entry
    movl %edx, boot_tsc_entry + 4
    movl $boot_stack32_top, %esp
    movl $BOOT_PATH_PVH, boot_path
    movl %ebx, boot_info_paddr
    movl (%ebx), %eax
    movl %eax, boot_magic
    cmpl $PVH_START_MAGIC, %eax
    je common32
    movl $msg_bad_pvh_magic, %esi
    jmp fail32

common32:
    call serial_init32

    /* CPU checks: extended leaves, long mode, NX (0x80000001 EDX bits 29, 20), PAE. */
    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    jb no_long_mode
    movl $0x80000001, %eax
    cpuid
    testl $(1 << 29), %edx
    jz no_long_mode
    testl $(1 << 20), %edx
    jz no_nx
    movl $1, %eax
    cpuid
    testl $(1 << 6), %edx
    jz no_pae

    /* Clear .bss (physical addresses: paging is off) and the boot page-table area, four
     * bytes a step (both are page-aligned at each end: linker.ld): a byte a step costs
     * four times the iterations, which an instruction-counting emulator counts one by one. */
    movl $PA(__bss_start), %edi
    movl $PA(__bss_end), %ecx
    subl %edi, %ecx
    shrl $2, %ecx
    xorl %eax, %eax
    rep stosl
    movl $__boot_bss_start, %edi
    movl $__boot_bss_end, %ecx
    subl %edi, %ecx
    shrl $2, %ecx
    rep stosl

    /* Identity + linear map: 4 PDs of 512 × 2 MiB pages cover 0..4 GiB. */
    movl $boot_pd_low, %edi
    movl $(PTE_PRESENT | PTE_WRITABLE | PTE_HUGE), %eax
    xorl %edx, %edx
    movl $2048, %ecx
1:  movl %eax, (%edi)
    movl %edx, 4(%edi)
    addl $0x200000, %eax
    adcl $0, %edx
    addl $8, %edi
    loop 1b
    movl $boot_pdpt_low, %edi
    movl $boot_pd_low, %eax
    orl $(PTE_PRESENT | PTE_WRITABLE), %eax
    movl $4, %ecx
2:  movl %eax, (%edi)
    addl $4096, %eax
    addl $8, %edi
    loop 2b

    /* Kernel image: 2048 × 4 KiB pages (0..8 MiB), global. */
    movl $boot_pt_kernel, %edi
    movl $(PTE_PRESENT | PTE_WRITABLE | PTE_GLOBAL), %eax
    movl $2048, %ecx
3:  movl %eax, (%edi)
    addl $4096, %eax
    addl $8, %edi
    loop 3b
    /* The guard page below the boot stack stays unmapped. */
    movl $PA(boot_stack_guard), %eax
    shrl $12, %eax
    movl $0, boot_pt_kernel(, %eax, 8)
    movl $boot_pt_kernel, %eax
    orl $(PTE_PRESENT | PTE_WRITABLE), %eax
    movl %eax, boot_pd_kernel
    addl $4096, %eax
    movl %eax, boot_pd_kernel + 8
    addl $4096, %eax
    movl %eax, boot_pd_kernel + 16
    addl $4096, %eax
    movl %eax, boot_pd_kernel + 24
    movl $boot_pd_kernel, %eax
    orl $(PTE_PRESENT | PTE_WRITABLE), %eax
    movl %eax, boot_pdpt_high + 510 * 8

    movl $boot_pdpt_low, %eax
    orl $(PTE_PRESENT | PTE_WRITABLE), %eax
    movl %eax, boot_pml4
    movl %eax, boot_pml4 + 256 * 8
    movl $boot_pdpt_high, %eax
    orl $(PTE_PRESENT | PTE_WRITABLE), %eax
    movl %eax, boot_pml4 + 511 * 8

    /* 5-level paging where the CPU has it (CPUID.(7,0):ECX.LA57): CR4.LA57 can only be
       set while paging is off, so the choice is made here, once. A PML5 with entries 0
       and 511 both pointing at boot_pml4 keeps every address above valid: the identity
       map, the linear map and the kernel image all sit under PML5 index 0 or 511. */
    xorl %eax, %eax
    cpuid
    movl $boot_pml4, %esi          /* CR3 unless LA57 */
    xorl %edi, %edi                /* extra CR4 bits */
    cmpl $7, %eax
    jb 5f
    movl $7, %eax
    xorl %ecx, %ecx
    cpuid
    testl $(1 << 16), %ecx
    jz 5f
    movl $boot_pml4, %eax
    orl $(PTE_PRESENT | PTE_WRITABLE), %eax
    movl %eax, boot_pml5
    movl %eax, boot_pml5 + 511 * 8
    movl $boot_pml5, %esi
    movl $CR4_LA57, %edi
5:
    /* CR4.PAE | CR4.PGE (| CR4.LA57), CR3, EFER.LME | EFER.NXE, CR0.PG | CR0.WP | CR0.PE. */
    movl %cr4, %eax
    orl $((1 << 5) | (1 << 7)), %eax
    orl %edi, %eax
    movl %eax, %cr4
    movl %esi, %cr3
    movl $0xc0000080, %ecx
    rdmsr
    orl $((1 << 8) | (1 << 11)), %eax
    wrmsr
    /* PVH starts with CR0 as at reset: caches disabled (CD, NW). Enable them, or every
       access is uncached on real CPUs and under KVM (TCG does not model it). */
    movl %cr0, %eax
    andl $~((1 << 30) | (1 << 29)), %eax
    orl $((1 << 31) | (1 << 16) | 1), %eax
    movl %eax, %cr0

    lgdt boot_gdt_pointer
    ljmp $0x08, $long_mode_entry

no_long_mode:
    movl $msg_no_long_mode, %esi
    jmp fail32
no_nx:
    movl $msg_no_nx, %esi
    jmp fail32
no_pae:
    movl $msg_no_pae, %esi
    jmp fail32

/* Prints the NUL-terminated message at %esi on COM1 and VGA text, then halts. */
fail32:
    pushl %esi
    call serial_init32
    popl %esi
    movl %esi, %ebx
    movl $0xb8000, %edi
1:  movb (%ebx), %al
    testb %al, %al
    jz 3f
    movb $0x4f, %ah           /* white on red */
    movw %ax, (%edi)
    addl $2, %edi
    call serial_putc32
    incl %ebx
    jmp 1b
3:  movb $'\r', %al
    call serial_putc32
    movb $'\n', %al
    call serial_putc32
4:  cli
    hlt
    jmp 4b

/* 115200 8N1 on COM1; harmless if there is no UART. */
serial_init32:
    movw $(COM1 + 1), %dx
    xorb %al, %al
    outb %al, %dx             /* no interrupts */
    movw $(COM1 + 3), %dx
    movb $0x80, %al
    outb %al, %dx             /* DLAB */
    movw $COM1, %dx
    movb $1, %al
    outb %al, %dx             /* divisor 1 = 115200 */
    movw $(COM1 + 1), %dx
    xorb %al, %al
    outb %al, %dx
    movw $(COM1 + 3), %dx
    movb $0x03, %al
    outb %al, %dx             /* 8N1 */
    movw $(COM1 + 2), %dx
    movb $0xc7, %al
    outb %al, %dx             /* FIFO on */
    ret

/* Writes %al to COM1, waiting a bounded time for the transmitter. */
serial_putc32:
    pushl %ecx
    pushl %eax
    movl $100000, %ecx
    movw $(COM1 + 5), %dx
1:  inb %dx, %al
    testb $0x20, %al
    jnz 2f
    loop 1b
2:  popl %eax
    movw $COM1, %dx
    outb %al, %dx
    popl %ecx
    ret

    .code64
long_mode_entry:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movabsq $higher_half_entry, %rax
    jmp *%rax

    .section .boot.rodata, "a"
    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff  /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff  /* 0x10: data */
boot_gdt_end:
boot_gdt_pointer:
    .short boot_gdt_end - boot_gdt - 1
    .long boot_gdt

msg_bad_mb2_magic:
    .asciz "keel: halted: not started by a multiboot2 boot loader (bad magic in EAX)"
msg_bad_pvh_magic:
    .asciz "keel: halted: PVH entry without a valid hvm_start_info (bad magic)"
msg_no_long_mode:
    .asciz "keel: halted: this CPU does not support 64-bit long mode (CPUID 80000001h EDX.LM)"
msg_no_nx:
    .asciz "keel: halted: this CPU lacks the NX bit (CPUID 80000001h EDX.NX), which keel requires"
msg_no_pae:
    .asciz "keel: halted: this CPU lacks PAE (CPUID 1 EDX.PAE)"

    .section .boot.data, "aw"
    .balign 8
    .globl boot_path, boot_magic, boot_info_paddr, boot_tsc_entry
boot_path:       .long 0
boot_magic:      .long 0
boot_info_paddr: .quad 0
boot_tsc_entry:  .quad 0

    .section .boot.bss, "aw", @nobits
    .balign 4096
    .globl boot_pml4
boot_pml4:       .skip 4096
boot_pml5:       .skip 4096
boot_pdpt_low:   .skip 4096
boot_pd_low:     .skip 4 * 4096
boot_pdpt_high:  .skip 4096
boot_pd_kernel:  .skip 4096
    .globl boot_pt_kernel     /* arch/x86_64/gdt.cc unmaps the IST guard pages in it */
boot_pt_kernel:  .skip 4 * 4096
boot_stack32:    .skip 4096
boot_stack32_top:

    /* 64-bit, higher half. */
    .section .text.entry, "ax"
    .code64
higher_half_entry:
    movabsq $boot_stack_top, %rsp
    xorl %ebp, %ebp
    pushq $0                  /* terminates frame-pointer backtraces */
    movq %rsp, %rbp
    movl boot_path, %edi
    movl boot_magic, %esi
    movq boot_info_paddr, %rdx
    call kernel_entry
1:  cli
    hlt
    jmp 1b

    .section .bss.boot_stack, "aw", @nobits
    .balign 4096
    .globl boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:  .skip 4096
boot_stack_bottom: .skip 64 * 1024
boot_stack_top:
