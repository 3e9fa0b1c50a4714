/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ntexec: Windows NT process, thread and memory semantics for Linux.
 *
 * The ioctl ABI of /dev/ntexec. libntexec (userlib/) is the supported caller;
 * this header is what it marshals to.
 *
 * Conventions, for every ioctl:
 *  - Arguments are one fixed-width struct; user pointers travel as __u64;
 *    every pad and reserved field must be zero, every flags word may only
 *    carry the bits its mask names. Anything else is -EINVAL.
 *  - A return value >= 0 is the NTSTATUS of the NT-level outcome, as an
 *    unsigned 32-bit value (so STATUS_ACCESS_DENIED comes back as
 *    0xC0000022). Out fields are written only when the status is a success
 *    or a documented warning (STATUS_PARTIAL_COPY and the like).
 *  - A return value < 0 is a transport error (-EFAULT, -EINVAL, -ENOTTY,
 *    -EIO for a descriptor used by a process other than its opener, ...).
 *  - NTEXEC_IOC_VERSION is the handshake: user space states the API version
 *    it speaks and the features it needs; the module answers with its own
 *    features and the ioctls it implements, as UFFDIO_API does.
 */
#ifndef _UAPI_NTEXEC_H
#define _UAPI_NTEXEC_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define NTEXEC_DEVICE_NAME	"ntexec"
#define NTEXEC_API_VERSION	1

/* Feature bits, reported by NTEXEC_IOC_VERSION. */
#define NTEXEC_FEATURE_OBJECTS		(1ULL << 0) /* processes, threads, handles, waits */
#define NTEXEC_FEATURE_VIRTUAL_MEMORY	(1ULL << 1) /* Nt*VirtualMemory */
#define NTEXEC_FEATURE_WRITE_WATCH	(1ULL << 2)
#define NTEXEC_FEATURE_SECTIONS		(1ULL << 3)
#define NTEXEC_FEATURE_THREAD_CONTROL	(1ULL << 4) /* create, suspend, context, APC */
#define NTEXEC_FEATURE_JOBS		(1ULL << 5)
#define NTEXEC_FEATURE_NETLINK		(1ULL << 6)
#define NTEXEC_FEATURE_FILES		(1ULL << 7) /* file handles, file-backed sections */

/**
 * struct ntexec_version - the handshake
 * @api: in: the API version the caller speaks (NTEXEC_API_VERSION);
 *	out: the module's API version.
 * @flags: in: must be 0.
 * @features: in: features the caller cannot do without; out: every feature
 *	the module offers. The call fails with -EOPNOTSUPP (after writing the
 *	struct back) when @api differs or a required feature is missing.
 * @ioctls: out: bit n set when the ioctl with number NTEXEC_IOC_BASE + n is
 *	implemented.
 * @page_size: out: the page size protections apply to.
 * @allocation_granularity: out: the alignment of reservations (64 KiB).
 * @reserved: must be zero; written as zero.
 */
struct ntexec_version {
	__u32 api;
	__u32 flags;
	__u64 features;
	__u64 ioctls;
	__u32 page_size;
	__u32 allocation_granularity;
	__u64 reserved[4];
};

/*
 * Handles are the values ntdll hands out: multiples of 4 (the low two bits
 * are ignored, as NT ignores them), never 0, and the pseudo-handles below.
 */
#define NTEXEC_CURRENT_PROCESS	((__u64)-1)	/* NtCurrentProcess() */
#define NTEXEC_CURRENT_THREAD	((__u64)-2)	/* NtCurrentThread() */

/**
 * struct ntexec_handle - an ioctl that takes one handle
 * @handle: NtClose, NtAlertThread: the handle.
 */
struct ntexec_handle {
	__u64 handle;
};

/**
 * struct ntexec_duplicate - NtDuplicateObject
 * @source_process: handle to the process that owns @source_handle
 * @source_handle: the handle to duplicate, in that process
 * @target_process: handle to the process that receives the new handle; 0
 *	when the call only closes the source (DUPLICATE_CLOSE_SOURCE)
 * @target_handle: out: the new handle, valid in @target_process
 * @access: the access the new handle gets (unless DUPLICATE_SAME_ACCESS)
 * @attributes: OBJ_INHERIT (unless DUPLICATE_SAME_ATTRIBUTES)
 * @options: DUPLICATE_CLOSE_SOURCE, _SAME_ACCESS, _SAME_ATTRIBUTES
 * @pad: must be zero
 */
struct ntexec_duplicate {
	__u64 source_process;
	__u64 source_handle;
	__u64 target_process;
	__u64 target_handle;
	__u32 access;
	__u32 attributes;
	__u32 options;
	__u32 pad;
};

