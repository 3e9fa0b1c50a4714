/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host stub's code (ntps/stub.c): user-mode x86_64 code, copied at
 * load into the page the stub maps into processes. It is data to the
 * kernel (.rodata), never run in kernel mode.
 *
 * Entry points, each reached with registers the module set:
 *   ps_stub_exit:   edi the exit code: the thread ends with exit(2).
 *   ps_stub_clone:  rdi, rsi, rdx, r10, r8 the arguments of clone(2);
 *	r12 StartRoutine, r13 Argument, r14 the stub's return cell,
 *	r15 the new thread's TEB. The new thread points its GS base at the
 *	TEB (as Windows does), calls StartRoutine(Argument) with the
 *	Windows x64 convention (rcx; rdi too, for Linux-ABI code) on the
 *	stack clone(2) gave it; when the routine returns, it reads the
 *	return cell's second word with the routine's value in edi, and the
 *	module ends it with that status (r14 is callee-saved in both ABIs).
 *	The calling thread reads the return cell's first word. Both reads
 *	fault into the module (ps_stub_fault()), which sees where they come
 *	from by the user ip.
 */
#include <asm/unistd_64.h>
#include <asm/prctl.h>

	.section .rodata, "a"
	.balign 64
	.globl ps_stub_code, ps_stub_exit, ps_stub_clone, ps_stub_cloned
	.globl ps_stub_return, ps_stub_exited, ps_stub_code_end
ps_stub_code:
ps_stub_exit:
	movl	$__NR_exit, %eax
	syscall
	ud2

	.balign 16
ps_stub_clone:
	movl	$__NR_clone, %eax
	syscall
ps_stub_cloned:
	testq	%rax, %rax
	jz	1f
ps_stub_return:
	movq	(%r14), %rax
	ud2
1:	movl	$__NR_arch_prctl, %eax
	movl	$ARCH_SET_GS, %edi
	movq	%r15, %rsi
	syscall
	movq	%r13, %rcx
	movq	%r13, %rdi
	callq	*%r12
	movl	%eax, %edi
ps_stub_exited:
	movq	8(%r14), %rax
	ud2
ps_stub_code_end:
