// SPDX-License-Identifier: GPL-2.0
/*
 * The page tables as a cache of the NT address space: the vm_operations of
 * the VM file (space.c).
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
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>

#include "mi.h"
#include "../ntob/compat.h"
#include "../ntob/trace.h"

/*
 * Faults by kind (NTX_FAULT_*), for SystemPerformanceInformation: per CPU,
 * so that the fault path pays one local increment and no shared line.
 */
struct mm_fault_kinds {
	unsigned long n[NTX_FAULT_KINDS];
};
static DEFINE_PER_CPU(struct mm_fault_kinds, mm_fault_kinds);

/* Count a fault of @kind and trace it. */
static void mm_fault_note(unsigned long addr, unsigned int kind, unsigned int access,
			  u16 state)
{
	this_cpu_inc(mm_fault_kinds.n[kind]);
	trace_ntexec_fault(addr, kind, access, state);
}

/**
 * mm_fault_counts() - the faults of NT memory since the module was loaded
 * @n: out: NTX_FAULT_KINDS counts, by kind
 *
 * Each CPU's counts are read without a lock: a fault on another CPU meanwhile
 * may or may not be in the sum.
 */
void mm_fault_counts(unsigned long *n)
{
	unsigned int cpu, k;

	memset(n, 0, NTX_FAULT_KINDS * sizeof(*n));
	for_each_possible_cpu(cpu)
		for (k = 0; k < NTX_FAULT_KINDS; k++)
			n[k] += per_cpu(mm_fault_kinds, cpu).n[k];
}

/* The NT exception behind a SIGSEGV, for NtxGetLastException(). */
static void mm_record_exception(u32 code, u32 access, unsigned long address)
{
	if (mm_ops && mm_ops->exception)
		mm_ops->exception(code, access, address);
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
static unsigned long mm_map_flags(struct mm_vad *vad, unsigned long addr,
				  u16 state, bool write)
{
	struct mm_segment *seg = mm_page_file(vad, state);
	unsigned long allowed;

	if (!mm_page_accessible(state))
		return 0;
	allowed = mm_protect_to_vm_flags(state & MM_PAGE_PROT_MASK);
	/* x86 has no execute-only PTE: PAGE_EXECUTE pages read, as on Windows. */
	if (allowed & VM_EXEC)
		allowed |= VM_READ;
	/* So are pages after MEM_RESET: a write makes them keep their data. */
	if (!write && (state & MM_PAGE_RESET))
		allowed &= ~VM_WRITE;
	/* Watched pages are mapped writable once written. */
	if (!write && (vad->flags & NT_MEM_WRITE_WATCH) &&
	    !(state & MM_PAGE_WRITTEN))
		allowed &= ~VM_WRITE;
	/* A write-copy page of a view maps the section's page read-only. */
	if (mm_page_needs_copy(vad, state))
		allowed &= ~VM_WRITE;
	/* A file's page, until written: the file system must hear of it. */
	if (!write && seg && !mm_file_page_written(seg, mm_view_index(vad, addr)))
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
		state = mm_page_state(vad, a);
		/*
		 * A trimmed page stays out until it is touched itself, and so
		 * does one in a paging file (no read for a page not asked for).
		 */
		if ((!vad->section || (state & MM_PAGE_PRIVATE)) &&
		    (mm_ws_transition(space, a >> PAGE_SHIFT) ||
		     xa_load(&space->paged, a >> PAGE_SHIFT)))
			continue;
		page = mm_page_lookup(space, vad, a, state, false);
		if (!page)
			continue;
		allowed = mm_map_flags(vad, a, state, false);
		if (!allowed)
			continue;
		/* Not accessed yet: working-set aging must not take it as used. */
		if (vmf_insert_pfn_prot(vma, a, page_to_pfn(page),
					ntx_pgprot_mkold(mm_pgprot(state, allowed))) !=
		    VM_FAULT_NOPAGE)
			break;
	}
}

/* Copy a write-copy page for a write fault: 0, or how the fault fails. */
static vm_fault_t mm_copy_fault(struct mm_space *space, struct mm_vad *vad,
				unsigned long addr, u16 *state)
{
	switch (mm_page_copy_on_write(space, vad, addr, state)) {
	case STATUS_SUCCESS:
		return 0;
	case STATUS_IN_PAGE_ERROR:
		return VM_FAULT_SIGBUS;
	case STATUS_COMMITMENT_LIMIT:
		/*
		 * NT charges a view's copies when it maps it; here a copy is
		 * charged at its first write, and past a limit (the system's
		 * or a job's) that write raises STATUS_COMMITMENT_LIMIT
		 * instead of retrying the fault forever.
		 */
		return VM_FAULT_SIGSEGV;
	default:
		return VM_FAULT_OOM;
	}
}

