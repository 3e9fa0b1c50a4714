/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event sink: what the process and memory managers report to user space
 * through the generic netlink family "ntexec" (uapi/ntexec.h). The sink is
 * implemented by ntexec/netlink.c, at the top of the module: the lower
 * layers call these functions, as NT's components call PspNotify... hooks,
 * and know nothing of netlink.
 *
 * Every function may be called in any context (atomic included, as the
 * sched_process_exit probe is) and never fails visibly: with nobody
 * listening it returns after one check; otherwise it copies what it needs
 * (GFP_ATOMIC) and a work item sends it, in order. An event that cannot be
 * queued (memory, or more than a bounded backlog) is counted as dropped and
 * the next message a listener gets says how many it lost.
 */
#ifndef _NTEXEC_EVENT_H
#define _NTEXEC_EVENT_H

#include <linux/types.h>

#include "../uapi/ntexec.h"

struct pid;
struct task_struct;
struct cred;

/**
 * struct ntx_event_info - what an event says
 * @cmd: NTEXEC_CMD_*
 * @group: NTEXEC_GROUP_*
 * @subject: the task the event is about (its credentials decide which
 *	unprivileged subscriber may see it), or NULL
 * @cred: when @subject is NULL, the credentials that decide it instead;
 *	both NULL: privileged listeners only
 * @process: the process's struct pid (PIDTYPE_TGID), or NULL
 * @thread: the thread's struct pid, or NULL
 * @parent: the Linux parent's thread group, or NULL
 * @creator: the task whose call made the object, or NULL
 * @status: NTEXEC_A_EXIT_STATUS (exits)
 * @time: NTEXEC_A_TIME, 0 for none
 * @base: NTEXEC_A_BASE
 * @size: NTEXEC_A_SIZE
 * @ws_size: NTEXEC_A_WS_SIZE
 * @job_message: NTEXEC_A_JOB_MESSAGE
 * @job_key: NTEXEC_A_JOB_KEY
 * @name: NTEXEC_A_IMAGE_NAME, or NULL (copied)
 */
struct ntx_event_info {
	u8 cmd;
	u8 group;
	struct task_struct *subject;
	const struct cred *cred;
	struct pid *process;
	struct pid *thread;
	struct pid *parent;
	struct task_struct *creator;
	u32 status;
	s64 time;
	u64 base;
	u64 size;
	u64 ws_size;
	u32 job_message;
	u64 job_key;
	const char *name;
};

bool ntx_event_wanted(unsigned int group);
void ntx_event_send(const struct ntx_event_info *info);

/**
 * ntx_event_job() - report a job message (NTEXEC_GROUP_JOB)
 * @message: JOB_OBJECT_MSG_*, what the job's completion port gets
 * @key: the completion key of the job's port (0 without a port)
 * @process: the process the message is about (its thread group's struct
 *	pid), or NULL for a message about the job alone
 * @cred: the job's creator's credentials: an unprivileged subscriber sees
 *	the job's messages when it may see its creator, as the port the
 *	creator holds sees them all; NULL: privileged listeners only
 *
 * Any context.
 */
static inline void ntx_event_job(u32 message, u64 key, struct pid *process,
				 const struct cred *cred)
{
	struct ntx_event_info info = {
		.cmd = NTEXEC_CMD_JOB, .group = NTEXEC_GROUP_JOB,
		.cred = cred, .process = process,
		.job_message = message, .job_key = key,
	};

	if (ntx_event_wanted(NTEXEC_GROUP_JOB))
		ntx_event_send(&info);
}

int ntx_netlink_init(void);
void ntx_netlink_exit(void);

#endif /* _NTEXEC_EVENT_H */
