// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libntexec: the Microsoft x64 entry points NtxMs_<name> of the implemented
 * services, which <ntexec/nt.h> declares under the Nt* names when the
 * caller defines NTEXEC_MS_ABI (PE code, a PE loader's import table, code
 * built with NTAPI as __attribute__((ms_abi))).
 *
 * Each is a thin wrapper: the compiler receives the arguments the Microsoft
 * way (RCX, RDX, R8, R9, then the stack above the 32-byte home area), saves
 * the registers that are callee-saved there but not in System V (RSI, RDI,
 * XMM6-XMM15) and calls the System V function.
 *
 * Each wrapper is first declared as __typeof__ the System V function with
 * the ms_abi attribute added, so its definition must repeat the exact
 * prototype of <ntexec/nt.h> or the build fails; the header declares the
 * ms_abi names with the very same prototypes. tests/header-check.sh
 * links every implemented service in both modes, so a service without its
 * wrapper here fails `make user`.
 */
#include "internal.h"

#define NTX_MS_ABI __attribute__((ms_abi))

#define NTX_MS_ENTRY(name, params, args)				\
	NTX_EXPORT NTX_MS_ABI __typeof__(name) NtxMs_##name;		\
	NTSTATUS NTX_MS_ABI NtxMs_##name params				\
	{								\
		return name args;					\
	}

/* The same for a function that returns another type. */
#define NTX_MS_ENTRY_T(type, name, params, args)			\
	NTX_EXPORT NTX_MS_ABI __typeof__(name) NtxMs_##name;		\
	type NTX_MS_ABI NtxMs_##name params				\
	{								\
		return name args;					\
	}

/* Objects, handles and waits (ob.c) */
NTX_MS_ENTRY(NtClose, (HANDLE Handle), (Handle))
NTX_MS_ENTRY(NtDuplicateObject,
	     (HANDLE SourceProcessHandle, HANDLE SourceHandle, HANDLE TargetProcessHandle,
	      PHANDLE TargetHandle, ACCESS_MASK DesiredAccess, ULONG HandleAttributes,
	      ULONG Options),
	     (SourceProcessHandle, SourceHandle, TargetProcessHandle, TargetHandle,
	      DesiredAccess, HandleAttributes, Options))
NTX_MS_ENTRY(NtWaitForSingleObject,
	     (HANDLE Handle, BOOLEAN Alertable, PLARGE_INTEGER Timeout),
	     (Handle, Alertable, Timeout))
NTX_MS_ENTRY(NtWaitForMultipleObjects,
	     (ULONG Count, HANDLE Handles[], WAIT_TYPE WaitType, BOOLEAN Alertable,
	      PLARGE_INTEGER Timeout),
	     (Count, Handles, WaitType, Alertable, Timeout))
NTX_MS_ENTRY(NtDelayExecution, (BOOLEAN Alertable, PLARGE_INTEGER DelayInterval),
	     (Alertable, DelayInterval))

/* Processes and threads (process.c) */
NTX_MS_ENTRY(NtOpenProcess,
	     (PHANDLE ProcessHandle, ACCESS_MASK DesiredAccess,
	      POBJECT_ATTRIBUTES ObjectAttributes, PCLIENT_ID ClientId),
	     (ProcessHandle, DesiredAccess, ObjectAttributes, ClientId))
NTX_MS_ENTRY(NtOpenThread,
	     (PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
	      POBJECT_ATTRIBUTES ObjectAttributes, PCLIENT_ID ClientId),
	     (ThreadHandle, DesiredAccess, ObjectAttributes, ClientId))
NTX_MS_ENTRY(NtQueryInformationProcess,
	     (HANDLE ProcessHandle, PROCESSINFOCLASS ProcessInformationClass,
	      PVOID ProcessInformation, ULONG ProcessInformationLength, PULONG ReturnLength),
	     (ProcessHandle, ProcessInformationClass, ProcessInformation,
	      ProcessInformationLength, ReturnLength))
NTX_MS_ENTRY(NtQueryInformationThread,
	     (HANDLE ThreadHandle, THREADINFOCLASS ThreadInformationClass,
	      PVOID ThreadInformation, ULONG ThreadInformationLength, PULONG ReturnLength),
	     (ThreadHandle, ThreadInformationClass, ThreadInformation,
	      ThreadInformationLength, ReturnLength))
