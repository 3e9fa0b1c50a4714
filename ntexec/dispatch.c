// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls of the object manager and the process manager: each copies its
 * argument struct in, checks padding and flags, calls the worker with kernel
 * types, and copies the answer out when the status is a success.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ntexec.h"
#include "../ntps/ps.h"

#define NTEXEC_MAX_WAIT_OBJECTS	64

long ntexec_ioctl_close(struct ntexec_file *nf, void __user *argp)
{
	u64 handle;

	/* struct ntexec_handle is one __u64: one get_user(), not a copy. */
	BUILD_BUG_ON(sizeof(struct ntexec_handle) != sizeof(u64));
	if (get_user(handle, (u64 __user *)argp))
		return -EFAULT;
	/* Closing a pseudo-handle is a no-op that succeeds, as on NT. */
	if (handle == NTEXEC_CURRENT_PROCESS || handle == NTEXEC_CURRENT_THREAD)
		return ntx_status(STATUS_SUCCESS);
	return ntx_status(ob_close_handle(&nf->process->handles, handle));
}

long ntexec_ioctl_duplicate(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_duplicate __user *uargs = argp;
	/* Not zeroed first (INIT_STACK_ALL_ZERO): the copy fills it, or fails. */
	struct ntexec_duplicate args __uninitialized;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;
	status = ps_duplicate_object(nf->process, args.source_process, args.source_handle,
				     args.target_process, args.access, args.attributes,
				     args.options, &args.target_handle);
	if (status == NTX_STATUS_RESTART)
		return -ERESTARTNOINTR;
	/* The new handle is the one field the call writes. */
	if (NT_SUCCESS(status) && put_user(args.target_handle, &uargs->target_handle))
		return -EFAULT;
	return ntx_status(status);
}

static long ntexec_open_common(struct ntexec_file *nf, void __user *argp, bool thread)
{
	struct ntexec_open args;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.attributes & ~OBJ_VALID_ATTRIBUTES)
		return ntx_status(STATUS_INVALID_PARAMETER);
	if (thread)
		status = ps_open_thread(nf->process, args.process_id, args.thread_id,
					args.access, args.attributes, &args.handle);
	else
		status = ps_open_process(nf->process, args.process_id, args.thread_id,
					 args.access, args.attributes, &args.handle);
	return ntx_out(argp, &args, sizeof(args), status, false);
}

long ntexec_ioctl_open_process(struct ntexec_file *nf, void __user *argp)
{
	return ntexec_open_common(nf, argp, false);
}

long ntexec_ioctl_open_thread(struct ntexec_file *nf, void __user *argp)
{
	return ntexec_open_common(nf, argp, true);
}

long ntexec_ioctl_wait(struct ntexec_file *nf, void __user *argp)
{
	struct ps_thread *self = NULL;
	struct ob_object **objs = NULL;
	struct ob_timeout timeout;
	struct ntexec_wait args;
	u32 i, j, n = 0;
	ntstatus_t status;
	u64 *handles;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.flags & ~NTEXEC_WAIT_FLAGS)
		return -EINVAL;
	if (!!(args.flags & NTEXEC_WAIT_DELAY) != !args.count)
		return -EINVAL;
	if (args.count > NTEXEC_MAX_WAIT_OBJECTS)
		return ntx_status(STATUS_INVALID_PARAMETER_1);
	/* Sized from the count (at most 64): no arrays on the stack. */
	handles = args.count ? memdup_array_user(u64_to_user_ptr(args.handles),
						 args.count, sizeof(u64)) : NULL;
	if (IS_ERR(handles))
		return PTR_ERR(handles);
	if (args.count) {
		objs = kcalloc(args.count, sizeof(*objs), GFP_KERNEL);
		if (!objs) {
			status = STATUS_NO_MEMORY;
			goto out;
		}
	}

	timeout.infinite = !(args.flags & NTEXEC_WAIT_TIMEOUT);
	timeout.deadline = ns_to_ktime(args.timeout);
	timeout.clock = (args.flags & NTEXEC_WAIT_REALTIME) ? CLOCK_REALTIME : CLOCK_MONOTONIC;

	for (n = 0; n < args.count; n++) {
		status = ps_reference_object(nf->process, handles[n], NULL, SYNCHRONIZE,
					     &objs[n], NULL);
		if (status)
			goto out;
	}
	if (args.flags & NTEXEC_WAIT_ALL) {
		/* NT refuses an object named twice in a WaitAll. */
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++)
				if (objs[i] == objs[j]) {
					status = STATUS_INVALID_PARAMETER_MIX;
					goto out;
				}
	}
	if (args.flags & NTEXEC_WAIT_ALERTABLE) {
		self = ps_current_thread();
		if (!self) {
			status = STATUS_NO_MEMORY;
			goto out;
		}
	}
	status = ob_wait_objects(objs, n, args.flags & NTEXEC_WAIT_ALL,
				 self ? &self->alert : NULL, &timeout);
	if (self)
		ps_dereference_thread(self);
