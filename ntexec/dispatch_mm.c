// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls of the memory manager, in the one shape of ntexec/: copy the
 * argument struct in, check what the transport must check, reference the
 * process handle for the access the service needs, call ntmm/ with kernel
 * types, copy the answer out (ntx_out()).
 *
 * The handle gives the process and the address space its rights hold for
 * (ps_reference_process_mm()): a handle opened before the process ran a
 * new program is checked again before it reaches the new one.
 */
#include <linux/file.h>
#include <linux/nls.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ntexec.h"
#include "../ntmm/mm.h"
#include "../ntps/ps.h"

static ntstatus_t ntx_vm_get(struct ntexec_file *nf, u64 handle, u32 access,
			     struct ps_process **process, struct mm_struct **mm)
{
	return ps_reference_process_mm(nf->process, handle, access, process, mm);
}

static void ntx_vm_put(struct ps_process *process, struct mm_struct *mm)
{
	mmput(mm);
	ps_dereference_process(process);
}

/* The fields an NtXxxVirtualMemory range call does not use must be zero. */
static bool ntx_vm_range_unused(const struct ntexec_vm_range *args,
				bool zero_bits, bool type, bool protect)
{
	return (zero_bits && args->zero_bits) || (type && args->type) ||
	       (protect && args->protect);
}

long ntexec_ioctl_allocate_vm(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_vm_range args;
	struct ps_process *process;
	struct mm_struct *mm;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	status = ntx_vm_get(nf, args.process, PROCESS_VM_OPERATION, &process, &mm);
	if (!status) {
		status = mm_allocate_virtual(&process->vm, mm, &args.base, &args.size,
					     args.zero_bits, args.type, args.protect);
		ntx_vm_put(process, mm);
	}
	return ntx_out(argp, &args, sizeof(args), status, false);
}

long ntexec_ioctl_free_vm(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_vm_range args;
	struct ps_process *process;
	struct mm_struct *mm;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (ntx_vm_range_unused(&args, true, false, true))
		return -EINVAL;
	status = ntx_vm_get(nf, args.process, PROCESS_VM_OPERATION, &process, &mm);
	if (!status) {
		status = mm_free_virtual(&process->vm, mm, &args.base, &args.size,
					 args.type);
		ntx_vm_put(process, mm);
	}
	return ntx_out(argp, &args, sizeof(args), status, false);
}

long ntexec_ioctl_protect_vm(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_vm_range args;
	struct ps_process *process;
	struct mm_struct *mm;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (ntx_vm_range_unused(&args, true, true, false))
		return -EINVAL;
	status = ntx_vm_get(nf, args.process, PROCESS_VM_OPERATION, &process, &mm);
	if (!status) {
		status = mm_protect_virtual(&process->vm, mm, &args.base, &args.size,
					    args.protect, &args.protect);
		ntx_vm_put(process, mm);
	}
	return ntx_out(argp, &args, sizeof(args), status, false);
}

static long ntx_lock(struct ntexec_file *nf, void __user *argp, bool lock)
{
	struct ntexec_vm_range args;
	struct ps_process *process;
	struct mm_struct *mm;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (ntx_vm_range_unused(&args, true, false, true))
		return -EINVAL;
	status = ntx_vm_get(nf, args.process, PROCESS_VM_OPERATION, &process, &mm);
	if (!status) {
		status = mm_lock_virtual(&process->vm, mm, &args.base, &args.size,
					 args.type, lock);
		ntx_vm_put(process, mm);
	}
	return ntx_out(argp, &args, sizeof(args), status, false);
}

long ntexec_ioctl_lock_vm(struct ntexec_file *nf, void __user *argp)
{
	return ntx_lock(nf, argp, true);
}

long ntexec_ioctl_unlock_vm(struct ntexec_file *nf, void __user *argp)
{
	return ntx_lock(nf, argp, false);
}

long ntexec_ioctl_flush_vm(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_vm_range args;
	struct ps_process *process;
	struct mm_struct *mm;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (ntx_vm_range_unused(&args, true, true, true))
		return -EINVAL;
	status = ntx_vm_get(nf, args.process, PROCESS_VM_OPERATION, &process, &mm);
	if (!status) {
		status = mm_flush_virtual(&process->vm, mm, &args.base, &args.size);
		ntx_vm_put(process, mm);
	}
	return ntx_out(argp, &args, sizeof(args), status, false);
}