NTX_MS_ENTRY(NtSetInformationProcess,
	     (HANDLE ProcessHandle, PROCESSINFOCLASS ProcessInformationClass,
	      PVOID ProcessInformation, ULONG ProcessInformationLength),
	     (ProcessHandle, ProcessInformationClass, ProcessInformation,
	      ProcessInformationLength))
NTX_MS_ENTRY(NtSetInformationThread,
	     (HANDLE ThreadHandle, THREADINFOCLASS ThreadInformationClass,
	      PVOID ThreadInformation, ULONG ThreadInformationLength),
	     (ThreadHandle, ThreadInformationClass, ThreadInformation,
	      ThreadInformationLength))
NTX_MS_ENTRY(NtYieldExecution, (VOID), ())
NTX_MS_ENTRY(NtTerminateProcess, (HANDLE ProcessHandle, NTSTATUS ExitStatus),
	     (ProcessHandle, ExitStatus))
NTX_MS_ENTRY(NtTerminateThread, (HANDLE ThreadHandle, NTSTATUS ExitStatus),
	     (ThreadHandle, ExitStatus))
NTX_MS_ENTRY(NtGetNextProcess,
	     (HANDLE ProcessHandle, ACCESS_MASK DesiredAccess, ULONG HandleAttributes,
	      ULONG Flags, PHANDLE NewProcessHandle),
	     (ProcessHandle, DesiredAccess, HandleAttributes, Flags, NewProcessHandle))
NTX_MS_ENTRY(NtGetNextThread,
	     (HANDLE ProcessHandle, HANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
	      ULONG HandleAttributes, ULONG Flags, PHANDLE NewThreadHandle),
	     (ProcessHandle, ThreadHandle, DesiredAccess, HandleAttributes, Flags,
	      NewThreadHandle))
NTX_MS_ENTRY(NtAlertThread, (HANDLE ThreadHandle), (ThreadHandle))
NTX_MS_ENTRY(NtTestAlert, (VOID), ())

/* An APC queued from Microsoft x64 code is called that way. */
NTX_EXPORT NTX_MS_ABI __typeof__(NtQueueApcThread) NtxMs_NtQueueApcThread;
NTSTATUS NTX_MS_ABI NtxMs_NtQueueApcThread(HANDLE ThreadHandle, PPS_APC_ROUTINE ApcRoutine,
					   PVOID ApcArgument1, PVOID ApcArgument2,
					   PVOID ApcArgument3)
{
	return ntx_queue_apc(ThreadHandle, ApcRoutine, ApcArgument1, ApcArgument2,
			     ApcArgument3, 1);
}

/* Process creation (create.c) */
NTX_MS_ENTRY(NtCreateProcessEx,
	     (PHANDLE ProcessHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
	      HANDLE ParentProcess, ULONG Flags, HANDLE SectionHandle, HANDLE DebugPort,
	      HANDLE TokenHandle, ULONG Reserved),
	     (ProcessHandle, DesiredAccess, ObjectAttributes, ParentProcess, Flags, SectionHandle,
	      DebugPort, TokenHandle, Reserved))

/* Thread control (thread.c) */
NTX_MS_ENTRY(NtCreateThreadEx,
	     (PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
	      HANDLE ProcessHandle, PUSER_THREAD_START_ROUTINE StartRoutine, PVOID Argument,
	      ULONG CreateFlags, SIZE_T ZeroBits, SIZE_T StackSize, SIZE_T MaximumStackSize,
	      PPS_ATTRIBUTE_LIST AttributeList),
	     (ThreadHandle, DesiredAccess, ObjectAttributes, ProcessHandle, StartRoutine,
	      Argument, CreateFlags, ZeroBits, StackSize, MaximumStackSize, AttributeList))
NTX_MS_ENTRY(NtSuspendThread, (HANDLE ThreadHandle, PULONG PreviousSuspendCount),
	     (ThreadHandle, PreviousSuspendCount))
NTX_MS_ENTRY(NtResumeThread, (HANDLE ThreadHandle, PULONG PreviousSuspendCount),
	     (ThreadHandle, PreviousSuspendCount))
NTX_MS_ENTRY(NtAlertResumeThread, (HANDLE ThreadHandle, PULONG PreviousSuspendCount),
	     (ThreadHandle, PreviousSuspendCount))
