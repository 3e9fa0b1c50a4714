// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libntexec: thread control (NtSuspendThread, NtResumeThread,
 * NtAlertResumeThread, NtSuspendProcess, NtResumeProcess,
 * NtGetContextThread, NtSetContextThread).
 */
#include <stdint.h>

#include "internal.h"

static NTSTATUS ntx_suspend(unsigned long cmd, HANDLE ThreadHandle,
			    PULONG PreviousSuspendCount)
{
	struct ntexec_suspend args = { .handle = (uint64_t)(uintptr_t)ThreadHandle };
	NTSTATUS status;

	status = ntx_ioctl(cmd, &args);
	if (NT_SUCCESS(status) && PreviousSuspendCount)
		*PreviousSuspendCount = args.previous;
	return status;
}

NTX_EXPORT NTSTATUS NTAPI NtSuspendThread(HANDLE ThreadHandle, PULONG PreviousSuspendCount)
{
	return ntx_suspend(NTEXEC_IOC_SUSPEND_THREAD, ThreadHandle, PreviousSuspendCount);
}

NTX_EXPORT NTSTATUS NTAPI NtResumeThread(HANDLE ThreadHandle, PULONG PreviousSuspendCount)
{
	return ntx_suspend(NTEXEC_IOC_RESUME_THREAD, ThreadHandle, PreviousSuspendCount);
}

NTX_EXPORT NTSTATUS NTAPI NtAlertResumeThread(HANDLE ThreadHandle,
					      PULONG PreviousSuspendCount)
{
	return ntx_suspend(NTEXEC_IOC_ALERT_RESUME_THREAD, ThreadHandle,
			   PreviousSuspendCount);
}

NTX_EXPORT NTSTATUS NTAPI NtSuspendProcess(HANDLE ProcessHandle)
{
	struct ntexec_handle args = { .handle = (uint64_t)(uintptr_t)ProcessHandle };

	return ntx_ioctl(NTEXEC_IOC_SUSPEND_PROCESS, &args);
}

NTX_EXPORT NTSTATUS NTAPI NtResumeProcess(HANDLE ProcessHandle)
{
	struct ntexec_handle args = { .handle = (uint64_t)(uintptr_t)ProcessHandle };

	return ntx_ioctl(NTEXEC_IOC_RESUME_PROCESS, &args);
}

/* The module probes the CONTEXT (alignment, then access) as NT does. */
NTX_EXPORT NTSTATUS NTAPI NtGetContextThread(HANDLE ThreadHandle, PCONTEXT ThreadContext)
{
	struct ntexec_context args = {
		.thread = (uint64_t)(uintptr_t)ThreadHandle,
		.context = (uint64_t)(uintptr_t)ThreadContext,
	};

	return ntx_ioctl(NTEXEC_IOC_GET_CONTEXT, &args);
}

NTX_EXPORT NTSTATUS NTAPI NtSetContextThread(HANDLE ThreadHandle, PCONTEXT ThreadContext)
{
	struct ntexec_context args = {
		.thread = (uint64_t)(uintptr_t)ThreadHandle,
		.context = (uint64_t)(uintptr_t)ThreadContext,
	};

	return ntx_ioctl(NTEXEC_IOC_SET_CONTEXT, &args);
}
