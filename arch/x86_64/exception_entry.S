// Interrupt and exception entry: 256 fixed-size stubs plus one common path.
//
// Each stub pushes a dummy error code where the CPU pushes none (so every frame has the
// same shape), pushes its vector number, and jumps to isr_common, which saves the 15 GPRs
// into an arch::TrapFrame (trap_frame.h), calls x86_exception_dispatch(TrapFrame*),
// restores (possibly modified) registers and returns with iretq.
//
// Stub n starts at keel_isr_stubs + n * ISR_STUB_SIZE; idt.cc computes the gate addresses
// the same way. Kernel mode only for now: no swapgs (no user mode, no per-CPU GS yet).

#define ISR_STUB_SIZE 16
#define TF_RBP (8 * 8)
#define TF_RIP (17 * 8)

	.text
	.balign ISR_STUB_SIZE
	.globl keel_isr_stubs
	.type keel_isr_stubs, @function
keel_isr_stubs:
	.set .Lvec, 0
	.rept 256
0:
	// Vectors with a CPU-pushed error code: #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX.
	.if (.Lvec == 8) || (.Lvec == 10) || (.Lvec == 11) || (.Lvec == 12) || (.Lvec == 13) || (.Lvec == 14) || (.Lvec == 17) || (.Lvec == 21) || (.Lvec == 29) || (.Lvec == 30)
	.else
	pushq $0
	.endif
	pushq $.Lvec
	jmp isr_common
	// Pad to exactly one slot; the assembler rejects the .org if a stub outgrew it.
	.org 0b + ISR_STUB_SIZE, 0xcc
	.set .Lvec, .Lvec + 1
	.endr
	.size keel_isr_stubs, . - keel_isr_stubs

	.type isr_common, @function
isr_common:
	// Push order is the reverse of TrapFrame's field order (rax ends up highest).
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld                       // the C ABI requires DF=0 on function entry

	movq %rsp, %rdi           // arg: TrapFrame*
	movq %rsp, %rbx           // callee-saved: where the frame is, for the return path
	andq $-16, %rsp           // the ABI's call alignment, whatever the interrupted rsp was
	// A fake frame record {saved rbp = interrupted rbp, return address = interrupted rip}:
	// frame-pointer unwinding from inside the handler continues into the interrupted code.
	pushq TF_RIP(%rdi)
	pushq TF_RBP(%rdi)
	movq %rsp, %rbp
	call x86_exception_dispatch
	movq %rbx, %rsp

	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp            // vector and error code
	iretq
	.size isr_common, . - isr_common

	.section .note.GNU-stack, "", @progbits