NTX_MS_ENTRY(NtSuspendProcess, (HANDLE ProcessHandle), (ProcessHandle))
NTX_MS_ENTRY(NtResumeProcess, (HANDLE ProcessHandle), (ProcessHandle))
NTX_MS_ENTRY(NtGetContextThread, (HANDLE ThreadHandle, PCONTEXT ThreadContext),
	     (ThreadHandle, ThreadContext))
NTX_MS_ENTRY(NtSetContextThread, (HANDLE ThreadHandle, PCONTEXT ThreadContext),
	     (ThreadHandle, ThreadContext))

/* Extended contexts (context.c) */
NTX_MS_ENTRY(RtlGetExtendedContextLength, (ULONG ContextFlags, PULONG ContextLength),
	     (ContextFlags, ContextLength))
NTX_MS_ENTRY(RtlInitializeExtendedContext,
	     (PVOID Context, ULONG ContextFlags, PCONTEXT_EX *ContextEx),
	     (Context, ContextFlags, ContextEx))
NTX_MS_ENTRY_T(PCONTEXT, RtlLocateLegacyContext, (PCONTEXT_EX ContextEx, PULONG Length),
	       (ContextEx, Length))
NTX_MS_ENTRY_T(PVOID, RtlLocateExtendedFeature,
	       (PCONTEXT_EX ContextEx, ULONG FeatureId, PULONG Length),
	       (ContextEx, FeatureId, Length))
NTX_MS_ENTRY_T(ULONG64, RtlGetExtendedFeaturesMask, (PCONTEXT_EX ContextEx), (ContextEx))
NTX_MS_ENTRY_T(ULONG64, RtlGetEnabledExtendedFeatures, (ULONG64 FeatureMask), (FeatureMask))

NTX_EXPORT NTX_MS_ABI __typeof__(RtlSetExtendedFeaturesMask) NtxMs_RtlSetExtendedFeaturesMask;
VOID NTX_MS_ABI NtxMs_RtlSetExtendedFeaturesMask(PCONTEXT_EX ContextEx, ULONG64 FeatureMask)
{
	RtlSetExtendedFeaturesMask(ContextEx, FeatureMask);
}

/* Virtual memory (vm.c) */
NTX_MS_ENTRY(NtAllocateVirtualMemory,
	     (HANDLE ProcessHandle, PVOID *BaseAddress, ULONG_PTR ZeroBits,
	      PSIZE_T RegionSize, ULONG AllocationType, ULONG Protect),
	     (ProcessHandle, BaseAddress, ZeroBits, RegionSize, AllocationType, Protect))
NTX_MS_ENTRY(NtFreeVirtualMemory,
	     (HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize, ULONG FreeType),
	     (ProcessHandle, BaseAddress, RegionSize, FreeType))
NTX_MS_ENTRY(NtProtectVirtualMemory,
	     (HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize,
	      ULONG NewProtect, PULONG OldProtect),
	     (ProcessHandle, BaseAddress, RegionSize, NewProtect, OldProtect))
NTX_MS_ENTRY(NtQueryVirtualMemory,
	     (HANDLE ProcessHandle, PVOID BaseAddress,
	      MEMORY_INFORMATION_CLASS MemoryInformationClass, PVOID MemoryInformation,
	      SIZE_T MemoryInformationLength, PSIZE_T ReturnLength),
	     (ProcessHandle, BaseAddress, MemoryInformationClass, MemoryInformation,
	      MemoryInformationLength, ReturnLength))
NTX_MS_ENTRY(NtReadVirtualMemory,
	     (HANDLE ProcessHandle, PVOID BaseAddress, PVOID Buffer, SIZE_T BufferSize,
	      PSIZE_T NumberOfBytesRead),
	     (ProcessHandle, BaseAddress, Buffer, BufferSize, NumberOfBytesRead))
NTX_MS_ENTRY(NtWriteVirtualMemory,
	     (HANDLE ProcessHandle, PVOID BaseAddress, PVOID Buffer, SIZE_T BufferSize,
	      PSIZE_T NumberOfBytesWritten),
	     (ProcessHandle, BaseAddress, Buffer, BufferSize, NumberOfBytesWritten))