/* MEMORY_WORKING_SET_BLOCKs, stored after NumberOfEntries as found. */
static int ntx_store_ws_blocks(void *ctx, u64 index, const u64 *blocks,
			       unsigned long n)
{
	u64 __user *array = ctx;

	return copy_to_user(array + 1 + index, blocks, n * sizeof(*blocks)) ?
	       -EFAULT : 0;
}

#define NTX_WS_EX_BATCH	256

/*
 * MemoryWorkingSetExInformation: the array of MEMORY_WORKING_SET_EX_
 * INFORMATION is read and answered in batches (no module lock is held
 * across the user copies).
 */
static ntstatus_t ntx_query_ws_ex(struct ps_process *process, struct mm_struct *mm,
				  u64 buffer, u64 count)
{
	struct nt_ws_ex_entry __user *array = u64_to_user_ptr(buffer);
	struct nt_ws_ex_entry *batch;
	ntstatus_t status = STATUS_SUCCESS;
	u64 done, n;

	batch = kmalloc_array(NTX_WS_EX_BATCH, sizeof(*batch), GFP_KERNEL);
	if (!batch)
		return STATUS_NO_MEMORY;
	for (done = 0; done < count && !status; done += n) {
		n = min_t(u64, count - done, NTX_WS_EX_BATCH);
		if (copy_from_user(batch, array + done, n * sizeof(*batch))) {
			status = STATUS_ACCESS_VIOLATION;
			break;
		}
		status = mm_query_working_set_ex(&process->vm, mm, batch, n);
		if (!status && copy_to_user(array + done, batch, n * sizeof(*batch)))
			status = STATUS_ACCESS_VIOLATION;
		if (!status && fatal_signal_pending(current))
			status = NTX_STATUS_RESTART;
		cond_resched();
	}
	kfree(batch);
	return status;
}

/*
 * NtQueryVirtualMemory's working-set classes. MemoryWorkingSetInformation
 * writes NumberOfEntries also when the buffer is too small (with
 * STATUS_INFO_LENGTH_MISMATCH), so that the caller can size it;
 * *ReturnLength is the size the whole answer needs.
 */
static long ntx_query_ws(struct ntexec_file *nf, void __user *argp,
			 struct ntexec_vm_query *args)
{
	bool ex = args->info_class == NT_MEMORY_WORKING_SET_EX_INFORMATION;
	struct ps_process *process;
	struct mm_struct *mm;
	ntstatus_t status;
	u64 count = 0;

	if (args->length < (ex ? sizeof(struct nt_ws_ex_entry) : sizeof(u64)))
		return ntx_status(STATUS_INFO_LENGTH_MISMATCH);
	if (!IS_ALIGNED(args->buffer, sizeof(u64)))
		return ntx_status(STATUS_DATATYPE_MISALIGNMENT);
	status = ntx_vm_get(nf, args->process, PROCESS_QUERY_INFORMATION, &process, &mm);
	if (status)
		return ntx_status(status);
	if (ex) {
		count = args->length / sizeof(struct nt_ws_ex_entry);
		status = ntx_query_ws_ex(process, mm, args->buffer, count);
		args->return_length = count * sizeof(struct nt_ws_ex_entry);
	} else {
		status = mm_query_working_set(&process->vm, mm,
					      args->length / sizeof(u64) - 1,
					      ntx_store_ws_blocks,
					      u64_to_user_ptr(args->buffer), &count);
		if ((!status || status == STATUS_INFO_LENGTH_MISMATCH) &&
		    put_user(count, (u64 __user *)u64_to_user_ptr(args->buffer)))
			status = STATUS_ACCESS_VIOLATION;
		args->return_length = (count + 1) * sizeof(u64);
	}
	ntx_vm_put(process, mm);
	return ntx_out(argp, args, sizeof(*args), status,
		       status == STATUS_INFO_LENGTH_MISMATCH);
}

/* UNICODE_STRING, x64 layout: the name follows it in the caller's buffer. */
struct ntx_unicode_string {
	u16 length;
	u16 maximum_length;
	u32 pad;
	u64 buffer;
};

/*
 * MemoryMappedFilenameInformation: a UNICODE_STRING and the file's path
 * (as /proc/PID/maps shows it, in UTF-16, NUL-terminated) after it, as
 * ObQueryNameString fills OBJECT_NAME_INFORMATION. A buffer too small for
 * the header is STATUS_INFO_LENGTH_MISMATCH, one too small for the name
 * STATUS_BUFFER_OVERFLOW; both report the size needed.
 */
