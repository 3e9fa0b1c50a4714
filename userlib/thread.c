// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libntexec: thread control (NtCreateThreadEx, NtSuspendThread, NtResumeThread,
 * NtAlertResumeThread, NtSuspendProcess, NtResumeProcess); contexts are in
 * userlib/context.c.
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

/*
 * The attribute list NtCreateThreadEx answers through: CLIENT_ID and TEB
 * address. Checked before the thread is made: a bad list creates nothing.
 */
static NTSTATUS ntx_thread_attributes(PPS_ATTRIBUTE_LIST list, size_t *count)
{
	size_t i, n;

	*count = 0;
	if (!list)
		return STATUS_SUCCESS;
	if (list->TotalLength < sizeof(SIZE_T) ||
	    (list->TotalLength - sizeof(SIZE_T)) % sizeof(PS_ATTRIBUTE))
		return STATUS_INVALID_PARAMETER;
	n = (list->TotalLength - sizeof(SIZE_T)) / sizeof(PS_ATTRIBUTE);
	for (i = 0; i < n; i++) {
		PPS_ATTRIBUTE a = &list->Attributes[i];

		if (a->Attribute == PS_ATTRIBUTE_CLIENT_ID) {
			if (a->Size < sizeof(CLIENT_ID))
				return STATUS_INFO_LENGTH_MISMATCH;
		} else if (a->Attribute == PS_ATTRIBUTE_TEB_ADDRESS) {
			if (a->Size < sizeof(PTEB))
				return STATUS_INFO_LENGTH_MISMATCH;
		} else {
			return STATUS_INVALID_PARAMETER;
		}
		if (!a->ValuePtr)
			return STATUS_ACCESS_VIOLATION;
	}
	*count = n;
	return STATUS_SUCCESS;
}

NTX_EXPORT NTSTATUS NTAPI NtCreateThreadEx(PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
					   POBJECT_ATTRIBUTES ObjectAttributes,
					   HANDLE ProcessHandle,
					   PUSER_THREAD_START_ROUTINE StartRoutine, PVOID Argument,
					   ULONG CreateFlags, SIZE_T ZeroBits, SIZE_T StackSize,
					   SIZE_T MaximumStackSize, PPS_ATTRIBUTE_LIST AttributeList)
{
	struct ntexec_create_thread args = {
		.process = (uint64_t)(uintptr_t)ProcessHandle,
		.start_routine = (uint64_t)(uintptr_t)StartRoutine,
		.argument = (uint64_t)(uintptr_t)Argument,
		.zero_bits = ZeroBits,
		.stack_size = StackSize,
		.maximum_stack_size = MaximumStackSize,
		.access = DesiredAccess,
		.flags = CreateFlags,
	};
	NTSTATUS status;
	size_t i, n;

	if (!ThreadHandle)
		return STATUS_ACCESS_VIOLATION;
	if (ObjectAttributes)
		args.attributes = ObjectAttributes->Attributes;
	status = ntx_thread_attributes(AttributeList, &n);
	if (!NT_SUCCESS(status))
		return status;
	status = ntx_ioctl(NTEXEC_IOC_CREATE_THREAD, &args);
	if (!NT_SUCCESS(status))
		return status;
	*ThreadHandle = (HANDLE)(uintptr_t)args.handle;
	for (i = 0; i < n; i++) {
		PPS_ATTRIBUTE a = &AttributeList->Attributes[i];

		if (a->Attribute == PS_ATTRIBUTE_CLIENT_ID) {
			PCLIENT_ID cid = a->ValuePtr;

			cid->UniqueProcess = (HANDLE)(uintptr_t)args.client_process;
			cid->UniqueThread = (HANDLE)(uintptr_t)args.client_thread;
			if (a->ReturnLength)
				*a->ReturnLength = sizeof(CLIENT_ID);
		} else {
			*(PTEB *)a->ValuePtr = (PTEB)(uintptr_t)args.teb;
			if (a->ReturnLength)
				*a->ReturnLength = sizeof(PTEB);
		}
	}
	return status;
}
