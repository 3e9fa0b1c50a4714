// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls of sections and views, in the one shape of ntexec/ (see
 * ntexec.h): NtCreateSection, NtOpenSection, NtMapViewOfSection,
 * NtUnmapViewOfSection, NtQuerySection, NtExtendSection; and the file
 * handles sections are made of, NtxHandleFromFd.
 *
 * Names: the UTF-16 name is copied in whole (at most NTEXEC_NAME_MAX
 * bytes) before anything looks at it, so a racing thread cannot change
 * what was checked. The object namespace (ntob/dir.c) decides who may
 * open a name; a handle gets the access asked, which its creator or an
 * opener allowed by the namespace may have in full.
 *
 * A view's rights stay bound to what they were granted on: mapping needs
 * the section handle's SECTION_MAP_* rights for the protection asked, and
 * the view remembers what the handle allowed (ntmm/view.c), so a later
 * NtProtectVirtualMemory or MEM_COMMIT cannot raise it beyond.
 */
#include <linux/file.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "ntexec.h"
#include "../ntmm/mm.h"
#include "../ntmm/pe.h"
#include "../ntps/ps.h"

void ntx_name_free(struct ntx_name *name)
{
	kfree(name->path);
	name->path = NULL;
}

/*
 * Check the attributes and RootDirectory and copy the name in. No name
 * (@length 0) is an unnamed object. Return: an NTSTATUS, or -EFAULT
 * (through *@err) when the name cannot be read.
 */
ntstatus_t ntx_name_capture(struct ntexec_file *nf, u64 root, u64 uname,
			    u32 length, u32 attributes, struct ntx_name *name,
			    int *err)
{
	struct ob_object *obj;
	ntstatus_t status;

	memset(name, 0, sizeof(*name));
	*err = 0;
	if (attributes & ~OBJ_VALID_ATTRIBUTES)
		return STATUS_INVALID_PARAMETER;
	/* No directory objects yet: no handle can be a RootDirectory. */
	if (root) {
		status = ps_reference_object(nf->process, root, NULL, 0, &obj, NULL);
		if (status)
			return status;
		ob_dereference(obj);
		return STATUS_OBJECT_TYPE_MISMATCH;
	}
	if (!length)
		return STATUS_SUCCESS;
	if ((length & 1) || length > NTEXEC_NAME_MAX)
		return STATUS_OBJECT_NAME_INVALID;
	name->path = memdup_user(u64_to_user_ptr(uname), length);
	if (IS_ERR(name->path)) {
		*err = PTR_ERR(name->path);
		name->path = NULL;
		return STATUS_SUCCESS;
	}
	name->len = length / 2;
	status = ob_parse_name(name->path, name->len, attributes, &name->leaf,
			       &name->leaf_len);
	if (status)
		ntx_name_free(name);
	return status;
}

/*
 * The access a handle to an object its caller may fully open gets: what
 * was asked, generic rights mapped, MAXIMUM_ALLOWED meaning all; a right
 * the type does not have is refused.
 */
ntstatus_t ntx_owner_access(const struct ob_type *type, u32 desired,
			    u32 *granted)
{
	u32 access = ob_map_generic(type, desired);

	if (access & MAXIMUM_ALLOWED)
		access = (access & ~MAXIMUM_ALLOWED) | type->valid_access;
	if (access & ~type->valid_access)
		return STATUS_ACCESS_DENIED;
	*granted = access;
	return STATUS_SUCCESS;
}

long ntexec_ioctl_create_section(struct ntexec_file *nf, void __user *argp)
{
	struct ob_handle_info info = {}, file_info;
	struct ntexec_create_section args;
	struct ob_object *obj = NULL, *file = NULL;
	struct mm_section *section;
	ntstatus_t status, inserted;
	struct ntx_name name;
	bool named = false;
	int err;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;
	status = ntx_owner_access(&mm_section_type, args.access, &info.access);
	if (status)
		return ntx_status(status);
	info.attributes = args.attributes;
	if (args.file) {
		status = ps_reference_object(nf->process, args.file, &ob_file_type, 0,
					     &file, &file_info);
		if (status)
			return ntx_status(status);
	}
	status = ntx_name_capture(nf, args.root, args.name, args.name_length,
				  args.attributes, &name, &err);
	if (err || status)
		goto out;

	if (file && (args.allocation_attributes & NT_SEC_IMAGE))
		status = mm_create_image_section(container_of(file, struct ob_file, ob)->file,
						 file_info.access, args.protect,
						 args.allocation_attributes, &section);
	else if (file)
		status = mm_create_file_section(container_of(file, struct ob_file, ob)->file,
						file_info.access, args.maximum_size,
						args.protect, args.allocation_attributes,
						&section);
	else
		status = mm_create_section(args.maximum_size, args.protect,
					   args.allocation_attributes, &section);
	if (status)
		goto out;
	obj = &section->ob;
	if (name.path) {
		struct ob_object *existing;

		status = ob_name_object(obj, name.leaf, name.leaf_len, args.attributes,
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
	inserted = ob_insert_handle(&nf->process->handles, obj, &info, &args.handle);
	if (inserted) {
		if (named)
			ob_unname(obj);
		status = inserted;
	}
out:
	if (obj)
		ob_dereference(obj);
	if (file)
		ob_dereference(file);
	ntx_name_free(&name);
	if (err)
		return err;
	return ntx_out(argp, &args, sizeof(args), status, false);
}

long ntexec_ioctl_open_section(struct ntexec_file *nf, void __user *argp)
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
		/* Nothing to open: NT's parse of an empty name. */
		status = STATUS_OBJECT_PATH_SYNTAX_BAD;
		goto out;
	}
	status = ntx_owner_access(&mm_section_type, args.access, &info.access);
	if (status)
		goto out;
	info.attributes = args.attributes;
	status = ob_open_name(name.leaf, name.leaf_len, args.attributes,
			      &mm_section_type, &obj);
	if (status)
		goto out;
	status = ob_insert_handle(&nf->process->handles, obj, &info, &args.handle);
	ob_dereference(obj);
out:
	ntx_name_free(&name);
	return ntx_out(argp, &args, sizeof(args), status, false);
}

