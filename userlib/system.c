// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libntexec: system information (NtQuerySystemInformation,
 * NtSetSystemInformation), one ioctl for both. ReturnLength is written on
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
