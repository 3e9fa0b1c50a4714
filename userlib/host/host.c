// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libntexec's host program: what runs in a process NtCreateProcessEx made
 * without a section. It opens /dev/ntexec and hands its one thread to the
 * module (NTEXEC_IOC_HOST), which keeps it waiting there while the creator
 * fills the process and starts its threads (ntps/host.c); when the last of
 * them ends, the host exits with the code the module gives.
 *
 * Built static and position-independent without the C library
 * (-nostdlib -static-pie): no interpreter, no relocations, no data, so the
 * kernel maps it at a random high address and it takes none of the
 * addresses a PE image wants. libntexec embeds it and runs it from a memfd.
 */
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <asm/signal.h>
#include <asm/unistd.h>

#include "uapi/ntexec.h"

static long host_syscall(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static long host_syscall4(long nr, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

static void __attribute__((noreturn)) host_exit(int code)
{
	for (;;)
		host_syscall(__NR_exit_group, code, 0, 0);
}

void __attribute__((noreturn, used)) host_main(void)
{
	unsigned long none = 0;
	struct ntexec_host args;
	long fd, ret;

	/* libntexec started it with every signal blocked (vfork()). */
	host_syscall4(__NR_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, sizeof(none));
	fd = host_syscall(__NR_open, (long)"/dev/ntexec", O_RDWR | O_CLOEXEC, 0);
	if (fd < 0)
		host_exit(127);
	for (;;) {
		args.exit_code = 0;
		args.pad = 0;
		ret = host_syscall(__NR_ioctl, fd, NTEXEC_IOC_HOST, (long)&args);
		if (ret == -EINTR)
			continue;
		host_exit(ret == 0 ? (int)args.exit_code : 126);
	}
}

/* The entry: rsp is 16-byte aligned here, one word short of a call's. */
__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	xorl %ebp, %ebp\n"
	"	andq $-16, %rsp\n"
	"	call host_main\n"
	"	ud2\n");
