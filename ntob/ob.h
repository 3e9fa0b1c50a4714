/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The object manager: reference-counted objects with a type, handle tables,
 * and waits on an object's signaled state. The bottom layer: every other
 * part of the module includes this header, and it includes none of them.
 *
 * LOCKING: every lock of the module, outermost first. A lock is only taken
 * while holding locks above it on its own path (indentation).
 *
 *   ps_process.attach_lock (mutex)             ntps: binding the handle table
 *     ob_handle_table.lock                       (emptying it)
 *     ps_process.lock                            (ps_process_mm_id())
 *   mm_space.addr_lock (mutex)                 ntmm: NT's AddressCreationLock
 *     mmap_lock (kernel)                         vm_mmap/vm_munmap, the
 *                                                free-range search, faults
 *       mm_space.lock (mutex)                    VADs, page states, pages;
 *                                                the fault path enters here
 *         mm_segment.lock (mutex)                a section's page records
 *         mm_pfn_lock (spinlock)                 ntmm/wsle.c: the page lists;
 *                                                a leaf
 *         mm_pf_lock (spinlock)                  ntmm/pagefile.c: paging-file
 *                                                slots; a leaf
 *         folio lock, file system locks          reading a file section's
 *                                                page (filemap.c), as
 *                                                filemap_fault() does, and a
 *                                                hard fault's read of its
 *                                                paging-file slot
 *         i_mmap_rwsem -> page table locks       unmap_mapping_range() zaps
 *         ps_job.lock, then a port's lock        a job member's commit
 *                                                hooks (struct mm_ops, job.c)
 *         ps_thread.lock                         a guard fault's look at the
 *                                                thread's NT stack (struct
 *                                                mm_ops .stack)
 *       ps_thread.lock                           the fault path's exception
 *                                                record (struct mm_ops),
 *                                                after mm_space.lock is
 *                                                dropped; the host stub's
 *                                                return cell (ntps/stub.c)
 *   mm_bsm_lock (mutex)                        ntmm/balance.c: one balance
 *                                              set manager pass at a time
 *     mmap_lock (kernel, read)                   aging a working set, one
 *       mm_space.lock (mutex)                    page table at a time
 *         page table locks                       its Accessed bits
 *     mm_space.lock (mutex)                      trimming (then i_mmap_rwsem
 *                                                -> page table locks)
 *   mm_pf_create_lock (mutex)                  ntmm/pagefile.c: adding a
 *     file system locks                          paging file or growing one
 *     mm_pf_lock (spinlock)                      (mm_commit_grow(): no other
 *                                                module lock held)
 *   fs_reclaim (kernel)                        Linux's reclaim, in any
 *     mm_space.lock (mutex, trylock only)        allocation: the shrinker
 *       mm_pfn_lock (spinlock)                   frees standby pages, never
 *                                                waiting for a space
 *   mm_segment.sync_lock (mutex)               ntmm: handing a file
 *     sb_start_write -> i_rwsem (kernel)         section's written pages to
 *       folio lock, file system locks            the file system, as write(2)
 *                                                (work queue or flush; no
 *                                                module lock held)
 *     mm_segment.lock (mutex)                    NtExtendSection's new size
 *   ob_dir_lock (mutex)                        ntob: the object namespace;
 *                                              takes no other lock
 *   mm_image_lock (mutex)                      ntmm: the cache of images; a
 *                                              leaf, also taken where a
 *                                              section's last reference goes
 *                                              (under mmap_lock or
 *                                              mm_space.lock)
 *   mm_spaces' xa_lock (spinlock)              ntmm/wsle.c: the registry of
 *                                              spaces; a leaf (taken where a
 *                                              space's last reference goes)
 *   mm_process.lock (spinlock)                 ntmm: the process's space;
 *                                              takes only the RCU read lock
 *   ps bucket locks (spinlock, _bh)            ntps: the process and thread
 *                                              tables; the free probe runs
 *                                              in softirq. Never two at once.
 *   ps_thread.context_lock (mutex)             ntps: a context operation
 *                                              on a parked thread, and the
 *                                              thread leaving its park
 *                                              (state.c); regset access
 *                                              only under it
 *     ps_thread.lock                             the suspend state
 *   ps_job_apply_lock (mutex)                  ntps: applying a job chain's
 *                                              limits to a member (job.c)
 *     ps_job.lock                                reading the chain, each
 *                                                in turn
 *     mm_process.lock, mm_space.lock             the working-set limits
 *                                                (each alone; then trims)
 *     ps_process.lock, ps_thread.lock            the class and affinity
 *   ps_job_tree_lock (spinlock)                ntps: the lists of nested jobs
 *                                              (job.c); a walk of a subtree
 *                                              takes each job's lock in turn
 *   ps_job.lock (spinlock)                     ntps: a job's members, counts,
 *                                              limits and port (job.c); the
 *                                              fork probe takes it
 *     ps_process.lock                            a member's job and exit
 *                                                state; a port's queue is
 *                                                never locked under it
 *   ps_job_pending_lock (spinlock)             ntps: children the fork probe
 *                                              put in a job; a leaf
 *   ps_process.lock, ps_thread.lock (spinlock) exit state, mm pin, image
 *                                              name, suspend state; never
 *                                              one inside the other.
 *                                              ps_process.mm_seq is written
 *                                              under ps_process.lock:
 *                                              ps_process_mm_id() reads the
 *                                              address space's id without it
 *   ob_handle_table.lock (spinlock)            leaf: no callback runs under
 *                                              it (handles are dropped after);
 *                                              lookups take only RCU
 *   ob_object.wait.lock, ps_thread.alert.wait.lock (irqsave; also the
 *   user APC queue; an I/O completion object's queue of packets), ps_thread.suspend_wait.lock,
 *   ps_process.host_wait.lock                  leaves
 *
 * And what is never done: no module lock is held across the ptrace access
 * check (it opens a procfs file, which takes the target's
 * exec_update_lock and VFS locks), across copy_to_user()/copy_from_user()
 * of memory that may be NT memory (the fault would take mm_space.lock), or
 * across a wait for a remote task_work (mm_run_in()). A fault that waits
 * for memory (mm_bsm_throttle()) first lets go of mm_space.lock and of the
 * fault's own mmap_lock or VMA lock.
 */
#ifndef _NTEXEC_OB_H
#define _NTEXEC_OB_H

#include <linux/kref.h>
#include <linux/rcupdate.h>
#include <linux/wait.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>

#include "status.h"

/* Access rights and object attributes, Windows' values. */
#define DELETE				0x00010000u
#define READ_CONTROL			0x00020000u
#define WRITE_DAC			0x00040000u
#define WRITE_OWNER			0x00080000u
#define SYNCHRONIZE			0x00100000u
#define STANDARD_RIGHTS_REQUIRED	0x000F0000u
#define STANDARD_RIGHTS_READ		READ_CONTROL
#define STANDARD_RIGHTS_WRITE		READ_CONTROL
#define STANDARD_RIGHTS_EXECUTE		READ_CONTROL
#define MAXIMUM_ALLOWED			0x02000000u
#define GENERIC_ALL			0x10000000u
#define GENERIC_EXECUTE			0x20000000u
#define GENERIC_WRITE			0x40000000u
#define GENERIC_READ			0x80000000u

#define OBJ_INHERIT			0x00000002u
#define OBJ_VALID_ATTRIBUTES		0x00001FF2u

#define DUPLICATE_CLOSE_SOURCE		0x00000001u
#define DUPLICATE_SAME_ACCESS		0x00000002u
#define DUPLICATE_SAME_ATTRIBUTES	0x00000004u

struct ob_object;
struct ob_name;

/**
 * struct ob_type - what the object manager knows of an object type
 * @name: the type's NT name ("Process", "Thread", ...)
 * @valid_access: every specific and standard right of the type
 * @generic: the mapping of GENERIC_READ, _WRITE, _EXECUTE, _ALL
 * @destroy: frees the object when its last reference is gone, after an RCU
 *	grace period (handle lookups read objects under RCU); may run in
 *	atomic context, so it must not sleep (defer to a work item if needed)
 * @last_handle: optional: the object's last handle was closed (NT's
 *	OkayToClose/Close with a handle count of zero: a job's
 *	KILL_ON_JOB_CLOSE). Process context, no lock of the table held; the
 *	caller holds a reference.
 * @uncounted: objects of the type are never named and have no
 *	@last_handle, so nothing needs their handle count: their handles are
 *	not counted in &ob_object.handles (two atomics fewer per handle)
 */
struct ob_type {
	const char *name;
	u32 valid_access;
	u32 generic[4];
	void (*destroy)(struct ob_object *obj);
	void (*last_handle)(struct ob_object *obj);
	bool uncounted;
};

/**
 * struct ob_object - the header every object starts with
 * @ref: references: handles, lookup tables, other objects, callers
 * @type: the object type
 * @wait: waiters for the signaled state; its lock protects @signaled
 * @signaled: true once signaled. Processes and threads are signaled once,
 *	when they exit, and stay signaled.
 * @rcu: objects are freed after a grace period, so RCU lookups may try
 *	kref_get_unless_zero() on them
 * @handles: handles naming the object, in any table; stays 0 for a type
 *	that is &ob_type.uncounted
 * @name: its name in the object namespace, or NULL (dir.c); it goes with
 *	the last handle
 */
struct ob_object {
	struct kref ref;
	const struct ob_type *type;
	wait_queue_head_t wait;
	bool signaled;
	struct rcu_head rcu;
	atomic_t handles;
	struct ob_name *name;
};

void ob_init_object(struct ob_object *obj, const struct ob_type *type);

static inline struct ob_object *ob_reference(struct ob_object *obj)
{
	kref_get(&obj->ref);
	return obj;
}

static inline bool ob_reference_unless_zero(struct ob_object *obj)
{
	return kref_get_unless_zero(&obj->ref);
}

void ob_dereference(struct ob_object *obj);
void ob_signal(struct ob_object *obj);
u32 ob_map_generic(const struct ob_type *type, u32 access);

/**
 * struct ob_handle_info - what a handle grants
 * @access: the access granted through the handle (mapped, no generic bits)
 * @attributes: OBJ_INHERIT or 0
 * @bind: what the access was granted on, beyond the object, in the type's
 *	own terms (a process handle: the address space the access was
 *	checked against, see ps_process_mm_id()); 0 for nothing
 */
struct ob_handle_info {
	u32 access;
	u32 attributes;
	u64 bind;
};

struct ob_handle_entry;
struct ob_handle_dir;

/**
 * struct ob_handle_table - a process's handles (NT's HANDLE_TABLE)
 * @lock: protects every field and entry below; lookups do not take it
 * @seq: changed around every change of an entry (written under @lock), so
 *	a lookup under RCU reads an entry whole or tries again
 * @dir: the chunks of entries (RCU: a directory that grows is freed after
 *	a grace period, chunks only when the table is closed); NULL before the
 *	first handle and after the table is closed
 * @free: the index of the last closed entry, whose entry links to the one
 *	closed before it (NT's free list: the last handle closed is the next
 *	handed out), 0 for none
 * @next: the lowest index never handed out since the table was last empty
 * @count: the number of handles (ProcessHandleCount)
 * @closed: set at process rundown; no handle can be added afterwards
 */
struct ob_handle_table {
	spinlock_t lock;
	seqcount_spinlock_t seq;
	struct ob_handle_dir __rcu *dir;
	u32 free;
	u32 next;
	u32 count;
	bool closed;
};

/* NT's own limit: 2^24 handles per process. */
#define OB_HANDLE_MAX_INDEX	((1u << 24) - 1)

void ob_init_handle_table(struct ob_handle_table *table);
ntstatus_t ob_insert_handle(struct ob_handle_table *table, struct ob_object *obj,
			    const struct ob_handle_info *info, u64 *handle);
ntstatus_t ob_insert_handle_ref(struct ob_handle_table *table, struct ob_object *obj,
				const struct ob_handle_info *info, u64 *handle);
ntstatus_t ob_reference_handle(struct ob_handle_table *table, u64 handle,
			       const struct ob_type *type, u32 desired,
			       struct ob_object **obj, struct ob_handle_info *info);
void ob_rebind_handle(struct ob_handle_table *table, u64 handle,
		      struct ob_object *obj, u64 old_bind, u64 new_bind);
ntstatus_t ob_close_handle(struct ob_handle_table *table, u64 handle);
ntstatus_t ob_inherit_handles(struct ob_handle_table *src, struct ob_handle_table *dst);
void ob_empty_handle_table(struct ob_handle_table *table);
void ob_close_handle_table(struct ob_handle_table *table);
u32 ob_handle_count(struct ob_handle_table *table);

/**
 * struct ob_timeout - when a wait gives up
 * @infinite: no deadline
 * @deadline: absolute, on @clock
 * @clock: CLOCK_MONOTONIC or CLOCK_REALTIME
 */
struct ob_timeout {
	bool infinite;
	ktime_t deadline;
	clockid_t clock;
};

/* The object namespace (dir.c). */
#define OBJ_CASE_INSENSITIVE		0x00000040u
#define OBJ_OPENIF			0x00000080u

ntstatus_t ob_parse_name(const u16 *path, u32 len, u32 attributes,
			 const u16 **leaf, u32 *leaf_len);
ntstatus_t ob_name_object(struct ob_object *obj, const u16 *leaf, u32 len,
			  u32 attributes, struct ob_object **existing);
ntstatus_t ob_open_name(const u16 *leaf, u32 len, u32 attributes,
			const struct ob_type *type, struct ob_object **obj);
void ob_unname(struct ob_object *obj);

/* File objects (file.c): an open Linux file behind an NT handle. */
#define FILE_READ_DATA			0x0001u
#define FILE_WRITE_DATA			0x0002u
#define FILE_APPEND_DATA		0x0004u
#define FILE_READ_EA			0x0008u
#define FILE_WRITE_EA			0x0010u
#define FILE_EXECUTE			0x0020u
#define FILE_DELETE_CHILD		0x0040u
#define FILE_READ_ATTRIBUTES		0x0080u
#define FILE_WRITE_ATTRIBUTES		0x0100u
#define FILE_ALL_ACCESS			(STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x1FFu)
#define FILE_GENERIC_READ		(STANDARD_RIGHTS_READ | FILE_READ_DATA | \
					 FILE_READ_ATTRIBUTES | FILE_READ_EA | SYNCHRONIZE)
#define FILE_GENERIC_WRITE		(STANDARD_RIGHTS_WRITE | FILE_WRITE_DATA | \
					 FILE_WRITE_ATTRIBUTES | FILE_WRITE_EA | \
					 FILE_APPEND_DATA | SYNCHRONIZE)
