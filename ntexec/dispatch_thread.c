// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls of thread control: thread and empty-process creation, suspend
 * and resume of threads and processes, thread contexts, and user APCs.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ntexec.h"
#include "../ntps/ps.h"
#include "../ntps/context.h"

static long ntexec_suspend_common(struct ntexec_file *nf, void __user *argp,
				  bool resume, bool alert)
{
	struct ntexec_suspend args;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;
	args.previous = 0;
	if (resume)
		status = ps_resume_thread(nf->process, args.handle, alert, &args.previous);
	else
		status = ps_suspend_thread(nf->process, args.handle, &args.previous);
	return ntx_out(argp, &args, sizeof(args), status, false);
}

long ntexec_ioctl_suspend_thread(struct ntexec_file *nf, void __user *argp)
{
	return ntexec_suspend_common(nf, argp, false, false);
}

long ntexec_ioctl_resume_thread(struct ntexec_file *nf, void __user *argp)
{
	return ntexec_suspend_common(nf, argp, true, false);
}

long ntexec_ioctl_alert_resume_thread(struct ntexec_file *nf, void __user *argp)
{
	return ntexec_suspend_common(nf, argp, true, true);
}

long ntexec_ioctl_suspend_process(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_handle args;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	return ntx_status(ps_suspend_process(nf->process, args.handle));
}

long ntexec_ioctl_resume_process(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_handle args;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	return ntx_status(ps_resume_process(nf->process, args.handle));
}

/*
 * CONTEXT_XSTATE: the CONTEXT_EX right after the CONTEXT locates the XState
 * chunk, anywhere in the caller's memory (its offset is signed). The chunk
 * must hold the header and, when its Mask names AVX, the AVX feature:
 * else STATUS_INVALID_PARAMETER, as Windows answers. Return: the chunk's
 * user address in @uhdr, and @xs read (the feature itself only for a set).
 */
static ntstatus_t ntexec_xstate_in(void __user *uctx, bool set, struct ps_xstate *xs,
				   void __user **uhdr)
{
	void __user *uex = uctx + sizeof(struct nt_context);
	struct nt_context_ex ex;
	u64 __user *mask;

	if (copy_from_user(&ex, uex, sizeof(ex)))
		return STATUS_ACCESS_VIOLATION;
	if (ex.xstate.length < PS_XSAVE_HEADER_SIZE)
		return STATUS_INVALID_PARAMETER;
	*uhdr = (void __user *)((unsigned long)uex + (long)ex.xstate.offset);
	mask = *uhdr;
	if (get_user(xs->mask, mask))
		return STATUS_ACCESS_VIOLATION;
	if ((xs->mask & PS_XSTATE_MASK_AVX) && ex.xstate.length < PS_XSTATE_AVX_END)
		return STATUS_INVALID_PARAMETER;
	if (set && (xs->mask & PS_XSTATE_MASK_AVX) &&
	    copy_from_user(xs->ymm_high, *uhdr + PS_XSTATE_AVX_OFFSET, sizeof(xs->ymm_high)))
		return STATUS_ACCESS_VIOLATION;
	return STATUS_SUCCESS;
}

/* A get's XSTATE answer: the Mask served and the features in it. */
static ntstatus_t ntexec_xstate_out(void __user *uhdr, const struct ps_xstate *xs)
{
	if (put_user(xs->mask, (u64 __user *)uhdr))
		return STATUS_ACCESS_VIOLATION;
	if ((xs->mask & PS_XSTATE_MASK_AVX) &&
	    copy_to_user(uhdr + PS_XSTATE_AVX_OFFSET, xs->ymm_high, sizeof(xs->ymm_high)))
		return STATUS_ACCESS_VIOLATION;
	return STATUS_SUCCESS;
}

/* The CONTEXT and its XSTATE chunk: too big for the stack together. */
struct ntexec_context_buf {
	struct nt_context ctx;
	struct ps_xstate xs;
};

/*
 * The CONTEXT is the caller's memory, probed as NT probes it: its
 * alignment first (STATUS_DATATYPE_MISALIGNMENT), then its readability
 * and, for a get, writability (STATUS_ACCESS_VIOLATION).
 */
