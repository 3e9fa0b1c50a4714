// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls of I/O completion objects (NtCreateIoCompletion,
 * NtOpenIoCompletion, NtSetIoCompletion, NtRemoveIoCompletion(Ex),
 * NtQueryIoCompletion) and of jobs (NtCreateJobObject, NtOpenJobObject,
 * NtAssignProcessToJobObject, NtTerminateJobObject, NtIsProcessInJob,
 * NtQueryInformationJobObject, NtSetInformationJobObject), in the one shape
 * of ntexec/ (see ntexec.h). Names go through the object namespace as
 * sections' do (dispatch_section.c).
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ntexec.h"
#include "../ntps/ps.h"

/*
 * Name a new object (when asked) and give the caller a handle: the common
 * end of NtCreateIoCompletion and NtCreateJobObject. Takes over the
 * caller's reference on @obj. OBJ_OPENIF on an existing object of the
 * type opens it (STATUS_OBJECT_NAME_EXISTS).
 */
static ntstatus_t ntx_create_named(struct ntexec_file *nf, struct ntexec_create_object *args,
				   struct ob_object *obj, struct ntx_name *name)
{
	struct ob_handle_info info = { .attributes = args->attributes };
	ntstatus_t status, inserted;
	bool named = false;

	status = ntx_owner_access(obj->type, args->access, &info.access);
	if (status)
		goto out;
	if (name->path) {
		struct ob_object *existing;

		status = ob_name_object(obj, name->leaf, name->leaf_len, args->attributes,
					&existing);
		if (status == STATUS_OBJECT_NAME_EXISTS) {
			ob_dereference(obj);
			obj = existing;
		} else if (status) {
			goto out;
		} else {
			named = true;
		}
	}
	inserted = ob_insert_handle(&nf->process->handles, obj, &info, &args->handle);
	if (inserted) {
		if (named)
			ob_unname(obj);
		status = inserted;
	}
out:
	ob_dereference(obj);
	return status;
}

static long ntx_open_named(struct ntexec_file *nf, void __user *argp,
			   const struct ob_type *type)
{
	struct ob_handle_info info = {};
	struct ntexec_open_object args;
	struct ob_object *obj;
	struct ntx_name name;
	ntstatus_t status;
	int err;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;
	status = ntx_name_capture(nf, args.root, args.name, args.name_length,
				  args.attributes, &name, &err);
	if (err)
		return err;
	if (status)
		return ntx_status(status);
	if (!name.path) {
		status = STATUS_OBJECT_PATH_SYNTAX_BAD;
		goto out;
	}
	status = ntx_owner_access(type, args.access, &info.access);
	if (status)
		goto out;
	info.attributes = args.attributes;
	status = ob_open_name(name.leaf, name.leaf_len, args.attributes, type, &obj);
	if (status)
		goto out;
	status = ob_insert_handle(&nf->process->handles, obj, &info, &args.handle);
	ob_dereference(obj);
out:
	ntx_name_free(&name);
	return ntx_out(argp, &args, sizeof(args), status, false);
}

static long ntx_create_common(struct ntexec_file *nf, void __user *argp, bool job)
{
	struct ntexec_create_object args;
	struct ob_object *obj = NULL;
	struct ntx_name name;
	ntstatus_t status;
	int err;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (job && args.count)
		return -EINVAL;
	status = ntx_name_capture(nf, args.root, args.name, args.name_length,
				  args.attributes, &name, &err);
	if (err)
		return err;
	if (status)
		return ntx_status(status);
	if (job) {
		struct ps_job *j;

		status = ps_create_job(&j);
		if (!status)
			obj = ps_job_object(j);
	} else {
		struct ob_iocomp *port;

		status = ob_create_iocomp(args.count, &port);
		if (!status)
			obj = ob_iocomp_object(port);
	}
	if (!status)
		status = ntx_create_named(nf, &args, obj, &name);
	ntx_name_free(&name);
	return ntx_out(argp, &args, sizeof(args), status, false);
}

long ntexec_ioctl_create_io_completion(struct ntexec_file *nf, void __user *argp)
{
	return ntx_create_common(nf, argp, false);
}

long ntexec_ioctl_open_io_completion(struct ntexec_file *nf, void __user *argp)
{
	return ntx_open_named(nf, argp, &ob_iocomp_type);
}

static ntstatus_t ntx_reference_port(struct ntexec_file *nf, u64 handle, u32 access,
				     struct ob_iocomp **port)
{
	struct ob_object *obj;
	ntstatus_t status;

	status = ps_reference_object(nf->process, handle, &ob_iocomp_type, access, &obj, NULL);
	if (!status)
		*port = ob_iocomp_of(obj);
	return status;
}

long ntexec_ioctl_set_io_completion(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_io_packet args;
	struct ob_io_packet packet;
	struct ob_iocomp *port;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;
	status = ntx_reference_port(nf, args.handle, IO_COMPLETION_MODIFY_STATE, &port);
	if (status)
		return ntx_status(status);
	packet = (struct ob_io_packet) {
		.key = args.key,
		.apc_context = args.apc_context,
		.information = args.information,
		.status = args.status,
	};
	status = ob_iocomp_post(port, &packet, GFP_KERNEL_ACCOUNT);
	ob_dereference(ob_iocomp_object(port));
	return ntx_status(status);
}

