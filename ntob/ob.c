// SPDX-License-Identifier: GPL-2.0
/*
 * Object manager: object headers, references and handle tables.
 *
 * Lifetimes. An object lives while it has references: one per handle that
 * names it, one per lookup table it is in (processes and threads while they
 * run), one per object that points at it (a thread's process), and the
 * temporary ones callers take. The last ob_dereference() calls the type's
 * destroy, which frees the object after an RCU grace period.
 *
 * A handle table holds its entries in an xarray indexed by handle >> 2, so
 * handle values are multiples of 4 and never 0, and the low two bits of a
 * handle are ignored, as NT ignores them. Entries are changed and read under
 * the xarray's lock, so a reference taken from an entry is always to a live
 * object. A table is closed once, at process rundown: every handle is
 * closed and nothing can be inserted afterwards.
 *
 * Locks: LOCKING in ob.h.
 */
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "ob.h"

/**
 * struct ob_handle_entry - one handle
 * @object: the referenced object (the handle holds one reference)
 * @info: what the handle grants
 */
struct ob_handle_entry {
	struct ob_object *object;
	struct ob_handle_info info;
};

void ob_init_object(struct ob_object *obj, const struct ob_type *type)
{
	kref_init(&obj->ref);
	obj->type = type;
	init_waitqueue_head(&obj->wait);
	obj->signaled = false;
	atomic_set(&obj->handles, 0);
	obj->name = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(ob_init_object);

static void ob_release(struct kref *ref)
{
	struct ob_object *obj = container_of(ref, struct ob_object, ref);

	obj->type->destroy(obj);
}

/**
 * ob_dereference() - drop a reference
 * @obj: the object
 *
 * Context: any; the type's destroy must cope with the caller's context.
 */
void ob_dereference(struct ob_object *obj)
{
	kref_put(&obj->ref, ob_release);
}
EXPORT_SYMBOL_IF_KUNIT(ob_dereference);

/**
 * ob_signal() - signal an object for good and wake every waiter
 * @obj: the object
 *
 * Context: any.
 */
void ob_signal(struct ob_object *obj)
{
	unsigned long flags;

	spin_lock_irqsave(&obj->wait.lock, flags);
	WRITE_ONCE(obj->signaled, true);
	spin_unlock_irqrestore(&obj->wait.lock, flags);
	wake_up_all(&obj->wait);
}
EXPORT_SYMBOL_IF_KUNIT(ob_signal);

/**
 * ob_map_generic() - map generic rights to the type's specific rights
 * @type: the object type
 * @access: an access mask that may hold GENERIC_* bits
 *
 * Return: @access with its generic bits replaced, MAXIMUM_ALLOWED kept.
 */
u32 ob_map_generic(const struct ob_type *type, u32 access)
{
	static const u32 generic[4] = {
		GENERIC_READ, GENERIC_WRITE, GENERIC_EXECUTE, GENERIC_ALL
	};
	int i;

	for (i = 0; i < 4; i++) {
		if (access & generic[i])
			access = (access & ~generic[i]) | type->generic[i];
	}
	return access;
}
EXPORT_SYMBOL_IF_KUNIT(ob_map_generic);

void ob_init_handle_table(struct ob_handle_table *table)
{
	xa_init_flags(&table->entries, XA_FLAGS_ALLOC1);
	table->count = 0;
	table->closed = false;
}
EXPORT_SYMBOL_IF_KUNIT(ob_init_handle_table);

/**
 * ob_insert_handle() - create a handle to an object
 * @table: the handle table
 * @obj: the object; the handle takes a reference of its own
 * @info: the access granted (already mapped, no generic bits), OBJ_INHERIT
 *	(other attributes are dropped) and the binding
 * @handle: out: the new handle
 *
 * Return: STATUS_SUCCESS, STATUS_INSUFFICIENT_RESOURCES when the table is
 * full or memory is short, STATUS_PROCESS_IS_TERMINATING when the table was
 * closed.
 */
ntstatus_t ob_insert_handle(struct ob_handle_table *table, struct ob_object *obj,
			    const struct ob_handle_info *info, u64 *handle)
{
	struct ob_handle_entry *entry;
	ntstatus_t status;
	u32 index;
	int ret;

	entry = kmalloc(sizeof(*entry), GFP_KERNEL_ACCOUNT);
	if (!entry)
		return STATUS_INSUFFICIENT_RESOURCES;
	entry->object = ob_reference(obj);
	entry->info = *info;
	entry->info.attributes &= OBJ_INHERIT;

	xa_lock(&table->entries);
	status = STATUS_PROCESS_IS_TERMINATING;
	if (table->closed)
		goto fail;
	/* May drop the lock to allocate: @closed is looked at again after. */
	ret = __xa_alloc(&table->entries, &index, entry,
			 XA_LIMIT(1, OB_HANDLE_MAX_INDEX), GFP_KERNEL_ACCOUNT);
	if (ret) {
		status = STATUS_INSUFFICIENT_RESOURCES;
		goto fail;
	}
	if (table->closed) {
		/* The rundown began meanwhile and may have missed the entry. */
		__xa_erase(&table->entries, index);
		goto fail;
	}
	table->count++;
	atomic_inc(&obj->handles);
	xa_unlock(&table->entries);
	*handle = (u64)index << 2;
	return STATUS_SUCCESS;

fail:
	xa_unlock(&table->entries);
	ob_dereference(obj);
	kfree(entry);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(ob_insert_handle);

static bool ob_handle_index(u64 handle, unsigned long *index)
{
	/* Pseudo and kernel handles (negative) and 0 are not table handles. */
	if ((s64)handle <= 0 || (handle >> 2) > OB_HANDLE_MAX_INDEX)
		return false;
	*index = handle >> 2;
	return *index != 0;
}

/**
 * ob_reference_handle() - look a handle up and reference its object
 * @table: the handle table
 * @handle: the handle (pseudo-handles are the caller's business)
 * @type: the type the object must have, or NULL for any
 * @desired: the access the caller needs through this handle
 * @obj: out: the referenced object
 * @info: out (optional): what the handle grants
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_HANDLE, STATUS_OBJECT_TYPE_MISMATCH
 * or STATUS_ACCESS_DENIED (checked in that order, as NT does).
 */
ntstatus_t ob_reference_handle(struct ob_handle_table *table, u64 handle,
			       const struct ob_type *type, u32 desired,
			       struct ob_object **obj, struct ob_handle_info *info)
{
	struct ob_handle_entry *entry;
	unsigned long index;
	ntstatus_t status;

	if (!ob_handle_index(handle, &index))
		return STATUS_INVALID_HANDLE;

	xa_lock(&table->entries);
	entry = xa_load(&table->entries, index);
	if (!entry) {
		status = STATUS_INVALID_HANDLE;
	} else if (type && entry->object->type != type) {
		status = STATUS_OBJECT_TYPE_MISMATCH;
	} else if ((entry->info.access & desired) != desired) {
		status = STATUS_ACCESS_DENIED;
	} else {
		*obj = ob_reference(entry->object);
		if (info)
			*info = entry->info;
		status = STATUS_SUCCESS;
	}
	xa_unlock(&table->entries);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(ob_reference_handle);

/*
 * Drop what a handle entry held, outside the table's lock: the object's
 * reference, and its name with its last handle.
 */
static void ob_free_entry(struct ob_handle_entry *entry)
{
	struct ob_object *obj = entry->object;

	if (atomic_dec_and_test(&obj->handles) && READ_ONCE(obj->name))
		ob_unname(obj);
	ob_dereference(obj);
	kfree(entry);
}

/**
 * ob_rebind_handle() - record a new binding on a handle
 * @table: the handle table
 * @handle: the handle
 * @obj: the object the caller found behind it
 * @old_bind: the binding the caller found
 * @new_bind: the binding it checked the handle's access against since
 *
 * Nothing changes when the handle was closed or rebound meanwhile.
 */
void ob_rebind_handle(struct ob_handle_table *table, u64 handle,
		      struct ob_object *obj, u64 old_bind, u64 new_bind)
{
	struct ob_handle_entry *entry;
	unsigned long index;

	if (!ob_handle_index(handle, &index))
		return;
	xa_lock(&table->entries);
	entry = xa_load(&table->entries, index);
	if (entry && entry->object == obj && entry->info.bind == old_bind)
		entry->info.bind = new_bind;
	xa_unlock(&table->entries);
}
EXPORT_SYMBOL_IF_KUNIT(ob_rebind_handle);

/**
 * ob_close_handle() - NtClose on a table handle
 * @table: the handle table
 * @handle: the handle
 *
 * Return: STATUS_SUCCESS or STATUS_INVALID_HANDLE.
 */
ntstatus_t ob_close_handle(struct ob_handle_table *table, u64 handle)
{
	struct ob_handle_entry *entry;
	unsigned long index;

	if (!ob_handle_index(handle, &index))
		return STATUS_INVALID_HANDLE;

	xa_lock(&table->entries);
	entry = __xa_erase(&table->entries, index);
	if (entry)
		table->count--;
	xa_unlock(&table->entries);
	if (!entry)
		return STATUS_INVALID_HANDLE;
	ob_free_entry(entry);
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(ob_close_handle);

/**
 * ob_inherit_handles() - give a new process its creator's inheritable handles
 * @src: the creator's table
 * @dst: the new process's table
 *
 * Each handle with OBJ_INHERIT is copied at the same value, with the same
 * access and binding, as NT's PROCESS_CREATE_FLAGS_INHERIT_HANDLES does. A
 * value already used in @dst is left alone. Preemptible between handles.
 *
 * Return: STATUS_SUCCESS, STATUS_INSUFFICIENT_RESOURCES (what was copied
 * stays), or STATUS_PROCESS_IS_TERMINATING when @dst is closed.
 */
ntstatus_t ob_inherit_handles(struct ob_handle_table *src, struct ob_handle_table *dst)
{
	struct ob_handle_entry *entry, *copy;
	unsigned long index = 0;
	int ret;

	for (;;) {
		copy = kmalloc(sizeof(*copy), GFP_KERNEL_ACCOUNT);
		if (!copy)
			return STATUS_INSUFFICIENT_RESOURCES;
		xa_lock(&src->entries);
		xa_for_each_start(&src->entries, index, entry, index)
			if (entry->info.attributes & OBJ_INHERIT)
				break;
		if (entry) {
			copy->object = ob_reference(entry->object);
			copy->info = entry->info;
		}
		xa_unlock(&src->entries);
		if (!entry) {
			kfree(copy);
			return STATUS_SUCCESS;
		}
		xa_lock(&dst->entries);
		ret = dst->closed ? -ESRCH :
		      __xa_insert(&dst->entries, index, copy, GFP_KERNEL_ACCOUNT);
		if (!ret && dst->closed) {
			__xa_erase(&dst->entries, index);
			ret = -ESRCH;
		}
		if (!ret) {
			dst->count++;
			atomic_inc(&copy->object->handles);
		}
		xa_unlock(&dst->entries);
		if (ret) {
			ob_dereference(copy->object);
			kfree(copy);
			if (ret == -ESRCH)
				return STATUS_PROCESS_IS_TERMINATING;
			if (ret != -EBUSY)
				return STATUS_INSUFFICIENT_RESOURCES;
		}
		index++;
		cond_resched();
	}
}
EXPORT_SYMBOL_IF_KUNIT(ob_inherit_handles);

/* Close every handle the table holds now; the caller decides about new ones. */
static void ob_close_entries(struct ob_handle_table *table)
{
	struct ob_handle_entry *entry;
	unsigned long index;

	xa_for_each(&table->entries, index, entry) {
		xa_lock(&table->entries);
		entry = __xa_erase(&table->entries, index);
		if (entry)
			table->count--;
		xa_unlock(&table->entries);
		if (!entry)
			continue;
		ob_free_entry(entry);
		cond_resched();
	}
}

/**
 * ob_empty_handle_table() - close every handle, leaving the table open
 * @table: the handle table
 *
 * For a process that starts over (a new program after execve): the old
 * program's handles go. Handles inserted while this runs may go too.
 *
 * Context: process context.
 */
void ob_empty_handle_table(struct ob_handle_table *table)
{
	ob_close_entries(table);
}
EXPORT_SYMBOL_IF_KUNIT(ob_empty_handle_table);

/**
 * ob_close_handle_table() - close every handle, for good
 * @table: the handle table
 *
 * Context: process context; may be called more than once.
 */
void ob_close_handle_table(struct ob_handle_table *table)
{
	xa_lock(&table->entries);
	table->closed = true;
	xa_unlock(&table->entries);

	/* No insertion can complete now; the entries are ours to take. */
	ob_close_entries(table);
	xa_destroy(&table->entries);
}
EXPORT_SYMBOL_IF_KUNIT(ob_close_handle_table);

u32 ob_handle_count(struct ob_handle_table *table)
{
	return READ_ONCE(table->count);
}
EXPORT_SYMBOL_IF_KUNIT(ob_handle_count);
