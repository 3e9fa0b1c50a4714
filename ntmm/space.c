// SPDX-License-Identifier: GPL-2.0
/*
 * The NT address space of a process and the page tables that cache it.
 *
 * Every allocation (VAD) is one VMA of a file private to the process's
 * space, mapped MAP_SHARED at file offset == user address with VM_PFNMAP:
 * the module owns the pages and installs each PTE on demand with the
 * page's own NT protection (vmf_insert_pfn_prot()). A write to a page
 * mapped read-only comes back through .pfn_mkwrite, so the module decides
 * every upgrade; every downgrade (protect, decommit, release, write-watch
 * reset) zaps the range with unmap_mapping_range() on the space's private
 * mapping, which reaches exactly that user range of that process from any
 * context. The VMA callbacks refuse what would tear the picture apart
 * (mprotect, mremap, a split the module did not ask for) and forget an
 * allocation the process munmap()s or loses at exit or execve.
 *
 * A VMA can only be created or removed by its own process: a service on
 * another process runs its VMA part there, as a task_work the caller waits
 * for (mm_run_in()). Everything else (page state, PTE zaps, copies) works
 * from the caller's context.
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
#include <linux/swap.h>
#include <linux/task_work.h>

#include "mm.h"
#include "../ntexec/compat.h"
#include "../ntps/ps.h"

#define NTEXEC_VM_MAGIC		0x6e74766d	/* "ntvm" */

static unsigned long commit_limit;
module_param(commit_limit, ulong, 0644);
MODULE_PARM_DESC(commit_limit,
		 "System commit limit in pages for NT private memory (0: RAM + free swap)");

static atomic_long_t mm_committed_total = ATOMIC_LONG_INIT(0);
static atomic_long_t mm_resident_total = ATOMIC_LONG_INIT(0);

static int mm_param_get_total(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%ld\n", atomic_long_read(kp->arg));
}

static const struct kernel_param_ops mm_total_ops = {
	.get = mm_param_get_total,
};

/* The system's NT memory, like Windows' commit total and its resident pages. */
module_param_cb(committed_pages, &mm_total_ops, &mm_committed_total, 0444);
MODULE_PARM_DESC(committed_pages, "Pages of NT private memory committed, all processes");
module_param_cb(resident_pages, &mm_total_ops, &mm_resident_total, 0444);
MODULE_PARM_DESC(resident_pages, "Pages of NT private memory resident, all processes");
static struct vfsmount *mm_mnt;

/**
 * mm_commit_charge() - charge pages to the system commit limit
 * @pages: pages about to be committed
 *
 * Return: 0, or STATUS_COMMITMENT_LIMIT when the limit would be passed.
 */
unsigned long mm_commit_charge(unsigned long pages)
{
	unsigned long limit = READ_ONCE(commit_limit);

	if (!limit)
		limit = totalram_pages() + get_nr_swap_pages();
	if (atomic_long_add_return(pages, &mm_committed_total) > limit) {
		atomic_long_sub(pages, &mm_committed_total);
		return STATUS_COMMITMENT_LIMIT;
	}
	return 0;
}

void mm_commit_uncharge(unsigned long pages)
{
	atomic_long_sub(pages, &mm_committed_total);
}

static void mm_space_release(struct kref *ref)
{
	struct mm_space *space = container_of(ref, struct mm_space, ref);

	WARN_ON_ONCE(space->committed || space->resident);
	mutex_lock(&space->lock);
	mm_vad_tree_destroy(&space->vads);
	mutex_unlock(&space->lock);
	xa_destroy(&space->pages);
	mmdrop(space->mm);
	kfree(space);
}

void mm_space_put(struct mm_space *space)
{
	kref_put(&space->ref, mm_space_release);
}
EXPORT_SYMBOL_IF_KUNIT(mm_space_put);

/**
 * mm_get_page() - the physical page of a committed page
 * @space: the space, @space->lock held
 * @vad: the VAD holding @addr
 * @addr: a page-aligned address of a committed page
 * @create: allocate the (zeroed) page if the page was never touched
 *
 * Pages are charged (__GFP_ACCOUNT) to the memory cgroup of the process
 * whose memory they are, also when another process touches them first
 * (NtWriteVirtualMemory, NtLockVirtualMemory).
 *
 * Return: the page, or NULL (none yet, or no memory).
 */
