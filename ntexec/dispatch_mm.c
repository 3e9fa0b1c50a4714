// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls of the memory manager: each copies its argument struct in,
 * checks padding and flags, references the process handle for the access
 * the service needs, calls ntmm/ with kernel types and copies the answer
 * out on success (and, for copies, on STATUS_PARTIAL_COPY).
 *
 * The handle gives the process and the address space its rights hold for
 * (ps_reference_process_mm()): a handle opened before the process ran a
 * new program is checked again before it reaches the new one.
 */
#include <linux/sched/mm.h>
#include <linux/uaccess.h>

#include "ntexec.h"
#include "../ntmm/mm.h"
#include "../ntps/ps.h"

/* A service's result as the ioctl's return value (see uapi/ntexec.h). */
static long ntx_mm_ret(long ret)
{
	return ret < 0 ? ret : (long)(u32)ret;
}

static long ntx_mm_out(void __user *argp, const void *args, size_t size,
		       long ret, bool always)
{
	if (ret >= 0 && (always || NT_SUCCESS((u32)ret)) &&
	    copy_to_user(argp, args, size))
		return -EFAULT;
	return ntx_mm_ret(ret);
}

enum ntx_range_op {
	NTX_ALLOCATE, NTX_FREE, NTX_PROTECT, NTX_LOCK, NTX_UNLOCK, NTX_FLUSH,
};

static long ntx_range(struct ntexec_file *nf, void __user *argp,
		      enum ntx_range_op op)
{
	struct ntexec_vm_range args;
	struct ps_process *process;
	struct mm_struct *mm;
	ntstatus_t status;
	long ret;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (op != NTX_ALLOCATE && args.zero_bits)
		return -EINVAL;
	if ((op == NTX_PROTECT || op == NTX_FLUSH) && args.type)
		return -EINVAL;
	if (op != NTX_ALLOCATE && op != NTX_PROTECT && args.protect)
		return -EINVAL;
	status = ps_reference_process_mm(nf->process, args.process,
					 PROCESS_VM_OPERATION, &process, &mm);
	if (status)
		return ntx_mm_ret(status);

	switch (op) {
	case NTX_ALLOCATE:
		ret = mm_allocate_virtual(process, mm, &args.base, &args.size,
					  args.zero_bits, args.type, args.protect);
		break;
	case NTX_FREE:
		ret = mm_free_virtual(process, mm, &args.base, &args.size,
				      args.type);
		break;
	case NTX_PROTECT:
		ret = mm_protect_virtual(process, mm, &args.base, &args.size,
					 args.protect, &args.protect);
		break;
	case NTX_LOCK:
	case NTX_UNLOCK:
		ret = mm_lock_virtual(process, mm, &args.base, &args.size,
				      args.type, op == NTX_LOCK);
		break;
	default:
		ret = mm_flush_virtual(process, mm, &args.base, &args.size);
		break;
	}
	mmput(mm);
	ps_dereference_process(process);
	return ntx_mm_out(argp, &args, sizeof(args), ret, false);
}

long ntexec_ioctl_allocate_vm(struct ntexec_file *nf, void __user *argp)
{
	return ntx_range(nf, argp, NTX_ALLOCATE);
}

long ntexec_ioctl_free_vm(struct ntexec_file *nf, void __user *argp)
{
	return ntx_range(nf, argp, NTX_FREE);
}

long ntexec_ioctl_protect_vm(struct ntexec_file *nf, void __user *argp)
{
	return ntx_range(nf, argp, NTX_PROTECT);
}

long ntexec_ioctl_lock_vm(struct ntexec_file *nf, void __user *argp)
{
	return ntx_range(nf, argp, NTX_LOCK);
}

long ntexec_ioctl_unlock_vm(struct ntexec_file *nf, void __user *argp)
{
	return ntx_range(nf, argp, NTX_UNLOCK);
}

long ntexec_ioctl_flush_vm(struct ntexec_file *nf, void __user *argp)
{
	return ntx_range(nf, argp, NTX_FLUSH);
}

long ntexec_ioctl_query_vm(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_vm_query args;
	struct ps_process *process;
	struct mm_struct *mm;
	ntstatus_t status;
	long ret;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;
	status = ps_reference_process_mm(nf->process, args.process,
					 PROCESS_QUERY_INFORMATION, &process, &mm);
	if (status)
		return ntx_mm_ret(status);
	ret = mm_query_virtual(process, mm, args.address, args.info_class,
			       u64_to_user_ptr(args.buffer), args.length,
			       &args.return_length);
	mmput(mm);
	ps_dereference_process(process);
	return ntx_mm_out(argp, &args, sizeof(args), ret, false);
}

static long ntx_copy(struct ntexec_file *nf, void __user *argp, bool write)
{
	struct ntexec_vm_copy args;
	struct ps_process *process;
	struct mm_struct *mm;
	ntstatus_t status;
	long ret;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	status = ps_reference_process_mm(nf->process, args.process,
					 write ? PROCESS_VM_WRITE : PROCESS_VM_READ,
					 &process, &mm);
	if (status)
		return ntx_mm_ret(status);
	ret = mm_copy_virtual(process, mm, args.address,
			      u64_to_user_ptr(args.buffer), args.size, write,
			      &args.done);
	mmput(mm);
	ps_dereference_process(process);
	/* The count is valid with STATUS_PARTIAL_COPY too. */
	return ntx_mm_out(argp, &args, sizeof(args), ret, true);
}

long ntexec_ioctl_read_vm(struct ntexec_file *nf, void __user *argp)
{
	return ntx_copy(nf, argp, false);
}

long ntexec_ioctl_write_vm(struct ntexec_file *nf, void __user *argp)
{
	return ntx_copy(nf, argp, true);
}

static long ntx_write_watch(struct ntexec_file *nf, void __user *argp,
			    bool reset)
{
	struct ntexec_write_watch args;
	struct ps_process *process;
	struct mm_struct *mm;
	ntstatus_t status;
	long ret;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.granularity || (reset && (args.addresses || args.count ||
					   args.flags)))
		return -EINVAL;
	status = ps_reference_process_mm(nf->process, args.process,
					 PROCESS_VM_OPERATION, &process, &mm);
	if (status)
		return ntx_mm_ret(status);
	if (reset)
		ret = mm_reset_write_watch(process, mm, args.base, args.size);
	else
		ret = mm_get_write_watch(process, mm, args.flags, args.base,
					 args.size, u64_to_user_ptr(args.addresses),
					 &args.count);
	mmput(mm);
	ps_dereference_process(process);
	args.granularity = PAGE_SIZE;
	return ntx_mm_out(argp, &args, sizeof(args), ret, false);
}

long ntexec_ioctl_get_write_watch(struct ntexec_file *nf, void __user *argp)
{
	return ntx_write_watch(nf, argp, false);
}

long ntexec_ioctl_reset_write_watch(struct ntexec_file *nf, void __user *argp)
{
	return ntx_write_watch(nf, argp, true);
}

long ntexec_ioctl_get_exception(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_exception args;
	long ret;

	ret = mm_get_exception(&args);
	return ntx_mm_out(argp, &args, sizeof(args), ret, false);
}
