// SPDX-License-Identifier: GPL-2.0
/*
 * File objects: what NtxHandleFromFd makes of a Linux file descriptor, for
 * NtCreateSection's FileHandle (and later the rest of the I/O services).
 *
 * The object holds the open file itself (a struct file reference, with the
 * mode and credentials it was opened with), not a descriptor number or a
 * path: a right granted stays bound to the file it was granted on, whatever
 * the descriptor table or the file system's namespace do later. A handle's
 * access never exceeds what the descriptor was opened for: the data rights
 * need FMODE_READ or FMODE_WRITE, FILE_EXECUTE needs FMODE_READ on a mount
 * that allows execution (what mmap(PROT_EXEC) of the descriptor needs),
 * and the rights a descriptor cannot carry (DELETE, WRITE_DAC, WRITE_OWNER,
 * FILE_DELETE_CHILD) are refused.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "ob.h"

static void ob_file_destroy(struct ob_object *obj)
{
	struct ob_file *f = container_of(obj, struct ob_file, ob);

	fput(f->file);
	kfree_rcu(f, ob.rcu);
}

const struct ob_type ob_file_type = {
	.name = "File",
	.valid_access = FILE_ALL_ACCESS,
	.generic = {
		FILE_GENERIC_READ,
		FILE_GENERIC_WRITE,
		FILE_GENERIC_EXECUTE,
		FILE_ALL_ACCESS,
	},
	.destroy = ob_file_destroy,
};
EXPORT_SYMBOL_IF_KUNIT(ob_file_type);

/**
 * ob_file_max_access() - the file rights an open file can carry
 * @file: the open file
 *
 * Return: a subset of FILE_ALL_ACCESS.
 */
u32 ob_file_max_access(struct file *file)
{
	u32 access = READ_CONTROL | SYNCHRONIZE | FILE_READ_ATTRIBUTES |
		     FILE_READ_EA;

	if (file->f_mode & FMODE_READ) {
		access |= FILE_READ_DATA;
		/* As mmap(PROT_EXEC) of it: not from a noexec mount. */
		if (!(file->f_path.mnt->mnt_flags & MNT_NOEXEC) &&
		    !(file->f_path.mnt->mnt_sb->s_iflags & SB_I_NOEXEC))
			access |= FILE_EXECUTE;
	}
	if (file->f_mode & FMODE_WRITE)
		access |= FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA |
			  FILE_WRITE_ATTRIBUTES;
	return access;
}
EXPORT_SYMBOL_IF_KUNIT(ob_file_max_access);

/**
 * ob_create_file() - a file object for an open file
 * @file: the open file; the object takes a reference of its own
 * @desired: DesiredAccess (generic rights and MAXIMUM_ALLOWED allowed)
 * @out: out: the object (one reference, the caller's)
 * @granted: out: the access its handle gets
 *
 * Return: STATUS_SUCCESS, STATUS_ACCESS_DENIED (a right the file cannot
 * carry), STATUS_NO_MEMORY.
 */
ntstatus_t ob_create_file(struct file *file, u32 desired, struct ob_file **out,
			  u32 *granted)
{
	u32 access = ob_map_generic(&ob_file_type, desired);
	u32 max = ob_file_max_access(file);
	struct ob_file *f;

	if (access & MAXIMUM_ALLOWED)
		access = (access & ~MAXIMUM_ALLOWED) | max;
	if (access & ~max)
		return STATUS_ACCESS_DENIED;
	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return STATUS_NO_MEMORY;
	ob_init_object(&f->ob, &ob_file_type);
	f->file = get_file(file);
	*out = f;
	*granted = access;
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(ob_create_file);