static long ntx_query_mapped_name(struct ntexec_file *nf, void __user *argp,
				  struct ntexec_vm_query *args)
{
	struct ntx_unicode_string *us = NULL;
	struct ps_process *process;
	struct file *file = NULL;
	char *buf = NULL, *path;
	struct mm_struct *mm;
	ntstatus_t status;
	size_t size = 0;
	int n;

	if (!IS_ALIGNED(args->buffer, sizeof(u64)))
		return ntx_status(STATUS_DATATYPE_MISALIGNMENT);
	status = ntx_vm_get(nf, args->process, PROCESS_QUERY_INFORMATION, &process, &mm);
	if (status)
		return ntx_status(status);
	status = mm_query_mapped_file(&process->vm, mm, args->address, &file);
	ntx_vm_put(process, mm);
	if (status)
		return ntx_out(argp, args, sizeof(*args), status, false);

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	us = kmalloc(sizeof(*us) + PATH_MAX * sizeof(u16), GFP_KERNEL);
	if (!buf || !us) {
		status = STATUS_NO_MEMORY;
		goto out;
	}
	path = d_path(&file->f_path, buf, PATH_MAX);
	if (IS_ERR(path)) {
		status = STATUS_NAME_TOO_LONG;
		goto out;
	}
	n = utf8s_to_utf16s(path, strlen(path), UTF16_LITTLE_ENDIAN,
			    (wchar_t *)(us + 1), PATH_MAX - 1);
	if (n < 0)
		n = 0;
	((u16 *)(us + 1))[n] = 0;
	us->length = n * sizeof(u16);
	us->maximum_length = us->length + sizeof(u16);
	us->pad = 0;
	us->buffer = args->buffer + sizeof(*us);
	size = sizeof(*us) + us->maximum_length;
	args->return_length = size;
	if (args->length < sizeof(*us))
		status = STATUS_INFO_LENGTH_MISMATCH;
	else if (args->length < size)
		status = STATUS_BUFFER_OVERFLOW;
	else if (copy_to_user(u64_to_user_ptr(args->buffer), us, size))
		status = STATUS_ACCESS_VIOLATION;
out:
	kfree(us);
	kfree(buf);
	fput(file);
	return ntx_out(argp, args, sizeof(*args), status,
		       status == STATUS_INFO_LENGTH_MISMATCH || status == STATUS_BUFFER_OVERFLOW);
}

/*
 * MemoryRegionInformation and MemoryRegionInformationEx: the allocation
 * containing the address, whole. A buffer that stops after RegionSize
 * (Windows 7's structure) or after any later field gets the fields it
 * holds, and *ReturnLength says how many bytes that was; a shorter one is
 * STATUS_INFO_LENGTH_MISMATCH (Wine's conformance test, which passes on
 * Windows). That test also finds MemoryRegionInformation's RegionType
 * bits clear for private memory and views: only the Ex class, which
 * QueryVirtualMemoryInformation's MemoryRegionInfo uses, fills them.
 */
static long ntx_query_region(struct ntexec_file *nf, void __user *argp,
			     struct ntexec_vm_query *args)
{
	struct nt_memory_region_information info;
	struct ps_process *process;
	struct mm_struct *mm;
	ntstatus_t status;
	u64 n;

	if (args->length < NT_MEMORY_REGION_INFORMATION_MIN)
		return ntx_status(STATUS_INFO_LENGTH_MISMATCH);
	if (!IS_ALIGNED(args->buffer, sizeof(u64)))
		return ntx_status(STATUS_DATATYPE_MISALIGNMENT);
	status = ntx_vm_get(nf, args->process, PROCESS_QUERY_INFORMATION, &process, &mm);
	if (status)
		return ntx_status(status);
	status = mm_query_region(&process->vm, mm, args->address, &info);
	ntx_vm_put(process, mm);
	if (!status) {
		if (args->info_class == NT_MEMORY_REGION_INFORMATION)
			info.region_type = 0;
		/* Whole fields only: every one after RegionSize is 8 bytes. */
		n = round_down(min_t(u64, args->length, sizeof(info)), sizeof(u64));
		if (copy_to_user(u64_to_user_ptr(args->buffer), &info, n))
			status = STATUS_ACCESS_VIOLATION;
		else
			args->return_length = n;
	}
	return ntx_out(argp, args, sizeof(*args), status, false);
}