out:
	while (n--)
		ob_dereference(objs[n]);
	kfree(objs);
	kfree(handles);
	return ntx_status(status);
}

static long ntexec_query_common(struct ntexec_file *nf, void __user *argp, bool thread)
{
	struct ntexec_query_info args;
	struct ps_info info = {};
	ntstatus_t status;
	u32 ret_len = 0;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;
	if (thread)
		status = ps_query_thread(nf->process, args.handle, args.info_class,
					 args.buffer, args.length, &info);
	else
		status = ps_query_process(nf->process, args.handle, args.info_class,
					  args.buffer, args.length, &info, &ret_len);
	if (!status) {
		/* A bad buffer is what NT's probe of it raises. */
		if (copy_to_user(u64_to_user_ptr(args.buffer), info.data, info.size))
			status = STATUS_ACCESS_VIOLATION;
		ret_len = info.size;
		ps_info_free(&info);
	}
	/* The needed length is reported with STATUS_INFO_LENGTH_MISMATCH too. */
	args.return_length = ret_len;
	return ntx_out(argp, &args, sizeof(args), status,
		       status == STATUS_INFO_LENGTH_MISMATCH && ret_len);
}

long ntexec_ioctl_query_process(struct ntexec_file *nf, void __user *argp)
{
	return ntexec_query_common(nf, argp, false);
}

long ntexec_ioctl_query_thread(struct ntexec_file *nf, void __user *argp)
{
	return ntexec_query_common(nf, argp, true);
}

long ntexec_ioctl_terminate_process(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_terminate args;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;
	return ntx_status(ps_terminate_process(nf->process, args.handle, args.status));
}

long ntexec_ioctl_terminate_thread(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_terminate args;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;
	return ntx_status(ps_terminate_thread(nf->process, args.handle, args.status));
}

static long ntexec_get_next_common(struct ntexec_file *nf, void __user *argp, bool thread)
{
	struct ntexec_get_next args;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;
	if (args.attributes & ~OBJ_VALID_ATTRIBUTES)
		return ntx_status(STATUS_INVALID_PARAMETER);
	if (args.flags)
		return ntx_status(thread ? STATUS_INVALID_PARAMETER_5 :
				  STATUS_INVALID_PARAMETER_4);
	if (thread)
		status = ps_get_next_thread(nf->process, args.process, args.thread,
					    args.access, args.attributes, &args.handle);
	else
		status = ps_get_next_process(nf->process, args.process, args.access,
					     args.attributes, &args.handle);
	return ntx_out(argp, &args, sizeof(args), status, false);
}

long ntexec_ioctl_get_next_process(struct ntexec_file *nf, void __user *argp)
{
	return ntexec_get_next_common(nf, argp, false);
}

long ntexec_ioctl_get_next_thread(struct ntexec_file *nf, void __user *argp)
{
	return ntexec_get_next_common(nf, argp, true);
}

long ntexec_ioctl_alert_thread(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_handle args;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	return ntx_status(ps_alert_thread(nf->process, args.handle));
}

long ntexec_ioctl_test_alert(struct ntexec_file *nf, void __user *argp)
{
	return ntx_status(ps_test_alert());
}

/* The largest information a set takes (QUOTA_LIMITS_EX). */
#define NTX_SET_INFO_MAX	88

static long ntexec_set_common(struct ntexec_file *nf, void __user *argp, bool thread)
{
	struct ntexec_query_info args;
	u8 data[NTX_SET_INFO_MAX];
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.pad || args.return_length)
		return -EINVAL;
	/* Longer than any class takes: each class's length check refuses it. */
	if (args.length > sizeof(data))
		status = thread ? ps_set_thread(nf->process, args.handle, args.info_class,
						NULL, args.length) :
				  ps_set_process(nf->process, args.handle, args.info_class,
						 NULL, args.length);
	else if (copy_from_user(data, u64_to_user_ptr(args.buffer), args.length))
		status = STATUS_ACCESS_VIOLATION;	/* NT's probe of the buffer */
	else if (thread)
		status = ps_set_thread(nf->process, args.handle, args.info_class, data,
				       args.length);
	else
		status = ps_set_process(nf->process, args.handle, args.info_class, data,
					args.length);
	return ntx_status(status);
}

long ntexec_ioctl_set_process(struct ntexec_file *nf, void __user *argp)
{
	return ntexec_set_common(nf, argp, false);
}

long ntexec_ioctl_set_thread(struct ntexec_file *nf, void __user *argp)
{
	return ntexec_set_common(nf, argp, true);
}