#define FILE_GENERIC_EXECUTE		(STANDARD_RIGHTS_EXECUTE | FILE_READ_ATTRIBUTES | \
					 FILE_EXECUTE | SYNCHRONIZE)

struct file;

/**
 * struct ob_file - a file object
 * @ob: object header
 * @file: the open file (a reference of the object's own)
 */
struct ob_file {
	struct ob_object ob;
	struct file *file;
};

extern const struct ob_type ob_file_type;
u32 ob_file_max_access(struct file *file);
ntstatus_t ob_create_file(struct file *file, u32 desired, struct ob_file **out,
			  u32 *granted);

/**
 * struct ob_alert - what ends a thread's alertable waits besides objects
 * @wait: woken by an alert or a queued user APC; its lock (irqsave)
 *	protects the fields below
 * @alerted: NtAlertThread was called and no alertable wait consumed it
 * @apcs: the thread's user APCs, oldest first (ntps/apc.c)
 * @apc_count: how many
 */
struct ob_alert {
	wait_queue_head_t wait;
	bool alerted;
	struct list_head apcs;
	u32 apc_count;
};

void ob_init_alert(struct ob_alert *alert);
ntstatus_t ob_take_alert(struct ob_alert *alert);
ntstatus_t ob_wait_objects(struct ob_object **objs, u32 count, bool wait_all,
			   struct ob_alert *alert, const struct ob_timeout *timeout);

