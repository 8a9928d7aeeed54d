// keel_setjmp / keel_longjmp: see jump.h. Offsets match arch::JumpBuffer.
	.text

	.globl keel_setjmp
	.type keel_setjmp, @function
	.balign 16
keel_setjmp:
	movq %rbx, 0(%rdi)
	movq %rbp, 8(%rdi)
	movq %r12, 16(%rdi)
	movq %r13, 24(%rdi)
	movq %r14, 32(%rdi)
	movq %r15, 40(%rdi)
	leaq 8(%rsp), %rdx        // the caller's rsp once we have returned
	movq %rdx, 48(%rdi)
	movq (%rsp), %rdx         // our return address
	movq %rdx, 56(%rdi)
	pushfq
	popq 64(%rdi)
	xorl %eax, %eax
	ret
	.size keel_setjmp, . - keel_setjmp

	.globl keel_longjmp
	.type keel_longjmp, @function
	.balign 16
keel_longjmp:
	movl %esi, %eax
	testl %eax, %eax
	jnz 1f
	movl $1, %eax             // longjmp(buf, 0) returns 1, as in C
1:
	movq 0(%rdi), %rbx
	movq 8(%rdi), %rbp
	movq 16(%rdi), %r12
	movq 24(%rdi), %r13
	movq 32(%rdi), %r14
	movq 40(%rdi), %r15
	movq 48(%rdi), %rsp
	pushq 64(%rdi)            // the setjmp caller's frame is live below: no red zone here
	popfq
	jmpq *56(%rdi)
	.size keel_longjmp, . - keel_longjmp

	.section .note.GNU-stack, "", @progbits
