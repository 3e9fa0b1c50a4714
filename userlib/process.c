// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libntexec: processes and threads (NtOpenProcess, NtOpenThread,
 * NtQueryInformationProcess/Thread, NtTerminateProcess/Thread,
 * NtGetNextProcess/Thread, NtAlertThread, NtTestAlert, NtQueueApcThread).
 */
#include <sched.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

static NTSTATUS ntx_open(unsigned long cmd, PHANDLE Handle, ACCESS_MASK DesiredAccess,
			 POBJECT_ATTRIBUTES ObjectAttributes, PCLIENT_ID ClientId)
{
	struct ntexec_open args = { .access = DesiredAccess };
	NTSTATUS status;

	if (!Handle)
		return STATUS_ACCESS_VIOLATION;
	/* Windows writes NULL first: a failed open leaves no stale handle. */
	*Handle = NULL;
	if (!ObjectAttributes)
		return STATUS_ACCESS_VIOLATION;
	if (ObjectAttributes->ObjectName && ClientId)
		return STATUS_INVALID_PARAMETER_MIX;
	if (ObjectAttributes->ObjectName)
		return STATUS_OBJECT_NAME_NOT_FOUND;	/* processes have no names */
	if (!ClientId)
		return STATUS_INVALID_PARAMETER_MIX;
	args.process_id = (uint64_t)(uintptr_t)ClientId->UniqueProcess;
	args.thread_id = (uint64_t)(uintptr_t)ClientId->UniqueThread;
	args.attributes = ObjectAttributes->Attributes;
	status = ntx_ioctl(cmd, &args);
	if (NT_SUCCESS(status))
		*Handle = (HANDLE)(uintptr_t)args.handle;
	return status;
}

NTX_EXPORT NTSTATUS NTAPI NtOpenProcess(PHANDLE ProcessHandle, ACCESS_MASK DesiredAccess,
					POBJECT_ATTRIBUTES ObjectAttributes, PCLIENT_ID ClientId)
{
	return ntx_open(NTEXEC_IOC_OPEN_PROCESS, ProcessHandle, DesiredAccess,
			ObjectAttributes, ClientId);
}

NTX_EXPORT NTSTATUS NTAPI NtOpenThread(PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
				       POBJECT_ATTRIBUTES ObjectAttributes, PCLIENT_ID ClientId)
{
	return ntx_open(NTEXEC_IOC_OPEN_THREAD, ThreadHandle, DesiredAccess,
			ObjectAttributes, ClientId);
}

static NTSTATUS ntx_query(unsigned long cmd, HANDLE Handle, ULONG Class, PVOID Buffer,
			  ULONG Length, PULONG ReturnLength)
{
	struct ntexec_query_info args = {
		.handle = (uint64_t)(uintptr_t)Handle,
		.buffer = (uint64_t)(uintptr_t)Buffer,
		.info_class = Class,
		.length = Length,
	};
	NTSTATUS status;

	status = ntx_ioctl(cmd, &args);
	if (ReturnLength && (NT_SUCCESS(status) ||
			     (status == STATUS_INFO_LENGTH_MISMATCH && args.return_length)))
		*ReturnLength = args.return_length;
	return status;
}

NTX_EXPORT NTSTATUS NTAPI NtQueryInformationProcess(HANDLE ProcessHandle,
						    PROCESSINFOCLASS ProcessInformationClass,
						    PVOID ProcessInformation,
						    ULONG ProcessInformationLength,
						    PULONG ReturnLength)
{
	return ntx_query(NTEXEC_IOC_QUERY_PROCESS, ProcessHandle, ProcessInformationClass,
			 ProcessInformation, ProcessInformationLength, ReturnLength);
}

NTX_EXPORT NTSTATUS NTAPI NtQueryInformationThread(HANDLE ThreadHandle,
						   THREADINFOCLASS ThreadInformationClass,
						   PVOID ThreadInformation,
						   ULONG ThreadInformationLength,
						   PULONG ReturnLength)
{
	return ntx_query(NTEXEC_IOC_QUERY_THREAD, ThreadHandle, ThreadInformationClass,
			 ThreadInformation, ThreadInformationLength, ReturnLength);
}

