/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Compile-time checks that <ntexec/nt.h> has the Windows x64 ABI, and that
 * the ioctl structs of uapi/ntexec.h keep their layout.
 *
 * Every number below is the Windows x64 value (sizes and offsets as laid out
 * by the Windows SDK/WDK headers for AMD64), written out by hand rather than
 * computed from the header, so a layout change in nt.h fails the build.
 * The last section does the same for the module's ioctl ABI: those numbers
 * are the ABI itself, fixed once released.
 * Nothing here generates code; the object file is empty.
 *
 *   gcc -std=gnu11 -Wall -Wextra -Werror -c userlib/abi_check.c -Iuserlib/include -I.
 */
#include <stddef.h>

#include <ntexec/nt.h>
#include "uapi/ntexec.h"

#define SIZE(type, n) \
    _Static_assert(sizeof(type) == (n), "sizeof(" #type ") != " #n)
#define ALIGN(type, n) \
    _Static_assert(_Alignof(type) == (n), "_Alignof(" #type ") != " #n)
#define OFF(type, field, n) \
    _Static_assert(offsetof(type, field) == (n), \
                   "offsetof(" #type ", " #field ") != " #n)
#define VAL(expr, n) \
    _Static_assert((expr) == (n), #expr " != " #n)

/* ---- Scalar types ------------------------------------------------------ */

SIZE(CHAR, 1);
SIZE(UCHAR, 1);
SIZE(BOOLEAN, 1);
SIZE(SHORT, 2);
SIZE(USHORT, 2);
SIZE(WCHAR, 2);
SIZE(LONG, 4);
SIZE(ULONG, 4);
SIZE(DWORD, 4);
SIZE(NTSTATUS, 4);
SIZE(ACCESS_MASK, 4);
SIZE(KPRIORITY, 4);
SIZE(LONGLONG, 8);
SIZE(ULONGLONG, 8);
SIZE(LONG_PTR, 8);
SIZE(ULONG_PTR, 8);
SIZE(SIZE_T, 8);
SIZE(SSIZE_T, 8);
SIZE(KAFFINITY, 8);
SIZE(DWORD64, 8);
SIZE(PVOID, 8);
SIZE(HANDLE, 8);
SIZE(PWSTR, 8);

/* Signedness: LONG/NTSTATUS signed, ULONG/ACCESS_MASK/WCHAR unsigned. */
VAL((LONG)-1 < 0, 1);
VAL((NTSTATUS)-1 < 0, 1);
VAL((ULONG)-1 > 0, 1);
VAL((ACCESS_MASK)-1 > 0, 1);
VAL((WCHAR)-1 > 0, 1);
VAL((BOOLEAN)-1 > 0, 1);
VAL((SIZE_T)-1 > 0, 1);
VAL((SSIZE_T)-1 < 0, 1);

/* SIZE_T must be size_t's type so &size_t_var passes as PSIZE_T. */
_Static_assert(_Generic((SIZE_T)0, size_t: 1, default: 0),
               "SIZE_T is not size_t");

/* Constants are 32-bit (no LP64 `long` leaking in through an L suffix). */
SIZE(STATUS_ACCESS_VIOLATION, 4);
SIZE(DELETE, 4);
SIZE(GENERIC_READ, 4);
SIZE(PROCESS_ALL_ACCESS, 4);
SIZE(MEM_COMMIT, 4);
SIZE(MEM_4MB_PAGES, 4);
SIZE(SEC_LARGE_PAGES, 4);
SIZE(CONTEXT_ALL, 4);
SIZE(CONTEXT_EXCEPTION_REPORTING, 4);
SIZE(OBJ_VALID_ATTRIBUTES, 4);

/* ---- Basic structures -------------------------------------------------- */

SIZE(LARGE_INTEGER, 8);
ALIGN(LARGE_INTEGER, 8);
OFF(LARGE_INTEGER, LowPart, 0);
OFF(LARGE_INTEGER, HighPart, 4);
OFF(LARGE_INTEGER, u.HighPart, 4);
OFF(LARGE_INTEGER, QuadPart, 0);
SIZE(ULARGE_INTEGER, 8);
OFF(ULARGE_INTEGER, HighPart, 4);

SIZE(UNICODE_STRING, 16);
OFF(UNICODE_STRING, Length, 0);
OFF(UNICODE_STRING, MaximumLength, 2);
OFF(UNICODE_STRING, Buffer, 8);

SIZE(CLIENT_ID, 16);
OFF(CLIENT_ID, UniqueProcess, 0);
OFF(CLIENT_ID, UniqueThread, 8);

SIZE(OBJECT_ATTRIBUTES, 48);
OFF(OBJECT_ATTRIBUTES, Length, 0);
OFF(OBJECT_ATTRIBUTES, RootDirectory, 8);
OFF(OBJECT_ATTRIBUTES, ObjectName, 16);
OFF(OBJECT_ATTRIBUTES, Attributes, 24);
OFF(OBJECT_ATTRIBUTES, SecurityDescriptor, 32);
OFF(OBJECT_ATTRIBUTES, SecurityQualityOfService, 40);

SIZE(GENERIC_MAPPING, 16);
OFF(GENERIC_MAPPING, GenericAll, 12);

SIZE(IO_STATUS_BLOCK, 16);
OFF(IO_STATUS_BLOCK, Status, 0);
OFF(IO_STATUS_BLOCK, Pointer, 0);
OFF(IO_STATUS_BLOCK, Information, 8);

/* ---- Memory and sections ----------------------------------------------- */

SIZE(MEMORY_WORKING_SET_BLOCK, 8);
SIZE(MEMORY_WORKING_SET_INFORMATION, 16);
OFF(MEMORY_WORKING_SET_INFORMATION, WorkingSetInfo, 8);
SIZE(MEMORY_WORKING_SET_EX_BLOCK, 8);
SIZE(MEMORY_WORKING_SET_EX_INFORMATION, 16);
OFF(MEMORY_WORKING_SET_EX_INFORMATION, VirtualAttributes, 8);
VAL(MemoryWorkingSetInformation, 1);
VAL(MemoryWorkingSetExInformation, 4);
SIZE(MEMORY_REGION_INFORMATION, 48);
OFF(MEMORY_REGION_INFORMATION, AllocationBase, 0);
OFF(MEMORY_REGION_INFORMATION, AllocationProtect, 8);
OFF(MEMORY_REGION_INFORMATION, RegionType, 12);
OFF(MEMORY_REGION_INFORMATION, RegionSize, 16);
OFF(MEMORY_REGION_INFORMATION, CommitSize, 24);
OFF(MEMORY_REGION_INFORMATION, PartitionId, 32);
OFF(MEMORY_REGION_INFORMATION, NodePreference, 40);
SIZE(MEMORY_BASIC_INFORMATION, 48);
OFF(MEMORY_BASIC_INFORMATION, BaseAddress, 0);
OFF(MEMORY_BASIC_INFORMATION, AllocationBase, 8);
OFF(MEMORY_BASIC_INFORMATION, AllocationProtect, 16);
OFF(MEMORY_BASIC_INFORMATION, PartitionId, 20);
OFF(MEMORY_BASIC_INFORMATION, RegionSize, 24);
OFF(MEMORY_BASIC_INFORMATION, State, 32);
OFF(MEMORY_BASIC_INFORMATION, Protect, 36);
OFF(MEMORY_BASIC_INFORMATION, Type, 40);

SIZE(SECTION_BASIC_INFORMATION, 24);
OFF(SECTION_BASIC_INFORMATION, BaseAddress, 0);
OFF(SECTION_BASIC_INFORMATION, AllocationAttributes, 8);
OFF(SECTION_BASIC_INFORMATION, MaximumSize, 16);

/* ---- Processes and threads --------------------------------------------- */

SIZE(PROCESS_BASIC_INFORMATION, 48);
OFF(PROCESS_BASIC_INFORMATION, ExitStatus, 0);
OFF(PROCESS_BASIC_INFORMATION, PebBaseAddress, 8);
OFF(PROCESS_BASIC_INFORMATION, AffinityMask, 16);
OFF(PROCESS_BASIC_INFORMATION, BasePriority, 24);
OFF(PROCESS_BASIC_INFORMATION, UniqueProcessId, 32);
OFF(PROCESS_BASIC_INFORMATION, InheritedFromUniqueProcessId, 40);

SIZE(THREAD_BASIC_INFORMATION, 48);
OFF(THREAD_BASIC_INFORMATION, ExitStatus, 0);
OFF(THREAD_BASIC_INFORMATION, TebBaseAddress, 8);
OFF(THREAD_BASIC_INFORMATION, ClientId, 16);
OFF(THREAD_BASIC_INFORMATION, AffinityMask, 32);
OFF(THREAD_BASIC_INFORMATION, Priority, 40);
OFF(THREAD_BASIC_INFORMATION, BasePriority, 44);

SIZE(KERNEL_USER_TIMES, 32);
OFF(KERNEL_USER_TIMES, CreateTime, 0);
OFF(KERNEL_USER_TIMES, ExitTime, 8);
OFF(KERNEL_USER_TIMES, KernelTime, 16);
OFF(KERNEL_USER_TIMES, UserTime, 24);

SIZE(VM_COUNTERS, 88);
OFF(VM_COUNTERS, PeakVirtualSize, 0);
OFF(VM_COUNTERS, VirtualSize, 8);
OFF(VM_COUNTERS, PageFaultCount, 16);
OFF(VM_COUNTERS, PeakWorkingSetSize, 24);
OFF(VM_COUNTERS, WorkingSetSize, 32);
OFF(VM_COUNTERS, QuotaPeakPagedPoolUsage, 40);
OFF(VM_COUNTERS, QuotaPagedPoolUsage, 48);
OFF(VM_COUNTERS, QuotaPeakNonPagedPoolUsage, 56);
OFF(VM_COUNTERS, QuotaNonPagedPoolUsage, 64);
OFF(VM_COUNTERS, PagefileUsage, 72);
OFF(VM_COUNTERS, PeakPagefileUsage, 80);

SIZE(VM_COUNTERS_EX, 96);
OFF(VM_COUNTERS_EX, PageFaultCount, 16);
OFF(VM_COUNTERS_EX, PeakPagefileUsage, 80);
OFF(VM_COUNTERS_EX, PrivateUsage, 88);

SIZE(QUOTA_LIMITS_EX, 88);
OFF(QUOTA_LIMITS_EX, MinimumWorkingSetSize, 16);
OFF(QUOTA_LIMITS_EX, MaximumWorkingSetSize, 24);
OFF(QUOTA_LIMITS_EX, WorkingSetLimit, 48);
OFF(QUOTA_LIMITS_EX, Flags, 80);
OFF(QUOTA_LIMITS_EX, CpuRateLimit, 84);
VAL(QUOTA_LIMITS_HARDWS_MIN_ENABLE, 1);
VAL(QUOTA_LIMITS_HARDWS_MIN_DISABLE, 2);
VAL(QUOTA_LIMITS_HARDWS_MAX_ENABLE, 4);
VAL(QUOTA_LIMITS_HARDWS_MAX_DISABLE, 8);
VAL(QUOTA_LIMITS_USE_DEFAULT_LIMITS, 0x10);
VAL(ProcessQuotaLimits, 1);
SIZE(QUOTA_LIMITS, 48);
OFF(QUOTA_LIMITS, PagefileLimit, 32);
OFF(QUOTA_LIMITS, TimeLimit, 40);

SIZE(IO_COUNTERS, 48);
OFF(IO_COUNTERS, OtherTransferCount, 40);

SIZE(POOLED_USAGE_AND_LIMITS, 72);
OFF(POOLED_USAGE_AND_LIMITS, PagefileLimit, 64);

SIZE(PROCESS_PRIORITY_CLASS, 2);
OFF(PROCESS_PRIORITY_CLASS, PriorityClass, 1);
SIZE(PROCESS_SESSION_INFORMATION, 4);

/* ---- Job objects -------------------------------------------------------- */

SIZE(JOBOBJECT_BASIC_ACCOUNTING_INFORMATION, 48);
OFF(JOBOBJECT_BASIC_ACCOUNTING_INFORMATION, TotalPageFaultCount, 32);
OFF(JOBOBJECT_BASIC_ACCOUNTING_INFORMATION, TotalTerminatedProcesses, 44);

SIZE(JOBOBJECT_BASIC_LIMIT_INFORMATION, 64);
OFF(JOBOBJECT_BASIC_LIMIT_INFORMATION, PerProcessUserTimeLimit, 0);
OFF(JOBOBJECT_BASIC_LIMIT_INFORMATION, PerJobUserTimeLimit, 8);
OFF(JOBOBJECT_BASIC_LIMIT_INFORMATION, LimitFlags, 16);
OFF(JOBOBJECT_BASIC_LIMIT_INFORMATION, MinimumWorkingSetSize, 24);
OFF(JOBOBJECT_BASIC_LIMIT_INFORMATION, MaximumWorkingSetSize, 32);
OFF(JOBOBJECT_BASIC_LIMIT_INFORMATION, ActiveProcessLimit, 40);
OFF(JOBOBJECT_BASIC_LIMIT_INFORMATION, Affinity, 48);
OFF(JOBOBJECT_BASIC_LIMIT_INFORMATION, PriorityClass, 56);
OFF(JOBOBJECT_BASIC_LIMIT_INFORMATION, SchedulingClass, 60);

SIZE(JOBOBJECT_EXTENDED_LIMIT_INFORMATION, 144);
OFF(JOBOBJECT_EXTENDED_LIMIT_INFORMATION, IoInfo, 64);
OFF(JOBOBJECT_EXTENDED_LIMIT_INFORMATION, ProcessMemoryLimit, 112);
OFF(JOBOBJECT_EXTENDED_LIMIT_INFORMATION, JobMemoryLimit, 120);
OFF(JOBOBJECT_EXTENDED_LIMIT_INFORMATION, PeakProcessMemoryUsed, 128);
OFF(JOBOBJECT_EXTENDED_LIMIT_INFORMATION, PeakJobMemoryUsed, 136);

SIZE(JOBOBJECT_BASIC_PROCESS_ID_LIST, 16);
OFF(JOBOBJECT_BASIC_PROCESS_ID_LIST, ProcessIdList, 8);
SIZE(JOBOBJECT_BASIC_UI_RESTRICTIONS, 4);
SIZE(JOBOBJECT_END_OF_JOB_TIME_INFORMATION, 4);
SIZE(JOBOBJECT_ASSOCIATE_COMPLETION_PORT, 16);
SIZE(JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION, 96);
OFF(JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION, IoInfo, 48);
SIZE(JOBOBJECT_JOBSET_INFORMATION, 4);
SIZE(JOBOBJECT_NTX_CGROUP_INFORMATION, 32);
OFF(JOBOBJECT_NTX_CGROUP_INFORMATION, Flags, 16);
OFF(JOBOBJECT_NTX_CGROUP_INFORMATION, PidsMax, 24);

/* ---- AMD64 CONTEXT ------------------------------------------------------ */

SIZE(M128A, 16);
ALIGN(M128A, 16);
SIZE(XMM_SAVE_AREA32, 512);
OFF(XMM_SAVE_AREA32, MxCsr, 24);
OFF(XMM_SAVE_AREA32, FloatRegisters, 32);
OFF(XMM_SAVE_AREA32, XmmRegisters, 160);
OFF(XMM_SAVE_AREA32, Reserved4, 416);

SIZE(CONTEXT, 1232);          /* 0x4D0 */
ALIGN(CONTEXT, 16);
OFF(CONTEXT, P1Home, 0x00);
OFF(CONTEXT, P6Home, 0x28);
OFF(CONTEXT, ContextFlags, 0x30);
OFF(CONTEXT, MxCsr, 0x34);
OFF(CONTEXT, SegCs, 0x38);
OFF(CONTEXT, SegDs, 0x3A);
OFF(CONTEXT, SegEs, 0x3C);
OFF(CONTEXT, SegFs, 0x3E);
OFF(CONTEXT, SegGs, 0x40);
OFF(CONTEXT, SegSs, 0x42);
OFF(CONTEXT, EFlags, 0x44);
OFF(CONTEXT, Dr0, 0x48);
OFF(CONTEXT, Dr3, 0x60);
OFF(CONTEXT, Dr6, 0x68);
OFF(CONTEXT, Dr7, 0x70);
OFF(CONTEXT, Rax, 0x78);
OFF(CONTEXT, Rcx, 0x80);
OFF(CONTEXT, Rdx, 0x88);
OFF(CONTEXT, Rbx, 0x90);
OFF(CONTEXT, Rsp, 0x98);
OFF(CONTEXT, Rbp, 0xA0);
OFF(CONTEXT, Rsi, 0xA8);
OFF(CONTEXT, Rdi, 0xB0);
OFF(CONTEXT, R8, 0xB8);
OFF(CONTEXT, R15, 0xF0);
OFF(CONTEXT, Rip, 0xF8);
OFF(CONTEXT, FltSave, 0x100);
OFF(CONTEXT, Header, 0x100);
OFF(CONTEXT, Legacy, 0x120);
OFF(CONTEXT, Xmm0, 0x1A0);
OFF(CONTEXT, Xmm15, 0x290);
OFF(CONTEXT, VectorRegister, 0x300);
OFF(CONTEXT, VectorControl, 0x4A0);
OFF(CONTEXT, DebugControl, 0x4A8);
OFF(CONTEXT, LastBranchToRip, 0x4B0);
OFF(CONTEXT, LastBranchFromRip, 0x4B8);
OFF(CONTEXT, LastExceptionToRip, 0x4C0);
OFF(CONTEXT, LastExceptionFromRip, 0x4C8);

VAL(CONTEXT_CONTROL, 0x00100001);
VAL(CONTEXT_INTEGER, 0x00100002);
VAL(CONTEXT_SEGMENTS, 0x00100004);
VAL(CONTEXT_FLOATING_POINT, 0x00100008);
VAL(CONTEXT_DEBUG_REGISTERS, 0x00100010);
VAL(CONTEXT_FULL, 0x0010000B);
VAL(CONTEXT_ALL, 0x0010001F);
VAL(CONTEXT_XSTATE, 0x00100040);
VAL(XSTATE_AVX, 2);
VAL(XSTATE_MASK_LEGACY, 3);
VAL(XSTATE_MASK_AVX, 4);
SIZE(CONTEXT_CHUNK, 8);
SIZE(CONTEXT_EX, 24);
OFF(CONTEXT_EX, Legacy, 8);
OFF(CONTEXT_EX, XState, 16);
SIZE(XSAVE_AREA_HEADER, 64);
OFF(XSAVE_AREA_HEADER, CompactionMask, 8);

/* ---- Composite constants ------------------------------------------------ */

VAL(STANDARD_RIGHTS_REQUIRED, 0x000F0000);
VAL(PROCESS_ALL_ACCESS, 0x001FFFFF);
VAL(THREAD_ALL_ACCESS, 0x001FFFFF);
VAL(JOB_OBJECT_ALL_ACCESS, 0x001F003F);
VAL(SECTION_ALL_ACCESS, 0x000F001F);
VAL(EVENT_ALL_ACCESS, 0x001F0003);
VAL(SEMAPHORE_ALL_ACCESS, 0x001F0003);
VAL(MUTANT_ALL_ACCESS, 0x001F0001);
VAL(MEM_64K_PAGES, 0x20400000);
VAL(MEM_IMAGE, 0x01000000);
VAL(SEC_IMAGE_NO_EXECUTE, 0x11000000);
VAL(OBJ_VALID_ATTRIBUTES, 0x00001FF2);

/* ---- NTSTATUS classes ---------------------------------------------------- */

VAL(NT_SUCCESS(STATUS_SUCCESS), 1);
VAL(NT_SUCCESS(STATUS_PENDING), 1);
VAL(NT_SUCCESS(STATUS_OBJECT_NAME_EXISTS), 1);
VAL(NT_SUCCESS(STATUS_BUFFER_OVERFLOW), 0);
VAL(NT_SUCCESS(STATUS_ACCESS_VIOLATION), 0);
VAL(NT_INFORMATION(STATUS_OBJECT_NAME_EXISTS), 1);
VAL(NT_WARNING(STATUS_BUFFER_OVERFLOW), 1);
VAL(NT_ERROR(STATUS_ACCESS_VIOLATION), 1);
VAL(NT_ERROR(STATUS_SUCCESS), 0);
VAL(STATUS_ACCESS_VIOLATION < 0, 1);
VAL(STATUS_WAIT_63, STATUS_WAIT_0 + 63);
VAL(STATUS_ABANDONED_WAIT_63, STATUS_ABANDONED_WAIT_0 + 63);
VAL(STATUS_INVALID_PARAMETER_12, STATUS_INVALID_PARAMETER_1 + 11);

/* ---- Enumerations -------------------------------------------------------- */

VAL(WaitAll, 0);
VAL(WaitAny, 1);
VAL(WaitDpc, 4);
VAL(ViewShare, 1);
VAL(ViewUnmap, 2);
VAL(MemoryBasicInformation, 0);
VAL(MemoryMappedFilenameInformation, 2);
VAL(MemoryRegionInformation, 3);
VAL(MemoryRegionInformationEx, 7);
VAL(MemoryWorkingSetExInformation, 4);
VAL(SectionBasicInformation, 0);
VAL(ProcessBasicInformation, 0);
VAL(ProcessVmCounters, 3);
VAL(ProcessTimes, 4);
VAL(ProcessDebugPort, 7);
VAL(ProcessHandleCount, 20);
VAL(ProcessAffinityMask, 21);
VAL(ProcessWow64Information, 26);
VAL(ProcessImageFileName, 27);
VAL(ProcessBreakOnTermination, 29);
VAL(ProcessImageFileNameWin32, 43);
VAL(ProcessCommandLineInformation, 60);
VAL(ProcessTelemetryIdInformation, 64);
VAL(ProcessSubsystemInformation, 75);
VAL(ThreadBasicInformation, 0);
VAL(ThreadTimes, 1);
VAL(ThreadQuerySetWin32StartAddress, 9);
VAL(ThreadHideFromDebugger, 17);
VAL(ThreadIsTerminated, 20);
VAL(ThreadSuspendCount, 35);
VAL(ThreadNameInformation, 38);
VAL(JobObjectBasicAccountingInformation, 1);
VAL(JobObjectBasicLimitInformation, 2);
VAL(JobObjectBasicProcessIdList, 3);
VAL(JobObjectExtendedLimitInformation, 9);
VAL(JobObjectGroupInformation, 11);

/* Enums are int-sized, as with MSVC. */
SIZE(PROCESSINFOCLASS, 4);
SIZE(THREADINFOCLASS, 4);
SIZE(MEMORY_INFORMATION_CLASS, 4);
SIZE(SECTION_INHERIT, 4);
SIZE(WAIT_TYPE, 4);
SIZE(JOBOBJECTINFOCLASS, 4);

/* ---- Pseudo handles ------------------------------------------------------ */

/* ((HANDLE)(LONG_PTR)-1) and -2; a pointer value is not an integer constant
 * expression, so only the type is checked here. */
_Static_assert(_Generic(NtCurrentProcess(), HANDLE: 1, default: 0),
               "NtCurrentProcess() is not a HANDLE");
_Static_assert(_Generic(NtCurrentThread(), HANDLE: 1, default: 0),
               "NtCurrentThread() is not a HANDLE");

/* ---- ioctl ABI: virtual memory (uapi/ntexec.h) ---------------------------- */

/* Fixed-width fields only: no pointer, no long, no implicit padding. */
SIZE(struct ntexec_vm_range, 40);
OFF(struct ntexec_vm_range, process, 0);
OFF(struct ntexec_vm_range, base, 8);
OFF(struct ntexec_vm_range, size, 16);
OFF(struct ntexec_vm_range, zero_bits, 24);
OFF(struct ntexec_vm_range, type, 32);
OFF(struct ntexec_vm_range, protect, 36);

SIZE(struct ntexec_vm_query, 48);
OFF(struct ntexec_vm_query, process, 0);
OFF(struct ntexec_vm_query, address, 8);
OFF(struct ntexec_vm_query, buffer, 16);
OFF(struct ntexec_vm_query, length, 24);
OFF(struct ntexec_vm_query, return_length, 32);
OFF(struct ntexec_vm_query, info_class, 40);
OFF(struct ntexec_vm_query, pad, 44);

SIZE(struct ntexec_vm_copy, 40);
OFF(struct ntexec_vm_copy, process, 0);
OFF(struct ntexec_vm_copy, address, 8);
OFF(struct ntexec_vm_copy, buffer, 16);
OFF(struct ntexec_vm_copy, size, 24);
OFF(struct ntexec_vm_copy, done, 32);

SIZE(struct ntexec_write_watch, 48);
OFF(struct ntexec_write_watch, process, 0);
OFF(struct ntexec_write_watch, base, 8);
OFF(struct ntexec_write_watch, size, 16);
OFF(struct ntexec_write_watch, addresses, 24);
OFF(struct ntexec_write_watch, count, 32);
OFF(struct ntexec_write_watch, flags, 40);
OFF(struct ntexec_write_watch, granularity, 44);

SIZE(struct ntexec_exception, 16);
OFF(struct ntexec_exception, code, 0);
OFF(struct ntexec_exception, access, 4);
OFF(struct ntexec_exception, address, 8);

SIZE(struct ntexec_create_section, 64);
OFF(struct ntexec_create_section, file, 32);
OFF(struct ntexec_create_section, allocation_attributes, 56);
SIZE(struct ntexec_map_view, 72);
SIZE(struct ntexec_extend_section, 16);
SIZE(struct ntexec_handle_from_fd, 16);
SIZE(struct ntexec_same_file, 16);
SIZE(SECTION_IMAGE_INFORMATION, 0x40);
OFF(SECTION_IMAGE_INFORMATION, MaximumStackSize, 0x10);
OFF(SECTION_IMAGE_INFORMATION, SubSystemType, 0x20);
OFF(SECTION_IMAGE_INFORMATION, MajorOperatingSystemVersion, 0x28);
OFF(SECTION_IMAGE_INFORMATION, ImageCharacteristics, 0x2c);
OFF(SECTION_IMAGE_INFORMATION, Machine, 0x30);
OFF(SECTION_IMAGE_INFORMATION, ImageContainsCode, 0x32);
OFF(SECTION_IMAGE_INFORMATION, LoaderFlags, 0x34);
OFF(SECTION_IMAGE_INFORMATION, ImageFileSize, 0x38);
OFF(SECTION_IMAGE_INFORMATION, CheckSum, 0x3c);
OFF(struct ntexec_handle_from_fd, fd, 8);
OFF(struct ntexec_handle_from_fd, access, 12);

/* The ioctl numbers: NTEXEC_IOC_BASE + n, _IOWR with the struct's size. */
VAL(_IOC_NR(NTEXEC_IOC_ALLOCATE_VM), 0xA0 + 14);
VAL(_IOC_NR(NTEXEC_IOC_FREE_VM), 0xA0 + 15);
VAL(_IOC_NR(NTEXEC_IOC_PROTECT_VM), 0xA0 + 16);
VAL(_IOC_NR(NTEXEC_IOC_QUERY_VM), 0xA0 + 17);
VAL(_IOC_NR(NTEXEC_IOC_READ_VM), 0xA0 + 18);
VAL(_IOC_NR(NTEXEC_IOC_WRITE_VM), 0xA0 + 19);
VAL(_IOC_NR(NTEXEC_IOC_LOCK_VM), 0xA0 + 20);
VAL(_IOC_NR(NTEXEC_IOC_UNLOCK_VM), 0xA0 + 21);
VAL(_IOC_NR(NTEXEC_IOC_FLUSH_VM), 0xA0 + 22);
VAL(_IOC_NR(NTEXEC_IOC_GET_WRITE_WATCH), 0xA0 + 23);
VAL(_IOC_NR(NTEXEC_IOC_RESET_WRITE_WATCH), 0xA0 + 24);
VAL(_IOC_NR(NTEXEC_IOC_GET_EXCEPTION), 0xA0 + 25);
VAL(_IOC_NR(NTEXEC_IOC_CREATE_SECTION), 0xA0 + 26);
VAL(_IOC_NR(NTEXEC_IOC_EXTEND_SECTION), 0xA0 + 31);
VAL(_IOC_NR(NTEXEC_IOC_HANDLE_FROM_FD), 0xA0 + 32);
VAL(_IOC_NR(NTEXEC_IOC_SAME_FILE), 0xA0 + 33);
VAL(_IOC_NR(NTEXEC_IOC_SET_PROCESS), 0xA0 + 41);
VAL(_IOC_NR(NTEXEC_IOC_SET_THREAD), 0xA0 + 42);
VAL(_IOC_NR(NTEXEC_IOC_CREATE_THREAD), 0xA0 + 43);
VAL(_IOC_NR(NTEXEC_IOC_QUEUE_APC), 0xA0 + 44);
VAL(_IOC_NR(NTEXEC_IOC_TAKE_APCS), 0xA0 + 45);
VAL(_IOC_NR(NTEXEC_IOC_HOST), 0xA0 + 46);
VAL(_IOC_NR(NTEXEC_IOC_CLAIM_HOST), 0xA0 + 47);
VAL(sizeof(struct ntexec_create_thread), 96);
VAL(sizeof(struct ntexec_apc), 40);
VAL(sizeof(struct ntexec_queue_apc), 48);
VAL(sizeof(struct ntexec_take_apcs), 16);
VAL(sizeof(struct ntexec_host), 8);
VAL(sizeof(struct ntexec_claim_host), 32);
VAL(THREAD_CREATE_FLAGS_CREATE_SUSPENDED, 0x1);
VAL(THREAD_CREATE_FLAGS_SKIP_THREAD_ATTACH, 0x2);
VAL(THREAD_CREATE_FLAGS_HIDE_FROM_DEBUGGER, 0x4);
VAL(THREAD_CREATE_FLAGS_LOADER_WORKER, 0x10);
VAL(THREAD_CREATE_FLAGS_SKIP_LOADER_INIT, 0x20);
VAL(THREAD_CREATE_FLAGS_BYPASS_PROCESS_FREEZE, 0x40);
VAL(PROCESS_CREATE_FLAGS_BREAKAWAY, 0x1);
VAL(PROCESS_CREATE_FLAGS_NO_DEBUG_INHERIT, 0x2);
VAL(PROCESS_CREATE_FLAGS_INHERIT_HANDLES, 0x4);
VAL(PS_ATTRIBUTE_CLIENT_ID, 0x10003);
VAL(PS_ATTRIBUTE_TEB_ADDRESS, 0x10004);
SIZE(PS_ATTRIBUTE, 32);
OFF(PS_ATTRIBUTE, ReturnLength, 24);
OFF(PS_ATTRIBUTE_LIST, Attributes, 8);
VAL(_IOC_SIZE(NTEXEC_IOC_ALLOCATE_VM), 40);
VAL(_IOC_SIZE(NTEXEC_IOC_QUERY_VM), 48);
VAL(_IOC_SIZE(NTEXEC_IOC_READ_VM), 40);
VAL(_IOC_SIZE(NTEXEC_IOC_GET_WRITE_WATCH), 48);
VAL(_IOC_SIZE(NTEXEC_IOC_GET_EXCEPTION), 16);
VAL(_IOC_DIR(NTEXEC_IOC_GET_EXCEPTION), _IOC_READ | _IOC_WRITE);

/* Jobs and I/O completion objects, Windows' x64 layouts. */
SIZE(JOBOBJECT_BASIC_ACCOUNTING_INFORMATION, 48);
SIZE(JOBOBJECT_BASIC_LIMIT_INFORMATION, 64);
OFF(JOBOBJECT_BASIC_LIMIT_INFORMATION, LimitFlags, 16);
OFF(JOBOBJECT_BASIC_LIMIT_INFORMATION, ActiveProcessLimit, 40);
OFF(JOBOBJECT_BASIC_LIMIT_INFORMATION, Affinity, 48);
OFF(JOBOBJECT_BASIC_LIMIT_INFORMATION, PriorityClass, 56);
SIZE(IO_COUNTERS, 48);
SIZE(JOBOBJECT_EXTENDED_LIMIT_INFORMATION, 144);
OFF(JOBOBJECT_EXTENDED_LIMIT_INFORMATION, ProcessMemoryLimit, 112);
SIZE(JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION, 96);
SIZE(JOBOBJECT_BASIC_PROCESS_ID_LIST, 16);
OFF(JOBOBJECT_BASIC_PROCESS_ID_LIST, ProcessIdList, 8);
SIZE(JOBOBJECT_ASSOCIATE_COMPLETION_PORT, 16);
SIZE(JOBOBJECT_END_OF_JOB_TIME_INFORMATION, 4);
SIZE(FILE_IO_COMPLETION_INFORMATION, 32);
OFF(FILE_IO_COMPLETION_INFORMATION, IoStatusBlock, 16);
SIZE(IO_COMPLETION_BASIC_INFORMATION, 4);
VAL(JOB_OBJECT_MSG_NEW_PROCESS, 6);
VAL(JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT, 3);
VAL(IO_COMPLETION_ALL_ACCESS, 0x1F0003);
VAL(STATUS_PROCESS_IN_JOB, 0x124);
VAL(_IOC_NR(NTEXEC_IOC_CREATE_IO_COMPLETION), 0xA0 + 48);
VAL(_IOC_NR(NTEXEC_IOC_QUERY_IO_COMPLETION), 0xA0 + 52);
VAL(_IOC_NR(NTEXEC_IOC_CREATE_JOB), 0xA0 + 53);
VAL(_IOC_NR(NTEXEC_IOC_SET_JOB), 0xA0 + 59);
VAL(_IOC_NR(NTEXEC_IOC_SYSTEM_INFO), 0xA0 + 60);
VAL(_IOC_NR(NTEXEC_IOC_CREATE_PAGING_FILE), 0xA0 + 61);
VAL(NTEXEC_IOC_COUNT, 62);
SIZE(struct ntexec_system_info, 24);
SIZE(struct ntexec_create_paging_file, 40);

/* ---- System information ------------------------------------------------ */
VAL(SystemBasicInformation, 0);
VAL(SystemProcessInformation, 5);
VAL(SystemMemoryListInformation, 80);
VAL(SystemMemoryUsageInformation, 182);
VAL(MemoryEmptyWorkingSets, 2);
VAL(MemoryCommandMax, 6);
SIZE(SYSTEM_BASIC_INFORMATION, 64);
OFF(SYSTEM_BASIC_INFORMATION, TimerResolution, 4);
OFF(SYSTEM_BASIC_INFORMATION, AllocationGranularity, 24);
OFF(SYSTEM_BASIC_INFORMATION, MinimumUserModeAddress, 32);
OFF(SYSTEM_BASIC_INFORMATION, ActiveProcessorsAffinityMask, 48);
OFF(SYSTEM_BASIC_INFORMATION, NumberOfProcessors, 56);
VAL(SystemPerformanceInformation, 2);
VAL(SystemPageFileInformation, 18);
SIZE(SYSTEM_PAGEFILE_INFORMATION, 32);
OFF(SYSTEM_PAGEFILE_INFORMATION, PeakUsage, 12);
OFF(SYSTEM_PAGEFILE_INFORMATION, PageFileName, 16);
SIZE(SYSTEM_PERFORMANCE_INFORMATION, 0x158);
OFF(SYSTEM_PERFORMANCE_INFORMATION, AvailablePages, 0x2c);
OFF(SYSTEM_PERFORMANCE_INFORMATION, PageFaultCount, 0x3c);
OFF(SYSTEM_PERFORMANCE_INFORMATION, DemandZeroCount, 0x4c);
OFF(SYSTEM_PERFORMANCE_INFORMATION, ContextSwitches, 0x128);
OFF(SYSTEM_PERFORMANCE_INFORMATION, CcTotalDirtyPages, 0x138);
OFF(SYSTEM_PERFORMANCE_INFORMATION, ResidentAvailablePages, 0x148);
SIZE(SYSTEM_MEMORY_LIST_INFORMATION, 176);
OFF(SYSTEM_MEMORY_LIST_INFORMATION, ModifiedPageCount, 16);
OFF(SYSTEM_MEMORY_LIST_INFORMATION, PageCountByPriority, 40);
OFF(SYSTEM_MEMORY_LIST_INFORMATION, RepurposedPagesByPriority, 104);
OFF(SYSTEM_MEMORY_LIST_INFORMATION, ModifiedPageCountPageFile, 168);
SIZE(SYSTEM_MEMORY_USAGE_INFORMATION, 56);
OFF(SYSTEM_MEMORY_USAGE_INFORMATION, CommittedBytes, 24);
OFF(SYSTEM_MEMORY_USAGE_INFORMATION, PeakCommitmentBytes, 48);

/* The events family: commands, attributes and groups are numbered ABI. */
VAL(NTEXEC_GENL_VERSION, 1);
VAL(NTEXEC_GROUP_JOB, 3);
VAL(NTEXEC_GROUP_COUNT, 5);
VAL(NTEXEC_CMD_SUBSCRIBE, 1);
VAL(NTEXEC_CMD_JOB, 8);
VAL(NTEXEC_CMD_COMMIT_LIMIT, 9);
VAL(NTEXEC_CMD_WS_TRIM, 10);
VAL(NTEXEC_A_GROUPS, 2);
VAL(NTEXEC_A_JOB_MESSAGE, 13);
VAL(NTEXEC_A_JOB_KEY, 14);
VAL(NTEXEC_A_DROPPED, 15);
VAL(NTEXEC_A_WS_SIZE, 16);
