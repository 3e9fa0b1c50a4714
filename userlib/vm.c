// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libntexec: virtual memory (NtAllocateVirtualMemory, NtFreeVirtualMemory,
 * NtProtectVirtualMemory, NtQueryVirtualMemory, NtReadVirtualMemory,
 * NtWriteVirtualMemory, NtLockVirtualMemory, NtUnlockVirtualMemory,
 * NtFlushVirtualMemory, NtGetWriteWatch, NtResetWriteWatch) and
 * NtxGetLastException.
 *
 * Each wrapper copies its arguments into the ioctl's struct and writes the
 * caller's out-parameters back only when the module answered a success
 * status (NT_SUCCESS), as the system services do; the exceptions are named
 * at each function. A NULL pointer that Windows would dereference is
 * STATUS_ACCESS_VIOLATION, what the service's probe raises.
 */
#include <errno.h>
#include <stdint.h>

#include "internal.h"

_Static_assert(sizeof(PVOID) == sizeof(uint64_t), "addresses travel as __u64");
_Static_assert(sizeof(SIZE_T) == sizeof(uint64_t), "sizes travel as __u64");

static inline uint64_t ntx_u64(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static inline PVOID ntx_ptr(uint64_t v)
{
	return (PVOID)(uintptr_t)v;
}

/*
 * The services that take PVOID *BaseAddress and PSIZE_T RegionSize in and
 * out: both are read (NULL is STATUS_ACCESS_VIOLATION, as the kernel's
 * probe of them gives), and written back rounded on success.
 */
static NTSTATUS ntx_vm_range(unsigned long cmd, struct ntexec_vm_range *args,
			     PVOID *BaseAddress, PSIZE_T RegionSize)
{
	NTSTATUS status;

	if (!BaseAddress || !RegionSize)
		return STATUS_ACCESS_VIOLATION;
	args->base = ntx_u64(*BaseAddress);
	args->size = *RegionSize;
	status = ntx_ioctl(cmd, args);
	if (NT_SUCCESS(status)) {
		*BaseAddress = ntx_ptr(args->base);
		*RegionSize = (SIZE_T)args->size;
	}
	return status;
}

NTX_EXPORT NTSTATUS NTAPI NtAllocateVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress,
						  ULONG_PTR ZeroBits, PSIZE_T RegionSize,
						  ULONG AllocationType, ULONG Protect)
{
	struct ntexec_vm_range args = {
		.process = ntx_u64(ProcessHandle),
		.zero_bits = ZeroBits,
		.type = AllocationType,
		.protect = Protect,
	};

	return ntx_vm_range(NTEXEC_IOC_ALLOCATE_VM, &args, BaseAddress, RegionSize);
}

NTX_EXPORT NTSTATUS NTAPI NtFreeVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress,
					      PSIZE_T RegionSize, ULONG FreeType)
{
	struct ntexec_vm_range args = {
		.process = ntx_u64(ProcessHandle),
		.type = FreeType,
	};

	return ntx_vm_range(NTEXEC_IOC_FREE_VM, &args, BaseAddress, RegionSize);
}

NTX_EXPORT NTSTATUS NTAPI NtProtectVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress,
						 PSIZE_T RegionSize, ULONG NewProtect,
						 PULONG OldProtect)
{
	struct ntexec_vm_range args = {
		.process = ntx_u64(ProcessHandle),
		.protect = NewProtect,
	};
	NTSTATUS status;

	/*
	 * OldProtect is not optional: the WRK's NtProtectVirtualMemory probes
	 * it for writing with the other two pointers, so NULL raises an access
	 * violation (kernelbase's VirtualProtect fails with ERROR_NOACCESS).
	 */
	if (!BaseAddress || !RegionSize || !OldProtect)
		return STATUS_ACCESS_VIOLATION;
	status = ntx_vm_range(NTEXEC_IOC_PROTECT_VM, &args, BaseAddress, RegionSize);
	if (NT_SUCCESS(status))
		*OldProtect = args.protect;
	return status;
}

NTX_EXPORT NTSTATUS NTAPI NtQueryVirtualMemory(HANDLE ProcessHandle, PVOID BaseAddress,
					       MEMORY_INFORMATION_CLASS MemoryInformationClass,
					       PVOID MemoryInformation,
					       SIZE_T MemoryInformationLength,
					       PSIZE_T ReturnLength)
{
	struct ntexec_vm_query args = {
		.process = ntx_u64(ProcessHandle),
		.address = ntx_u64(BaseAddress),
		.buffer = ntx_u64(MemoryInformation),
		.length = MemoryInformationLength,
		.info_class = (uint32_t)MemoryInformationClass,
	};
	NTSTATUS status;

	status = ntx_ioctl(NTEXEC_IOC_QUERY_VM, &args);
	/* Written whenever the module reported a length, success or not. */
	if (ReturnLength && args.return_length)
		*ReturnLength = (SIZE_T)args.return_length;
	return status;
}