static NTSTATUS ntx_set_info(unsigned long request, HANDLE handle, ULONG info_class,
			     PVOID info, ULONG length)
{
	struct ntexec_query_info args = {
		.handle = (uint64_t)(uintptr_t)handle,
		.buffer = (uint64_t)(uintptr_t)info,
		.info_class = info_class,
		.length = length,
	};

	return ntx_ioctl(request, &args);
}

NTX_EXPORT NTSTATUS NTAPI NtSetInformationProcess(HANDLE ProcessHandle,
						  PROCESSINFOCLASS ProcessInformationClass,
						  PVOID ProcessInformation,
						  ULONG ProcessInformationLength)
{
	return ntx_set_info(NTEXEC_IOC_SET_PROCESS, ProcessHandle, ProcessInformationClass,
			    ProcessInformation, ProcessInformationLength);
}

NTX_EXPORT NTSTATUS NTAPI NtSetInformationThread(HANDLE ThreadHandle,
						 THREADINFOCLASS ThreadInformationClass,
						 PVOID ThreadInformation,
						 ULONG ThreadInformationLength)
{
	return ntx_set_info(NTEXEC_IOC_SET_THREAD, ThreadHandle, ThreadInformationClass,
			    ThreadInformation, ThreadInformationLength);
}

/* Linux cannot tell whether another thread ran: STATUS_SUCCESS always. */
NTX_EXPORT NTSTATUS NTAPI NtYieldExecution(VOID)
{
	sched_yield();
	return STATUS_SUCCESS;
}

NTX_EXPORT NTSTATUS NTAPI NtTerminateProcess(HANDLE ProcessHandle, NTSTATUS ExitStatus)
{
	struct ntexec_terminate args = {
		.handle = (uint64_t)(uintptr_t)ProcessHandle,
		.status = (uint32_t)ExitStatus,
	};

	/*
	 * NULL ends every thread of this process but the caller; terminating
	 * the caller's process does not return: SIGKILL is pending.
	 */
	return ntx_ioctl(NTEXEC_IOC_TERMINATE_PROCESS, &args);
}

NTX_EXPORT NTSTATUS NTAPI NtTerminateThread(HANDLE ThreadHandle, NTSTATUS ExitStatus)
{
	struct ntexec_terminate args = {
		.handle = (uint64_t)(uintptr_t)(ThreadHandle ? ThreadHandle : NtCurrentThread()),
		.status = (uint32_t)ExitStatus,
	};
	/*
	 * The calling thread does not come back from a successful call (the
	 * module sends it to exit(2)); another thread is on its way out.
	 */
	return ntx_ioctl(NTEXEC_IOC_TERMINATE_THREAD, &args);
}

static NTSTATUS ntx_get_next(unsigned long cmd, HANDLE Process, HANDLE Thread,
			     ACCESS_MASK DesiredAccess, ULONG HandleAttributes, ULONG Flags,
			     PHANDLE NewHandle)
{
	struct ntexec_get_next args = {
		.process = (uint64_t)(uintptr_t)Process,
		.thread = (uint64_t)(uintptr_t)Thread,
		.access = DesiredAccess,
		.attributes = HandleAttributes,
		.flags = Flags,
	};
	NTSTATUS status;

	if (!NewHandle)
		return STATUS_ACCESS_VIOLATION;
	status = ntx_ioctl(cmd, &args);
	if (NT_SUCCESS(status) && status != STATUS_NO_MORE_ENTRIES)
		*NewHandle = (HANDLE)(uintptr_t)args.handle;
	return status;
}

NTX_EXPORT NTSTATUS NTAPI NtGetNextProcess(HANDLE ProcessHandle, ACCESS_MASK DesiredAccess,
					   ULONG HandleAttributes, ULONG Flags,
					   PHANDLE NewProcessHandle)
{
	return ntx_get_next(NTEXEC_IOC_GET_NEXT_PROCESS, ProcessHandle, NULL, DesiredAccess,
			    HandleAttributes, Flags, NewProcessHandle);
}

