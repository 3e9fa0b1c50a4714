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
 * A handle table is NT's: entries indexed by handle >> 2, so handle values
 * are multiples of 4 and never 0, and the low two bits of a handle are
 * ignored, as NT ignores them. The entries live in page-sized chunks (one
 * directory of chunk pointers, doubled when full), a closed entry goes on a
 * free list, so creating and closing a handle allocates nothing but a new
 * chunk now and then. Entries change under the table's lock and sequence
 * count; lookups take neither lock nor more than the object's reference
 * (ob_reference_handle()). A table is closed once, at process rundown: every
 * handle is closed, nothing can be inserted afterwards, and the chunks go
 * after a grace period.
 *
 * Locks: LOCKING in ob.h.
 */
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "ob.h"
#include "trace.h"

/**
 * struct ob_handle_entry - one handle, or a free slot
 * @object: the referenced object (the handle holds one reference); NULL
 *	for a free slot
 * @info: what the handle grants
 * @next_free: for a free slot on the free list: the next one, 0 at the end
 */
struct ob_handle_entry {
	struct ob_object *object;
	union {
		struct ob_handle_info info;
		u32 next_free;
	};
};

/* Entries per chunk: a chunk is one page. */
#define OB_CHUNK_ENTRIES	(PAGE_SIZE / sizeof(struct ob_handle_entry))

/**
 * struct ob_handle_dir - the chunks of a handle table
 * @rcu: a directory is freed after a grace period (lookups read it under RCU)
 * @size: the slots of @chunk
 * @chunk: entry i is chunk[i / OB_CHUNK_ENTRIES][i % OB_CHUNK_ENTRIES]; a
 *	chunk, once there, stays until the table is closed
 */
struct ob_handle_dir {
	struct rcu_head rcu;
	u32 size;
	struct ob_handle_entry *chunk[];
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
	spin_lock_init(&table->lock);
	seqcount_spinlock_init(&table->seq, &table->lock);
	RCU_INIT_POINTER(table->dir, NULL);
	table->free = 0;
	table->next = 1;
	table->count = 0;
	table->closed = false;
}
EXPORT_SYMBOL_IF_KUNIT(ob_init_handle_table);

/* The slot of @index under the table's lock, or NULL when it has no chunk. */
static struct ob_handle_entry *ob_slot(struct ob_handle_table *table, u32 index)
{
	struct ob_handle_dir *dir = rcu_dereference_protected(table->dir,
							      lockdep_is_held(&table->lock));
	u32 c = index / OB_CHUNK_ENTRIES;

	if (!dir || c >= dir->size || !dir->chunk[c])
		return NULL;
	return &dir->chunk[c][index % OB_CHUNK_ENTRIES];
}

static u32 ob_dir_size(struct ob_handle_table *table)
	__must_hold(&table->lock)
{
	struct ob_handle_dir *dir = rcu_dereference_protected(table->dir,
							      lockdep_is_held(&table->lock));

	return dir ? dir->size : 0;
}

/*
 * Add the chunk for index @table->next (chunks are added in order, so the
 * ones present are 0..k-1), in a larger directory when the directory is
 * full. Allocates with the lock dropped: when the table changed meanwhile,
 * nothing is added and the caller looks at the table again. Called and
 * returns with the lock held.
 */
static ntstatus_t ob_grow_handle_table(struct ob_handle_table *table)
	__must_hold(&table->lock)
{
	u32 c = table->next / OB_CHUNK_ENTRIES, size = ob_dir_size(table), new_size;
	struct ob_handle_dir *dir, *bigger = NULL;
	struct ob_handle_entry *chunk;

	new_size = c < size ? size : max(c + 1, 2 * size);
	spin_unlock(&table->lock);
	chunk = kzalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
	if (new_size != size)
		bigger = kzalloc(struct_size(bigger, chunk, new_size), GFP_KERNEL_ACCOUNT);
	spin_lock(&table->lock);
	if (!chunk || (new_size != size && !bigger)) {
		kfree(chunk);
		kfree(bigger);
		return STATUS_INSUFFICIENT_RESOURCES;
	}
	if (table->closed || ob_dir_size(table) != size ||
	    table->next / OB_CHUNK_ENTRIES != c || ob_slot(table, table->next)) {
		kfree(chunk);
		kfree(bigger);
		return STATUS_SUCCESS;
	}
	dir = rcu_dereference_protected(table->dir, lockdep_is_held(&table->lock));
	if (bigger) {
		bigger->size = new_size;
		if (dir)
			memcpy(bigger->chunk, dir->chunk, size * sizeof(dir->chunk[0]));
		rcu_assign_pointer(table->dir, bigger);
		if (dir)
			kfree_rcu(dir, rcu);
		dir = bigger;
	}
	/* Zeroed: its entries are free (NULL objects) before lookups see it. */
	smp_store_release(&dir->chunk[c], chunk);
	return STATUS_SUCCESS;
}