struct page *mm_get_page(struct mm_space *space, struct mm_vad *vad,
			 unsigned long addr, bool create)
{
	unsigned long idx = addr >> PAGE_SHIFT;
	struct mem_cgroup *memcg, *old;
	struct page *page;
	int ret;

	lockdep_assert_held(&space->lock);
	page = xa_load(&space->pages, idx);
	if (page || !create)
		return page;
	if (current->mm == space->mm) {
		page = alloc_page(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT);
	} else {
		memcg = get_mem_cgroup_from_mm(space->mm);
		old = set_active_memcg(memcg);
		page = alloc_page(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT);
		set_active_memcg(old);
		mem_cgroup_put(memcg);
	}
	if (!page)
		return NULL;
	ret = xa_err(xa_store(&space->pages, idx, page, GFP_KERNEL_ACCOUNT));
	if (ret) {
		__free_page(page);
		return NULL;
	}
	space->resident++;
	atomic_long_inc(&mm_resident_total);
	space->peak_resident = max(space->peak_resident, space->resident);
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

	lockdep_assert_held(&space->lock);
	xa_for_each_range(&space->pages, idx, page, start >> PAGE_SHIFT,
			  (end >> PAGE_SHIFT) - 1) {
		xa_erase(&space->pages, idx);
		list_add_tail(&page->lru, freed);
		space->resident--;
		atomic_long_dec(&mm_resident_total);
		cond_resched();
	}
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
static void mm_release_vads(struct mm_space *space, unsigned long start,
			    unsigned long end, struct list_head *freed)
{
	unsigned long committed, locked;
	struct mm_vad *vad;

	lockdep_assert_held(&space->lock);
	while ((vad = mm_vad_find_next(&space->vads, start)) &&
	       vad->start < end) {
		WARN_ON_ONCE(vad->start < start || vad->end > end);
		committed = mm_vad_count_pages(vad, vad->start, vad->end,
					       MM_PAGE_COMMITTED,
					       MM_PAGE_COMMITTED);
		locked = mm_vad_count_pages(vad, vad->start, vad->end,
					    MM_PAGE_LOCKED, MM_PAGE_LOCKED);
		space->committed -= committed;
		space->locked -= locked;
		mm_commit_uncharge(committed);
		mm_free_pages(space, vad->start, vad->end, freed);
		mm_vad_remove(&space->vads, vad);
		mm_vad_free(vad);
	}
}

/**
 * mm_record_exception() - note the NT exception behind a SIGSEGV
 * @code: STATUS_ACCESS_VIOLATION or STATUS_GUARD_PAGE_VIOLATION
 * @access: 0 read, 1 write, 8 execute
 * @address: the faulting address
 *
 * For the current thread; NTEXEC_IOC_GET_EXCEPTION reads it back.
 */
static void mm_record_exception(u32 code, u32 access, unsigned long address)
{
	struct ps_thread *thread = ps_current_thread();

	if (!thread)
		return;
	spin_lock(&thread->lock);
	thread->exception_code = code;
	thread->exception_access = access;
	thread->exception_address = address;
	spin_unlock(&thread->lock);
	ps_dereference_thread(thread);
}

static pgprot_t mm_pgprot(u16 state, unsigned long allowed)
{
	pgprot_t prot = vm_get_page_prot(VM_SHARED | allowed);

	if (state & NT_PAGE_NOCACHE)
		prot = pgprot_noncached(prot);
	else if (state & NT_PAGE_WRITECOMBINE)
		prot = pgprot_writecombine(prot);
	return prot;
}

/* What a committed, accessible page may be mapped with now; 0 if nothing. */
static unsigned long mm_map_flags(struct mm_vad *vad, u16 state, bool write)
{
	unsigned long allowed;

	if (!(state & MM_PAGE_COMMITTED) || (state & NT_PAGE_GUARD))
		return 0;
	allowed = mm_protect_to_vm_flags(state & MM_PAGE_PROT_MASK);
	/* x86 has no execute-only PTE: PAGE_EXECUTE pages read, as on Windows. */
	if (allowed & VM_EXEC)
		allowed |= VM_READ;
	/* Watched pages are mapped writable once written. */
	if (!write && (vad->flags & NT_MEM_WRITE_WATCH) &&
	    !(state & MM_PAGE_WRITTEN))
		allowed &= ~VM_WRITE;
	return allowed;
}

#define MM_FAULT_AROUND_PAGES	16

/*
 * A fault on a page that is already resident is a refault after a zap
 * (protect, decommit of a neighbour, write-watch reset): map the other
 * resident pages of the aligned 64 KiB window too, as the page cache's
 * fault-around does, so that a protection change costs one fault per
 * window instead of one per page. Pages never touched stay unmapped.
 */
static void mm_fault_around(struct mm_space *space, struct vm_area_struct *vma,
			    struct mm_vad *vad, unsigned long addr)
{
	unsigned long start, end, a, allowed;
	struct page *page;
	u16 state;

	start = max3(ALIGN_DOWN(addr, MM_FAULT_AROUND_PAGES << PAGE_SHIFT),
		     vad->start, vma->vm_start);
	end = min3(start + (MM_FAULT_AROUND_PAGES << PAGE_SHIFT), vad->end,
		   vma->vm_end);
	for (a = start; a < end; a += PAGE_SIZE) {
		if (a == addr)
			continue;
		page = xa_load(&space->pages, a >> PAGE_SHIFT);
		if (!page)
			continue;
		state = mm_vad_page_state(vad, a);
		allowed = mm_map_flags(vad, state, false);
		if (!allowed)
			continue;
		if (vmf_insert_pfn_prot(vma, a, page_to_pfn(page),
					mm_pgprot(state, allowed)) != VM_FAULT_NOPAGE)
			break;
	}
}

static vm_fault_t mm_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_space *space = vma->vm_file->private_data;
	unsigned long addr = vmf->address & PAGE_MASK, allowed;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	bool exec = vmf->flags & FAULT_FLAG_INSTRUCTION;
	u32 code = STATUS_ACCESS_VIOLATION;
	struct page *page, *refault;
	struct mm_vad *vad;
	vm_fault_t ret;
	u16 state;

	mutex_lock(&space->lock);
	if (space->dead) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	vad = mm_vad_find(&space->vads, addr);
	if (!vad)
		goto violation;
	state = mm_vad_page_state(vad, addr);
	if (!(state & MM_PAGE_COMMITTED))
		goto violation;
	if (state & NT_PAGE_GUARD) {
		/* One-shot: the guard goes, the access is refused once. */
		if (mm_vad_update_pages(vad, addr, addr + PAGE_SIZE,
					NT_PAGE_GUARD, 0)) {
			ret = VM_FAULT_OOM;
			goto out;
		}
		code = STATUS_GUARD_PAGE_VIOLATION;
		goto violation;
	}
	/* Watched pages: mapped read-only until written, see .pfn_mkwrite. */
	allowed = mm_map_flags(vad, state, write);
	if (!allowed || (write && !(allowed & VM_WRITE)) ||
	    (exec && !(allowed & VM_EXEC)))
		goto violation;

	page = mm_get_page(space, vad, addr, false);
	refault = page;
	if (!page)
		page = mm_get_page(space, vad, addr, true);
	if (!page) {
		ret = VM_FAULT_OOM;
		goto out;
	}
	if (write && (vad->flags & NT_MEM_WRITE_WATCH) &&
	    !(state & MM_PAGE_WRITTEN) &&
	    mm_vad_update_pages(vad, addr, addr + PAGE_SIZE, 0, MM_PAGE_WRITTEN)) {
		ret = VM_FAULT_OOM;
		goto out;
	}
	space->faults++;
	ret = vmf_insert_pfn_prot(vma, addr, page_to_pfn(page),
				  mm_pgprot(state, allowed));
	/*
	 * Not for write-watched memory: its resets zap on purpose, and
	 * neighbours mapped again would only make the next reset's zap and
	 * this fault dearer.
	 */
	if (refault && ret == VM_FAULT_NOPAGE &&
	    !(vad->flags & NT_MEM_WRITE_WATCH))
		mm_fault_around(space, vma, vad, addr);
out:
	mutex_unlock(&space->lock);
	return ret;

violation:
	mutex_unlock(&space->lock);
	mm_record_exception(code, write ? 1 : exec ? 8 : 0, vmf->real_address);
	return VM_FAULT_SIGSEGV;
}