/**
 * struct ntexec_open - NtOpenProcess, NtOpenThread by CLIENT_ID
 * @process_id: CLIENT_ID.UniqueProcess (a tgid in the caller's pid namespace)
 * @thread_id: CLIENT_ID.UniqueThread (a tid), or 0
 * @handle: out: the new handle
 * @access: the desired access
 * @attributes: OBJECT_ATTRIBUTES.Attributes (OBJ_INHERIT)
 */
struct ntexec_open {
	__u64 process_id;
	__u64 thread_id;
	__u64 handle;
	__u32 access;
	__u32 attributes;
};

#define NTEXEC_WAIT_ALL		(1U << 0)	/* WaitAll, else WaitAny */
#define NTEXEC_WAIT_ALERTABLE	(1U << 1)
#define NTEXEC_WAIT_TIMEOUT	(1U << 2)	/* @timeout is valid, else infinite */
#define NTEXEC_WAIT_REALTIME	(1U << 3)	/* @timeout is CLOCK_REALTIME */
#define NTEXEC_WAIT_DELAY	(1U << 4)	/* NtDelayExecution: @count is 0 */
#define NTEXEC_WAIT_FLAGS	0x1fU

/**
 * struct ntexec_wait - NtWaitForSingleObject, NtWaitForMultipleObjects,
 *	NtDelayExecution
 * @handles: user pointer to @count __u64 handles
 * @count: 1..64; 0 with NTEXEC_WAIT_DELAY
 * @flags: NTEXEC_WAIT_*
 * @timeout: absolute deadline in ns of CLOCK_MONOTONIC (a relative NT
 *	timeout, converted by the library) or CLOCK_REALTIME (an absolute NT
 *	time); absolute so that a wait restarted after a signal keeps it.
 */
struct ntexec_wait {
	__u64 handles;
	__u32 count;
	__u32 flags;
	__s64 timeout;
};

/**
 * struct ntexec_query_info - NtQueryInformationProcess/Thread, NtQuerySection,
 *	NtSetInformationProcess/Thread
 * @handle: the process, thread or section
 * @buffer: user pointer to the caller's buffer
 * @info_class: PROCESSINFOCLASS, THREADINFOCLASS or
 *	SECTION_INFORMATION_CLASS value
 * @length: the buffer's length
 * @return_length: out: bytes written, or needed when the buffer is short
 *	(a set: 0)
 * @pad: must be zero
 */
struct ntexec_query_info {
	__u64 handle;
	__u64 buffer;
	__u32 info_class;
	__u32 length;
	__u32 return_length;
	__u32 pad;
};

/**
 * struct ntexec_terminate - NtTerminateProcess, NtTerminateThread
 * @handle: the process or thread
 * @status: its exit status, all 32 bits of it
 * @pad: must be zero
 */
struct ntexec_terminate {
	__u64 handle;
	__u32 status;
	__u32 pad;
};

/**
 * struct ntexec_get_next - NtGetNextProcess, NtGetNextThread
 * @process: NtGetNextProcess: the process to continue after, or 0 to
 *	start; NtGetNextThread: the process whose threads are listed
 * @thread: NtGetNextThread: the thread to continue after, or 0
 * @handle: out: a handle to the next process or thread
 * @access: the access the new handle needs
 * @attributes: OBJ_INHERIT
 * @flags: must be 0 (NtGetNextProcess's only documented flag value)
 * @pad: must be zero
 */
struct ntexec_get_next {
	__u64 process;
	__u64 thread;
	__u64 handle;
	__u32 access;
	__u32 attributes;
	__u32 flags;
	__u32 pad;
};

/**
 * struct ntexec_vm_range - NtAllocateVirtualMemory, NtFreeVirtualMemory,
 *	NtProtectVirtualMemory, NtLockVirtualMemory, NtUnlockVirtualMemory,
 *	NtFlushVirtualMemory
 * @process: the process handle
 * @base: in/out: *BaseAddress
 * @size: in/out: *RegionSize
 * @zero_bits: NtAllocateVirtualMemory's ZeroBits; must be 0 otherwise
 * @type: AllocationType, FreeType, NtLockVirtualMemory's MapType; 0 for
 *	NtProtectVirtualMemory and NtFlushVirtualMemory
 * @protect: in: NtAllocateVirtualMemory's and NtProtectVirtualMemory's
 *	Protect (0 otherwise); out: NtProtectVirtualMemory's OldProtect
 *
 * @base and @size are written back only on success.
 */
struct ntexec_vm_range {
	__u64 process;
	__u64 base;
	__u64 size;
	__u64 zero_bits;
	__u32 type;
	__u32 protect;
};

/**
 * struct ntexec_vm_query - NtQueryVirtualMemory
 * @process: the process handle
 * @address: BaseAddress
 * @buffer: user pointer to MemoryInformation
 * @length: MemoryInformationLength
 * @return_length: out: bytes written (*ReturnLength)
 * @info_class: MemoryInformationClass
 * @pad: must be zero
 */
