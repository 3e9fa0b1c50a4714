// SPDX-License-Identifier: GPL-2.0
/*
 * The NT address space of a program (struct mm_space, mi.h): the VM file
 * its allocations are VMAs of, the pages it owns, and its rundown. The
 * page tables that cache it are fault.c's; commit charge is commit.c's.
 */
#include <kunit/visibility.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/pseudo_fs.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "mi.h"

#define NTEXEC_VM_MAGIC		0x6e74766d	/* "ntvm" */

static struct vfsmount *mm_mnt;
const struct mm_ops *mm_ops;

static void mm_space_release(struct kref *ref)
{
	struct mm_space *space = container_of(ref, struct mm_space, ref);

	WARN_ON_ONCE(space->committed || space->resident || space->ws);
	mm_ws_unregister(space);
	mutex_lock(&space->lock);
	mm_vad_tree_destroy(&space->vads);
	mutex_unlock(&space->lock);
	xa_destroy(&space->pages);
	xa_destroy(&space->discarded);
	WARN_ON_ONCE(!xa_empty(&space->paged));
	xa_destroy(&space->paged);
	mmdrop(space->mm);
	put_pid(space->tgid);
	kfree(space);
}

void mm_space_put(struct mm_space *space)
{
	kref_put(&space->ref, mm_space_release);
}
EXPORT_SYMBOL_IF_KUNIT(mm_space_put);

/*
 * Up to @n pages for @space (the first as asked, the others only if free
 * memory allows), charged to the memory cgroup of its process.
 *
 * Return: how many were allocated, into @pages.
 */
static unsigned int mm_alloc_pages_for(struct mm_space *space, gfp_t gfp,
				       struct page **pages, unsigned int n)
{
	struct mem_cgroup *memcg = NULL, *old = NULL;
	unsigned int i;

	if (current->mm != space->mm) {
		memcg = get_mem_cgroup_from_mm(space->mm);
		old = set_active_memcg(memcg);
	}
	for (i = 0; i < n; i++) {
		pages[i] = alloc_page(i ? gfp | __GFP_NORETRY | __GFP_NOWARN : gfp);
		if (!pages[i])
			break;
	}
	if (memcg) {
		set_active_memcg(old);
		mem_cgroup_put(memcg);
	}
	return i;
}

/**
 * mm_get_page() - the physical page of a committed page
 * @space: the space, @space->lock held
 * @vad: the VAD holding @addr
 * @addr: a page-aligned address of a committed page
 * @create: allocate the (zeroed) page if the page was never touched
 *
 * Pages are charged (__GFP_ACCOUNT) to the memory cgroup of the process
 * whose memory they are, also when another process touches them first
 * (NtWriteVirtualMemory, NtLockVirtualMemory). The page is in the working
 * set afterwards: a trimmed one comes off its page list (wsle.c), one only
 * in a paging file is read back (a hard fault), whatever @create, with the
 * following pages whose copies lie next to its own (a cluster, as NT's
 * page-in clusters: they go to the standby list, see mm_ws_page_in()).
 *
 * Return: the page, or NULL (none yet, or no memory).
 */
struct page *mm_get_page(struct mm_space *space, struct mm_vad *vad,
			 unsigned long addr, bool create)
{
	struct page *cluster[MM_PAGE_IN_CLUSTER];
	unsigned long idx = addr >> PAGE_SHIFT;
	unsigned int n = 1, i;
	struct page *page;
	bool paged;
	gfp_t gfp;
	int ret;

	lockdep_assert_held(&space->lock);
	page = xa_load(&space->pages, idx);
	if (page) {
		/* A trimmed page comes back as it was: a soft fault. */
		mm_ws_fault_back(space, idx, page);
		return page;
	}
	/* Only in a paging file: a hard fault reads it back. */
	paged = xa_load(&space->paged, idx);
	if (!create && !paged)
		return NULL;
	gfp = GFP_HIGHUSER | __GFP_ACCOUNT | (paged ? 0 : __GFP_ZERO);
	if (paged)
		n += mm_ws_page_in_cluster(space, idx);
	n = mm_alloc_pages_for(space, gfp, cluster, n);
	if (!n)
		return NULL;
	page = cluster[0];
	if (paged) {
		if (!mm_ws_page_in(space, idx, cluster, n)) {
			for (i = 0; i < n; i++)
				__free_page(cluster[i]);
			return NULL;
		}
		return page;
	}
	ret = xa_err(xa_store(&space->pages, idx, page, GFP_KERNEL_ACCOUNT));
	if (ret) {
		__free_page(page);
		return NULL;
	}
	mm_resident_add(space);
	mm_ws_new_page(space, idx, page);
	return page;
}