/* A write to a page mapped read-only: allowed only if the page is writable. */
static vm_fault_t mm_vm_pfn_mkwrite(struct vm_fault *vmf)
{
	struct mm_space *space = vmf->vma->vm_file->private_data;
	unsigned long addr = vmf->address & PAGE_MASK;
	vm_fault_t ret = 0;
	struct mm_vad *vad;
	u16 state;

	mutex_lock(&space->lock);
	if (space->dead) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	vad = mm_vad_find(&space->vads, addr);
	state = vad ? mm_vad_page_state(vad, addr) : 0;
	if (!(state & MM_PAGE_COMMITTED) || (state & NT_PAGE_GUARD) ||
	    !(mm_protect_to_vm_flags(state & MM_PAGE_PROT_MASK) & VM_WRITE)) {
		mutex_unlock(&space->lock);
		mm_record_exception(STATUS_ACCESS_VIOLATION, 1, vmf->real_address);
		return VM_FAULT_SIGSEGV;
	}
	if ((vad->flags & NT_MEM_WRITE_WATCH) && !(state & MM_PAGE_WRITTEN) &&
	    mm_vad_update_pages(vad, addr, addr + PAGE_SIZE, 0, MM_PAGE_WRITTEN))
		ret = VM_FAULT_OOM;
	else
		space->faults++;
out:
	mutex_unlock(&space->lock);
	return ret;
}