struct ntexec_vm_query {
	__u64 process;
	__u64 address;
	__u64 buffer;
	__u64 length;
	__u64 return_length;
	__u32 info_class;
	__u32 pad;
};

/**
 * struct ntexec_vm_copy - NtReadVirtualMemory, NtWriteVirtualMemory
 * @process: the process handle
 * @address: BaseAddress in that process
 * @buffer: user pointer to the caller's buffer
 * @size: bytes to copy
 * @done: out: bytes copied, also with STATUS_PARTIAL_COPY
 */
struct ntexec_vm_copy {
	__u64 process;
	__u64 address;
	__u64 buffer;
	__u64 size;
	__u64 done;
};

/**
 * struct ntexec_write_watch - NtGetWriteWatch, NtResetWriteWatch
 * @process: the process handle
 * @base: BaseAddress
 * @size: RegionSize
 * @addresses: NtGetWriteWatch: user pointer to an array of __u64
 *	(UserAddressArray); 0 for NtResetWriteWatch
 * @count: in: the array's entries; out: the entries written
 * @flags: WRITE_WATCH_FLAG_RESET (NtGetWriteWatch only)
 * @granularity: out: the page size
 */
struct ntexec_write_watch {
	__u64 process;
	__u64 base;
	__u64 size;
	__u64 addresses;
	__u64 count;
	__u32 flags;
	__u32 granularity;
};

/**
 * struct ntexec_exception - the last memory exception of the calling thread
 * @code: STATUS_GUARD_PAGE_VIOLATION or STATUS_ACCESS_VIOLATION; 0 when
 *	there was none since the last call
 * @access: ExceptionInformation[0]: 0 read, 1 write, 8 execute
 * @address: ExceptionInformation[1]: the faulting address
 *
 * Memory the module manages raises SIGSEGV where Windows raises these
 * exceptions; the signal handler asks here which one it was. Reading the
 * record clears it.
 */
struct ntexec_exception {
	__u32 code;
	__u32 access;
	__u64 address;
};

/*
 * Object names travel as OBJECT_ATTRIBUTES' parts: RootDirectory, the
 * UNICODE_STRING's Buffer and Length (UTF-16, in bytes: even, at most
 * 0xfffe; 0 for an unnamed object) and Attributes (OBJ_*).
 */
#define NTEXEC_NAME_MAX		0xfffeU

/**
 * struct ntexec_create_section - NtCreateSection
 * @handle: out: the new handle (also with STATUS_OBJECT_NAME_EXISTS)
 * @root: RootDirectory, or 0
 * @name: user pointer to the name, or 0
 * @maximum_size: *MaximumSize, 0 when MaximumSize is NULL
 * @file: FileHandle, or 0 for a section backed by the paging file
 * @name_length: the name's length in bytes
 * @access: DesiredAccess
 * @attributes: OBJECT_ATTRIBUTES.Attributes
 * @protect: SectionPageProtection
 * @allocation_attributes: AllocationAttributes (SEC_*)
 * @pad: must be zero
 */
struct ntexec_create_section {
	__u64 handle;
	__u64 root;
	__u64 name;
	__u64 maximum_size;
	__u64 file;
	__u32 name_length;
	__u32 access;
	__u32 attributes;
	__u32 protect;
	__u32 allocation_attributes;
	__u32 pad;
};

/**
 * struct ntexec_open_object - NtOpenSection (and later NtOpenEvent and the
 *	like): open an object by name
 * @handle: out: the new handle
 * @root: RootDirectory, or 0
 * @name: user pointer to the name
 * @name_length: the name's length in bytes
 * @access: DesiredAccess
 * @attributes: OBJECT_ATTRIBUTES.Attributes
 * @pad: must be zero
 */
struct ntexec_open_object {
	__u64 handle;
	__u64 root;
	__u64 name;
	__u32 name_length;
	__u32 access;
	__u32 attributes;
	__u32 pad;
};

/**
 * struct ntexec_map_view - NtMapViewOfSection
 * @section: SectionHandle
 * @process: ProcessHandle
 * @base: in/out: *BaseAddress
 * @zero_bits: ZeroBits
 * @commit_size: CommitSize
 * @offset: in/out: *SectionOffset (0 when SectionOffset is NULL)
 * @size: in/out: *ViewSize
 * @inherit: InheritDisposition (ViewShare 1, ViewUnmap 2)
 * @type: AllocationType
 * @protect: Win32Protect
 * @pad: must be zero
 *
 * @base, @offset and @size are written back on success (and with
 * STATUS_IMAGE_NOT_AT_BASE).
 */
struct ntexec_map_view {
	__u64 section;
	__u64 process;
	__u64 base;
	__u64 zero_bits;
	__u64 commit_size;
	__u64 offset;
	__u64 size;
	__u32 inherit;
	__u32 type;
	__u32 protect;
	__u32 pad;
};

