// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libntexec: system information (NtQuerySystemInformation,
 * NtSetSystemInformation), one ioctl for both, and NtCreatePagingFile. ReturnLength is written on
 * success and, with the length needed, on STATUS_INFO_LENGTH_MISMATCH.
 */
#include <stdint.h>

#include "internal.h"

NTX_EXPORT NTSTATUS NTAPI NtQuerySystemInformation(SYSTEM_INFORMATION_CLASS SystemInformationClass,
						   PVOID SystemInformation,
						   ULONG SystemInformationLength,
						   PULONG ReturnLength)
{
	struct ntexec_system_info args = {
		.buffer = (uint64_t)(uintptr_t)SystemInformation,
		.info_class = (uint32_t)SystemInformationClass,
		.length = SystemInformationLength,
	};
	NTSTATUS status;

	status = ntx_ioctl(NTEXEC_IOC_SYSTEM_INFO, &args);
	if (ReturnLength && (NT_SUCCESS(status) ||
			     (status == STATUS_INFO_LENGTH_MISMATCH && args.return_length)))
		*ReturnLength = args.return_length;
	return status;
}

NTX_EXPORT NTSTATUS NTAPI NtSetSystemInformation(SYSTEM_INFORMATION_CLASS SystemInformationClass,
						 PVOID SystemInformation,
						 ULONG SystemInformationLength)
{
	struct ntexec_system_info args = {
		.buffer = (uint64_t)(uintptr_t)SystemInformation,
		.info_class = (uint32_t)SystemInformationClass,
		.length = SystemInformationLength,
		.flags = NTEXEC_SYSTEM_INFO_SET,
	};

	return ntx_ioctl(NTEXEC_IOC_SYSTEM_INFO, &args);
}

NTX_EXPORT NTSTATUS NTAPI NtCreatePagingFile(PUNICODE_STRING PageFileName,
					     PLARGE_INTEGER MinimumSize,
					     PLARGE_INTEGER MaximumSize, ULONG Priority)
{
	struct ntexec_create_paging_file args = { .priority = Priority };

	/* The pointers are the caller's: a bad one faults here, as in ntdll. */
	if (!PageFileName || !MinimumSize || !MaximumSize)
		return STATUS_ACCESS_VIOLATION;
	args.name = (uint64_t)(uintptr_t)PageFileName->Buffer;
	args.name_length = PageFileName->Length;
	args.minimum_size = (uint64_t)MinimumSize->QuadPart;
	args.maximum_size = (uint64_t)MaximumSize->QuadPart;
	return ntx_ioctl(NTEXEC_IOC_CREATE_PAGING_FILE, &args);
}