/*
 * ptrace and /proc/<pid>/mem (GUP refuses VM_PFNMAP): copy to or from the
 * committed pages, whatever their protection, as ptrace may.
 */
static int mm_vm_access(struct vm_area_struct *vma, unsigned long addr,
			void *buf, int len, int write)
{
	struct mm_space *space = vma->vm_file->private_data;
	int done = 0, n;
	struct mm_vad *vad;
	struct page *page;
	void *kaddr;

	mutex_lock(&space->lock);
	while (done < len && !space->dead) {
		vad = mm_vad_find(&space->vads, addr);
		if (!vad || !(mm_vad_page_state(vad, addr) & MM_PAGE_COMMITTED))
			break;
		n = min_t(unsigned long, len - done,
			  PAGE_SIZE - offset_in_page(addr));
		/* A page never touched reads as zeros and stays untouched. */
		page = mm_get_page(space, vad, addr & PAGE_MASK, write);
		if (!page && !write) {
			memset(buf + done, 0, n);
			done += n;
			addr += n;
			continue;
		}
		if (!page)
			break;
		kaddr = kmap_local_page(page);
		if (write)
			memcpy(kaddr + offset_in_page(addr), buf + done, n);
		else
			memcpy(buf + done, kaddr + offset_in_page(addr), n);
		kunmap_local(kaddr);
		if (write && (vad->flags & NT_MEM_WRITE_WATCH))
			mm_vad_update_pages(vad, addr & PAGE_MASK,
					    (addr & PAGE_MASK) + PAGE_SIZE, 0,
					    MM_PAGE_WRITTEN);
		done += n;
		addr += n;
	}
	mutex_unlock(&space->lock);
	return done;
}

/* Only the module splits its VMAs (a partial MEM_RELEASE). */
static int mm_vm_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	struct mm_space *space = vma->vm_file->private_data;

	return READ_ONCE(space->mapper) == current ? 0 : -EINVAL;
}

/* Protections are NT's business: mprotect() would bypass the VADs. */
static int mm_vm_mprotect(struct vm_area_struct *vma, unsigned long start,
			  unsigned long end, unsigned long newflags)
{
	return -EACCES;
}