long ntexec_ioctl_query_vm(struct ntexec_file *nf, void __user *argp)
{
	struct nt_memory_basic_information mbi;
	struct ntexec_vm_query args;
	struct ps_process *process;
	struct mm_struct *mm;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;
	if (args.info_class == NT_MEMORY_WORKING_SET_INFORMATION ||
	    args.info_class == NT_MEMORY_WORKING_SET_EX_INFORMATION)
		return ntx_query_ws(nf, argp, &args);
	if (args.info_class == NT_MEMORY_MAPPED_FILENAME_INFORMATION)
		return ntx_query_mapped_name(nf, argp, &args);
	if (args.info_class == NT_MEMORY_REGION_INFORMATION ||
	    args.info_class == NT_MEMORY_REGION_INFORMATION_EX)
		return ntx_query_region(nf, argp, &args);
	status = ntx_vm_get(nf, args.process, PROCESS_QUERY_INFORMATION, &process, &mm);
	if (!status) {
		status = mm_query_virtual(&process->vm, mm, args.address,
					  args.info_class, args.length, &mbi,
					  &args.return_length);
		ntx_vm_put(process, mm);
	}
	/* The answer goes to MemoryInformation; a bad buffer is NT's probe fault. */
	if (!status && copy_to_user(u64_to_user_ptr(args.buffer), &mbi, sizeof(mbi)))
		status = STATUS_ACCESS_VIOLATION;
	return ntx_out(argp, &args, sizeof(args), status, false);
}

static long ntx_copy(struct ntexec_file *nf, void __user *argp, bool write)
{
	struct ntexec_vm_copy args;
	struct ps_process *process;
	struct mm_struct *mm;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	status = ntx_vm_get(nf, args.process, write ? PROCESS_VM_WRITE : PROCESS_VM_READ,
			    &process, &mm);
	if (!status) {
		status = mm_copy_virtual(&process->vm, mm, args.address,
					 u64_to_user_ptr(args.buffer), args.size,
					 write, &args.done);
		ntx_vm_put(process, mm);
	}
	/* The count is valid with STATUS_PARTIAL_COPY too. */
	return ntx_out(argp, &args, sizeof(args), status, status == STATUS_PARTIAL_COPY);
}

long ntexec_ioctl_read_vm(struct ntexec_file *nf, void __user *argp)
{
	return ntx_copy(nf, argp, false);
}

long ntexec_ioctl_write_vm(struct ntexec_file *nf, void __user *argp)
{
	return ntx_copy(nf, argp, true);
}

/* NtGetWriteWatch's addresses, stored into UserAddressArray as found. */
static int ntx_store_addresses(void *ctx, u64 index, const u64 *addrs,
			       unsigned long n)
{
	u64 __user *array = ctx;

	return copy_to_user(array + index, addrs, n * sizeof(*addrs)) ? -EFAULT : 0;
}

long ntexec_ioctl_get_write_watch(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_write_watch args;
	struct ps_process *process;
	struct mm_struct *mm;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.granularity)
		return -EINVAL;
	status = ntx_vm_get(nf, args.process, PROCESS_VM_OPERATION, &process, &mm);
	if (!status) {
		status = mm_get_write_watch(&process->vm, mm, args.flags, args.base,
					    args.size, args.count, ntx_store_addresses,
					    u64_to_user_ptr(args.addresses), &args.count);
		ntx_vm_put(process, mm);
	}
	args.granularity = PAGE_SIZE;
	return ntx_out(argp, &args, sizeof(args), status, false);
}

long ntexec_ioctl_reset_write_watch(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_write_watch args;
	struct ps_process *process;
	struct mm_struct *mm;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.granularity || args.addresses || args.count || args.flags)
		return -EINVAL;
	status = ntx_vm_get(nf, args.process, PROCESS_VM_OPERATION, &process, &mm);
	if (!status) {
		status = mm_reset_write_watch(&process->vm, mm, args.base, args.size);
		ntx_vm_put(process, mm);
	}
	args.granularity = PAGE_SIZE;
	return ntx_out(argp, &args, sizeof(args), status, false);
}

long ntexec_ioctl_get_exception(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_exception args;

	return ntx_out(argp, &args, sizeof(args), ps_get_exception(&args), false);
}
