/* SPDX-License-Identifier: GPL-2.0 */
/* The smallest static program: exit(0). bench_thread spawns it. */
	.text
	.globl _start
_start:
	movl	$60, %eax
	xorl	%edi, %edi
	syscall
	.section .note.GNU-stack, "", @progbits