/**
 * mm_zap() - remove every PTE of a user range of the space
 * @space: the space, @space->lock held
 * @start: first byte, page-aligned
 * @end: end, exclusive
 *
 * The next access faults and is resolved from the module's state.
 */
void mm_zap(struct mm_space *space, unsigned long start, unsigned long end)
{
	lockdep_assert_held(&space->lock);
	if (space->mapping && end > start)
		unmap_mapping_range(space->mapping, start, end - start, 1);
}
EXPORT_SYMBOL_IF_KUNIT(mm_zap);

/**
 * mm_free_pages() - take the physical pages of a range out of the space
 * @space: the space, @space->lock held
 * @start: first byte
 * @end: end, exclusive
 * @freed: the pages are added here; the caller zaps the range (if still
 *	mapped), drops @space->lock and then calls mm_put_pages()
 */
void mm_free_pages(struct mm_space *space, unsigned long start,
		   unsigned long end, struct list_head *freed)
{
	unsigned long idx;
	struct page *page;
	void *entry;

	lockdep_assert_held(&space->lock);
	xa_for_each_range(&space->discarded, idx, entry, start >> PAGE_SHIFT,
			  (end >> PAGE_SHIFT) - 1)
		xa_erase(&space->discarded, idx);
	xa_for_each_range(&space->pages, idx, page, start >> PAGE_SHIFT,
			  (end >> PAGE_SHIFT) - 1) {
		mm_ws_forget(space, idx, page);
		xa_erase(&space->pages, idx);
		list_add_tail(&page->lru, freed);
		mm_resident_sub(space);
		cond_resched();
	}
	mm_ws_forget_paged(space, start >> PAGE_SHIFT, (end >> PAGE_SHIFT) - 1);
}

/**
 * mm_put_pages() - free pages collected by mm_free_pages()
 * @freed: the list; no PTE may map them any more
 */
void mm_put_pages(struct list_head *freed)
{
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, freed, lru) {
		list_del(&page->lru);
		__free_page(page);
		cond_resched();
	}
}
EXPORT_SYMBOL_IF_KUNIT(mm_put_pages);

/**
 * mm_release_vads() - forget the allocations inside a range
 * @space: the space, @space->lock held
 * @start: first byte
 * @end: end, exclusive
 * @freed: their physical pages are added here (see mm_free_pages())
 *
 * The range is a VMA that is going away: VADs and VMAs are split together,
 * so the VADs lie wholly inside it.
 */
void mm_release_vads(struct mm_space *space, unsigned long start,
		     unsigned long end, struct list_head *freed)
{
	unsigned long committed, locked;
	struct mm_vad *vad;

	lockdep_assert_held(&space->lock);
	while ((vad = mm_vad_find_next(&space->vads, start)) &&
	       vad->start < end) {
		WARN_ON_ONCE(vad->start < start || vad->end > end);
		committed = mm_vad_charged(vad, vad->start, vad->end);
		locked = mm_vad_count_pages(vad, vad->start, vad->end,
					    MM_PAGE_LOCKED, MM_PAGE_LOCKED);
		mm_space_decommit(space, committed, locked);
		mm_free_pages(space, vad->start, vad->end, freed);
		mm_vad_remove(&space->vads, vad);
		/* A view's section may go with it: its pages have no PTE left. */
		if (vad->section)
			ob_dereference(&vad->section->ob);
		mm_vad_free(vad);
	}
}

/**
 * mm_map_range() - create the VMA of a new allocation
 * @space: the space, @space->addr_lock held; current->mm must be
 *	@space->mm
 * @addr: first byte, page-aligned
 * @len: bytes, page-aligned
 *
 * Return: 0, -EEXIST when something is mapped there, or another errno.
 */
int mm_map_range(struct mm_space *space, unsigned long addr,
		 unsigned long len)
{
	unsigned long ret;

	lockdep_assert_held(&space->addr_lock);
	if (WARN_ON_ONCE(current->mm != space->mm))
		return -EINVAL;
	WRITE_ONCE(space->mapper, current);
	ret = vm_mmap(space->file, addr, len, PROT_READ | PROT_WRITE | PROT_EXEC,
		      MAP_SHARED | MAP_FIXED_NOREPLACE, addr);
	WRITE_ONCE(space->mapper, NULL);
	if (IS_ERR_VALUE(ret))
		return ret;
	if (WARN_ON_ONCE(ret != addr)) {
		vm_munmap(ret, len);
		return -EINVAL;
	}
	return 0;
}