NTX_EXPORT NTSTATUS NTAPI NtGetNextThread(HANDLE ProcessHandle, HANDLE ThreadHandle,
					  ACCESS_MASK DesiredAccess, ULONG HandleAttributes,
					  ULONG Flags, PHANDLE NewThreadHandle)
{
	return ntx_get_next(NTEXEC_IOC_GET_NEXT_THREAD, ProcessHandle, ThreadHandle,
			    DesiredAccess, HandleAttributes, Flags, NewThreadHandle);
}

NTX_EXPORT NTSTATUS NTAPI NtAlertThread(HANDLE ThreadHandle)
{
	struct ntexec_handle args = { .handle = (uint64_t)(uintptr_t)ThreadHandle };

	return ntx_ioctl(NTEXEC_IOC_ALERT_THREAD, &args);
}

NTX_EXPORT NTSTATUS NTAPI NtTestAlert(VOID)
{
	NTSTATUS status = ntx_ioctl(NTEXEC_IOC_TEST_ALERT, NULL);

	/* Pending user APCs run now, as on the way out of NT's call. */
	if (NT_SUCCESS(status))
		ntx_deliver_apcs();
	return status;
}

typedef VOID (__attribute__((ms_abi)) *ntx_ms_apc_routine)(PVOID, PVOID, PVOID);
typedef VOID (__attribute__((sysv_abi)) *ntx_sysv_apc_routine)(PVOID, PVOID, PVOID);

/*
 * One call per function, and noipa: GCC 12 merges two indirect calls that
 * differ only in their calling convention (if (ms) f() else g() became one
 * System V call).
 */
static __attribute__((noipa)) void ntx_call_ms(uint64_t routine, PVOID a1, PVOID a2, PVOID a3)
{
	((ntx_ms_apc_routine)(uintptr_t)routine)(a1, a2, a3);
}

static __attribute__((noipa)) void ntx_call_sysv(uint64_t routine, PVOID a1, PVOID a2, PVOID a3)
{
	((ntx_sysv_apc_routine)(uintptr_t)routine)(a1, a2, a3);
}

void ntx_deliver_apcs(void)
{
	struct ntexec_apc apcs[16];
	struct ntexec_take_apcs args;
	uint32_t i;

	do {
		args = (struct ntexec_take_apcs){
			.buffer = (uint64_t)(uintptr_t)apcs,
			.capacity = 16,
		};
		if (!NT_SUCCESS(ntx_ioctl(NTEXEC_IOC_TAKE_APCS, &args)))
			return;
		for (i = 0; i < args.count; i++) {
			PVOID a1 = (PVOID)(uintptr_t)apcs[i].argument[0];
			PVOID a2 = (PVOID)(uintptr_t)apcs[i].argument[1];
			PVOID a3 = (PVOID)(uintptr_t)apcs[i].argument[2];

			if (apcs[i].flags & NTEXEC_APC_MS_ABI)
				ntx_call_ms(apcs[i].routine, a1, a2, a3);
			else
				ntx_call_sysv(apcs[i].routine, a1, a2, a3);
		}
	} while (args.count);
}

NTSTATUS ntx_queue_apc(HANDLE ThreadHandle, PPS_APC_ROUTINE ApcRoutine, PVOID ApcArgument1,
		       PVOID ApcArgument2, PVOID ApcArgument3, int ms_abi)
{
	struct ntexec_queue_apc args = {
		.thread = (uint64_t)(uintptr_t)ThreadHandle,
		.apc = {
			.routine = (uint64_t)(uintptr_t)ApcRoutine,
			.argument = {
				(uint64_t)(uintptr_t)ApcArgument1,
				(uint64_t)(uintptr_t)ApcArgument2,
				(uint64_t)(uintptr_t)ApcArgument3,
			},
			.flags = ms_abi ? NTEXEC_APC_MS_ABI : 0,
		},
	};

	return ntx_ioctl(NTEXEC_IOC_QUEUE_APC, &args);
}

NTX_EXPORT NTSTATUS NTAPI NtQueueApcThread(HANDLE ThreadHandle, PPS_APC_ROUTINE ApcRoutine,
					   PVOID ApcArgument1, PVOID ApcArgument2,
					   PVOID ApcArgument3)
{
	return ntx_queue_apc(ThreadHandle, ApcRoutine, ApcArgument1, ApcArgument2,
			     ApcArgument3, 0);
}