long ntexec_ioctl_remove_io_completion(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_io_completion_entry *entries = NULL;
	struct ps_thread *self = NULL;
	struct ntexec_remove_io args;
	struct ob_io_packet *packets;
	struct ob_timeout timeout;
	struct ob_iocomp *port;
	ntstatus_t status;
	u32 i, removed = 0;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.pad || (args.flags & ~NTEXEC_REMOVE_FLAGS) || args.removed)
		return -EINVAL;
	/* GetQueuedCompletionStatusEx refuses an empty array. */
	if (!args.count || args.count > NTEXEC_REMOVE_MAX)
		return ntx_status(STATUS_INVALID_PARAMETER);
	timeout.infinite = !(args.flags & NTEXEC_REMOVE_TIMEOUT);
	timeout.deadline = ns_to_ktime(args.timeout);
	timeout.clock = (args.flags & NTEXEC_REMOVE_REALTIME) ? CLOCK_REALTIME :
								CLOCK_MONOTONIC;
	status = ntx_reference_port(nf, args.handle, IO_COMPLETION_MODIFY_STATE, &port);
	if (status)
		return ntx_status(status);
	packets = kvmalloc_array(args.count, sizeof(*packets), GFP_KERNEL);
	entries = kvmalloc_array(args.count, sizeof(*entries), GFP_KERNEL);
	if (!packets || !entries) {
		status = STATUS_NO_MEMORY;
		goto out;
	}
	if (args.flags & NTEXEC_REMOVE_ALERTABLE) {
		self = ps_current_thread();
		if (!self) {
			status = STATUS_NO_MEMORY;
			goto out;
		}
	}
	status = ob_iocomp_remove(port, packets, args.count, &removed,
				  self ? &self->alert : NULL, &timeout);
	if (status == STATUS_SUCCESS) {
		for (i = 0; i < removed; i++) {
			entries[i] = (struct ntexec_io_completion_entry) {
				.key = packets[i].key,
				.apc_context = packets[i].apc_context,
				.status = packets[i].status,
				.information = packets[i].information,
			};
		}
		/* The packets are taken: a bad buffer loses them, as on Windows. */
		if (copy_to_user(u64_to_user_ptr(args.entries), entries,
				 array_size(removed, sizeof(*entries))))
			status = STATUS_ACCESS_VIOLATION;
	}
	args.removed = removed;
out:
	if (self)
		ps_dereference_thread(self);
	kvfree(entries);
	kvfree(packets);
	ob_dereference(ob_iocomp_object(port));
	return ntx_out(argp, &args, sizeof(args), status, false);
}

long ntexec_ioctl_query_io_completion(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_query_info args;
	struct ob_iocomp *port;
	ntstatus_t status;
	s32 depth;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;
	args.return_length = 0;
	if (args.info_class != IoCompletionBasicInformation)
		return ntx_status(STATUS_INVALID_INFO_CLASS);
	if (args.length != sizeof(depth))
		return ntx_status(STATUS_INFO_LENGTH_MISMATCH);
	status = ntx_reference_port(nf, args.handle, IO_COMPLETION_QUERY_STATE, &port);
	if (status)
		return ntx_status(status);
	depth = ob_iocomp_depth(port);
	ob_dereference(ob_iocomp_object(port));
	if (copy_to_user(u64_to_user_ptr(args.buffer), &depth, sizeof(depth)))
		return ntx_status(STATUS_ACCESS_VIOLATION);
	args.return_length = sizeof(depth);
	return ntx_out(argp, &args, sizeof(args), STATUS_SUCCESS, false);
}

long ntexec_ioctl_create_job(struct ntexec_file *nf, void __user *argp)
{
	return ntx_create_common(nf, argp, true);
}

long ntexec_ioctl_open_job(struct ntexec_file *nf, void __user *argp)
{
	return ntx_open_named(nf, argp, &ps_job_type);
}

long ntexec_ioctl_assign_job(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_job_process args;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	return ntx_status(ps_assign_job(nf->process, args.job, args.process));
}

long ntexec_ioctl_terminate_job(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_terminate args;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;
	return ntx_status(ps_terminate_job(nf->process, args.handle, args.status));
}

long ntexec_ioctl_is_process_in_job(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_job_process args;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	return ntx_status(ps_is_process_in_job(nf->process, args.process, args.job));
}

long ntexec_ioctl_query_job(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_query_info args;
	struct ps_info info = {};
	ntstatus_t status;
	u32 ret_len = 0;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;
	status = ps_query_job(nf->process, args.handle, args.info_class, args.length,
			      &info, &ret_len);
	/* A process id list that does not fit is answered in part. */
	if (NT_SUCCESS(status) || status == STATUS_BUFFER_OVERFLOW) {
		if (copy_to_user(u64_to_user_ptr(args.buffer), info.data, info.size))
			status = STATUS_ACCESS_VIOLATION;
		ps_info_free(&info);
	}
	args.return_length = ret_len;
	return ntx_out(argp, &args, sizeof(args), status,
		       (status == STATUS_INFO_LENGTH_MISMATCH && ret_len) ||
		       status == STATUS_BUFFER_OVERFLOW);
}

/* The largest class a set takes: JOBOBJECT_EXTENDED_LIMIT_INFORMATION. */
#define NTX_JOB_SET_MAX		144

long ntexec_ioctl_set_job(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_query_info args;
	u64 data[NTX_JOB_SET_MAX / 8];
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.pad || args.return_length)
		return -EINVAL;
	if (args.length > sizeof(data))
		status = ps_set_job(nf->process, args.handle, args.info_class, NULL,
				    args.length);
	else if (copy_from_user(data, u64_to_user_ptr(args.buffer), args.length))
		status = STATUS_ACCESS_VIOLATION;
	else
		status = ps_set_job(nf->process, args.handle, args.info_class, data,
				    args.length);
	return ntx_status(status);
}