/**
 * mm_unmap_range() - remove the VMAs of a range, splitting them as needed
 * @space: the space, @space->addr_lock held; current->mm is @space->mm
 * @addr: first byte, page-aligned
 * @len: bytes
 *
 * mm_vm_close() forgets the VADs of the range, which the caller has split
 * at its ends.
 *
 * Return: 0 or an errno of vm_munmap().
 */
int mm_unmap_range(struct mm_space *space, unsigned long addr,
		   unsigned long len)
{
	int ret;

	lockdep_assert_held(&space->addr_lock);
	if (WARN_ON_ONCE(current->mm != space->mm))
		return -EINVAL;
	WRITE_ONCE(space->mapper, current);
	ret = vm_munmap(addr, len);
	WRITE_ONCE(space->mapper, NULL);
	return ret;
}

/**
 * mm_alloc_file() - a file of the module's pseudo file system
 * @name: its name, as /proc/<pid>/maps shows it
 * @fops: its operations; the file holds their module (@fops->owner)
 * @flags: O_RDONLY or O_RDWR
 *
 * Files of this file system can be mapped executable, unlike anonymous
 * inodes' (the VM files of NT spaces, the host stub of ntps/stub.c).
 *
 * Return: the file, or an ERR_PTR().
 */
struct file *mm_alloc_file(const char *name, const struct file_operations *fops,
			   int flags)
{
	struct inode *inode;
	struct file *file;

	inode = alloc_anon_inode(mm_mnt->mnt_sb);
	if (IS_ERR(inode))
		return ERR_CAST(inode);
	/* The file's f_op reference, as anon_inode_getfile() takes it. */
	__module_get(fops->owner);
	file = alloc_file_pseudo(inode, mm_mnt, name, flags, fops);
	if (IS_ERR(file)) {
		module_put(fops->owner);
		iput(inode);
	}
	return file;
}

static void mm_space_kill(struct mm_space *space);

static struct mm_space *mm_space_create(struct mm_struct *mm)
{
	struct mm_space *space;
	struct file *file;

	space = kzalloc(sizeof(*space), GFP_KERNEL_ACCOUNT);
	if (!space)
		return NULL;
	kref_init(&space->ref);
	mutex_init(&space->addr_lock);
	mutex_init(&space->lock);
	mm_vad_tree_init(&space->vads, &space->lock);
	xa_init(&space->pages);
	mm_ws_space_init(space);
	space->mm = mm;
	mmgrab(mm);

	file = mm_alloc_file("ntexec-vm", &mm_vm_fops, O_RDWR);
	if (IS_ERR(file))
		goto fail;
	/* The file's reference, dropped by its release. */
	kref_get(&space->ref);
	file->private_data = space;
	space->file = file;
	space->mapping = file->f_mapping;
	/* Last: the balance set manager may find it from here on. */
	if (mm_ws_register(space)) {
		mm_space_kill(space);
		goto fail;
	}
	return space;
fail:
	mm_space_put(space);
	return NULL;
}

/*
 * Run the space down: every PTE, page and VAD goes and later faults get
 * SIGBUS. VMAs of the file may outlive this in an address space that is
 * still being torn down; they only hold the file.
 */
static void mm_space_kill(struct mm_space *space)
{
	struct mm_process *quota;
	struct file *file;
	LIST_HEAD(freed);
	void *tag;

	mutex_lock(&space->addr_lock);
	mutex_lock(&space->lock);
	space->dead = true;
	/* A hole of length 0 reaches the end of the file: every PTE. */
	if (space->mapping)
		unmap_mapping_range(space->mapping, 0, 0, 1);
	mm_release_vads(space, 0, ULONG_MAX & PAGE_MASK, &freed);
	file = space->file;
	space->file = NULL;
	space->mapping = NULL;
	/* Nothing is committed any more: the quota's charges are back. */
	quota = space->quota;
	space->quota = NULL;
	tag = space->quota_tag;
	space->quota_tag = NULL;
	mutex_unlock(&space->lock);
	mutex_unlock(&space->addr_lock);
	mm_put_pages(&freed);
	if (file)
		fput(file);
	if (tag)
		mm_ops->quota_tag_put(tag);
	if (quota)
		mm_ops->quota_put(quota);
}

