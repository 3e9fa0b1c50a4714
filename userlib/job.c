// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libntexec: job objects (NtCreateJobObject, NtOpenJobObject,
 * NtAssignProcessToJobObject, NtTerminateJobObject, NtIsProcessInJob,
 * NtQueryInformationJobObject, NtSetInformationJobObject) and I/O
 * completion objects (NtCreateIoCompletion, NtOpenIoCompletion,
 * NtSetIoCompletion, NtRemoveIoCompletion, NtRemoveIoCompletionEx,
 * NtQueryIoCompletion). One ioctl each; out-parameters are written only on
 * success (and, for a process id list that does not fit, with
 * STATUS_BUFFER_OVERFLOW, as Windows writes it).
 */
#include <errno.h>
#include <stdint.h>

#include "internal.h"

static inline uint64_t ntx_u64(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static NTSTATUS ntx_create(unsigned long cmd, PHANDLE Handle, ACCESS_MASK DesiredAccess,
			   POBJECT_ATTRIBUTES ObjectAttributes, ULONG Count)
{
	struct ntexec_create_object args = { .access = DesiredAccess, .count = Count };
	NTSTATUS status;

	if (!Handle)
		return STATUS_ACCESS_VIOLATION;
	status = ntx_object_attributes(ObjectAttributes, &args.root, &args.name,
				       &args.name_length, &args.attributes);
	if (!NT_SUCCESS(status))
		return status;
	status = ntx_ioctl(cmd, &args);
	if (NT_SUCCESS(status))
		*Handle = (HANDLE)(uintptr_t)args.handle;
	return status;
}

static NTSTATUS ntx_open_object(unsigned long cmd, PHANDLE Handle, ACCESS_MASK DesiredAccess,
				POBJECT_ATTRIBUTES ObjectAttributes)
{
	struct ntexec_open_object args = { .access = DesiredAccess };
	NTSTATUS status;

	if (!Handle || !ObjectAttributes)
		return STATUS_ACCESS_VIOLATION;
	status = ntx_object_attributes(ObjectAttributes, &args.root, &args.name,
				       &args.name_length, &args.attributes);
	if (!NT_SUCCESS(status))
		return status;
	status = ntx_ioctl(cmd, &args);
	if (NT_SUCCESS(status))
		*Handle = (HANDLE)(uintptr_t)args.handle;
	return status;
}

NTX_EXPORT NTSTATUS NTAPI NtCreateJobObject(PHANDLE JobHandle, ACCESS_MASK DesiredAccess,
					    POBJECT_ATTRIBUTES ObjectAttributes)
{
	return ntx_create(NTEXEC_IOC_CREATE_JOB, JobHandle, DesiredAccess, ObjectAttributes, 0);
}

NTX_EXPORT NTSTATUS NTAPI NtOpenJobObject(PHANDLE JobHandle, ACCESS_MASK DesiredAccess,
					  POBJECT_ATTRIBUTES ObjectAttributes)
{
	return ntx_open_object(NTEXEC_IOC_OPEN_JOB, JobHandle, DesiredAccess, ObjectAttributes);
}

NTX_EXPORT NTSTATUS NTAPI NtAssignProcessToJobObject(HANDLE JobHandle, HANDLE ProcessHandle)
{
	struct ntexec_job_process args = {
		.job = ntx_u64(JobHandle),
		.process = ntx_u64(ProcessHandle),
	};

	return ntx_ioctl(NTEXEC_IOC_ASSIGN_JOB, &args);
}

NTX_EXPORT NTSTATUS NTAPI NtTerminateJobObject(HANDLE JobHandle, NTSTATUS ExitStatus)
{
	struct ntexec_terminate args = {
		.handle = ntx_u64(JobHandle),
		.status = (uint32_t)ExitStatus,
	};

	return ntx_ioctl(NTEXEC_IOC_TERMINATE_JOB, &args);
}

NTX_EXPORT NTSTATUS NTAPI NtIsProcessInJob(HANDLE ProcessHandle, HANDLE JobHandle)
{
	struct ntexec_job_process args = {
		.job = ntx_u64(JobHandle),
		.process = ntx_u64(ProcessHandle),
	};

	return ntx_ioctl(NTEXEC_IOC_IS_PROCESS_IN_JOB, &args);
}

NTX_EXPORT NTSTATUS NTAPI NtQueryInformationJobObject(HANDLE JobHandle,
						      JOBOBJECTINFOCLASS JobObjectInformationClass,
						      PVOID JobObjectInformation,
						      ULONG JobObjectInformationLength,
						      PULONG ReturnLength)
{
	struct ntexec_query_info args = {
		.handle = ntx_u64(JobHandle),
		.buffer = ntx_u64(JobObjectInformation),
		.info_class = (uint32_t)JobObjectInformationClass,
		.length = JobObjectInformationLength,
	};
	NTSTATUS status;

	status = ntx_ioctl(NTEXEC_IOC_QUERY_JOB, &args);
	if (ReturnLength && (NT_SUCCESS(status) || status == STATUS_BUFFER_OVERFLOW ||
			     (status == STATUS_INFO_LENGTH_MISMATCH && args.return_length)))
		*ReturnLength = args.return_length;
	return status;
}

NTX_EXPORT NTSTATUS NTAPI NtSetInformationJobObject(HANDLE JobHandle,
						    JOBOBJECTINFOCLASS JobObjectInformationClass,
						    PVOID JobObjectInformation,
						    ULONG JobObjectInformationLength)
{
	struct ntexec_query_info args = {
		.handle = ntx_u64(JobHandle),
		.buffer = ntx_u64(JobObjectInformation),
		.info_class = (uint32_t)JobObjectInformationClass,
		.length = JobObjectInformationLength,
	};

	return ntx_ioctl(NTEXEC_IOC_SET_JOB, &args);
}

NTX_EXPORT NTSTATUS NTAPI NtCreateIoCompletion(PHANDLE IoCompletionHandle,
					       ACCESS_MASK DesiredAccess,
					       POBJECT_ATTRIBUTES ObjectAttributes,
					       ULONG NumberOfConcurrentThreads)
{
	return ntx_create(NTEXEC_IOC_CREATE_IO_COMPLETION, IoCompletionHandle, DesiredAccess,
			  ObjectAttributes, NumberOfConcurrentThreads);
}

NTX_EXPORT NTSTATUS NTAPI NtOpenIoCompletion(PHANDLE IoCompletionHandle,
					     ACCESS_MASK DesiredAccess,
					     POBJECT_ATTRIBUTES ObjectAttributes)
{
	return ntx_open_object(NTEXEC_IOC_OPEN_IO_COMPLETION, IoCompletionHandle,
			       DesiredAccess, ObjectAttributes);
}

NTX_EXPORT NTSTATUS NTAPI NtSetIoCompletion(HANDLE IoCompletionHandle, PVOID KeyContext,
					    PVOID ApcContext, NTSTATUS IoStatus,
					    ULONG_PTR IoStatusInformation)
{
	struct ntexec_io_packet args = {
		.handle = ntx_u64(IoCompletionHandle),
		.key = ntx_u64(KeyContext),
		.apc_context = ntx_u64(ApcContext),
		.information = IoStatusInformation,
		.status = (uint32_t)IoStatus,
	};

	return ntx_ioctl(NTEXEC_IOC_SET_IO_COMPLETION, &args);
}

/*
 * The remove itself: the deadline is absolute, so a signal handler that
 * interrupts the wait just lets it go on.
 */
static NTSTATUS ntx_remove(HANDLE Port, struct ntexec_io_completion_entry *entries,
			   ULONG Count, PLARGE_INTEGER Timeout, BOOLEAN Alertable,
			   ULONG *removed)
{
	struct ntexec_wait deadline = { .flags = 0 };
	struct ntexec_remove_io args = {
		.handle = ntx_u64(Port),
		.entries = ntx_u64(entries),
		.count = Count,
	};
	int fd = ntx_fd();
	long ret;

	if (fd < 0)
		return ntx_errno_status(errno);
	ntx_timeout(Timeout, &deadline);
	if (deadline.flags & NTEXEC_WAIT_TIMEOUT)
		args.flags |= NTEXEC_REMOVE_TIMEOUT;
	if (deadline.flags & NTEXEC_WAIT_REALTIME)
		args.flags |= NTEXEC_REMOVE_REALTIME;
	if (Alertable)
		args.flags |= NTEXEC_REMOVE_ALERTABLE;
	args.timeout = deadline.timeout;
	do {
		ret = ntx_raw_ioctl(fd, NTEXEC_IOC_REMOVE_IO_COMPLETION, &args);
	} while (ret == -EINTR);
	if (ret < 0 && ret > -4096)
		return ntx_errno_status((int)-ret);
	if ((NTSTATUS)ret == STATUS_USER_APC)
		ntx_deliver_apcs();
	if ((NTSTATUS)ret == STATUS_SUCCESS)
		*removed = args.removed;
	return (NTSTATUS)ret;
}

NTX_EXPORT NTSTATUS NTAPI NtRemoveIoCompletion(HANDLE IoCompletionHandle, PVOID *KeyContext,
					       PVOID *ApcContext,
					       PIO_STATUS_BLOCK IoStatusBlock,
					       PLARGE_INTEGER Timeout)
{
	struct ntexec_io_completion_entry e;
	ULONG removed = 0;
	NTSTATUS status;

	if (!KeyContext || !ApcContext || !IoStatusBlock)
		return STATUS_ACCESS_VIOLATION;
	status = ntx_remove(IoCompletionHandle, &e, 1, Timeout, 0, &removed);
	if (status == STATUS_SUCCESS && removed == 1) {
		*KeyContext = (PVOID)(uintptr_t)e.key;
		*ApcContext = (PVOID)(uintptr_t)e.apc_context;
		IoStatusBlock->Pointer = NULL;
		IoStatusBlock->Status = (NTSTATUS)(uint32_t)e.status;
		IoStatusBlock->Information = (ULONG_PTR)e.information;
	}
	return status;
}

NTX_EXPORT NTSTATUS NTAPI NtRemoveIoCompletionEx(HANDLE IoCompletionHandle,
						 PFILE_IO_COMPLETION_INFORMATION IoCompletionInformation,
						 ULONG Count, PULONG NumEntriesRemoved,
						 PLARGE_INTEGER Timeout, BOOLEAN Alertable)
{
	_Static_assert(sizeof(FILE_IO_COMPLETION_INFORMATION) ==
		       sizeof(struct ntexec_io_completion_entry), "FILE_IO_COMPLETION_INFORMATION");
	ULONG removed = 0, i;
	NTSTATUS status;

	if (!NumEntriesRemoved)
		return STATUS_ACCESS_VIOLATION;
	/* The module writes the entries in the layout Windows gives them. */
	status = ntx_remove(IoCompletionHandle,
			    (struct ntexec_io_completion_entry *)IoCompletionInformation,
			    Count, Timeout, Alertable, &removed);
	if (status == STATUS_SUCCESS) {
		/* IO_STATUS_BLOCK.Status is 32 bits of a pointer-sized union. */
		for (i = 0; i < removed; i++) {
			NTSTATUS s = (NTSTATUS)(uint32_t)
				((struct ntexec_io_completion_entry *)IoCompletionInformation)[i].status;

			IoCompletionInformation[i].IoStatusBlock.Pointer = NULL;
			IoCompletionInformation[i].IoStatusBlock.Status = s;
		}
		*NumEntriesRemoved = removed;
	}
	return status;
}

NTX_EXPORT NTSTATUS NTAPI NtQueryIoCompletion(HANDLE IoCompletionHandle,
					      IO_COMPLETION_INFORMATION_CLASS
					      IoCompletionInformationClass,
					      PVOID IoCompletionInformation,
					      ULONG IoCompletionInformationLength,
					      PULONG ReturnLength)
{
	struct ntexec_query_info args = {
		.handle = ntx_u64(IoCompletionHandle),
		.buffer = ntx_u64(IoCompletionInformation),
		.info_class = (uint32_t)IoCompletionInformationClass,
		.length = IoCompletionInformationLength,
	};
	NTSTATUS status;

	status = ntx_ioctl(NTEXEC_IOC_QUERY_IO_COMPLETION, &args);
	if (ReturnLength && NT_SUCCESS(status))
		*ReturnLength = args.return_length;
	return status;
}
