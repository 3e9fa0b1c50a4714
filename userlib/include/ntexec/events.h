/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <ntexec/events.h>: ntexec's event stream, what Windows gives drivers with
 * PsSetCreateProcessNotifyRoutine and tools with ETW.
 *
 * The module sends events over the generic netlink family "ntexec"
 * (uapi/ntexec.h describes the messages); these calls read them with
 * libnl-genl-3. An unprivileged listener gets the events about processes it
 * may see: in its pid namespace (ids as it sees them) and passing ptrace's
 * credential rule (same user and group ids, or CAP_SYS_PTRACE), with the
 * credentials it had at NtxEventOpen. With NTX_EVENT_OPEN_MULTICAST (which
 * needs CAP_NET_ADMIN) the listener joins the multicast groups instead and
 * gets every event, ids of the initial pid namespace.
 *
 * An NTX_EVENT_HANDLE belongs to one thread at a time.
 */
#ifndef NTEXEC_EVENTS_H
#define NTEXEC_EVENTS_H

#include <ntexec/nt.h>

#ifdef __cplusplus
extern "C" {
#endif

/* NtxEventOpen's Groups: what to listen to. */
#define NTX_EVENT_GROUP_PROCESS	0x01u	/* process create and exit */
#define NTX_EVENT_GROUP_THREAD	0x02u	/* thread create and exit */
#define NTX_EVENT_GROUP_IMAGE	0x04u	/* image section views */
#define NTX_EVENT_GROUP_JOB	0x08u	/* job messages */
#define NTX_EVENT_GROUP_MEMORY	0x10u	/* commit-limit hits, working-set trims */
#define NTX_EVENT_GROUP_ALL	0x1Fu

/* NtxEventOpen's Flags. */
#define NTX_EVENT_OPEN_MULTICAST 0x1u	/* join the multicast groups */

typedef enum _NTX_EVENT_TYPE {
	NtxEventProcessCreate = 2,
	NtxEventProcessExit,
	NtxEventThreadCreate,
	NtxEventThreadExit,
	NtxEventImageMap,
	NtxEventImageUnmap,
	NtxEventJob,
	NtxEventCommitLimit,
	NtxEventWorkingSetTrim,
} NTX_EVENT_TYPE;

#define NTX_EVENT_NAME_MAX	4096

/* An id the listener cannot see (another pid namespace) reads as 0. */
typedef struct _NTX_PROCESS_CREATE_EVENT {
	ULONG ProcessId;
	ULONG ParentProcessId;	/* the Linux parent */
	ULONG CreatorProcessId;	/* whose call made the NT process */
	ULONG CreatorThreadId;
	LONGLONG CreateTime;	/* NT system time */
	char ImageName[NTX_EVENT_NAME_MAX];	/* UTF-8, may be empty */
} NTX_PROCESS_CREATE_EVENT;

typedef struct _NTX_PROCESS_EXIT_EVENT {
	ULONG ProcessId;
	NTSTATUS ExitStatus;	/* all 32 bits */
	LONGLONG ExitTime;
} NTX_PROCESS_EXIT_EVENT;

typedef struct _NTX_THREAD_CREATE_EVENT {
	ULONG ProcessId;
	ULONG ThreadId;
	ULONG CreatorProcessId;
	ULONG CreatorThreadId;
	LONGLONG CreateTime;
} NTX_THREAD_CREATE_EVENT;

typedef struct _NTX_THREAD_EXIT_EVENT {
	ULONG ProcessId;
	ULONG ThreadId;
	NTSTATUS ExitStatus;
	LONGLONG ExitTime;
} NTX_THREAD_EXIT_EVENT;

typedef struct _NTX_IMAGE_EVENT {
	ULONG ProcessId;
	ULONGLONG Base;
	ULONGLONG Size;		/* 0 for an unmap */
	char ImageName[NTX_EVENT_NAME_MAX];
} NTX_IMAGE_EVENT;

typedef struct _NTX_JOB_EVENT {
	ULONG Message;		/* JOB_OBJECT_MSG_* */
	ULONG ProcessId;	/* 0 for a message about the job alone */
	ULONGLONG CompletionKey;
} NTX_JOB_EVENT;

typedef struct _NTX_COMMIT_LIMIT_EVENT {
	ULONG ProcessId;
	ULONGLONG Size;		/* the commit that was refused */
} NTX_COMMIT_LIMIT_EVENT;

/*
 * Pages left a process's working set: one event per trim pass (emptying it,
 * a shrink, a balance set manager trim), single-page trims that keep a hard
 * maximum summed into one event a second at most.
 */
typedef struct _NTX_WS_TRIM_EVENT {
	ULONG ProcessId;
	ULONGLONG TrimmedSize;		/* bytes trimmed since the last event */
	ULONGLONG WorkingSetSize;	/* bytes still in the working set */
} NTX_WS_TRIM_EVENT;

typedef struct _NTX_EVENT {
	NTX_EVENT_TYPE Type;
	ULONG Dropped;		/* events this listener lost before this one */
	union {
		NTX_PROCESS_CREATE_EVENT ProcessCreate;
		NTX_PROCESS_EXIT_EVENT ProcessExit;
		NTX_THREAD_CREATE_EVENT ThreadCreate;
		NTX_THREAD_EXIT_EVENT ThreadExit;
		NTX_IMAGE_EVENT Image;
		NTX_JOB_EVENT Job;
		NTX_COMMIT_LIMIT_EVENT CommitLimit;
		NTX_WS_TRIM_EVENT WorkingSetTrim;
	} u;
} NTX_EVENT;

typedef struct _NTX_EVENT_HANDLE NTX_EVENT_HANDLE;

/*
 * Starts listening to Groups (NTX_EVENT_GROUP_*). Returns STATUS_SUCCESS,
 * STATUS_INVALID_PARAMETER for unknown bits or no group,
 * STATUS_NO_SUCH_DEVICE when the module is not loaded,
 * STATUS_PRIVILEGE_NOT_HELD for NTX_EVENT_OPEN_MULTICAST without
 * CAP_NET_ADMIN, STATUS_QUOTA_EXCEEDED when the module has too many
 * subscriptions (of this user), STATUS_NO_MEMORY or STATUS_UNSUCCESSFUL.
 */
NTSTATUS NtxEventOpen(ULONG Groups, ULONG Flags, NTX_EVENT_HANDLE **Handle);

/*
 * The next event, waiting up to TimeoutMs milliseconds (-1: forever, 0: no
 * wait). Returns STATUS_SUCCESS, STATUS_TIMEOUT, or STATUS_UNSUCCESSFUL when
 * the socket failed. Events of types this library does not know are skipped.
 */
NTSTATUS NtxEventNext(NTX_EVENT_HANDLE *Handle, NTX_EVENT *Event, int TimeoutMs);

/* The descriptor to poll() for readability; NtxEventNext reads it. */
int NtxEventFd(NTX_EVENT_HANDLE *Handle);

/* Stops listening and frees the handle (NULL is allowed). */
void NtxEventClose(NTX_EVENT_HANDLE *Handle);

#ifdef __cplusplus
}
#endif

#endif /* NTEXEC_EVENTS_H */