/*
 * The guard page of the faulting thread's own NT stack was touched (and
 * lost its guard): as Windows does, the page below becomes the new guard
 * and the access goes on; with no room left below, STATUS_STACK_OVERFLOW.
 * Return: 0 when the access goes on, else the exception's status.
 */
static u32 mm_stack_grow(struct mm_space *space, struct mm_vad *vad, unsigned long addr)
{
	unsigned long bottom, top, below = addr - PAGE_SIZE;

	if (!mm_ops || !mm_ops->stack || !mm_ops->stack(&bottom, &top) ||
	    vad->start != bottom || addr < bottom || addr >= top)
		return STATUS_GUARD_PAGE_VIOLATION;
	/* Windows keeps the reservation's last page: no guard goes there. */
	if (below < bottom + PAGE_SIZE)
		return STATUS_STACK_OVERFLOW;
	if (mm_page_state(vad, below) & MM_PAGE_COMMITTED)
		return 0;
	if (mm_space_charge(space, 1))
		return STATUS_STACK_OVERFLOW;
	if (mm_vad_update_pages(vad, below, addr, MM_PAGE_PROT_MASK | MM_PAGE_RESET,
				MM_PAGE_COMMITTED | NT_PAGE_READWRITE | NT_PAGE_GUARD)) {
		mm_space_decommit(space, 1, 0);
		return STATUS_STACK_OVERFLOW;
	}
	if (mm_ops->stack_grown)
		mm_ops->stack_grown(addr);
	return 0;
}

/*
 * A fault about to take new pages while memory is short waits for the
 * balance set manager (balance.c), if it may let go of its lock and retry.
 */
static bool mm_fault_must_wait(struct vm_fault *vmf)
{
	return (vmf->flags & FAULT_FLAG_ALLOW_RETRY) &&
	       !(vmf->flags & FAULT_FLAG_RETRY_NOWAIT) && mm_bsm_must_wait();
}

static vm_fault_t mm_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_space *space = vma->vm_file->private_data;
	unsigned long addr = vmf->address & PAGE_MASK, allowed;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	bool exec = vmf->flags & FAULT_FLAG_INSTRUCTION;
	bool soft;
	u32 code = STATUS_ACCESS_VIOLATION;
	unsigned int kind = NTX_FAULT_SOFT;
	struct page *page, *refault;
	struct mm_vad *vad;
	LIST_HEAD(freed);
	bool created, hard;
	vm_fault_t ret;
	u16 state = 0;

	mutex_lock(&space->lock);
	if (space->dead) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	vad = mm_vad_find(&space->vads, addr);
	if (!vad)
		goto violation;
	state = mm_page_state(vad, addr);
	if (!(state & MM_PAGE_COMMITTED))
		goto violation;
	if (state & NT_PAGE_GUARD) {
		/* One-shot: the guard goes, the access is refused once. */
		if (mm_vad_update_pages(vad, addr, addr + PAGE_SIZE,
					NT_PAGE_GUARD, 0)) {
			ret = VM_FAULT_OOM;
			goto out;
		}
		/* ... except on a thread's own stack, which it grows. */
		code = mm_stack_grow(space, vad, addr);
		if (code)
			goto violation;
		state = mm_page_state(vad, addr);
		kind = NTX_FAULT_STACK_GROWTH;
	}
	/* A write-copy page of a view gets its own copy first. */
	if (write && mm_page_needs_copy(vad, state)) {
		ret = mm_copy_fault(space, vad, addr, &state);
		if (ret == VM_FAULT_SIGSEGV) {
			code = STATUS_COMMITMENT_LIMIT;
			goto violation;
		}
		if (ret)
			goto out;
		kind = NTX_FAULT_COPY_ON_WRITE;
	}
	/* Watched pages: mapped read-only until written, see .pfn_mkwrite. */
	allowed = mm_map_flags(vad, addr, state, write);
	if (!allowed || (write && !(allowed & VM_WRITE)) ||
	    (exec && !(allowed & VM_EXEC)))
		goto violation;

	/*
	 * A soft fault (the page was trimmed) brings back that page alone:
	 * its neighbours were trimmed with it, so no fault-around.
	 */
	soft = (!vad->section || (state & MM_PAGE_PRIVATE)) &&
	       mm_ws_transition(space, addr >> PAGE_SHIFT);
	/* A page only in a paging file: a hard fault reads it back. */
	hard = (!vad->section || (state & MM_PAGE_PRIVATE)) &&
	       xa_load(&space->paged, addr >> PAGE_SHIFT) &&
	       !xa_load(&space->pages, addr >> PAGE_SHIFT);
	/* Memory short: a hard fault (it takes new pages) waits first. */
	if (hard && mm_fault_must_wait(vmf))
		goto wait;
	page = mm_page_lookup(space, vad, addr, state, false);
	refault = soft ? NULL : page;
	created = !page;
	/* So does one that takes a new zero page. */
	if (!page && mm_fault_must_wait(vmf))
		goto wait;
	if (!page)
		page = mm_page_lookup(space, vad, addr, state, true);
	if (!page) {
		/*
		 * A file's page: past its end or unreadable, as Linux says; a
		 * paging file that cannot give a page back: an in-page error.
		 */
		ret = mm_page_file(vad, state) || hard ? VM_FAULT_SIGBUS : VM_FAULT_OOM;
		goto out;
	}
	if (write && mm_page_written(space, vad, addr, state)) {
		ret = VM_FAULT_OOM;
		goto out;
	}
	space->faults++;
	/* A page that was not there: a new zero page, a file's, or read back. */
	if (hard && kind == NTX_FAULT_SOFT)
		kind = NTX_FAULT_HARD;
	else if (created && kind == NTX_FAULT_SOFT)
		kind = mm_page_file(vad, state) ? NTX_FAULT_FILE : NTX_FAULT_DEMAND_ZERO;
	mm_fault_note(addr, kind, write ? 1 : exec ? 8 : 0, state);
	/* A page with a good paging-file copy: read-only until written. */
	if (!write && !xa_empty(&space->paged) &&
	    xa_load(&space->paged, addr >> PAGE_SHIFT))
		allowed &= ~VM_WRITE;
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
	/* A hard working-set maximum: the oldest pages make room. */
	if (ret == VM_FAULT_NOPAGE)
		mm_ws_replace(space, addr >> PAGE_SHIFT, &freed);