NTX_MS_ENTRY(NtLockVirtualMemory,
	     (HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize, ULONG MapType),
	     (ProcessHandle, BaseAddress, RegionSize, MapType))
NTX_MS_ENTRY(NtUnlockVirtualMemory,
	     (HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize, ULONG MapType),
	     (ProcessHandle, BaseAddress, RegionSize, MapType))
NTX_MS_ENTRY(NtFlushVirtualMemory,
	     (HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize,
	      PIO_STATUS_BLOCK IoStatus),
	     (ProcessHandle, BaseAddress, RegionSize, IoStatus))
NTX_MS_ENTRY(NtGetWriteWatch,
	     (HANDLE ProcessHandle, ULONG Flags, PVOID BaseAddress, SIZE_T RegionSize,
	      PVOID *UserAddressArray, PULONG_PTR EntriesInUserAddressArray,
	      PULONG Granularity),
	     (ProcessHandle, Flags, BaseAddress, RegionSize, UserAddressArray,
	      EntriesInUserAddressArray, Granularity))
NTX_MS_ENTRY(NtResetWriteWatch,
	     (HANDLE ProcessHandle, PVOID BaseAddress, SIZE_T RegionSize),
	     (ProcessHandle, BaseAddress, RegionSize))

/* Sections (section.c) */
NTX_MS_ENTRY(NtCreateSection,
	     (PHANDLE SectionHandle, ACCESS_MASK DesiredAccess,
	      POBJECT_ATTRIBUTES ObjectAttributes, PLARGE_INTEGER MaximumSize,
	      ULONG SectionPageProtection, ULONG AllocationAttributes, HANDLE FileHandle),
	     (SectionHandle, DesiredAccess, ObjectAttributes, MaximumSize,
	      SectionPageProtection, AllocationAttributes, FileHandle))
NTX_MS_ENTRY(NtOpenSection,
	     (PHANDLE SectionHandle, ACCESS_MASK DesiredAccess,
	      POBJECT_ATTRIBUTES ObjectAttributes),
	     (SectionHandle, DesiredAccess, ObjectAttributes))
NTX_MS_ENTRY(NtMapViewOfSection,
	     (HANDLE SectionHandle, HANDLE ProcessHandle, PVOID *BaseAddress,
	      ULONG_PTR ZeroBits, SIZE_T CommitSize, PLARGE_INTEGER SectionOffset,
	      PSIZE_T ViewSize, SECTION_INHERIT InheritDisposition, ULONG AllocationType,
	      ULONG Win32Protect),
	     (SectionHandle, ProcessHandle, BaseAddress, ZeroBits, CommitSize, SectionOffset,
	      ViewSize, InheritDisposition, AllocationType, Win32Protect))
NTX_MS_ENTRY(NtUnmapViewOfSection, (HANDLE ProcessHandle, PVOID BaseAddress),
	     (ProcessHandle, BaseAddress))
NTX_MS_ENTRY(NtExtendSection, (HANDLE SectionHandle, PLARGE_INTEGER NewSectionSize),
	     (SectionHandle, NewSectionSize))
NTX_MS_ENTRY(NtAreMappedFilesTheSame, (PVOID File1MappedAsAnImage, PVOID File2MappedAsFile),
	     (File1MappedAsAnImage, File2MappedAsFile))
NTX_MS_ENTRY(NtQuerySection,
	     (HANDLE SectionHandle, SECTION_INFORMATION_CLASS SectionInformationClass,
	      PVOID SectionInformation, SIZE_T SectionInformationLength, PSIZE_T ReturnLength),
	     (SectionHandle, SectionInformationClass, SectionInformation,
	      SectionInformationLength, ReturnLength))

/* Jobs and I/O completion objects (job.c) */
NTX_MS_ENTRY(NtCreateJobObject,
	     (PHANDLE JobHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes),
	     (JobHandle, DesiredAccess, ObjectAttributes))
NTX_MS_ENTRY(NtOpenJobObject,
	     (PHANDLE JobHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes),
	     (JobHandle, DesiredAccess, ObjectAttributes))
NTX_MS_ENTRY(NtAssignProcessToJobObject, (HANDLE JobHandle, HANDLE ProcessHandle),
	     (JobHandle, ProcessHandle))
NTX_MS_ENTRY(NtTerminateJobObject, (HANDLE JobHandle, NTSTATUS ExitStatus),
	     (JobHandle, ExitStatus))