static int mm_vm_mremap(struct vm_area_struct *vma)
{
	return -EINVAL;
}

/*
 * The VMA is going: munmap() by the process, a release by the module,
 * exit or execve. Its PTEs are already gone; so go its VADs and pages.
 * Only a VMA the module made (file offset == address) stands for VADs: a
 * failed mremap() closes a temporary copy of the VMA at another address,
 * where another allocation may be under way.
 */
static void mm_vm_close(struct vm_area_struct *vma)
{
	struct mm_space *space = vma->vm_file->private_data;
	LIST_HEAD(freed);

	if (vma->vm_pgoff != vma->vm_start >> PAGE_SHIFT)
		return;
	mutex_lock(&space->lock);
	if (!space->dead)
		mm_release_vads(space, vma->vm_start, vma->vm_end, &freed);
	mutex_unlock(&space->lock);
	mm_put_pages(&freed);
}

static const char *mm_vm_name(struct vm_area_struct *vma)
{
	return "[ntexec]";
}

static const struct vm_operations_struct mm_vm_ops = {
	.fault		= mm_vm_fault,
	.pfn_mkwrite	= mm_vm_pfn_mkwrite,
	.access		= mm_vm_access,
	.may_split	= mm_vm_may_split,
	.mprotect	= mm_vm_mprotect,
	.mremap		= mm_vm_mremap,
	.close		= mm_vm_close,
	.name		= mm_vm_name,
};

/**
 * mm_vma_is_ntexec() - whether a VMA is an allocation of some NT space
 * @vma: a VMA, its mm's lock held
 *
 * Return: true for the VMAs mm_map_range() creates.
 */
bool mm_vma_is_ntexec(struct vm_area_struct *vma)
{
	return vma->vm_ops == &mm_vm_ops;
}

/* Only mm_map_range() maps the file: at offset == address, in its mm. */
static int mm_vm_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mm_space *space = file->private_data;

	if (READ_ONCE(space->mapper) != current || vma->vm_mm != space->mm ||
	    vma->vm_pgoff != vma->vm_start >> PAGE_SHIFT)
		return -EACCES;
	ntx_vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND |
			 VM_DONTDUMP | VM_DONTCOPY);
	vma->vm_ops = &mm_vm_ops;
	return 0;
}

static int mm_vm_release(struct inode *inode, struct file *file)
{
	mm_space_put(file->private_data);
	return 0;
}

static const struct file_operations mm_vm_fops = {
	.owner		= THIS_MODULE,
	.mmap		= mm_vm_mmap,
	.release	= mm_vm_release,
};

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

static struct mm_space *mm_space_create(struct mm_struct *mm)
{
	struct mm_space *space;
	struct inode *inode;
	struct file *file;

	space = kzalloc(sizeof(*space), GFP_KERNEL_ACCOUNT);
	if (!space)
		return NULL;
	kref_init(&space->ref);
	mutex_init(&space->addr_lock);
	mutex_init(&space->lock);
	mm_vad_tree_init(&space->vads, &space->lock);
	xa_init(&space->pages);
	space->mm = mm;
	mmgrab(mm);

	inode = alloc_anon_inode(mm_mnt->mnt_sb);
	if (IS_ERR(inode))
		goto fail;
	/* The file's f_op reference, as anon_inode_getfile() takes it. */
	__module_get(THIS_MODULE);
	file = alloc_file_pseudo(inode, mm_mnt, "ntexec-vm", O_RDWR, &mm_vm_fops);
	if (IS_ERR(file)) {
		module_put(THIS_MODULE);
		iput(inode);
		goto fail;
	}
	/* The file's reference, dropped by its release. */
	kref_get(&space->ref);
	file->private_data = space;
	space->file = file;
	space->mapping = file->f_mapping;
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
	struct file *file;
	LIST_HEAD(freed);

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
	mutex_unlock(&space->lock);
	mutex_unlock(&space->addr_lock);
	mm_put_pages(&freed);
	if (file)
		fput(file);
}