/* A handle is made: counted, unless the type needs no count. */
static inline void ob_count_handle(struct ob_object *obj)
{
	if (!obj->type->uncounted)
		atomic_inc(&obj->handles);
}

static ntstatus_t __ob_insert_handle(struct ob_handle_table *table, struct ob_object *obj,
				     const struct ob_handle_info *info, u64 *handle,
				     bool take_ref)
{
	struct ob_handle_entry *entry;
	ntstatus_t status;
	u32 index;

	spin_lock(&table->lock);
	for (;;) {
		status = STATUS_PROCESS_IS_TERMINATING;
		if (table->closed)
			goto fail;
		if (table->free) {
			index = table->free;
			entry = ob_slot(table, index);
			table->free = entry->next_free;
			break;
		}
		status = STATUS_INSUFFICIENT_RESOURCES;
		if (table->next > OB_HANDLE_MAX_INDEX)
			goto fail;
		entry = ob_slot(table, table->next);
		if (entry) {
			index = table->next++;
			break;
		}
		status = ob_grow_handle_table(table);
		if (status)
			goto fail;
	}
	if (!take_ref)
		ob_reference(obj);
	write_seqcount_begin(&table->seq);
	entry->info = *info;
	entry->info.attributes &= OBJ_INHERIT;
	WRITE_ONCE(entry->object, obj);
	write_seqcount_end(&table->seq);
	table->count++;
	ob_count_handle(obj);
	spin_unlock(&table->lock);
	*handle = (u64)index << 2;
	trace_ntexec_handle_create(table, *handle, obj, info->access);
	return STATUS_SUCCESS;

fail:
	spin_unlock(&table->lock);
	return status;
}

/**
 * ob_insert_handle() - create a handle to an object
 * @table: the handle table
 * @obj: the object; the handle takes a reference of its own
 * @info: the access granted (already mapped, no generic bits), OBJ_INHERIT
 *	(other attributes are dropped) and the binding
 * @handle: out: the new handle
 *
 * The entry is the last one closed, else the lowest never used: no
 * allocation but a new chunk's (one page per OB_CHUNK_ENTRIES handles).
 *
 * Return: STATUS_SUCCESS, STATUS_INSUFFICIENT_RESOURCES when the table is
 * full or memory is short, STATUS_PROCESS_IS_TERMINATING when the table was
 * closed.
 */
ntstatus_t ob_insert_handle(struct ob_handle_table *table, struct ob_object *obj,
			    const struct ob_handle_info *info, u64 *handle)
{
	return __ob_insert_handle(table, obj, info, handle, false);
}
EXPORT_SYMBOL_IF_KUNIT(ob_insert_handle);

/**
 * ob_insert_handle_ref() - create a handle that keeps the caller's reference
 * @table: the handle table
 * @obj: the object, referenced by the caller
 * @info: as for ob_insert_handle()
 * @handle: out: the new handle
 *
 * As ob_insert_handle(), but on success the caller's reference passes to
 * the handle (one atomic pair fewer); on failure the caller keeps it.
 *
 * Return: as ob_insert_handle().
 */
ntstatus_t ob_insert_handle_ref(struct ob_handle_table *table, struct ob_object *obj,
				const struct ob_handle_info *info, u64 *handle)
{
	return __ob_insert_handle(table, obj, info, handle, true);
}
EXPORT_SYMBOL_IF_KUNIT(ob_insert_handle_ref);

static bool ob_handle_index(u64 handle, u32 *index)
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
 * Takes no lock: the entry is read whole under the table's sequence count
 * and RCU. The object it names is then still allocated (objects are freed
 * after a grace period), and a reference is taken unless its last one is
 * gone, which means the handle was closed since: the lookup then counts as
 * after the close.
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_HANDLE, STATUS_OBJECT_TYPE_MISMATCH
 * or STATUS_ACCESS_DENIED (checked in that order, as NT does).
 */
ntstatus_t ob_reference_handle(struct ob_handle_table *table, u64 handle,
			       const struct ob_type *type, u32 desired,
			       struct ob_object **obj, struct ob_handle_info *info)
{
	struct ob_handle_info found = {};
	struct ob_handle_entry *chunk;
	struct ob_handle_dir *dir;
	struct ob_object *object;
	ntstatus_t status;
	unsigned int seq;
	u32 index, c;