static long ntexec_context_common(struct ntexec_file *nf, void __user *argp, bool set)
{
	void __user *uctx, *uhdr = NULL;
	struct ntexec_context_buf *buf;
	struct ntexec_context args;
	struct ps_xstate *xs = NULL;
	struct nt_context *ctx;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (!IS_ALIGNED(args.context, PS_CONTEXT_ALIGN))
		return ntx_status(STATUS_DATATYPE_MISALIGNMENT);
	uctx = u64_to_user_ptr(args.context);
	buf = kmalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return ntx_status(STATUS_NO_MEMORY);
	ctx = &buf->ctx;
	if (copy_from_user(ctx, uctx, sizeof(*ctx))) {
		status = STATUS_ACCESS_VIOLATION;
		goto out;
	}
	/* The flags first, as NT checks them: then the CONTEXT_EX. */
	status = ps_context_check_flags(ctx->context_flags, set);
	if (status)
		goto out;
	if ((ctx->context_flags & CONTEXT_XSTATE) == CONTEXT_XSTATE) {
		xs = &buf->xs;
		status = ntexec_xstate_in(uctx, set, xs, &uhdr);
		if (status)
			goto out;
	}
	if (set) {
		status = ps_set_context(nf->process, args.thread, ctx, xs);
	} else {
		status = ps_get_context(nf->process, args.thread, ctx, xs);
		if (!status && copy_to_user(uctx, ctx, sizeof(*ctx)))
			status = STATUS_ACCESS_VIOLATION;
		if (!status && xs)
			status = ntexec_xstate_out(uhdr, xs);
	}
out:
	kfree(buf);
	return ntx_status(status);
}

long ntexec_ioctl_get_context(struct ntexec_file *nf, void __user *argp)
{
	return ntexec_context_common(nf, argp, false);
}

long ntexec_ioctl_set_context(struct ntexec_file *nf, void __user *argp)
{
	return ntexec_context_common(nf, argp, true);
}

/*
 * A thread created in the caller's own process answers this ioctl itself,
 * on the caller's way out (ntps/stub.c): the return value and the struct
 * are then its.
 */
long ntexec_ioctl_create_thread(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_create_thread args;
	ntstatus_t status;
	bool answered;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	status = ps_create_thread(nf->process, &args, (u64)(uintptr_t)argp, &answered);
	if (answered)
		return 0;
	return ntx_out(argp, &args, sizeof(args), status, false);
}

long ntexec_ioctl_queue_apc(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_queue_apc args;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.apc.pad)
		return -EINVAL;
	return ntx_status(ps_queue_apc(nf->process, args.thread, &args.apc));
}

/* Taken APCs that cannot be copied out are lost: the caller's bad buffer. */
long ntexec_ioctl_take_apcs(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_take_apcs args;
	struct ntexec_apc *apcs;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (!args.capacity || args.capacity > NTEXEC_TAKE_APCS_MAX || args.count)
		return -EINVAL;
	apcs = kcalloc(args.capacity, sizeof(*apcs), GFP_KERNEL);
	if (!apcs)
		return ntx_status(STATUS_NO_MEMORY);
	status = ps_take_apcs(apcs, args.capacity, &args.count);
	if (!status && copy_to_user(u64_to_user_ptr(args.buffer), apcs,
				    args.count * sizeof(*apcs)))
		status = STATUS_ACCESS_VIOLATION;
	kfree(apcs);
	return ntx_out(argp, &args, sizeof(args), status, false);
}

long ntexec_ioctl_host(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_host args;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.pad || args.exit_code)
		return -EINVAL;
	status = ps_host(nf->process, &args.exit_code);
	return ntx_out(argp, &args, sizeof(args), status, false);
}

long ntexec_ioctl_claim_host(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_claim_host args;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;
	/* pid 0: the host about to be started breaks away from the job, or not. */
	if (!args.pid) {
		if ((args.flags & ~PROCESS_CREATE_FLAGS_BREAKAWAY) || args.access ||
		    args.attributes || args.handle)
			return -EINVAL;
		status = ps_job_arm_breakaway(nf->process,
					      args.flags & PROCESS_CREATE_FLAGS_BREAKAWAY);
		return ntx_out(argp, &args, sizeof(args), status, false);
	}
	if (args.flags & ~PROCESS_CREATE_FLAGS_INHERIT_HANDLES)
		return -EINVAL;
	/* Whatever its breakaway asked, it is spent: the host was started. */
	ps_job_arm_breakaway(nf->process, false);
	status = ps_claim_host(nf->process, args.pid, args.access, args.attributes,
			       args.flags, &args.handle);
	return ntx_out(argp, &args, sizeof(args), status, false);
}
