// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libntexec: the device descriptor, the handshake and status names.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"

static int dev_fd = -1;
static pthread_mutex_t dev_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* A fork()ed child is a new NT process: the module refuses the parent's descriptor. */
static void ntx_atfork_child(void)
{
	if (dev_fd >= 0)
		close(dev_fd);
	dev_fd = -1;
	pthread_mutex_init(&dev_lock, NULL);
}

static void ntx_register_atfork(void)
{
	pthread_atfork(NULL, NULL, ntx_atfork_child);
}

static int ntx_open(void)
{
	struct ntexec_version ver;
	int fd;

	fd = open("/dev/" NTEXEC_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	memset(&ver, 0, sizeof(ver));
	ver.api = NTEXEC_API_VERSION;
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

	if (fd >= 0)
		return fd;
	pthread_once(&atfork_once, ntx_register_atfork);
	pthread_mutex_lock(&dev_lock);
	if (dev_fd < 0) {
		fd = ntx_open();
		__atomic_store_n(&dev_fd, fd, __ATOMIC_RELEASE);
	}
	fd = dev_fd;
	pthread_mutex_unlock(&dev_lock);
	return fd;
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

NTSTATUS ntx_ioctl(unsigned long cmd, void *arg)
{
	int fd = ntx_fd();
	int ret;

	if (fd < 0)
		return ntx_errno_status(errno);
	ret = ioctl(fd, cmd, arg);
	if (ret == -1)
		return ntx_errno_status(errno);
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