	if (!ob_handle_index(handle, &index))
		return STATUS_INVALID_HANDLE;
	c = index / OB_CHUNK_ENTRIES;

	rcu_read_lock();
	do {
		seq = read_seqcount_begin(&table->seq);
		object = NULL;
		dir = rcu_dereference(table->dir);
		/* Pairs with the release that publishes a zeroed chunk. */
		chunk = dir && c < READ_ONCE(dir->size) ? smp_load_acquire(&dir->chunk[c]) :
							   NULL;
		if (chunk) {
			object = READ_ONCE(chunk[index % OB_CHUNK_ENTRIES].object);
			/* A torn read is caught by the sequence count. */
			found = data_race(chunk[index % OB_CHUNK_ENTRIES].info);
		}
	} while (read_seqcount_retry(&table->seq, seq));

	if (!object)
		status = STATUS_INVALID_HANDLE;
	else if (type && object->type != type)
		status = STATUS_OBJECT_TYPE_MISMATCH;
	else if ((found.access & desired) != desired)
		status = STATUS_ACCESS_DENIED;
	else if (!ob_reference_unless_zero(object))
		status = STATUS_INVALID_HANDLE;
	else
		status = STATUS_SUCCESS;
	rcu_read_unlock();
	if (status)
		return status;
	*obj = object;
	if (info)
		*info = found;
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(ob_reference_handle);

/*
 * Drop what a handle held, outside the table's lock: the object's
 * reference, and its name with its last handle.
 */
static void ob_drop_handle(struct ob_object *obj)
{
	if (!obj->type->uncounted && atomic_dec_and_test(&obj->handles)) {
		if (READ_ONCE(obj->name))
			ob_unname(obj);
		if (obj->type->last_handle)
			obj->type->last_handle(obj);
	}
	ob_dereference(obj);
}

/*
 * Free @entry (at @index) under the table's lock and return the object it
 * held, or NULL when it was free. An emptied table starts again at index 1.
 */
static struct ob_object *ob_take_entry(struct ob_handle_table *table, u32 index,
				       struct ob_handle_entry *entry)
	__must_hold(&table->lock)
{
	struct ob_object *obj = entry ? entry->object : NULL;

	if (!obj)
		return NULL;
	write_seqcount_begin(&table->seq);
	WRITE_ONCE(entry->object, NULL);
	entry->next_free = table->free;
	write_seqcount_end(&table->seq);
	table->free = index;
	if (!--table->count) {
		table->free = 0;
		table->next = 1;
	}
	return obj;
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
	u32 index;

	if (!ob_handle_index(handle, &index))
		return;
	spin_lock(&table->lock);
	entry = ob_slot(table, index);
	if (entry && entry->object == obj && entry->info.bind == old_bind) {
		write_seqcount_begin(&table->seq);
		entry->info.bind = new_bind;
		write_seqcount_end(&table->seq);
	}
	spin_unlock(&table->lock);
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
	struct ob_object *obj;
	u32 index;

	if (!ob_handle_index(handle, &index))
		return STATUS_INVALID_HANDLE;

	spin_lock(&table->lock);
	obj = ob_take_entry(table, index, ob_slot(table, index));
	spin_unlock(&table->lock);
	if (!obj)
		return STATUS_INVALID_HANDLE;
	trace_ntexec_handle_close(table, handle);
	ob_drop_handle(obj);
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(ob_close_handle);

/*
 * Take slot @index for a new entry (the caller fills it): in a fresh part
 * of the table the slots skipped on the way go on the free list; a free
 * slot below comes off it. Return: 0, -EBUSY when the slot holds a handle,
 * -EAGAIN when the table must grow first.
 */
static int ob_take_slot(struct ob_handle_table *table, u32 index,
			struct ob_handle_entry **out)
	__must_hold(&table->lock)
{
	struct ob_handle_entry *entry;
	u32 *link, i;

	while (table->next <= index) {
		entry = ob_slot(table, table->next);
		if (!entry)
			return -EAGAIN;
		i = table->next++;
		if (i == index) {
			*out = entry;
			return 0;
		}
		entry->next_free = table->free;
		table->free = i;
	}
	entry = ob_slot(table, index);
	if (!entry || entry->object)
		return -EBUSY;
	for (link = &table->free; *link; link = &ob_slot(table, *link)->next_free) {
		if (*link == index) {
			*link = entry->next_free;
			*out = entry;
			return 0;
		}
	}
	return -EBUSY;
}

/* Slots of the creator's table looked at per lock hold. */
#define OB_INHERIT_BATCH	256

/**
 * ob_inherit_handles() - give a new process its creator's inheritable handles
 * @src: the creator's table
 * @dst: the new process's table
 *
 * Each handle with OBJ_INHERIT is copied at the same value, with the same
 * access and binding, as NT's PROCESS_CREATE_FLAGS_INHERIT_HANDLES does. A
 * value already used in @dst is left alone. One table's lock at a time;
 * preemptible between batches.
 *
 * Return: STATUS_SUCCESS, STATUS_INSUFFICIENT_RESOURCES (what was copied
 * stays), or STATUS_PROCESS_IS_TERMINATING when @dst is closed.
 */
ntstatus_t ob_inherit_handles(struct ob_handle_table *src, struct ob_handle_table *dst)
{
	struct ob_handle_entry *entry;
	struct ob_handle_info info;
	struct ob_object *obj;
	u32 index = 1, n;
	int ret;

	for (;;) {
		obj = NULL;
		spin_lock(&src->lock);
		for (n = 0; index < src->next && n < OB_INHERIT_BATCH; index++, n++) {
			entry = ob_slot(src, index);
			if (entry && entry->object && (entry->info.attributes & OBJ_INHERIT)) {
				obj = ob_reference(entry->object);
				info = entry->info;
				break;
			}
		}
		n = index < src->next;
		spin_unlock(&src->lock);
		if (!obj) {
			if (!n)
				return STATUS_SUCCESS;
			cond_resched();
			continue;
		}
		spin_lock(&dst->lock);
		for (;;) {
			ret = dst->closed ? -ESRCH : ob_take_slot(dst, index, &entry);
			if (ret != -EAGAIN)
				break;
			if (ob_grow_handle_table(dst)) {
				ret = -ENOMEM;
				break;
			}
		}
		if (!ret) {
			/* The lookup's reference passes to the handle. */
			write_seqcount_begin(&dst->seq);
			entry->info = info;
			WRITE_ONCE(entry->object, obj);
			write_seqcount_end(&dst->seq);
			dst->count++;
			ob_count_handle(obj);
		}
		spin_unlock(&dst->lock);
		if (ret) {
			ob_dereference(obj);
			if (ret == -ESRCH)
				return STATUS_PROCESS_IS_TERMINATING;
			if (ret == -ENOMEM)
				return STATUS_INSUFFICIENT_RESOURCES;
		}
		index++;
		cond_resched();
	}
}
EXPORT_SYMBOL_IF_KUNIT(ob_inherit_handles);

/* Handles taken from the table per lock hold when closing them all. */
#define OB_CLOSE_BATCH	32

/* Close every handle the table holds now; the caller decides about new ones. */
static void ob_close_entries(struct ob_handle_table *table)
{
	struct ob_object *objs[OB_CLOSE_BATCH];
	u32 index = 1, n, i;

	do {
		n = 0;
		spin_lock(&table->lock);
		while (table->count && index < table->next && n < OB_CLOSE_BATCH) {
			objs[n] = ob_take_entry(table, index, ob_slot(table, index));
			if (objs[n])
				n++;
			index++;
		}
		spin_unlock(&table->lock);
		for (i = 0; i < n; i++)
			ob_drop_handle(objs[i]);
		cond_resched();
	} while (n);
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

static void ob_free_handle_dir(struct rcu_head *rcu)
{
	struct ob_handle_dir *dir = container_of(rcu, struct ob_handle_dir, rcu);
	u32 i;

	for (i = 0; i < dir->size; i++)
		kfree(dir->chunk[i]);
	kfree(dir);
}

/**
 * ob_close_handle_table() - close every handle, for good
 * @table: the handle table
 *
 * Context: process context; may be called more than once.
 */
void ob_close_handle_table(struct ob_handle_table *table)
{
	struct ob_handle_dir *dir;

	spin_lock(&table->lock);
	table->closed = true;
	spin_unlock(&table->lock);

	/* No insertion can complete now; the entries are ours to take. */
	ob_close_entries(table);

	spin_lock(&table->lock);
	dir = rcu_dereference_protected(table->dir, lockdep_is_held(&table->lock));
	write_seqcount_begin(&table->seq);
	RCU_INIT_POINTER(table->dir, NULL);
	write_seqcount_end(&table->seq);
	spin_unlock(&table->lock);
	/* Lookups may still read it. */
	if (dir)
		call_rcu(&dir->rcu, ob_free_handle_dir);
}
EXPORT_SYMBOL_IF_KUNIT(ob_close_handle_table);

u32 ob_handle_count(struct ob_handle_table *table)
{
	return READ_ONCE(table->count);
}
EXPORT_SYMBOL_IF_KUNIT(ob_handle_count);