/**
 * mm_live_thread() - a thread of a process that still has its address space
 * @mp: the process
 *
 * The caller itself when it belongs to @mp.
 *
 * Return: a referenced task whose ->mm is the process's address space
 * (stable while the task is not exiting), or NULL when every thread has
 * exited.
 */
struct task_struct *mm_live_thread(struct mm_process *mp)
{
	struct task_struct *task, *t, *found = NULL;

	if (mp->tgid == task_tgid(current) && current->mm) {
		get_task_struct(current);
		return current;
	}
	task = get_pid_task(mp->tgid, PIDTYPE_TGID);
	if (!task)
		return NULL;
	rcu_read_lock();
	for_each_thread(task, t) {
		if (t->mm && !(t->flags & PF_EXITING)) {
			found = t;
			get_task_struct(found);
			break;
		}
	}
	rcu_read_unlock();
	put_task_struct(task);
	return found;
}

/* Whether some live thread of @mp has @mm as its address space. */
static bool mm_is_current(struct mm_process *mp, struct mm_struct *mm)
{
	struct task_struct *task, *t;
	bool found = false;

	rcu_read_lock();
	task = pid_task(mp->tgid, PIDTYPE_TGID);
	if (task) {
		for_each_thread(task, t) {
			if (READ_ONCE(t->mm) == mm && !(t->flags & PF_EXITING)) {
				found = true;
				break;
			}
		}
	}
	rcu_read_unlock();
	return found;
}

/**
 * mm_space_get() - the NT address space of a process
 * @mp: the process
 * @mm: the Linux address space the caller acts on (referenced by it): the
 *	one the caller's rights were checked against
 * @create: create the space if the process has none yet
 *
 * The space belongs to one Linux mm: after an execve the old space is run
 * down and a new one starts. A caller whose @mm is no longer the
 * process's (it ran a new program meanwhile) gets nothing: it must not
 * act on the new program, nor replace its space.
 *
 * Return: a referenced space, NULL if there is none (or no memory), or
 * ERR_PTR(-ESRCH) when @mm is not the process's address space any more.
 */
struct mm_space *mm_space_get(struct mm_process *mp, struct mm_struct *mm,
			      bool create)
{
	struct mm_space *space, *old = NULL, *new = NULL;

again:
	spin_lock(&mp->lock);
	space = mp->space;
	if (mp->dead || !mm_is_current(mp, mm)) {
		space = ERR_PTR(-ESRCH);
	} else if (space && space->mm == mm) {
		kref_get(&space->ref);
	} else if (new) {
		/* A space of an mm that no thread has any more is stale. */
		old = space;
		/* Unpublished and empty: its quota needs no lock, no charge. */
		if (mp->quota) {
			new->quota_tag = mm_ops->quota_tag(mp);
			if (new->quota_tag) {
				mm_ops->quota_get(mp);
				new->quota = mp;
			}
		}
		/* The job's working-set limits, if any, from its start. */
		new->ws_job_min = mp->ws_job_min;
		new->ws_job_max = mp->ws_job_max;
		new->tgid = get_pid(mp->tgid);
		mp->space = new;
		space = new;
		kref_get(&space->ref);
		new = NULL;
	} else {
		space = NULL;
	}
	spin_unlock(&mp->lock);

	if (!space && create) {
		new = mm_space_create(mm);
		if (new)
			goto again;
	}
	if (new) {
		mm_space_kill(new);
		mm_space_put(new);
	}
	if (old) {
		mm_space_kill(old);
		mm_space_put(old);
	}
	return space;
}
EXPORT_SYMBOL_IF_KUNIT(mm_space_get);

/**
 * mm_process_init() - the memory manager's part of a new NT process
 * @mp: it
 * @tgid: the process's thread group (the caller keeps it referenced for
 *	@mp's life)
 */
void mm_process_init(struct mm_process *mp, struct pid *tgid)
{
	mp->tgid = tgid;
	spin_lock_init(&mp->lock);
	mp->space = NULL;
	mp->dead = false;
	mp->quota = false;
	mp->ws_job_min = 0;
	mp->ws_job_max = 0;
}

