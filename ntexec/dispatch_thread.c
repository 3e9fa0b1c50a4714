// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls of thread control: suspend and resume of threads and
 * processes, and thread contexts.
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
 * The CONTEXT is the caller's memory, probed as NT probes it: its
 * alignment first (STATUS_DATATYPE_MISALIGNMENT), then its readability
 * and, for a get, writability (STATUS_ACCESS_VIOLATION).
 */
static long ntexec_context_common(struct ntexec_file *nf, void __user *argp, bool set)
{
	struct ntexec_context args;
	struct nt_context *ctx;
	void __user *uctx;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (!IS_ALIGNED(args.context, PS_CONTEXT_ALIGN))
		return ntx_status(STATUS_DATATYPE_MISALIGNMENT);
	uctx = u64_to_user_ptr(args.context);
	ctx = kmalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return ntx_status(STATUS_NO_MEMORY);
	if (copy_from_user(ctx, uctx, sizeof(*ctx))) {
		status = STATUS_ACCESS_VIOLATION;
	} else if (set) {
		status = ps_set_context(nf->process, args.thread, ctx);
	} else {
		status = ps_get_context(nf->process, args.thread, ctx);
		if (!status && copy_to_user(uctx, ctx, sizeof(*ctx)))
			status = STATUS_ACCESS_VIOLATION;
	}
	kfree(ctx);
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