/**
 * struct ntexec_unmap_view - NtUnmapViewOfSection
 * @process: ProcessHandle
 * @base: BaseAddress: any address in the view
 */
struct ntexec_unmap_view {
	__u64 process;
	__u64 base;
};

/**
 * struct ntexec_extend_section - NtExtendSection
 * @section: SectionHandle (SECTION_EXTEND_SIZE)
 * @size: in: *NewSectionSize; out: the section's size afterwards
 */
struct ntexec_extend_section {
	__u64 section;
	__u64 size;
};

/**
 * struct ntexec_handle_from_fd - NtxHandleFromFd: an NT file handle for a
 *	Linux file descriptor of the caller
 * @handle: out: the new handle
 * @fd: the descriptor
 * @access: DesiredAccess (FILE_*, generic rights, MAXIMUM_ALLOWED); at most
 *	what the descriptor's open mode allows
 */
struct ntexec_handle_from_fd {
	__u64 handle;
	__s32 fd;
	__u32 access;
};

/**
 * struct ntexec_same_file - NtAreMappedFilesTheSame, in the calling process
 * @image: File1MappedAsAnImage
 * @other: File2MappedAsFile
 */
struct ntexec_same_file {
	__u64 image;
	__u64 other;
};

/**
 * struct ntexec_suspend - NtSuspendThread, NtResumeThread,
 *	NtAlertResumeThread
 * @handle: the thread
 * @previous: out: the suspend count before the call
 * @pad: must be zero
 */
struct ntexec_suspend {
	__u64 handle;
	__u32 previous;
	__u32 pad;
};

/**
 * struct ntexec_context - NtGetContextThread, NtSetContextThread
 * @thread: the thread
 * @context: user pointer to the x86_64 CONTEXT (1232 bytes, 16-byte
 *	aligned); its ContextFlags say which parts are read or written. With
 *	CONTEXT_XSTATE a CONTEXT_EX follows it directly, and its XState chunk
 *	(XSAVE_AREA_HEADER, then the features) is read and, for a get, written
 *
 * A set of the caller's own CONTEXT_FLOATING_POINT or CONTEXT_XSTATE
 * answers NTEXEC_STATUS_SELF_FPU and changes nothing: the kernel does not
 * load a running thread's own FPU state, user space does (XRSTOR) and then
 * asks again without those flags.
 */
struct ntexec_context {
	__u64 thread;
	__u64 context;
};

/* Not a status of Windows (the customer bit is set): see ntexec_context. */
#define NTEXEC_STATUS_SELF_FPU		0xE0000002

/**
 * struct ntexec_create_thread - NtCreateThreadEx
 * @process: the process (PROCESS_CREATE_THREAD)
 * @start_routine: where the thread starts: StartRoutine(Argument), the
 *	Windows x64 convention (rcx; rdi too)
 * @argument: its argument
 * @zero_bits: ZeroBits, for the stack and the TEB
 * @stack_size: StackSize, committed (0: 64 KiB)
 * @maximum_stack_size: MaximumStackSize, reserved (0: 1 MiB)
 * @access: the new handle's DesiredAccess
 * @attributes: the new handle's attributes (OBJ_INHERIT)
 * @flags: CreateFlags (THREAD_CREATE_FLAGS_*)
 * @pad: must be zero
 * @handle: out: the thread's handle
 * @client_process: out: its CLIENT_ID, in the caller's pid namespace
 * @client_thread: out
 * @teb: out: its TEB
 */
struct ntexec_create_thread {
	__u64 process;
	__u64 start_routine;
	__u64 argument;
	__u64 zero_bits;
	__u64 stack_size;
	__u64 maximum_stack_size;
	__u32 access;
	__u32 attributes;
	__u32 flags;
	__u32 pad;
	__u64 handle;
	__u64 client_process;
	__u64 client_thread;
	__u64 teb;
};

/* The APC routine takes its arguments the Microsoft x64 way. */
#define NTEXEC_APC_MS_ABI	(1U << 0)

/**
 * struct ntexec_apc - a user APC: NtQueueApcThread's, and as delivered
 * @routine: the routine (PPS_APC_ROUTINE)
 * @argument: its three arguments
 * @flags: NTEXEC_APC_MS_ABI or 0
 * @pad: must be zero
 */
struct ntexec_apc {
	__u64 routine;
	__u64 argument[3];
	__u32 flags;
	__u32 pad;
};

/**
 * struct ntexec_queue_apc - NtQueueApcThread
 * @thread: the thread (THREAD_SET_CONTEXT)
 * @apc: what to queue
 */
struct ntexec_queue_apc {
	__u64 thread;
	struct ntexec_apc apc;
};

/* How many APCs one NTEXEC_IOC_TAKE_APCS hands over at most. */
#define NTEXEC_TAKE_APCS_MAX	64