NTX_MS_ENTRY(NtIsProcessInJob, (HANDLE ProcessHandle, HANDLE JobHandle),
	     (ProcessHandle, JobHandle))
NTX_MS_ENTRY(NtQueryInformationJobObject,
	     (HANDLE JobHandle, JOBOBJECTINFOCLASS JobObjectInformationClass,
	      PVOID JobObjectInformation, ULONG JobObjectInformationLength, PULONG ReturnLength),
	     (JobHandle, JobObjectInformationClass, JobObjectInformation,
	      JobObjectInformationLength, ReturnLength))
NTX_MS_ENTRY(NtSetInformationJobObject,
	     (HANDLE JobHandle, JOBOBJECTINFOCLASS JobObjectInformationClass,
	      PVOID JobObjectInformation, ULONG JobObjectInformationLength),
	     (JobHandle, JobObjectInformationClass, JobObjectInformation,
	      JobObjectInformationLength))

/* System information (system.c) */
NTX_MS_ENTRY(NtQuerySystemInformation,
	     (SYSTEM_INFORMATION_CLASS SystemInformationClass, PVOID SystemInformation,
	      ULONG SystemInformationLength, PULONG ReturnLength),
	     (SystemInformationClass, SystemInformation, SystemInformationLength, ReturnLength))
NTX_MS_ENTRY(NtSetSystemInformation,
	     (SYSTEM_INFORMATION_CLASS SystemInformationClass, PVOID SystemInformation,
	      ULONG SystemInformationLength),
	     (SystemInformationClass, SystemInformation, SystemInformationLength))
NTX_MS_ENTRY(NtCreatePagingFile,
	     (PUNICODE_STRING PageFileName, PLARGE_INTEGER MinimumSize,
	      PLARGE_INTEGER MaximumSize, ULONG Priority),
	     (PageFileName, MinimumSize, MaximumSize, Priority))
NTX_MS_ENTRY(NtCreateIoCompletion,
	     (PHANDLE IoCompletionHandle, ACCESS_MASK DesiredAccess,
	      POBJECT_ATTRIBUTES ObjectAttributes, ULONG NumberOfConcurrentThreads),
	     (IoCompletionHandle, DesiredAccess, ObjectAttributes, NumberOfConcurrentThreads))
NTX_MS_ENTRY(NtOpenIoCompletion,
	     (PHANDLE IoCompletionHandle, ACCESS_MASK DesiredAccess,
	      POBJECT_ATTRIBUTES ObjectAttributes),
	     (IoCompletionHandle, DesiredAccess, ObjectAttributes))
NTX_MS_ENTRY(NtSetIoCompletion,
	     (HANDLE IoCompletionHandle, PVOID KeyContext, PVOID ApcContext, NTSTATUS IoStatus,
	      ULONG_PTR IoStatusInformation),
	     (IoCompletionHandle, KeyContext, ApcContext, IoStatus, IoStatusInformation))
NTX_MS_ENTRY(NtRemoveIoCompletion,
	     (HANDLE IoCompletionHandle, PVOID *KeyContext, PVOID *ApcContext,
	      PIO_STATUS_BLOCK IoStatusBlock, PLARGE_INTEGER Timeout),
	     (IoCompletionHandle, KeyContext, ApcContext, IoStatusBlock, Timeout))
NTX_MS_ENTRY(NtRemoveIoCompletionEx,
	     (HANDLE IoCompletionHandle, PFILE_IO_COMPLETION_INFORMATION IoCompletionInformation,
	      ULONG Count, PULONG NumEntriesRemoved, PLARGE_INTEGER Timeout, BOOLEAN Alertable),
	     (IoCompletionHandle, IoCompletionInformation, Count, NumEntriesRemoved, Timeout,
	      Alertable))
NTX_MS_ENTRY(NtQueryIoCompletion,
	     (HANDLE IoCompletionHandle, IO_COMPLETION_INFORMATION_CLASS IoCompletionInformationClass,
	      PVOID IoCompletionInformation, ULONG IoCompletionInformationLength,
	      PULONG ReturnLength),
	     (IoCompletionHandle, IoCompletionInformationClass, IoCompletionInformation,
	      IoCompletionInformationLength, ReturnLength))
