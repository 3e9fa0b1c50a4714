// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libntexec: sections (NtCreateSection, NtOpenSection, NtMapViewOfSection,
 * NtUnmapViewOfSection, NtQuerySection, NtExtendSection,
 * NtAreMappedFilesTheSame) and the file
 * handles they are made of (NtxHandleFromFd).
 *
 * As in vm.c, out-parameters are written only when the module answered a
 * success status (NT_SUCCESS, which STATUS_OBJECT_NAME_EXISTS is), and a
 * NULL pointer Windows would dereference is STATUS_ACCESS_VIOLATION.
 */
#include <stdint.h>

#include "internal.h"

static inline uint64_t ntx_u64(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/*
 * OBJECT_ATTRIBUTES, as the object manager's capture of it checks it:
 * Length must be the structure's size; a name is its UNICODE_STRING.
 */
NTSTATUS ntx_object_attributes(const OBJECT_ATTRIBUTES *oa, __u64 *root,
			       __u64 *name, __u32 *name_length, __u32 *attributes)
{
	*root = 0;
	*name = 0;
	*name_length = 0;
	*attributes = 0;
	if (!oa)
		return STATUS_SUCCESS;
	if (oa->Length != sizeof(*oa))
		return STATUS_INVALID_PARAMETER;
	*root = ntx_u64(oa->RootDirectory);
	*attributes = oa->Attributes;
	if (oa->ObjectName) {
		if (oa->ObjectName->Length > oa->ObjectName->MaximumLength)
			return STATUS_INVALID_PARAMETER;
		*name = ntx_u64(oa->ObjectName->Buffer);
		*name_length = oa->ObjectName->Length;
	}
	return STATUS_SUCCESS;
}

NTX_EXPORT NTSTATUS NTAPI NtCreateSection(PHANDLE SectionHandle, ACCESS_MASK DesiredAccess,
					  POBJECT_ATTRIBUTES ObjectAttributes,
					  PLARGE_INTEGER MaximumSize, ULONG SectionPageProtection,
					  ULONG AllocationAttributes, HANDLE FileHandle)
{
	struct ntexec_create_section args = {
		.access = DesiredAccess,
		.protect = SectionPageProtection,
		.allocation_attributes = AllocationAttributes,
		.file = ntx_u64(FileHandle),
	};
	NTSTATUS status;

	if (!SectionHandle)
		return STATUS_ACCESS_VIOLATION;
	status = ntx_object_attributes(ObjectAttributes, &args.root, &args.name,
				       &args.name_length, &args.attributes);
	if (!NT_SUCCESS(status))
		return status;
	if (MaximumSize)
		args.maximum_size = (uint64_t)MaximumSize->QuadPart;
	status = ntx_ioctl(NTEXEC_IOC_CREATE_SECTION, &args);
	if (NT_SUCCESS(status))
		*SectionHandle = (HANDLE)(uintptr_t)args.handle;
	return status;
}

NTX_EXPORT NTSTATUS NTAPI NtOpenSection(PHANDLE SectionHandle, ACCESS_MASK DesiredAccess,
					POBJECT_ATTRIBUTES ObjectAttributes)
{
	struct ntexec_open_object args = { .access = DesiredAccess };
	NTSTATUS status;

	if (!SectionHandle || !ObjectAttributes)
		return STATUS_ACCESS_VIOLATION;
	status = ntx_object_attributes(ObjectAttributes, &args.root, &args.name,
				       &args.name_length, &args.attributes);
	if (!NT_SUCCESS(status))
		return status;
	status = ntx_ioctl(NTEXEC_IOC_OPEN_SECTION, &args);
	if (NT_SUCCESS(status))
		*SectionHandle = (HANDLE)(uintptr_t)args.handle;
	return status;
}

/*
 * BaseAddress and ViewSize are in/out and required; SectionOffset is
 * optional (0) and written back rounded. The module writes the three back
 * on success and with STATUS_IMAGE_NOT_AT_BASE, a success too.
 */
NTX_EXPORT NTSTATUS NTAPI NtMapViewOfSection(HANDLE SectionHandle, HANDLE ProcessHandle,
					     PVOID *BaseAddress, ULONG_PTR ZeroBits,
					     SIZE_T CommitSize, PLARGE_INTEGER SectionOffset,
					     PSIZE_T ViewSize, SECTION_INHERIT InheritDisposition,
					     ULONG AllocationType, ULONG Win32Protect)
{
	struct ntexec_map_view args = {
		.section = ntx_u64(SectionHandle),
		.process = ntx_u64(ProcessHandle),
		.zero_bits = ZeroBits,
		.commit_size = CommitSize,
		.inherit = (uint32_t)InheritDisposition,
		.type = AllocationType,
		.protect = Win32Protect,
	};
	NTSTATUS status;

	if (!BaseAddress || !ViewSize)
		return STATUS_ACCESS_VIOLATION;
	args.base = ntx_u64(*BaseAddress);
	args.size = *ViewSize;
	if (SectionOffset)
		args.offset = (uint64_t)SectionOffset->QuadPart;
	status = ntx_ioctl(NTEXEC_IOC_MAP_VIEW, &args);
	if (NT_SUCCESS(status)) {
		*BaseAddress = (PVOID)(uintptr_t)args.base;
		*ViewSize = (SIZE_T)args.size;
		if (SectionOffset)
			SectionOffset->QuadPart = (LONGLONG)args.offset;
	}
	return status;
}

NTX_EXPORT NTSTATUS NTAPI NtUnmapViewOfSection(HANDLE ProcessHandle, PVOID BaseAddress)
{
	struct ntexec_unmap_view args = {
		.process = ntx_u64(ProcessHandle),
		.base = ntx_u64(BaseAddress),
	};

	return ntx_ioctl(NTEXEC_IOC_UNMAP_VIEW, &args);
}

/*
 * SectionInformationLength is a SIZE_T; the module takes 32 bits, which
 * every class fits in: a larger length is passed as the largest.
 */
NTX_EXPORT NTSTATUS NTAPI NtQuerySection(HANDLE SectionHandle,
					 SECTION_INFORMATION_CLASS SectionInformationClass,
					 PVOID SectionInformation,
					 SIZE_T SectionInformationLength, PSIZE_T ReturnLength)
{
	struct ntexec_query_info args = {
		.handle = ntx_u64(SectionHandle),
		.buffer = ntx_u64(SectionInformation),
		.info_class = (uint32_t)SectionInformationClass,
		.length = SectionInformationLength > UINT32_MAX ? UINT32_MAX :
			  (uint32_t)SectionInformationLength,
	};
	NTSTATUS status;

	status = ntx_ioctl(NTEXEC_IOC_QUERY_SECTION, &args);
	if (NT_SUCCESS(status) && ReturnLength)
		*ReturnLength = args.return_length;
	return status;
}

NTX_EXPORT NTSTATUS NTAPI NtExtendSection(HANDLE SectionHandle, PLARGE_INTEGER NewSectionSize)
{
	struct ntexec_extend_section args = { .section = ntx_u64(SectionHandle) };
	NTSTATUS status;

	if (!NewSectionSize)
		return STATUS_ACCESS_VIOLATION;
	args.size = (uint64_t)NewSectionSize->QuadPart;
	status = ntx_ioctl(NTEXEC_IOC_EXTEND_SECTION, &args);
	if (NT_SUCCESS(status))
		NewSectionSize->QuadPart = (LONGLONG)args.size;
	return status;
}

NTX_EXPORT NTSTATUS NtxHandleFromFd(int Fd, ACCESS_MASK DesiredAccess, PHANDLE FileHandle)
{
	struct ntexec_handle_from_fd args = { .fd = Fd, .access = DesiredAccess };
	NTSTATUS status;

	if (!FileHandle)
		return STATUS_ACCESS_VIOLATION;
	status = ntx_ioctl(NTEXEC_IOC_HANDLE_FROM_FD, &args);
	if (NT_SUCCESS(status))
		*FileHandle = (HANDLE)(uintptr_t)args.handle;
	return status;
}

NTX_EXPORT NTSTATUS NTAPI NtAreMappedFilesTheSame(PVOID File1MappedAsAnImage,
						  PVOID File2MappedAsFile)
{
	struct ntexec_same_file args = {
		.image = ntx_u64(File1MappedAsAnImage),
		.other = ntx_u64(File2MappedAsFile),
	};

	return ntx_ioctl(NTEXEC_IOC_SAME_FILE, &args);
}