/**
 * struct ntexec_take_apcs - take the calling thread's pending user APCs,
 *	oldest first, for the library to run (after STATUS_USER_APC)
 * @buffer: user pointer to @capacity struct ntexec_apc
 * @capacity: 1..NTEXEC_TAKE_APCS_MAX
 * @count: out: how many were taken (0: none pending)
 */
struct ntexec_take_apcs {
	__u64 buffer;
	__u32 capacity;
	__u32 count;
};

/**
 * struct ntexec_host - libntexec's host program serves an empty process
 *	(NtCreateProcessEx); the call returns when the process's last thread
 *	that NtCreateThreadEx made has ended
 * @exit_code: out: the Linux exit code the host then exits with
 * @pad: must be zero
 */
struct ntexec_host {
	__u32 exit_code;
	__u32 pad;
};

/**
 * struct ntexec_claim_host - NtCreateProcessEx: the creator's handle to the
 *	host it started (its Linux child)
 * @pid: the child's pid, in the caller's pid namespace; or 0, before the
 *	host is started: with @flags PROCESS_CREATE_FLAGS_BREAKAWAY the next
 *	process this thread starts is outside its job (STATUS_ACCESS_DENIED
 *	when a job does not allow it), with 0 that request is withdrawn
 *	(every other field 0). A claim withdraws it too.
 * @access: DesiredAccess
 * @attributes: the handle's attributes
 * @flags: NtCreateProcessEx's Flags (PROCESS_CREATE_FLAGS_INHERIT_HANDLES)
 * @pad: must be zero
 * @handle: out: the process handle
 */
struct ntexec_claim_host {
	__u64 pid;
	__u32 access;
	__u32 attributes;
	__u32 flags;
	__u32 pad;
	__u64 handle;
};

/**
 * struct ntexec_create_object - NtCreateIoCompletion, NtCreateJobObject
 * @handle: out: the new handle
 * @root: RootDirectory, or 0
 * @name: user pointer to the name, or 0
 * @name_length: the name's length in bytes (0: unnamed)
 * @access: DesiredAccess
 * @attributes: OBJECT_ATTRIBUTES.Attributes
 * @count: NtCreateIoCompletion's NumberOfConcurrentThreads; 0 for a job
 */
struct ntexec_create_object {
	__u64 handle;
	__u64 root;
	__u64 name;
	__u32 name_length;
	__u32 access;
	__u32 attributes;
	__u32 count;
};

/**
 * struct ntexec_io_packet - NtSetIoCompletion: a packet for the queue
 * @handle: the I/O completion object (IO_COMPLETION_MODIFY_STATE)
 * @key: KeyContext
 * @apc_context: ApcContext
 * @information: IoStatusInformation
 * @status: IoStatus
 * @pad: must be zero
 */
struct ntexec_io_packet {
	__u64 handle;
	__u64 key;
	__u64 apc_context;
	__u64 information;
	__u32 status;
	__u32 pad;
};

/*
 * FILE_IO_COMPLETION_INFORMATION, Windows' x64 layout: what
 * NTEXEC_IOC_REMOVE_IO_COMPLETION writes for each packet it takes.
 */
struct ntexec_io_completion_entry {
	__u64 key;
	__u64 apc_context;
	__u64 status;		/* IO_STATUS_BLOCK.Status, zero-extended */
	__u64 information;
};

#define NTEXEC_REMOVE_ALERTABLE	(1U << 0)
#define NTEXEC_REMOVE_TIMEOUT	(1U << 1)	/* @timeout is valid, else infinite */
#define NTEXEC_REMOVE_REALTIME	(1U << 2)	/* @timeout is CLOCK_REALTIME */
#define NTEXEC_REMOVE_FLAGS	0x7U

/**
 * struct ntexec_remove_io - NtRemoveIoCompletion(Ex)
 * @handle: the I/O completion object (IO_COMPLETION_MODIFY_STATE)
 * @entries: user pointer to @count struct ntexec_io_completion_entry
 * @count: 1..NTEXEC_REMOVE_MAX
 * @flags: NTEXEC_REMOVE_*
 * @timeout: absolute deadline in ns (see struct ntexec_wait)
 * @removed: out: how many packets were taken (written on success)
 * @pad: must be zero
 */
struct ntexec_remove_io {
	__u64 handle;
	__u64 entries;
	__u32 count;
	__u32 flags;
	__s64 timeout;
	__u32 removed;
	__u32 pad;
};

#define NTEXEC_REMOVE_MAX	4096

/**
 * struct ntexec_job_process - NtAssignProcessToJobObject, NtIsProcessInJob
 * @job: the job (0 for NtIsProcessInJob: any job)
 * @process: the process
 */
struct ntexec_job_process {
	__u64 job;
	__u64 process;
};

