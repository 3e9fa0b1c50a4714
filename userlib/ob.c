// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libntexec: handles and waits (NtClose, NtDuplicateObject,
 * NtWaitForSingleObject, NtWaitForMultipleObjects, NtDelayExecution).
 */
#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <time.h>

#include "internal.h"

#define NT_UNIX_EPOCH	116444736000000000LL	/* 1970-01-01 in NT time */

NTX_EXPORT NTSTATUS NTAPI NtClose(HANDLE Handle)
{
	struct ntexec_handle args = { .handle = (uint64_t)(uintptr_t)Handle };

	return ntx_ioctl(NTEXEC_IOC_CLOSE, &args);
}

NTX_EXPORT NTSTATUS NTAPI NtDuplicateObject(HANDLE SourceProcessHandle, HANDLE SourceHandle,
					    HANDLE TargetProcessHandle, PHANDLE TargetHandle,
					    ACCESS_MASK DesiredAccess, ULONG HandleAttributes,
					    ULONG Options)
{
	struct ntexec_duplicate args = {
		.source_process = (uint64_t)(uintptr_t)SourceProcessHandle,
		.source_handle = (uint64_t)(uintptr_t)SourceHandle,
		.target_process = (uint64_t)(uintptr_t)TargetProcessHandle,
		.access = DesiredAccess,
		.attributes = HandleAttributes,
		.options = Options,
	};
	NTSTATUS status;

	if (TargetProcessHandle && !TargetHandle)
		return STATUS_INVALID_PARAMETER;
	status = ntx_ioctl(NTEXEC_IOC_DUPLICATE, &args);
	if (NT_SUCCESS(status) && TargetHandle && TargetProcessHandle)
		*TargetHandle = (HANDLE)(uintptr_t)args.target_handle;
	return status;
}

static int64_t ntx_add_sat(int64_t a, int64_t b)
{
	int64_t r;

	return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
}

/*
 * An NT timeout as an absolute deadline: negative is relative (in 100 ns
 * units, on the monotonic clock), positive is an absolute system time.
 */
void ntx_timeout(const LARGE_INTEGER *timeout, struct ntexec_wait *args)
{
	struct timespec ts;
	int64_t t;

	if (!timeout)
		return;
	t = timeout->QuadPart;
	args->flags |= NTEXEC_WAIT_TIMEOUT;
	if (t <= 0) {
		int64_t rel = t == INT64_MIN ? INT64_MAX : -t;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		rel = rel > INT64_MAX / 100 ? INT64_MAX : rel * 100;
		args->timeout = ntx_add_sat((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, rel);
	} else {
		args->flags |= NTEXEC_WAIT_REALTIME;
		t -= NT_UNIX_EPOCH;
		args->timeout = t < 0 ? 0 : t > INT64_MAX / 100 ? INT64_MAX : t * 100;
	}
}

/* Deadlines are absolute: a wait interrupted by a signal handler just goes on. */
static NTSTATUS ntx_wait(struct ntexec_wait *args)
{
	int fd = ntx_fd();
	long ret;

	if (fd < 0)
		return ntx_errno_status(errno);
	do {
		ret = ntx_raw_ioctl(fd, NTEXEC_IOC_WAIT, args);
	} while (ret == -EINTR);
	if (ret < 0 && ret > -4096)
		return ntx_errno_status((int)-ret);
	/* An alertable wait ended by user APCs runs them before it returns. */
	if ((NTSTATUS)ret == STATUS_USER_APC)
		ntx_deliver_apcs();
	return (NTSTATUS)ret;
}

NTX_EXPORT NTSTATUS NTAPI NtWaitForSingleObject(HANDLE Handle, BOOLEAN Alertable,
						PLARGE_INTEGER Timeout)
{
	uint64_t h = (uint64_t)(uintptr_t)Handle;
	struct ntexec_wait args = {
		.handles = (uint64_t)(uintptr_t)&h,
		.count = 1,
		.flags = Alertable ? NTEXEC_WAIT_ALERTABLE : 0,
	};

	ntx_timeout(Timeout, &args);
	return ntx_wait(&args);
}

NTX_EXPORT NTSTATUS NTAPI NtWaitForMultipleObjects(ULONG Count, HANDLE Handles[],
						   WAIT_TYPE WaitType, BOOLEAN Alertable,
						   PLARGE_INTEGER Timeout)
{
	struct ntexec_wait args = {
		.handles = (uint64_t)(uintptr_t)Handles,
		.count = Count,
		.flags = Alertable ? NTEXEC_WAIT_ALERTABLE : 0,
	};

	_Static_assert(sizeof(HANDLE) == sizeof(uint64_t), "handles travel as __u64");
	if (!Count || Count > MAXIMUM_WAIT_OBJECTS)
		return STATUS_INVALID_PARAMETER_1;
	if (WaitType != WaitAll && WaitType != WaitAny)
		return STATUS_INVALID_PARAMETER_3;
	if (WaitType == WaitAll)
		args.flags |= NTEXEC_WAIT_ALL;
	ntx_timeout(Timeout, &args);
	return ntx_wait(&args);
}

NTX_EXPORT NTSTATUS NTAPI NtDelayExecution(BOOLEAN Alertable, PLARGE_INTEGER DelayInterval)
{
	struct ntexec_wait args = {
		.flags = NTEXEC_WAIT_DELAY | (Alertable ? NTEXEC_WAIT_ALERTABLE : 0),
	};

	if (!DelayInterval)
		return STATUS_ACCESS_VIOLATION;
	ntx_timeout(DelayInterval, &args);
	return ntx_wait(&args);
}