/* NumberOfBytesRead/Written is also reported with STATUS_PARTIAL_COPY. */
static NTSTATUS ntx_vm_copy(unsigned long cmd, HANDLE ProcessHandle, PVOID BaseAddress,
			    PVOID Buffer, SIZE_T BufferSize, PSIZE_T NumberOfBytes)
{
	struct ntexec_vm_copy args = {
		.process = ntx_u64(ProcessHandle),
		.address = ntx_u64(BaseAddress),
		.buffer = ntx_u64(Buffer),
		.size = BufferSize,
	};
	NTSTATUS status;

	status = ntx_ioctl(cmd, &args);
	if (NumberOfBytes && (NT_SUCCESS(status) || status == STATUS_PARTIAL_COPY))
		*NumberOfBytes = (SIZE_T)args.done;
	return status;
}

NTX_EXPORT NTSTATUS NTAPI NtReadVirtualMemory(HANDLE ProcessHandle, PVOID BaseAddress,
					      PVOID Buffer, SIZE_T BufferSize,
					      PSIZE_T NumberOfBytesRead)
{
	return ntx_vm_copy(NTEXEC_IOC_READ_VM, ProcessHandle, BaseAddress, Buffer, BufferSize,
			   NumberOfBytesRead);
}

NTX_EXPORT NTSTATUS NTAPI NtWriteVirtualMemory(HANDLE ProcessHandle, PVOID BaseAddress,
					       PVOID Buffer, SIZE_T BufferSize,
					       PSIZE_T NumberOfBytesWritten)
{
	return ntx_vm_copy(NTEXEC_IOC_WRITE_VM, ProcessHandle, BaseAddress, Buffer, BufferSize,
			   NumberOfBytesWritten);
}

NTX_EXPORT NTSTATUS NTAPI NtLockVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress,
					      PSIZE_T RegionSize, ULONG MapType)
{
	struct ntexec_vm_range args = {
		.process = ntx_u64(ProcessHandle),
		.type = MapType,
	};

	return ntx_vm_range(NTEXEC_IOC_LOCK_VM, &args, BaseAddress, RegionSize);
}

NTX_EXPORT NTSTATUS NTAPI NtUnlockVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress,
						PSIZE_T RegionSize, ULONG MapType)
{
	struct ntexec_vm_range args = {
		.process = ntx_u64(ProcessHandle),
		.type = MapType,
	};

	return ntx_vm_range(NTEXEC_IOC_UNLOCK_VM, &args, BaseAddress, RegionSize);
}

NTX_EXPORT NTSTATUS NTAPI NtFlushVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress,
					       PSIZE_T RegionSize, PIO_STATUS_BLOCK IoStatus)
{
	struct ntexec_vm_range args = { .process = ntx_u64(ProcessHandle) };
	NTSTATUS status;

	if (!BaseAddress || !RegionSize || !IoStatus)
		return STATUS_ACCESS_VIOLATION;
	status = ntx_vm_range(NTEXEC_IOC_FLUSH_VM, &args, BaseAddress, RegionSize);
	if (NT_SUCCESS(status)) {
		IoStatus->Status = status;
		IoStatus->Information = 0;
	}
	return status;
}

NTX_EXPORT NTSTATUS NTAPI NtGetWriteWatch(HANDLE ProcessHandle, ULONG Flags, PVOID BaseAddress,
					  SIZE_T RegionSize, PVOID *UserAddressArray,
					  PULONG_PTR EntriesInUserAddressArray,
					  PULONG Granularity)
{
	struct ntexec_write_watch args = {
		.process = ntx_u64(ProcessHandle),
		.base = ntx_u64(BaseAddress),
		.size = RegionSize,
		.addresses = ntx_u64(UserAddressArray),
		.flags = Flags,
	};
	NTSTATUS status;

	if (!EntriesInUserAddressArray || !Granularity)
		return STATUS_ACCESS_VIOLATION;
	args.count = *EntriesInUserAddressArray;
	status = ntx_ioctl(NTEXEC_IOC_GET_WRITE_WATCH, &args);
	if (NT_SUCCESS(status)) {
		*EntriesInUserAddressArray = (ULONG_PTR)args.count;
		*Granularity = args.granularity;
	}
	return status;
}

NTX_EXPORT NTSTATUS NTAPI NtResetWriteWatch(HANDLE ProcessHandle, PVOID BaseAddress,
					    SIZE_T RegionSize)
{
	struct ntexec_write_watch args = {
		.process = ntx_u64(ProcessHandle),
		.base = ntx_u64(BaseAddress),
		.size = RegionSize,
	};

	return ntx_ioctl(NTEXEC_IOC_RESET_WRITE_WATCH, &args);
}

/*
 * Called from SIGSEGV handlers: it issues one ioctl, opening the device
 * first if this is the process's first call (ntx_fd() takes no lock and
 * allocates nothing), and leaves errno as it found it.
 */
NTX_EXPORT NTSTATUS NtxGetLastException(NTSTATUS *Code, ULONG *Access, PVOID *Address)
{
	struct ntexec_exception args = { 0 };
	int saved_errno = errno;
	NTSTATUS status;

	if (!Code)
		return STATUS_ACCESS_VIOLATION;
	status = ntx_ioctl(NTEXEC_IOC_GET_EXCEPTION, &args);
	if (NT_SUCCESS(status)) {
		*Code = (NTSTATUS)args.code;
		if (Access)
			*Access = args.access;
		if (Address)
			*Address = ntx_ptr(args.address);
	}
	errno = saved_errno;
	return status;
}