/*
 * I/O completion objects (iocomp.c): NT's KQUEUE behind an IoCompletion
 * handle. A FIFO of packets; the object is signaled while it holds one.
 */
#define IO_COMPLETION_QUERY_STATE	0x0001u
#define IO_COMPLETION_MODIFY_STATE	0x0002u
#define IO_COMPLETION_ALL_ACCESS	(STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x3u)
#define IoCompletionBasicInformation	0

/**
 * struct ob_io_packet - one completion packet (FILE_IO_COMPLETION_INFORMATION)
 * @key: KeyContext (a job's CompletionKey for job messages)
 * @apc_context: ApcContext (a job message's process id)
 * @information: IoStatusBlock.Information (a job message's id)
 * @status: IoStatusBlock.Status
 */
struct ob_io_packet {
	u64 key;
	u64 apc_context;
	u64 information;
	u32 status;
};

/* The most packets a queue holds: a post past it is STATUS_QUOTA_EXCEEDED. */
#define OB_IOCOMP_MAX_DEPTH		(1u << 20)

struct ob_iocomp;
extern const struct ob_type ob_iocomp_type;
ntstatus_t ob_create_iocomp(u32 concurrency, struct ob_iocomp **out);
struct ob_object *ob_iocomp_object(struct ob_iocomp *port);
struct ob_iocomp *ob_iocomp_of(struct ob_object *obj);
ntstatus_t ob_iocomp_post(struct ob_iocomp *port, const struct ob_io_packet *packet,
			  gfp_t gfp);
ntstatus_t ob_iocomp_remove(struct ob_iocomp *port, struct ob_io_packet *out, u32 max,
			    u32 *removed, struct ob_alert *alert,
			    const struct ob_timeout *timeout);
u32 ob_iocomp_depth(struct ob_iocomp *port);
long ob_iocomp_count(void);

#endif /* _NTEXEC_OB_H */