/**
 * mm_live_thread() - a thread of a process that still has its address space
 * @process: the process
 *
 * The caller itself when it belongs to @process.
 *
 * Return: a referenced task whose ->mm is the process's address space
 * (stable while the task is not exiting), or NULL when every thread has
 * exited.
 */
struct task_struct *mm_live_thread(struct ps_process *process)
{
	struct task_struct *task, *t, *found = NULL;

	if (process->pid == task_tgid(current) && current->mm) {
		get_task_struct(current);
		return current;
	}
	task = get_pid_task(process->pid, PIDTYPE_TGID);
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

/* Whether some live thread of @process has @mm as its address space. */
static bool mm_is_current(struct ps_process *process, struct mm_struct *mm)
{
	struct task_struct *task, *t;
	bool found = false;

	rcu_read_lock();
	task = pid_task(process->pid, PIDTYPE_TGID);
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
 * @process: the process
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
struct mm_space *mm_space_get(struct ps_process *process, struct mm_struct *mm,
			      bool create)
{
	struct mm_space *space, *old = NULL, *new = NULL;

again:
	spin_lock(&process->lock);
	space = process->vm;
	if (process->rundown || !mm_is_current(process, mm)) {
		space = ERR_PTR(-ESRCH);
	} else if (space && space->mm == mm) {
		kref_get(&space->ref);
	} else if (new) {
		/* A space of an mm that no thread has any more is stale. */
		old = space;
		process->vm = new;
		space = new;
		kref_get(&space->ref);
		new = NULL;
	} else {
		space = NULL;
	}
	spin_unlock(&process->lock);

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
 * mm_process_rundown() - free a process's NT memory
 * @process: a process that has exited (or the module is going)
 */
void mm_process_rundown(struct ps_process *process)
{
	struct mm_space *space;

	spin_lock(&process->lock);
	space = process->vm;
	process->vm = NULL;
	spin_unlock(&process->lock);
	if (space) {
		mm_space_kill(space);
		mm_space_put(space);
	}
}

/**
 * mm_process_counters() - the module's share of a process's memory counters
 * @process: the process
 * @c: filled in; zero when the process has no NT memory
 */
void mm_process_counters(struct ps_process *process, struct mm_counters *c)
{
	struct mm_space *space;

	memset(c, 0, sizeof(*c));
	spin_lock(&process->lock);
	space = process->vm;
	if (space)
		kref_get(&space->ref);
	spin_unlock(&process->lock);
	if (!space)
		return;
	mutex_lock(&space->lock);
	c->committed = space->committed << PAGE_SHIFT;
	c->peak_committed = space->peak_committed << PAGE_SHIFT;
	c->resident = space->resident << PAGE_SHIFT;
	c->peak_resident = space->peak_resident << PAGE_SHIFT;
	c->faults = space->faults;
	mutex_unlock(&space->lock);
	mm_space_put(space);
}

/*
 * Running a service in another process. The request is queued as a
 * task_work on a live thread of the target with TWA_SIGNAL (it interrupts
 * the thread's interruptible sleeps and runs on its way back to user
 * space, or at its exit). The caller waits interruptibly: if it is
 * interrupted before the work started, it cancels the request and its
 * ioctl restarts; once the work runs, the caller waits for its end (the
 * work needs nothing from the caller), so the arguments may live on the
 * caller's stack.
 */
enum { MM_REMOTE_PENDING, MM_REMOTE_RUNNING, MM_REMOTE_CANCELLED };

struct mm_remote {
	struct callback_head work;
	struct completion done;
	atomic_t state;
	refcount_t ref;
	struct mm_space *space;
	mm_remote_fn fn;
	void *args;
	long ret;
};

static void mm_remote_put(struct mm_remote *r)
{
	if (refcount_dec_and_test(&r->ref)) {
		mm_space_put(r->space);
		kfree(r);
	}
}

static void mm_remote_work(struct callback_head *work)
{
	struct mm_remote *r = container_of(work, struct mm_remote, work);

	if (atomic_cmpxchg(&r->state, MM_REMOTE_PENDING,
			   MM_REMOTE_RUNNING) == MM_REMOTE_PENDING) {
		if ((current->flags & PF_EXITING) || current->mm != r->space->mm)
			r->ret = STATUS_PROCESS_IS_TERMINATING;
		else
			r->ret = r->fn(r->space, r->args, true);
		complete(&r->done);
	}
	mm_remote_put(r);
	/*
	 * The queueing took a module reference: the work may run after its
	 * caller has gone (a work cannot be cancelled once queued). This is
	 * the work's last statement; an unload would have to finish within
	 * the function's epilogue, and free_module() waits for an RCU grace
	 * period before it frees the module's text.
	 */
	module_put(THIS_MODULE);
}

/**
 * mm_run_in() - run a service in the context of a process
 * @process: the process
 * @space: its space (referenced by the caller)
 * @fn: the service's part that must run there (vm_mmap(), vm_munmap());
 *	told whether it runs remotely, where it cannot restart a system call
 * @args: for @fn
 *
 * Return: what @fn returned, STATUS_PROCESS_IS_TERMINATING when the
 * process has no live thread, or -ERESTARTNOINTR when the caller was
 * interrupted before @fn started (nothing happened; the ioctl restarts).
 */
long mm_run_in(struct ps_process *process, struct mm_space *space,
	       mm_remote_fn fn, void *args)
{
	struct task_struct *task, *t, *target = NULL;
	struct mm_remote *r;
	long ret;

	if (current->mm == space->mm)
		return fn(space, args, false);

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return STATUS_NO_MEMORY;
	init_task_work(&r->work, mm_remote_work);
	init_completion(&r->done);
	atomic_set(&r->state, MM_REMOTE_PENDING);
	refcount_set(&r->ref, 2);
	kref_get(&space->ref);
	r->space = space;
	r->fn = fn;
	r->args = args;

	task = get_pid_task(process->pid, PIDTYPE_TGID);
	if (task) {
		rcu_read_lock();
		for_each_thread(task, t) {
			if (!(t->flags & PF_EXITING) && t->mm == space->mm) {
				target = t;
				get_task_struct(target);
				break;
			}
		}
		rcu_read_unlock();
		put_task_struct(task);
	}
	__module_get(THIS_MODULE);
	if (!target || task_work_add(target, &r->work, TWA_SIGNAL)) {
		module_put(THIS_MODULE);
		if (target)
			put_task_struct(target);
		refcount_set(&r->ref, 1);
		mm_remote_put(r);
		return STATUS_PROCESS_IS_TERMINATING;
	}
	put_task_struct(target);

	ret = 0;
	if (wait_for_completion_interruptible(&r->done)) {
		if (atomic_cmpxchg(&r->state, MM_REMOTE_PENDING,
				   MM_REMOTE_CANCELLED) == MM_REMOTE_PENDING)
			ret = -ERESTARTNOINTR;
		else
			wait_for_completion(&r->done);
	}
	if (!ret)
		ret = r->ret;
	mm_remote_put(r);
	return ret;
}

/**
 * mm_get_exception() - read and clear the calling thread's last exception
 * @exception: filled in (all zero when there was none)
 *
 * Return: STATUS_SUCCESS, or STATUS_NO_MEMORY.
 */
long mm_get_exception(struct ntexec_exception *exception)
{
	struct ps_thread *thread = ps_current_thread();

	memset(exception, 0, sizeof(*exception));
	if (!thread)
		return STATUS_NO_MEMORY;
	spin_lock(&thread->lock);
	exception->code = thread->exception_code;
	exception->access = thread->exception_access;
	exception->address = thread->exception_address;
	thread->exception_code = 0;
	thread->exception_access = 0;
	thread->exception_address = 0;
	spin_unlock(&thread->lock);
	ps_dereference_thread(thread);
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(mm_get_exception);

static int mm_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, NTEXEC_VM_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type mm_fs_type = {
	.name		= "ntexec_vm",
	.init_fs_context = mm_fs_init_fs_context,
	.kill_sb	= kill_anon_super,
};

int mm_init(void)
{
	mm_mnt = kern_mount(&mm_fs_type);
	return PTR_ERR_OR_ZERO(mm_mnt);
}

void mm_exit(void)
{
	kern_unmount(mm_mnt);
}