/**
 * struct ntexec_system_info - NtQuerySystemInformation,
 *	NtSetSystemInformation
 * @buffer: user pointer to the caller's buffer
 * @info_class: SYSTEM_INFORMATION_CLASS value
 * @length: the buffer's length
 * @return_length: out: bytes written, or needed when the buffer is short
 *	(a set: must be 0)
 * @flags: NTEXEC_SYSTEM_INFO_SET for NtSetSystemInformation
 */
struct ntexec_system_info {
	__u64 buffer;
	__u32 info_class;
	__u32 length;
	__u32 return_length;
	__u32 flags;
};

#define NTEXEC_SYSTEM_INFO_SET		(1U << 0)
#define NTEXEC_SYSTEM_INFO_FLAGS	0x1U

/**
 * struct ntexec_create_paging_file - NtCreatePagingFile
 * @name: user pointer to the file's name, UTF-16LE without a NUL: a Linux
 *	path, absolute
 * @name_length: its length in bytes (even, 2 to 256)
 * @flags: 0
 * @minimum_size: the file's size, bytes
 * @maximum_size: the size it may grow to, bytes (not below @minimum_size)
 * @priority: NtCreatePagingFile's last argument (not used)
 * @pad: 0
 */
struct ntexec_create_paging_file {
	__u64 name;
	__u32 name_length;
	__u32 flags;
	__u64 minimum_size;
	__u64 maximum_size;
	__u32 priority;
	__u32 pad;
};

#define NTEXEC_IOC_MAGIC	'N'
#define NTEXEC_IOC_BASE		0xA0

#define NTEXEC_IOC(nr, type)	_IOWR(NTEXEC_IOC_MAGIC, NTEXEC_IOC_BASE + (nr), type)

#define NTEXEC_IOC_VERSION		NTEXEC_IOC(0, struct ntexec_version)
#define NTEXEC_IOC_CLOSE		NTEXEC_IOC(1, struct ntexec_handle)
#define NTEXEC_IOC_DUPLICATE		NTEXEC_IOC(2, struct ntexec_duplicate)
#define NTEXEC_IOC_OPEN_PROCESS		NTEXEC_IOC(3, struct ntexec_open)
#define NTEXEC_IOC_OPEN_THREAD		NTEXEC_IOC(4, struct ntexec_open)
#define NTEXEC_IOC_WAIT			NTEXEC_IOC(5, struct ntexec_wait)
#define NTEXEC_IOC_QUERY_PROCESS	NTEXEC_IOC(6, struct ntexec_query_info)
#define NTEXEC_IOC_QUERY_THREAD		NTEXEC_IOC(7, struct ntexec_query_info)
#define NTEXEC_IOC_TERMINATE_PROCESS	NTEXEC_IOC(8, struct ntexec_terminate)
#define NTEXEC_IOC_TERMINATE_THREAD	NTEXEC_IOC(9, struct ntexec_terminate)
#define NTEXEC_IOC_GET_NEXT_PROCESS	NTEXEC_IOC(10, struct ntexec_get_next)
#define NTEXEC_IOC_GET_NEXT_THREAD	NTEXEC_IOC(11, struct ntexec_get_next)
#define NTEXEC_IOC_ALERT_THREAD		NTEXEC_IOC(12, struct ntexec_handle)
#define NTEXEC_IOC_TEST_ALERT		_IO(NTEXEC_IOC_MAGIC, NTEXEC_IOC_BASE + 13)
#define NTEXEC_IOC_ALLOCATE_VM		NTEXEC_IOC(14, struct ntexec_vm_range)
#define NTEXEC_IOC_FREE_VM		NTEXEC_IOC(15, struct ntexec_vm_range)
#define NTEXEC_IOC_PROTECT_VM		NTEXEC_IOC(16, struct ntexec_vm_range)
#define NTEXEC_IOC_QUERY_VM		NTEXEC_IOC(17, struct ntexec_vm_query)
#define NTEXEC_IOC_READ_VM		NTEXEC_IOC(18, struct ntexec_vm_copy)
#define NTEXEC_IOC_WRITE_VM		NTEXEC_IOC(19, struct ntexec_vm_copy)
#define NTEXEC_IOC_LOCK_VM		NTEXEC_IOC(20, struct ntexec_vm_range)
#define NTEXEC_IOC_UNLOCK_VM		NTEXEC_IOC(21, struct ntexec_vm_range)
#define NTEXEC_IOC_FLUSH_VM		NTEXEC_IOC(22, struct ntexec_vm_range)
#define NTEXEC_IOC_GET_WRITE_WATCH	NTEXEC_IOC(23, struct ntexec_write_watch)
#define NTEXEC_IOC_RESET_WRITE_WATCH	NTEXEC_IOC(24, struct ntexec_write_watch)
#define NTEXEC_IOC_GET_EXCEPTION	NTEXEC_IOC(25, struct ntexec_exception)
#define NTEXEC_IOC_CREATE_SECTION	NTEXEC_IOC(26, struct ntexec_create_section)
#define NTEXEC_IOC_OPEN_SECTION		NTEXEC_IOC(27, struct ntexec_open_object)
#define NTEXEC_IOC_MAP_VIEW		NTEXEC_IOC(28, struct ntexec_map_view)
#define NTEXEC_IOC_UNMAP_VIEW		NTEXEC_IOC(29, struct ntexec_unmap_view)
#define NTEXEC_IOC_QUERY_SECTION	NTEXEC_IOC(30, struct ntexec_query_info)
#define NTEXEC_IOC_EXTEND_SECTION	NTEXEC_IOC(31, struct ntexec_extend_section)
#define NTEXEC_IOC_HANDLE_FROM_FD	NTEXEC_IOC(32, struct ntexec_handle_from_fd)
#define NTEXEC_IOC_SAME_FILE		NTEXEC_IOC(33, struct ntexec_same_file)
#define NTEXEC_IOC_SUSPEND_THREAD	NTEXEC_IOC(34, struct ntexec_suspend)
#define NTEXEC_IOC_RESUME_THREAD	NTEXEC_IOC(35, struct ntexec_suspend)
#define NTEXEC_IOC_ALERT_RESUME_THREAD	NTEXEC_IOC(36, struct ntexec_suspend)
#define NTEXEC_IOC_SUSPEND_PROCESS	NTEXEC_IOC(37, struct ntexec_handle)
#define NTEXEC_IOC_RESUME_PROCESS	NTEXEC_IOC(38, struct ntexec_handle)
#define NTEXEC_IOC_GET_CONTEXT		NTEXEC_IOC(39, struct ntexec_context)
#define NTEXEC_IOC_SET_CONTEXT		NTEXEC_IOC(40, struct ntexec_context)
#define NTEXEC_IOC_SET_PROCESS		NTEXEC_IOC(41, struct ntexec_query_info)
#define NTEXEC_IOC_SET_THREAD		NTEXEC_IOC(42, struct ntexec_query_info)
#define NTEXEC_IOC_CREATE_THREAD	NTEXEC_IOC(43, struct ntexec_create_thread)
#define NTEXEC_IOC_QUEUE_APC		NTEXEC_IOC(44, struct ntexec_queue_apc)
#define NTEXEC_IOC_TAKE_APCS		NTEXEC_IOC(45, struct ntexec_take_apcs)
#define NTEXEC_IOC_HOST			NTEXEC_IOC(46, struct ntexec_host)
#define NTEXEC_IOC_CLAIM_HOST		NTEXEC_IOC(47, struct ntexec_claim_host)