out:
	mutex_unlock(&space->lock);
	mm_put_pages(&freed);
	return ret;

wait:
	/*
	 * Let go of every lock, wait for the balance set manager to page
	 * out, and come again.
	 */
	mutex_unlock(&space->lock);
	ntx_release_fault_lock(vmf);
	mm_bsm_throttle();
	return VM_FAULT_RETRY;

violation:
	mutex_unlock(&space->lock);
	mm_fault_note(addr, code == STATUS_ACCESS_VIOLATION ?
			   NTX_FAULT_ACCESS_VIOLATION : NTX_FAULT_GUARD,
			   write ? 1 : exec ? 8 : 0, state);
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
	state = vad ? mm_page_state(vad, addr) : 0;
	if (!mm_page_allows(state, VM_WRITE)) {
		mutex_unlock(&space->lock);
		mm_fault_note(addr, NTX_FAULT_ACCESS_VIOLATION, 1, state);
		mm_record_exception(STATUS_ACCESS_VIOLATION, 1, vmf->real_address);
		return VM_FAULT_SIGSEGV;
	}
	if (mm_page_needs_copy(vad, state)) {
		/*
		 * The PTE maps the section's page: copy it, drop that PTE and
		 * let the write fault again, to .fault, which maps the copy.
		 */
		ret = mm_copy_fault(space, vad, addr, &state);
		if (!ret) {
			mm_fault_note(addr, NTX_FAULT_COPY_ON_WRITE, 1, state);
			mm_zap(space, addr, addr + PAGE_SIZE);
			ret = VM_FAULT_NOPAGE;
		} else if (ret == VM_FAULT_SIGSEGV) {
			mutex_unlock(&space->lock);
			mm_record_exception(STATUS_COMMITMENT_LIMIT, 1, vmf->real_address);
			return ret;
		}
	} else if (mm_page_written(space, vad, addr, state)) {
		ret = VM_FAULT_OOM;
	} else {
		space->faults++;
		mm_fault_note(addr, NTX_FAULT_WRITE, 1, state);
	}
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
	u16 state;

	mutex_lock(&space->lock);
	while (done < len && !space->dead) {
		vad = mm_vad_find(&space->vads, addr);
		state = vad ? mm_page_state(vad, addr & PAGE_MASK) : 0;
		if (!(state & MM_PAGE_COMMITTED))
			break;
		n = min_t(unsigned long, len - done,
			  PAGE_SIZE - offset_in_page(addr));
		/* A write to a write-copy page of a view writes a copy. */
		if (write && mm_page_needs_copy(vad, state)) {
			if (mm_page_copy_on_write(space, vad, addr & PAGE_MASK, &state))
				break;
			mm_zap(space, addr & PAGE_MASK, (addr & PAGE_MASK) + PAGE_SIZE);
		}
		/* A page never touched reads as zeros and stays untouched. */
		page = mm_page_lookup(space, vad, addr & PAGE_MASK, state,
				      write || mm_page_file(vad, state));
		if (!page && !write) {
			memset(buf + done, 0, n);
			done += n;
			addr += n;
			continue;
		}
		if (!page || (write && mm_page_written(space, vad, addr & PAGE_MASK, state)))
			break;
		mm_page_copy(page, offset_in_page(addr), buf + done, n, write);
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

const struct file_operations mm_vm_fops = {
	.owner		= THIS_MODULE,
	.mmap		= mm_vm_mmap,
	.release	= mm_vm_release,
};