long ntexec_ioctl_map_view(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_map_view args;
	struct mm_view_args view;
	struct ob_handle_info info;
	struct ps_process *process;
	struct ob_object *obj;
	struct mm_struct *mm;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;
	/* Windows looks at the section handle first, then at the process's. */
	status = ps_reference_object(nf->process, args.section, &mm_section_type, 0,
				     &obj, &info);
	if (status)
		return ntx_status(status);
	status = ps_reference_process_mm(nf->process, args.process,
					 PROCESS_VM_OPERATION, &process, &mm);
	if (!status) {
		view = (struct mm_view_args) {
			.base = args.base,
			.zero_bits = args.zero_bits,
			.commit_size = args.commit_size,
			.offset = args.offset,
			.size = args.size,
			.inherit = args.inherit,
			.type = args.type,
			.protect = args.protect,
		};
		status = mm_map_view(&process->vm, mm,
				     container_of(obj, struct mm_section, ob),
				     info.access, &view);
		args.base = view.base;
		args.offset = view.offset;
		args.size = view.size;
		mmput(mm);
		ps_dereference_process(process);
	}
	ob_dereference(obj);
	return ntx_out(argp, &args, sizeof(args), status, false);
}

long ntexec_ioctl_unmap_view(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_unmap_view args;
	struct ps_process *process;
	struct mm_struct *mm;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	status = ps_reference_process_mm(nf->process, args.process,
					 PROCESS_VM_OPERATION, &process, &mm);
	if (status)
		return ntx_status(status);
	status = mm_unmap_view(&process->vm, mm, args.base);
	mmput(mm);
	ps_dereference_process(process);
	return ntx_status(status);
}

long ntexec_ioctl_query_section(struct ntexec_file *nf, void __user *argp)
{
	union {
		struct nt_section_basic_information basic;
		struct nt_section_image_information image;
	} info;
	struct ntexec_query_info args;
	struct mm_section *section;
	struct ob_object *obj;
	ntstatus_t status;
	u32 size;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;
	status = ps_reference_object(nf->process, args.handle, &mm_section_type,
				     SECTION_QUERY, &obj, NULL);
	if (status)
		return ntx_status(status);
	section = container_of(obj, struct mm_section, ob);
	args.return_length = 0;
	switch (args.info_class) {
	case NT_SECTION_BASIC_INFORMATION:
		size = sizeof(info.basic);
		status = args.length < size ? STATUS_INFO_LENGTH_MISMATCH : STATUS_SUCCESS;
		if (!status)
			mm_query_section(section, &info.basic);
		break;
	case NT_SECTION_IMAGE_INFORMATION:
		size = sizeof(info.image);
		status = args.length < size ? STATUS_INFO_LENGTH_MISMATCH :
			 mm_query_image(section, &info.image);
		break;
	default:
		size = 0;
		status = STATUS_INVALID_INFO_CLASS;
	}
	/* A bad buffer is what NT's probe of it raises. */
	if (!status && copy_to_user(u64_to_user_ptr(args.buffer), &info, size))
		status = STATUS_ACCESS_VIOLATION;
	if (!status)
		args.return_length = size;
	ob_dereference(obj);
	return ntx_out(argp, &args, sizeof(args), status, false);
}

long ntexec_ioctl_extend_section(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_extend_section args;
	struct ob_object *obj;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	status = ps_reference_object(nf->process, args.section, &mm_section_type,
				     SECTION_EXTEND_SIZE, &obj, NULL);
	if (status)
		return ntx_status(status);
	status = mm_extend_section(container_of(obj, struct mm_section, ob), &args.size);
	ob_dereference(obj);
	return ntx_out(argp, &args, sizeof(args), status, false);
}

/*
 * NtxHandleFromFd: the object holds the open file itself, so the handle
 * stays bound to what the descriptor named when it was made (ntob/file.c).
 */
long ntexec_ioctl_handle_from_fd(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_handle_from_fd args;
	struct ob_handle_info info = {};
	struct ob_file *obj;
	ntstatus_t status;
	struct file *file;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	file = args.fd < 0 ? NULL : fget(args.fd);
	if (!file)
		return ntx_status(STATUS_INVALID_HANDLE);
	status = ob_create_file(file, args.access, &obj, &info.access);
	fput(file);
	if (status)
		return ntx_status(status);
	status = ob_insert_handle(&nf->process->handles, &obj->ob, &info, &args.handle);
	ob_dereference(&obj->ob);
	return ntx_out(argp, &args, sizeof(args), status, false);
}

long ntexec_ioctl_same_file(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_same_file args;
	struct ps_process *process;
	struct mm_struct *mm;
	ntstatus_t status;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	/* Views of the calling process only, as in NT. */
	status = ps_reference_process_mm(nf->process, NTEXEC_CURRENT_PROCESS, 0,
					 &process, &mm);
	if (status)
		return ntx_status(status);
	status = mm_same_file(&process->vm, mm, args.image, args.other);
	mmput(mm);
	ps_dereference_process(process);
	return ntx_status(status);
}