#define NTEXEC_IOC_CREATE_IO_COMPLETION	NTEXEC_IOC(48, struct ntexec_create_object)
#define NTEXEC_IOC_OPEN_IO_COMPLETION	NTEXEC_IOC(49, struct ntexec_open_object)
#define NTEXEC_IOC_SET_IO_COMPLETION	NTEXEC_IOC(50, struct ntexec_io_packet)
#define NTEXEC_IOC_REMOVE_IO_COMPLETION	NTEXEC_IOC(51, struct ntexec_remove_io)
#define NTEXEC_IOC_QUERY_IO_COMPLETION	NTEXEC_IOC(52, struct ntexec_query_info)
#define NTEXEC_IOC_CREATE_JOB		NTEXEC_IOC(53, struct ntexec_create_object)
#define NTEXEC_IOC_OPEN_JOB		NTEXEC_IOC(54, struct ntexec_open_object)
#define NTEXEC_IOC_ASSIGN_JOB		NTEXEC_IOC(55, struct ntexec_job_process)
#define NTEXEC_IOC_TERMINATE_JOB	NTEXEC_IOC(56, struct ntexec_terminate)
#define NTEXEC_IOC_IS_PROCESS_IN_JOB	NTEXEC_IOC(57, struct ntexec_job_process)
#define NTEXEC_IOC_QUERY_JOB		NTEXEC_IOC(58, struct ntexec_query_info)
#define NTEXEC_IOC_SET_JOB		NTEXEC_IOC(59, struct ntexec_query_info)
#define NTEXEC_IOC_SYSTEM_INFO		NTEXEC_IOC(60, struct ntexec_system_info)
#define NTEXEC_IOC_CREATE_PAGING_FILE	NTEXEC_IOC(61, struct ntexec_create_paging_file)

/*
 * One past the last ioctl number: NTEXEC_IOC_BASE + n for n below it may be
 * defined; none at or past it is (yet). The handshake's @ioctls mask has a
 * bit for each n up to 63.
 */
#define NTEXEC_IOC_COUNT		62

