/*
 * PVH direct boot: an ELF note XEN_ELFNOTE_PHYS32_ENTRY (18) holding the 32-bit physical
 * entry point. QEMU (-M microvm -kernel keel.elf) and Firecracker enter there in 32-bit
 * protected mode, paging off, with %ebx = physical address of struct hvm_start_info.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

    .section .note.Xen, "a", @note
    .balign 4
    .long 2f - 1f          /* name size */
    .long 4f - 3f          /* descriptor size */
    .long XEN_ELFNOTE_PHYS32_ENTRY
1:  .asciz "Xen"
2:  .balign 4
3:  .long pvh_entry
4:  .balign 4
