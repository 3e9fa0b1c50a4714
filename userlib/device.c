// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libntexec: the device descriptor, the handshake and status names.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"

/*
 * The descriptor, or -1 before the first use. Every path here is
 * async-signal-safe (a SIGSEGV handler calls NtxGetLastException(),
 * possibly first of all): no lock, no pthread_once, no malloc, only system
 * calls and atomics. The first use opens the device and makes the
 * handshake without a lock; an atomic compare-and-exchange publishes the
 * descriptor. When threads (or a signal handler that interrupted an open in
 * progress on its own thread) race, each opens, one wins, the others close
 * theirs and use the winner's.
 */
static int dev_fd = -1;

/*
 * A fork()ed child is a new NT process: the module refuses the parent's
 * descriptor (it is bound to the opener's address space), so the child
 * forgets it and opens its own on first use. The child has one thread and
 * the handler runs before fork() returns: nothing races with it.
 */
static void ntx_atfork_child(void)
{
	int fd = __atomic_exchange_n(&dev_fd, -1, __ATOMIC_ACQ_REL);

	if (fd >= 0)
		close(fd);
}

/*
 * Registered when the library is loaded rather than on first use, where it
 * would need a lock and pthread_atfork() (which allocates) in what may be a
 * signal handler.
 */
__attribute__((constructor)) static void ntx_register_atfork(void)
{
	pthread_atfork(NULL, NULL, ntx_atfork_child);
}

/* open(), ioctl() and close() are system calls: async-signal-safe. */
static int ntx_open(void)
{
	struct ntexec_version ver = { .api = NTEXEC_API_VERSION };
	int fd;

	fd = open("/dev/" NTEXEC_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (ioctl(fd, NTEXEC_IOC_VERSION, &ver) < 0) {
		int err = errno;

		close(fd);
		errno = err == EOPNOTSUPP ? EPROTO : err;
		return -1;
	}
	return fd;
}

int ntx_fd(void)
{
	int fd = __atomic_load_n(&dev_fd, __ATOMIC_ACQUIRE);
	int cur = -1;

	if (fd >= 0)
		return fd;
	fd = ntx_open();
	if (fd < 0)
		return -1;
	if (__atomic_compare_exchange_n(&dev_fd, &cur, fd, 0, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return fd;
	/* Another thread, or a signal handler on this one, was first. */
	close(fd);
	return cur;
}

NTSTATUS ntx_errno_status(int err)
{
	switch (err) {
	case EFAULT:
		return STATUS_ACCESS_VIOLATION;
	case EINVAL:
		return STATUS_INVALID_PARAMETER;
	case ENOMEM:
		return STATUS_NO_MEMORY;
	case EPERM:
	case EACCES:
		return STATUS_ACCESS_DENIED;
	case ENOTTY:
	case ENOSYS:
	case EOPNOTSUPP:
		return STATUS_NOT_IMPLEMENTED;
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return STATUS_NO_SUCH_DEVICE;
	case EIO:
		return STATUS_INVALID_HANDLE;
	default:
		return STATUS_UNSUCCESSFUL;
	}
}

/*
 * The system call itself, not the C library's wrapper: no errno, which is
 * thread-local, so that threads NtCreateThreadEx made (no Linux TLS: their
 * fs base is 0) can call the services once this process has the device
 * open. The library is built without the stack protector for the same
 * reason (its canary is thread-local too).
 */
long ntx_raw_ioctl(int fd, unsigned long cmd, void *arg)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)SYS_ioctl), "D"((long)fd), "S"(cmd), "d"(arg)
			 : "rcx", "r11", "memory");
	return ret;
}

NTSTATUS ntx_ioctl(unsigned long cmd, void *arg)
{
	int fd = ntx_fd();
	long ret;

	if (fd < 0)
		return ntx_errno_status(errno);
	ret = ntx_raw_ioctl(fd, cmd, arg);
	if (ret < 0 && ret > -4096)
		return ntx_errno_status((int)-ret);
	return (NTSTATUS)ret;
}

NTX_EXPORT NTSTATUS NtxInitialize(void)
{
	return ntx_fd() >= 0 ? STATUS_SUCCESS : ntx_errno_status(errno);
}

NTX_EXPORT int NtxDeviceFd(void)
{
	return ntx_fd();
}