/*
 * Events: the generic netlink family NTEXEC_GENL_NAME (ntexec/netlink.c).
 *
 * Messages are attribute-encoded: a reader takes the attributes it knows
 * and ignores the rest; the family's version (genlmsghdr.version) is
 * NTEXEC_GENL_VERSION and grows only when a meaning changes, never for a new
 * attribute or command. Two ways to listen:
 *  - Multicast groups (names below), sent in the initial network namespace
 *    only, which only CAP_NET_ADMIN over its user namespace may join: every
 *    event, ids as the initial pid namespace sees them.
 *  - NTEXEC_CMD_SUBSCRIBE, open to anyone: the module unicasts to the
 *    subscribing socket the events of the groups in NTEXEC_A_GROUPS (a
 *    mask of 1 << NTEXEC_GROUP_*; 0 ends the subscription, as does closing
 *    the socket) about processes the subscriber may see: present in its pid
 *    namespace (ids as it sees them) and passing ptrace's credential rule
 *    (its fsuid/fsgid equal the process's real, effective and saved ids, or
 *    it has CAP_SYS_PTRACE over the process's user namespace), with the
 *    credentials it had when it subscribed.
 */
#define NTEXEC_GENL_NAME	"ntexec"
#define NTEXEC_GENL_VERSION	1

enum ntexec_group {
	NTEXEC_GROUP_PROCESS,	/* multicast group "process" */
	NTEXEC_GROUP_THREAD,	/* "thread" */
	NTEXEC_GROUP_IMAGE,	/* "image": views of image sections */
	NTEXEC_GROUP_JOB,	/* "job": what a job's completion port gets */
	NTEXEC_GROUP_MEMORY,	/* "memory": commit-limit hits, working-set trims */
	NTEXEC_GROUP_COUNT
};

#define NTEXEC_GROUP_NAMES	{ "process", "thread", "image", "job", "memory" }

enum ntexec_cmd {
	NTEXEC_CMD_UNSPEC,
	NTEXEC_CMD_SUBSCRIBE,		/* request: NTEXEC_A_GROUPS */
	NTEXEC_CMD_PROCESS_CREATE,	/* PROCESS_ID, PARENT_ID, CREATOR_*, TIME, IMAGE_NAME */
	NTEXEC_CMD_PROCESS_EXIT,	/* PROCESS_ID, EXIT_STATUS, TIME */
	NTEXEC_CMD_THREAD_CREATE,	/* PROCESS_ID, THREAD_ID, CREATOR_*, TIME */
	NTEXEC_CMD_THREAD_EXIT,		/* PROCESS_ID, THREAD_ID, EXIT_STATUS, TIME */
	NTEXEC_CMD_IMAGE_MAP,		/* PROCESS_ID, BASE, SIZE, IMAGE_NAME */
	NTEXEC_CMD_IMAGE_UNMAP,		/* PROCESS_ID, BASE */
	NTEXEC_CMD_JOB,			/* JOB_MESSAGE, JOB_KEY, PROCESS_ID (if any) */
	NTEXEC_CMD_COMMIT_LIMIT,	/* PROCESS_ID, SIZE */
	NTEXEC_CMD_WS_TRIM,		/* PROCESS_ID, SIZE (trimmed), WS_SIZE (left) */
	__NTEXEC_CMD_MAX
};

enum ntexec_attr {
	NTEXEC_A_UNSPEC,
	NTEXEC_A_PAD,
	NTEXEC_A_GROUPS,		/* u32: a mask of 1 << NTEXEC_GROUP_* */
	NTEXEC_A_PROCESS_ID,		/* u32 */
	NTEXEC_A_THREAD_ID,		/* u32 */
	NTEXEC_A_PARENT_ID,		/* u32: the Linux parent's process id */
	NTEXEC_A_CREATOR_PROCESS_ID,	/* u32: the process whose call made the object */
	NTEXEC_A_CREATOR_THREAD_ID,	/* u32: its thread */
	NTEXEC_A_TIME,			/* u64: NT system time (100 ns since 1601) */
	NTEXEC_A_EXIT_STATUS,		/* u32: the NTSTATUS */
	NTEXEC_A_IMAGE_NAME,		/* string: a path, UTF-8 */
	NTEXEC_A_BASE,			/* u64 */
	NTEXEC_A_SIZE,			/* u64 */
	NTEXEC_A_JOB_MESSAGE,		/* u32: JOB_OBJECT_MSG_* */
	NTEXEC_A_JOB_KEY,		/* u64: the completion key */
	NTEXEC_A_DROPPED,		/* u32: events this listener lost before this one */
	NTEXEC_A_WS_SIZE,		/* u64: bytes left in the working set */
	__NTEXEC_A_MAX
};

#define NTEXEC_A_MAX	(__NTEXEC_A_MAX - 1)

#endif /* _UAPI_NTEXEC_H */