/**
 * mm_process_rundown() - free a process's NT memory, for good
 * @mp: a process that has exited (or the module is going)
 *
 * No space is installed afterwards (mm_space_get() checks @mp->dead under
 * the same lock), so a service racing the exit leaves nothing behind.
 */
void mm_process_rundown(struct mm_process *mp)
{
	struct mm_space *space;

	spin_lock(&mp->lock);
	mp->dead = true;
	space = mp->space;
	mp->space = NULL;
	spin_unlock(&mp->lock);
	if (space) {
		mm_space_kill(space);
		mm_space_put(space);
	}
}

/**
 * mm_process_charge_quota() - a process's commit goes through the commit
 *	hooks of struct mm_ops from now on (it joined a job)
 * @mp: the process
 *
 * Its space, if it has one, brings what it committed so far; any space it
 * gets later (after an execve) charges the hooks from its start. Called
 * again when the process's quota changes (it joined a nested job): its
 * space's commit moves to the new quota.
 */
void mm_process_charge_quota(struct mm_process *mp)
{
	struct mm_space *space;

	spin_lock(&mp->lock);
	mp->quota = true;
	space = mp->space;
	if (space)
		kref_get(&space->ref);
	spin_unlock(&mp->lock);
	if (!space)
		return;
	mm_space_set_quota(space, mp);
	mm_space_put(space);
}

/**
 * mm_process_counters() - the module's share of a process's memory counters
 * @mp: the process
 * @c: filled in; zero when the process has no NT memory
 */
void mm_process_counters(struct mm_process *mp, struct mm_counters *c)
{
	struct mm_space *space;

	memset(c, 0, sizeof(*c));
	spin_lock(&mp->lock);
	space = mp->space;
	if (space)
		kref_get(&space->ref);
	spin_unlock(&mp->lock);
	if (!space)
		return;
	mutex_lock(&space->lock);
	c->committed = space->committed << PAGE_SHIFT;
	c->peak_committed = space->peak_committed << PAGE_SHIFT;
	c->resident = space->resident << PAGE_SHIFT;
	c->peak_resident = space->peak_resident << PAGE_SHIFT;
	c->faults = space->faults;
	c->working_set = space->ws << PAGE_SHIFT;
	c->peak_working_set = space->peak_ws << PAGE_SHIFT;
	mutex_unlock(&space->lock);
	mm_space_put(space);
}

static int mm_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, NTEXEC_VM_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type mm_fs_type = {
	.name		= "ntexec_vm",
	.init_fs_context = mm_fs_init_fs_context,
	.kill_sb	= kill_anon_super,
};

/**
 * mm_lock_addr() - take a space's address-creation lock for a service
 * @space: the space
 * @remote: the service runs in the target for another process's call
 *	(mm_run_in()): no system call of the target's can restart, so only
 *	a fatal signal interrupts the wait
 *
 * Return: STATUS_SUCCESS with @space->addr_lock held; NTX_STATUS_RESTART
 * when a signal came first (nothing happened, the ioctl restarts);
 * STATUS_PROCESS_IS_TERMINATING when the space was run down or a remote
 * target is being killed.
 */
ntstatus_t mm_lock_addr(struct mm_space *space, bool remote)
{
	if (remote) {
		if (mutex_lock_killable(&space->addr_lock))
			return STATUS_PROCESS_IS_TERMINATING;
	} else if (mutex_lock_interruptible(&space->addr_lock)) {
		return NTX_STATUS_RESTART;
	}
	if (space->dead) {
		mutex_unlock(&space->addr_lock);
		return STATUS_PROCESS_IS_TERMINATING;
	}
	return STATUS_SUCCESS;
}

/**
 * mm_init() - start the memory manager
 * @ops: the hooks of the layers above (struct mm_ops)
 *
 * Return: 0 or an errno.
 */
int mm_init(const struct mm_ops *ops)
{
	int err;

	mm_ops = ops;
	mm_ws_init();
	err = mm_file_init();
	if (err)
		return err;
	mm_mnt = kern_mount(&mm_fs_type);
	if (IS_ERR(mm_mnt)) {
		mm_file_exit();
		return PTR_ERR(mm_mnt);
	}
	err = mm_bsm_start();
	if (err) {
		kern_unmount(mm_mnt);
		mm_file_exit();
	}
	return err;
}

void mm_exit(void)
{
	mm_bsm_stop();
	mm_pagefiles_exit();
	kern_unmount(mm_mnt);
	mm_file_exit();
	mm_ws_exit();
}
