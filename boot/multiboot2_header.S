/*
 * The multiboot2 header (must lie in the first 32 KiB of the image, 8-byte aligned).
 * Asks for a framebuffer but accepts EGA text, and asks for the memory maps and ACPI
 * tables so keel gets them on BIOS and UEFI alike.
 */
#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define MB2_TAG_OPTIONAL 1

    .section .multiboot2_header, "a"
    .balign 8
mb2_header_start:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header_start
    .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header_start))

    /* Information request (type 1): mmap 6, framebuffer 8, ACPI 14/15, EFI mmap 17. */
    .balign 8
mb2_info_request:
    .short 1
    .short MB2_TAG_OPTIONAL
    .long mb2_info_request_end - mb2_info_request
    .long 6
    .long 8
    .long 14
    .long 15
    .long 17
mb2_info_request_end:

    /* Console flags (type 4): EGA text is supported, so text mode is acceptable. */
    .balign 8
    .short 4
    .short MB2_TAG_OPTIONAL
    .long 12
    .long 2

    /* Framebuffer (type 5): any mode, 32 bpp preferred; optional. */
    .balign 8
    .short 5
    .short MB2_TAG_OPTIONAL
    .long 20
    .long 1024
    .long 768
    .long 32

    /* End tag. */
    .balign 8
    .short 0
    .short 0
    .long 8
mb2_header_end:
