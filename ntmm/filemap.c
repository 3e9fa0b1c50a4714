// SPDX-License-Identifier: GPL-2.0
/*
 * The pages of file-backed sections: the file's own page cache behind the
 * module's PTEs.
 *
 * Why this mechanism (and not a VMA of the file itself in the view's
 * place): a view must stay one of the module's allocations, with NT's
 * per-page protections, write-copy, NtProtectVirtualMemory within the
 * section's limits, remote mapping, NtRead/WriteVirtualMemory and
 * NtQueryVirtualMemory all working as for pagefile-backed views, and with
 * VMA callbacks that refuse mprotect()/mremap() behind the VADs' back. A
 * VMA of the file would have one protection, the file system's vm_ops, and
 * nothing to tell the module it was munmap()ped or mprotect()ed. So the
 * segment of a file-backed section holds, for each page a view touched, a
 * reference to the file's page-cache folio (read_cache_folio(), or the
 * shmem read for tmpfs and memfd), and the fault path maps that page as it
 * maps a pagefile-backed section's: pread() and pwrite() see the same
 * memory as every view, at once, both ways.
 *
 * Writes: a PFNMAP PTE is invisible to the file's rmap, so the file system
 * never sees the write fault (no ->page_mkwrite), and dirtying the folio
 * behind its back (folio_mark_dirty()) is not enough: a file system that
 * allocates blocks in ->page_mkwrite or ->write_begin (ext4's delayed
 * allocation) throws such folios away at writeback. So a page is mapped
 * read-only until written; its first write marks it (MM_SEG_WRITTEN,
 * sticky, and MM_SEG_TO_SYNC) and queues the segment's work, which hands
 * the page to the file system the way write(2) does, under i_rwsem and
 * freeze protection: ->write_begin() and ->write_end() of the page with no
 * copy (the data is already in the folio), which reserves blocks, dirties
 * the folio and updates the file's times. The file system may write the
 * folio back and clean it while views keep writing it (no rmap, so no
 * re-protection); such writes are not lost: NtFlushVirtualMemory and the
 * segment's end hand every page ever written to the file system again and
 * write the range back. pread() sees every write at once, the disk at the
 * latest after NtFlushVirtualMemory or the section's end.
 *
 * Truncation by another program: the folios the segment holds leave the
 * page cache but stay referenced, so a view never sees a freed page; pages
 * past the new end are not read again (the fault is a SIGBUS, as Linux
 * does) and are not handed back to the file system (nothing grows the file
 * behind its truncator).
 *
 * Charges: a held folio cannot be reclaimed while its section lives, so
 * each is charged to the commit limit like a committed private page, and
 * its allocation (when the read allocates it) to the memory cgroup of the
 * section's creator.
 *
 * Locking: mm_segment.sync_lock is taken outside the inode's i_rwsem (as
 * write(2) takes i_rwsem outside the folio lock) and never under mmap_lock
 * or a space's lock: only the segment's work and NtFlushVirtualMemory take
 * it, with no lock of the module held. The fault path reads folios under
 * mmap_lock and the space's lock, as filemap_fault() reads under mmap_lock,
 * and takes mm_segment.lock only around the xarray.
 */
#include <linux/fs.h>
#include <linux/memcontrol.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/writeback.h>
#include <uapi/linux/magic.h>
#include <kunit/visibility.h>

#include "mi.h"
#include "../ntob/compat.h"

static struct workqueue_struct *mm_file_wq;

/* tmpfs and memfd: no ->read_folio; shmem reads (allocates) the page. */
static bool mm_file_is_shmem(struct file *file)
{
	return file_inode(file)->i_sb->s_magic == TMPFS_MAGIC;
}

/**
 * mm_file_check() - whether a file can back a section
 * @file: the open file
 * @writable: views may write it (a PAGE_READWRITE or
 *	PAGE_EXECUTE_READWRITE section)
 *
 * A regular file whose pages live in its page cache. A writable section
 * also needs what a shared writable mmap() of it needs: a file not
 * append-only, not write-sealed (memfd's F_SEAL_WRITE and
 * F_SEAL_FUTURE_WRITE), and it keeps the file from being write-sealed while
 * the section lives (mm_file_uncheck()).
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_FILE_FOR_SECTION,
 * STATUS_ACCESS_DENIED.
 */
ntstatus_t mm_file_check(struct file *file, bool writable)
{
	struct address_space *mapping = file->f_mapping;
	struct inode *inode = file_inode(file);
	struct folio *folio;
	void *fsdata;
	int err;

	if (!S_ISREG(inode->i_mode) || !mapping ||
	    (!mapping->a_ops->read_folio && !mm_file_is_shmem(file)))
		return STATUS_INVALID_FILE_FOR_SECTION;
	if (!writable)
		return STATUS_SUCCESS;
	if (IS_APPEND(inode) || !mapping->a_ops->write_begin ||
	    !mapping->a_ops->write_end)
		return STATUS_ACCESS_DENIED;
	if (mapping_map_writable(mapping))
		return STATUS_ACCESS_DENIED;
	/*
	 * shmem refuses ->write_begin() on a write-sealed file before it does
	 * anything else: ask it, with nothing to write.
	 */
	if (mm_file_is_shmem(file)) {
		sb_start_write(inode->i_sb);
		inode_lock(inode);
		err = ntx_write_begin(file, mapping, 0, 0, &folio, &fsdata);
		if (!err)
			ntx_write_end(file, mapping, 0, 0, 0, folio, fsdata);
		inode_unlock(inode);
		sb_end_write(inode->i_sb);
		if (err) {
			mapping_unmap_writable(mapping);
			return STATUS_ACCESS_DENIED;
		}
	}
	return STATUS_SUCCESS;
}

/**
 * mm_file_uncheck() - undo a successful mm_file_check()
 * @file: the file
 * @writable: as it was checked
 */
void mm_file_uncheck(struct file *file, bool writable)
{
	if (writable)
		mapping_unmap_writable(file->f_mapping);
}

/**
 * mm_file_read() - a page of a segment's file, from its page cache
 * @seg: the segment (file-backed or an image)
 * @index: the page, in the file
 *
 * Return: the page with a folio reference (put_page()), or NULL.
 */
struct page *mm_file_read(struct mm_segment *seg, pgoff_t index)
{
	struct address_space *mapping = seg->file->f_mapping;
	struct mem_cgroup *old;
	struct folio *folio;
	struct page *page;

	old = set_active_memcg(seg->memcg);
	if (mm_file_is_shmem(seg->file)) {
		page = shmem_read_mapping_page_gfp(mapping, index,
						   mapping_gfp_mask(mapping));
	} else {
		folio = read_cache_folio(mapping, index, NULL, seg->file);
		page = IS_ERR(folio) ? ERR_CAST(folio) : folio_file_page(folio, index);
	}
	set_active_memcg(old);
	return IS_ERR(page) ? NULL : page;
}

/**
 * mm_segment_hold() - let a file or image segment hold a new page
 * @seg: the segment
 * @index: the page's index in it
 * @page: the new page (a reference of the caller's, charged one page of
 *	commit by the caller), or NULL when it could not be made
 *
 * A racing thread may have stored a page at @index first: that one stays,
 * and @page and its charge are dropped.
 *
 * Return: the page @seg holds at @index now, or NULL (then @page and its
 * charge were dropped).
 */
struct page *mm_segment_hold(struct mm_segment *seg, unsigned long index,
			     struct page *page)
{
	struct page *held;

	if (!page) {
		mm_shared_commit_uncharge(1);
		return NULL;
	}
	mutex_lock(&seg->lock);
	held = xa_load(&seg->pages, index);
	if (!held && !xa_err(xa_store(&seg->pages, index, page, GFP_KERNEL_ACCOUNT))) {
		seg->committed++;
		mm_resident_count();
		held = page;
		page = NULL;
	}
	mutex_unlock(&seg->lock);
	if (page) {
		put_page(page);
		mm_shared_commit_uncharge(1);
	}
	return held;
}

/**
 * mm_file_page() - the page of a file-backed section
 * @seg: the segment
 * @index: the page, in the section
 * @read: read it from the file if the segment does not hold it yet
 *
 * Return: the page (held by the segment as long as it lives), or NULL:
 * not held and not @read, past the end of the file, an I/O error, the
 * commit limit, no memory.
 */
struct page *mm_file_page(struct mm_segment *seg, unsigned long index, bool read)
{
	struct inode *inode = file_inode(seg->file);
	struct page *page;

	page = xa_load(&seg->pages, index);
	if (page || !read)
		return page;
	if (index >= DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE))
		return NULL;
	if (mm_shared_commit_charge(1))
		return NULL;
	return mm_segment_hold(seg, index, mm_file_read(seg, index));
}

/**
 * mm_file_written() - a page of a file-backed section is about to be written
 * @seg: the segment
 * @index: the page, held by the segment
 *
 * Called under the space's lock before every write through a view can
 * happen (mm_page_written()): the page is handed to the file system soon,
 * by the segment's work.
 */
void mm_file_written(struct mm_segment *seg, unsigned long index)
{
	if (xa_get_mark(&seg->pages, index, MM_SEG_TO_SYNC))
		return;
	xa_lock(&seg->pages);
	__xa_set_mark(&seg->pages, index, MM_SEG_WRITTEN);
	__xa_set_mark(&seg->pages, index, MM_SEG_TO_SYNC);
	xa_unlock(&seg->pages);
	queue_work(mm_file_wq, &seg->work);
}
EXPORT_SYMBOL_IF_KUNIT(mm_file_written);

/**
 * mm_file_page_written() - whether views may map a page writable at once
 * @seg: the segment
 * @index: the page
 *
 * Return: true once the page was written (mm_file_written()).
 */
bool mm_file_page_written(struct mm_segment *seg, unsigned long index)
{
	return xa_get_mark(&seg->pages, index, MM_SEG_WRITTEN);
}
EXPORT_SYMBOL_IF_KUNIT(mm_file_page_written);

/*
 * Hand one page to the file system as write(2) would, without copying:
 * ->write_begin() finds the folio (uptodate, so nothing is read) and
 * reserves what the write needs, ->write_end() dirties it. If the page
 * cache holds another folio there now (the file was truncated, or hole-
 * punched, and read again), nothing is claimed copied, so nothing of the
 * new folio's is exposed or overwritten.
 */
static int mm_file_sync_page(struct mm_segment *seg, struct page *page,
			     unsigned long index, loff_t isize)
{
	struct address_space *mapping = seg->file->f_mapping;
	loff_t pos = (loff_t)index << PAGE_SHIFT;
	struct folio *folio;
	unsigned int len;
	void *fsdata = NULL;
	int err;

	if (pos >= isize)
		return 0;
	len = min_t(loff_t, PAGE_SIZE, isize - pos);
	err = ntx_write_begin(seg->file, mapping, pos, len, &folio, &fsdata);
	if (err)
		return err;
	err = ntx_write_end(seg->file, mapping, pos, len,
			    folio == page_folio(page) ? len : 0, folio, fsdata);
	return err < 0 ? err : 0;
}

/*
 * Hand the pages of [@first, @last) marked @mark to the file system. The
 * segment's sync_lock held; sleeps. Return: 0 or the first error.
 */
static int mm_file_sync(struct mm_segment *seg, unsigned long first,
			unsigned long last, xa_mark_t mark)
{
	struct inode *inode = file_inode(seg->file);
	unsigned long index;
	struct page *page;
	bool any = false;
	loff_t isize;
	int err = 0, e;

	lockdep_assert_held(&seg->sync_lock);
	if (first >= last)
		return 0;
	sb_start_write(inode->i_sb);
	inode_lock(inode);
	isize = i_size_read(inode);
	xa_for_each_range(&seg->pages, index, page, first, last - 1) {
		if (!xa_get_mark(&seg->pages, index, mark))
			continue;
		if (mark == MM_SEG_TO_SYNC)
			xa_clear_mark(&seg->pages, index, MM_SEG_TO_SYNC);
		e = mm_file_sync_page(seg, page, index, isize);
		if (e && !err)
			err = e;
		any = true;
		cond_resched();
	}
	if (any)
		file_update_time(seg->file);
	inode_unlock(inode);
	sb_end_write(inode->i_sb);
	if (any)
		balance_dirty_pages_ratelimited(seg->file->f_mapping);
	return err;
}

static void mm_file_release(struct mm_segment *seg)
{
	mm_segment_put_pages(seg);
	mm_file_uncheck(seg->file, seg->writable);
	fput(seg->file);
	mem_cgroup_put(seg->memcg);
	kfree(seg);
}

/*
 * The segment's work: hand newly written pages to the file system; at the
 * segment's end, every page ever written, then let the file go.
 */
static void mm_file_work(struct work_struct *work)
{
	struct mm_segment *seg = container_of(work, struct mm_segment, work);
	bool dying;

	/* Seen true: mm_file_segment_free() has queued its run already. */
	xa_lock(&seg->pages);
	dying = seg->dying;
	xa_unlock(&seg->pages);
	mutex_lock(&seg->sync_lock);
	mm_file_sync(seg, 0, ULONG_MAX, dying ? MM_SEG_WRITTEN : MM_SEG_TO_SYNC);
	mutex_unlock(&seg->sync_lock);
	/*
	 * A run that a write queued may have started before the segment's
	 * end and see @dying set: the end's queue_work() then queued the work
	 * again, to run after this run (never beside it). Only the last run
	 * frees, or the queued one would run on freed memory.
	 */
	if (dying && !work_pending(work))
		mm_file_release(seg);
}

/**
 * mm_file_segment_init() - make a segment file-backed
 * @seg: the new segment
 * @file: the file (the segment takes a reference of its own)
 * @writable: as mm_file_check() checked it, which succeeded
 */
void mm_file_segment_init(struct mm_segment *seg, struct file *file, bool writable)
{
	seg->file = get_file(file);
	seg->writable = writable;
	mutex_init(&seg->sync_lock);
	INIT_WORK(&seg->work, mm_file_work);
}

/**
 * mm_file_segment_free() - the end of a file-backed segment
 * @seg: the segment, which no view maps any more
 *
 * The work writes what views wrote and frees the segment, out of the
 * caller's locks (this may run under mmap_lock, at a view's munmap).
 */
void mm_file_segment_free(struct mm_segment *seg)
{
	/* Together, so that a run that sees @dying finds the work queued. */
	xa_lock(&seg->pages);
	seg->dying = true;
	queue_work(mm_file_wq, &seg->work);
	xa_unlock(&seg->pages);
}

/**
 * mm_file_flush() - NtFlushVirtualMemory of part of a file-backed section
 * @seg: the segment (its section referenced by the caller)
 * @first: the first page, in the section
 * @last: the end, exclusive
 *
 * Every page of the range ever written through a view is handed to the
 * file system again (it may have been written back and cleaned since),
 * then the range is written back and waited for. No lock of the module
 * held; sleeps.
 *
 * Return: STATUS_SUCCESS, or STATUS_UNSUCCESSFUL on an I/O error.
 */
ntstatus_t mm_file_flush(struct mm_segment *seg, unsigned long first,
			 unsigned long last)
{
	int err;

	flush_work(&seg->work);
	mutex_lock(&seg->sync_lock);
	err = mm_file_sync(seg, first, last, MM_SEG_WRITTEN);
	mutex_unlock(&seg->sync_lock);
	if (!err)
		err = filemap_write_and_wait_range(seg->file->f_mapping,
						   (loff_t)first << PAGE_SHIFT,
						   ((loff_t)last << PAGE_SHIFT) - 1);
	return err ? STATUS_UNSUCCESSFUL : STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(mm_file_flush);

/**
 * mm_file_extend() - grow a file to a section's new size
 * @file: the file (opened for writing)
 * @size: the size it must have at least
 *
 * As a write past its end would: a zero byte written at @size - 1, which
 * leaves a hole where the file system can (fallocate() where an O_APPEND
 * file would put the byte at its end instead).
 *
 * Return: STATUS_SUCCESS, STATUS_DISK_FULL, STATUS_SECTION_TOO_BIG (the
 * file cannot grow: rlimit, seals, file system limits).
 */
ntstatus_t mm_file_extend(struct file *file, u64 size)
{
	loff_t isize = i_size_read(file_inode(file)), pos;
	char zero = 0;
	ssize_t n;
	int err;

	if (size <= isize)
		return STATUS_SUCCESS;
	if (size > MAX_LFS_FILESIZE)
		return STATUS_SECTION_TOO_BIG;
	if (file->f_flags & O_APPEND) {
		err = vfs_fallocate(file, 0, isize, size - isize);
	} else {
		pos = size - 1;
		n = kernel_write(file, &zero, 1, &pos);
		err = n == 1 ? 0 : n < 0 ? n : -EIO;
	}
	if (!err && i_size_read(file_inode(file)) < size)
		err = -EFBIG;
	if (err == -ENOSPC || err == -EDQUOT)
		return STATUS_DISK_FULL;
	return err ? STATUS_SECTION_TOO_BIG : STATUS_SUCCESS;
}

int mm_file_init(void)
{
	mm_file_wq = alloc_workqueue("ntexec_file", WQ_UNBOUND, 0);
	return mm_file_wq ? 0 : -ENOMEM;
}

/* Every segment's work has run: no file or folio is left held. */
void mm_file_exit(void)
{
	destroy_workqueue(mm_file_wq);
}
