/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ntexec internal interfaces shared by the device (ntexec/), the memory
 * manager (ntmm/) and the process manager (ntps/).
 */
#ifndef _NTEXEC_NTEXEC_H
#define _NTEXEC_NTEXEC_H

#include <linux/types.h>
#include <linux/mm_types.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include "../uapi/ntexec.h"
#include "../ntob/status.h"

/* The features this build of the module implements (NTEXEC_IOC_VERSION). */
#define NTEXEC_FEATURES		(NTEXEC_FEATURE_OBJECTS | \
				 NTEXEC_FEATURE_VIRTUAL_MEMORY | \
				 NTEXEC_FEATURE_WRITE_WATCH | \
				 NTEXEC_FEATURE_SECTIONS | \
				 NTEXEC_FEATURE_THREAD_CONTROL | \
				 NTEXEC_FEATURE_FILES | \
				 NTEXEC_FEATURE_JOBS | \
				 NTEXEC_FEATURE_NETLINK)

struct ps_process;

/**
 * struct ntexec_file - one open of /dev/ntexec
 * @mm: the address space of the opener (grabbed, not pinned). Every ioctl
 *	from another mm is refused with -EIO, as KVM refuses a VM descriptor
 *	used from another process: a descriptor inherited over fork(), passed
 *	with SCM_RIGHTS or kept across execve() gives no access to the
 *	opener's objects.
 * @process: the opener's NT process (referenced): its handle table is the
 *	one every ioctl on this descriptor uses.
 */
struct ntexec_file {
	struct mm_struct *mm;
	struct ps_process *process;
};

long ntexec_ioctl_version(struct ntexec_version *ver);

/*
 * The one shape of an ioctl handler: copy the argument struct in
 * (NTX_COPY_IN), check what the transport must (pads, flags: -EINVAL),
 * call a worker with kernel types, which returns an NTSTATUS, and answer
 * with ntx_out(). Workers never see a __user pointer, except the copies of
 * process memory, whose job it is.
 */
#define NTX_COPY_IN(args, argp) \
	(copy_from_user(&(args), (argp), sizeof(args)) ? -EFAULT : 0)

/*
 * A worker's status as the ioctl's return value (uapi/ntexec.h): the
 * NTSTATUS as an unsigned 32-bit value, or -ERESTARTNOINTR for
 * NTX_STATUS_RESTART (interrupted before anything changed).
 */
static inline long ntx_status(ntstatus_t status)
{
	return status == NTX_STATUS_RESTART ? -ERESTARTNOINTR : (long)(u32)status;
}

/**
 * ntx_out() - answer an ioctl: copy the struct out, return the status
 * @argp: the caller's struct
 * @args: the answer
 * @size: its size
 * @status: the worker's status
 * @also: copy out even though @status is not a success (a status whose
 *	out-parameters are valid, as STATUS_PARTIAL_COPY's count)
 *
 * Return: what the ioctl returns.
 */
static inline long ntx_out(void __user *argp, const void *args, size_t size,
			   ntstatus_t status, bool also)
{
	if (status == NTX_STATUS_RESTART)
		return -ERESTARTNOINTR;
	if ((NT_SUCCESS(status) || also) && copy_to_user(argp, args, size))
		return -EFAULT;
	return ntx_status(status);
}

/* ntexec/dispatch.c: one handler per ioctl. */
long ntexec_ioctl_close(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_duplicate(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_open_process(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_open_thread(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_wait(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_query_process(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_query_thread(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_terminate_process(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_terminate_thread(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_get_next_process(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_get_next_thread(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_alert_thread(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_test_alert(struct ntexec_file *nf, void __user *argp);

/* ntexec/dispatch_mm.c: the memory manager's ioctls. */
long ntexec_ioctl_allocate_vm(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_free_vm(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_protect_vm(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_query_vm(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_read_vm(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_write_vm(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_lock_vm(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_unlock_vm(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_flush_vm(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_get_write_watch(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_reset_write_watch(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_get_exception(struct ntexec_file *nf, void __user *argp);

/* ntexec/dispatch_section.c: sections and views. */
long ntexec_ioctl_create_section(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_open_section(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_map_view(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_unmap_view(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_query_section(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_extend_section(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_handle_from_fd(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_same_file(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_set_process(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_set_thread(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_create_thread(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_queue_apc(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_take_apcs(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_host(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_claim_host(struct ntexec_file *nf, void __user *argp);

/* Validation and capture of OBJECT_ATTRIBUTES' parts (dispatch_section.c). */
struct ntx_name {
	u16 *path;
	u32 len;
	const u16 *leaf;
	u32 leaf_len;
};

struct ob_type;
ntstatus_t ntx_name_capture(struct ntexec_file *nf, u64 root, u64 uname,
			    u32 length, u32 attributes, struct ntx_name *name,
			    int *err);
void ntx_name_free(struct ntx_name *name);
ntstatus_t ntx_owner_access(const struct ob_type *type, u32 desired, u32 *granted);

/* ntexec/dispatch_job.c: I/O completion objects and jobs. */
long ntexec_ioctl_create_io_completion(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_open_io_completion(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_set_io_completion(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_remove_io_completion(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_query_io_completion(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_create_job(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_open_job(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_assign_job(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_terminate_job(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_is_process_in_job(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_query_job(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_set_job(struct ntexec_file *nf, void __user *argp);

/* ntexec/dispatch_sys.c: system information. */
long ntexec_ioctl_system_info(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_create_paging_file(struct ntexec_file *nf, void __user *argp);

/* ntexec/dispatch_thread.c: thread control. */
long ntexec_ioctl_suspend_thread(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_resume_thread(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_alert_resume_thread(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_suspend_process(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_resume_process(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_get_context(struct ntexec_file *nf, void __user *argp);
long ntexec_ioctl_set_context(struct ntexec_file *nf, void __user *argp);

#endif /* _NTEXEC_NTEXEC_H */
