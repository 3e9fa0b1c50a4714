// SPDX-License-Identifier: GPL-2.0
/*
 * Paging files (NT's pagefile.c and the I/O half of modwrite.c).
 *
 * NtCreatePagingFile adds a paging file: a regular file of the caller's
 * file system, opened once by the module and kept until it is unloaded (NT
 * keeps a paging file until shutdown), at most MM_PAGEFILES_MAX of them.
 * Each is an array of page-sized slots with a bitmap of the used ones. The
 * modified page writer (wsle.c, mm_ws_write_modified()) gives a trimmed
 * page a slot and writes it there; the page then sits on the standby list
 * with its copy in the slot, and once repurposed (freed) the space keeps
 * only the slot (mm_space.paged): a later access is a hard fault that
 * reads the page back (mm_get_page()) and frees the slot.
 *
 * A slot is named by one number, the file's index above MM_SLOT_SHIFT and
 * the page's index in the file below it (an xarray value entry).
 *
 * The I/O is vfs_iter_read()/vfs_iter_write() of runs of slots (pages
 * written together get neighbouring slots, and a hard fault reads its
 * neighbours back with it), through the page cache: a page
 * written is clean once Linux writes it back, and Linux's reclaim can then
 * free the cache's copy; the module frees its own page. A file opened with
 * O_DIRECT (where the file system can) skips the cache.
 *
 * A paging file holds every NT process's memory: only CAP_SYS_ADMIN may
 * create one (SeCreatePagefilePrivilege), and the file must be a regular
 * file nobody but its owner may read or write.
 *
 * Locks: mm_pf_create_lock (a mutex) serializes creation; mm_pf_lock (a
 * spinlock) guards the bitmaps and counts and nests inside a space's lock,
 * taking nothing else. A file, once published (mm_pf_count), stays until
 * mm_pagefiles_exit(), so the I/O takes no lock at all.
 */
#include <kunit/visibility.h>
#include <linux/bitmap.h>
#include <linux/bvec.h>
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uio.h>

#include "mi.h"
#include "../ntob/compat.h"

#define MM_PAGEFILES_MAX	16
#define MM_SLOT_SHIFT		40
/* 16 TiB, as NT's x64 paging files; the bitmap is then 512 MiB at most. */
#define MM_PAGEFILE_MAX_PAGES	(1ul << (44 - PAGE_SHIFT))
/* The least a paging file grows by: 4 MiB. */
#define MM_PAGEFILE_GROW	1024ul

/**
 * struct mm_pagefile - one paging file
 * @file: the file, open for reading and writing
 * @pages: its slots (grows, under mm_pf_lock, toward @max_pages)
 * @max_pages: the most slots it may have (NtCreatePagingFile's MaximumSize)
 * @used: slots in use (under mm_pf_lock)
 * @next: where the next search for a free slot starts (under mm_pf_lock)
 * @peak: the most @used has been (under mm_pf_lock)
 * @map: a bit per slot, set when used (under mm_pf_lock)
 * @name: the path it was created with (SystemPageFileInformation)
 */
struct mm_pagefile {
	struct file *file;
	unsigned long pages;
	unsigned long max_pages;
	unsigned long used;
	unsigned long next;
	unsigned long peak;
	unsigned long *map;
	const char *name;
};

static DEFINE_MUTEX(mm_pf_create_lock);
static DEFINE_SPINLOCK(mm_pf_lock);
static struct mm_pagefile *mm_pagefiles[MM_PAGEFILES_MAX];
/* Published files: mm_pagefiles[0 .. mm_pf_count - 1]. */
static unsigned int mm_pf_count;
static unsigned long mm_pf_pages;
static unsigned long mm_pf_used;

static int mm_pf_param_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%lu\n", READ_ONCE(*(unsigned long *)kp->arg));
}

static const struct kernel_param_ops mm_pf_param_ops = {
	.get = mm_pf_param_get,
};

module_param_cb(pagefile_pages, &mm_pf_param_ops, &mm_pf_pages, 0444);
MODULE_PARM_DESC(pagefile_pages, "Slots of every paging file, pages");
module_param_cb(pagefile_used_pages, &mm_pf_param_ops, &mm_pf_used, 0444);
MODULE_PARM_DESC(pagefile_used_pages, "Slots in use: NT pages with a copy in a paging file");

/**
 * mm_pagefile_pages() - the slots of every paging file
 *
 * Return: pages (the commit limit grows by them).
 */
unsigned long mm_pagefile_pages(void)
{
	return READ_ONCE(mm_pf_pages);
}

/**
 * mm_pagefile_slots_get() - take a run of free slots
 * @want: how many at most (1 to MM_PAGEFILE_IO_MAX)
 * @got: out: how many the run has (at least 1 on success)
 *
 * The run is the first free one from where the last search ended, in one
 * file, so that pages written together lie together and are read back
 * with one I/O (mm_pagefile_io_pages()).
 *
 * Return: the run's first slot, or -1 when every paging file is full (or
 * none exists).
 */
long mm_pagefile_slots_get(unsigned int want, unsigned int *got)
{
	unsigned long bit, end;
	struct mm_pagefile *pf;
	unsigned int i;

	spin_lock(&mm_pf_lock);
	for (i = 0; i < mm_pf_count; i++) {
		pf = mm_pagefiles[i];
		if (pf->used == pf->pages)
			continue;
		bit = find_next_zero_bit(pf->map, pf->pages, pf->next);
		if (bit >= pf->pages)
			bit = find_first_zero_bit(pf->map, pf->pages);
		if (WARN_ON_ONCE(bit >= pf->pages))
			continue;
		end = find_next_bit(pf->map, min(pf->pages, bit + want), bit);
		bitmap_set(pf->map, bit, end - bit);
		pf->used += end - bit;
		pf->peak = max(pf->peak, pf->used);
		pf->next = end;
		mm_pf_used += end - bit;
		spin_unlock(&mm_pf_lock);
		*got = end - bit;
		return ((long)i << MM_SLOT_SHIFT) | bit;
	}
	spin_unlock(&mm_pf_lock);
	*got = 0;
	return -1;
}

/**
 * mm_pagefile_slot_get() - take a free slot
 *
 * Return: the slot, or -1 when every paging file is full (or none exists).
 */
long mm_pagefile_slot_get(void)
{
	unsigned int got;

	return mm_pagefile_slots_get(1, &got);
}

/**
 * mm_pagefile_slot_next() - whether two slots are neighbours in one file
 * @slot: a slot
 * @next: another
 *
 * Return: true if @next follows @slot in the same paging file.
 */
bool mm_pagefile_slot_next(unsigned long slot, unsigned long next)
{
	return next == slot + 1 && (next >> MM_SLOT_SHIFT) == (slot >> MM_SLOT_SHIFT);
}

static struct mm_pagefile *mm_pagefile_of(unsigned long slot, unsigned long *bit)
{
	unsigned int i = slot >> MM_SLOT_SHIFT;
	struct mm_pagefile *pf;

	if (WARN_ON_ONCE(i >= READ_ONCE(mm_pf_count)))
		return NULL;
	pf = mm_pagefiles[i];
	*bit = slot & ((1ul << MM_SLOT_SHIFT) - 1);
	if (WARN_ON_ONCE(*bit >= pf->pages))
		return NULL;
	return pf;
}

/**
 * mm_pagefile_slot_put() - free a slot mm_pagefile_slot_get() gave
 * @slot: the slot
 */
void mm_pagefile_slot_put(unsigned long slot)
{
	struct mm_pagefile *pf;
	unsigned long bit;

	pf = mm_pagefile_of(slot, &bit);
	if (!pf)
		return;
	spin_lock(&mm_pf_lock);
	if (!WARN_ON_ONCE(!__test_and_clear_bit(bit, pf->map))) {
		pf->used--;
		mm_pf_used--;
	}
	spin_unlock(&mm_pf_lock);
}

/**
 * mm_pagefile_io_pages() - write pages to a run of slots, or read them back
 * @slot: the run's first slot (mm_pagefile_slots_get())
 * @pages: the pages, one per slot
 * @n: how many (1 to MM_PAGEFILE_IO_MAX)
 * @write: write (else read)
 *
 * One I/O for the run: on a file system that sends each call to its
 * device (9p, NFS, O_DIRECT), a round trip per run instead of per page.
 *
 * Context: may sleep; no lock needed (the slots are the caller's).
 * Return: 0, or -EIO (a short transfer counts as a failure of the whole run).
 */
int mm_pagefile_io_pages(unsigned long slot, struct page **pages, unsigned int n,
			 bool write)
{
	struct bio_vec bv[MM_PAGEFILE_IO_MAX];
	struct mm_pagefile *pf;
	struct iov_iter iter;
	unsigned long bit;
	unsigned int i;
	loff_t pos;
	ssize_t ret;

	pf = mm_pagefile_of(slot, &bit);
	if (!pf || WARN_ON_ONCE(!n || n > MM_PAGEFILE_IO_MAX || bit + n > pf->pages))
		return -EIO;
	for (i = 0; i < n; i++)
		bvec_set_page(&bv[i], pages[i], PAGE_SIZE, 0);
	iov_iter_bvec(&iter, write ? ITER_SOURCE : ITER_DEST, bv, n, (size_t)n << PAGE_SHIFT);
	pos = (loff_t)bit << PAGE_SHIFT;
	if (write)
		ret = ntx_vfs_iter_write(pf->file, &iter, &pos);
	else
		ret = vfs_iter_read(pf->file, &iter, &pos, 0);
	return ret == (ssize_t)n << PAGE_SHIFT ? 0 : -EIO;
}

/**
 * mm_pagefile_io() - write a page to its slot, or read it back
 * @slot: the slot
 * @page: the page
 * @write: write (else read)
 *
 * Context: may sleep; no lock needed (the slot is the caller's).
 * Return: 0, or -EIO.
 */
int mm_pagefile_io(unsigned long slot, struct page *page, bool write)
{
	return mm_pagefile_io_pages(slot, &page, 1, write);
}

static ntstatus_t mm_pagefile_open_status(long err)
{
	switch (err) {
	case -ENOENT:
		return STATUS_OBJECT_PATH_NOT_FOUND;
	case -ENOTDIR:
	case -ENAMETOOLONG:
	case -ELOOP:
		return STATUS_OBJECT_NAME_INVALID;
	case -EACCES:
	case -EPERM:
	case -EROFS:
	case -ETXTBSY:
		return STATUS_ACCESS_DENIED;
	case -EISDIR:
		return STATUS_FILE_IS_A_DIRECTORY;
	case -ENOSPC:
	case -EDQUOT:
	case -EFBIG:
		return STATUS_DISK_FULL;
	case -ENOMEM:
		return STATUS_NO_MEMORY;
	}
	return STATUS_UNSUCCESSFUL;
}

/* Give @file at least @size bytes: allocated where the file system can. */
static int mm_pagefile_size(struct file *file, loff_t size)
{
	int err;

	if (i_size_read(file_inode(file)) >= size)
		return 0;
	err = vfs_fallocate(file, 0, 0, size);
	if (err == -EOPNOTSUPP)
		err = vfs_truncate(&file->f_path, size);
	return err;
}

/**
 * mm_create_paging_file() - NtCreatePagingFile
 * @path: the file's Linux path, NUL-terminated (the caller's view); NULL
 *	checks the rest only and answers STATUS_OBJECT_NAME_INVALID when all
 *	else is right
 * @minimum: its size, bytes (slots: @minimum / PAGE_SIZE)
 * @maximum: the size it may grow to (mm_pagefile_grow())
 *
 * The file is created if missing (mode 0600); an existing one must be a
 * regular file with no permission for group or others, and not already a
 * paging file.
 *
 * Return: STATUS_SUCCESS, STATUS_TOO_MANY_PAGING_FILES, STATUS_PRIVILEGE_NOT_HELD,
 * STATUS_INVALID_PARAMETER_2 (a size below two pages or above 16 TiB),
 * STATUS_INVALID_PARAMETER_MIX (@maximum below @minimum), a status for the
 * file's open or size, STATUS_OBJECT_NAME_COLLISION (already one).
 */
ntstatus_t mm_create_paging_file(const char *path, u64 minimum, u64 maximum)
{
	unsigned long pages = minimum >> PAGE_SHIFT;
	struct mm_pagefile *pf;
	struct inode *inode;
	struct file *file;
	ntstatus_t status;
	unsigned int i;
	int err;

	if (READ_ONCE(mm_pf_count) >= MM_PAGEFILES_MAX)
		return STATUS_TOO_MANY_PAGING_FILES;
	if (!capable(CAP_SYS_ADMIN))
		return STATUS_PRIVILEGE_NOT_HELD;
	if (pages < 2 || pages > MM_PAGEFILE_MAX_PAGES)
		return STATUS_INVALID_PARAMETER_2;
	if (maximum < minimum)
		return STATUS_INVALID_PARAMETER_MIX;
	if (!path)
		return STATUS_OBJECT_NAME_INVALID;

	pf = kzalloc(sizeof(*pf), GFP_KERNEL_ACCOUNT);
	if (!pf)
		return STATUS_NO_MEMORY;
	pf->pages = pages;
	pf->max_pages = min_t(u64, maximum >> PAGE_SHIFT, MM_PAGEFILE_MAX_PAGES);
	pf->map = kvcalloc(BITS_TO_LONGS(pages), sizeof(long), GFP_KERNEL_ACCOUNT);
	pf->name = kstrdup(path, GFP_KERNEL_ACCOUNT);
	if (!pf->map || !pf->name) {
		status = STATUS_NO_MEMORY;
		goto out_free;
	}
	file = filp_open(path, O_RDWR | O_CREAT | O_LARGEFILE | O_NOFOLLOW, 0600);
	if (IS_ERR(file)) {
		status = mm_pagefile_open_status(PTR_ERR(file));
		goto out_free;
	}
	inode = file_inode(file);
	status = STATUS_ACCESS_DENIED;
	if (S_ISDIR(inode->i_mode))
		status = STATUS_FILE_IS_A_DIRECTORY;
	if (!S_ISREG(inode->i_mode) || (inode->i_mode & 0077))
		goto out_close;
	err = mm_pagefile_size(file, (loff_t)pages << PAGE_SHIFT);
	if (err) {
		status = mm_pagefile_open_status(err);
		goto out_close;
	}
	pf->file = file;

	mutex_lock(&mm_pf_create_lock);
	status = STATUS_TOO_MANY_PAGING_FILES;
	if (mm_pf_count >= MM_PAGEFILES_MAX)
		goto out_unlock;
	status = STATUS_OBJECT_NAME_COLLISION;
	for (i = 0; i < mm_pf_count; i++)
		if (file_inode(mm_pagefiles[i]->file) == inode)
			goto out_unlock;
	spin_lock(&mm_pf_lock);
	mm_pagefiles[mm_pf_count] = pf;
	/* The slot search reads the count under the same lock. */
	WRITE_ONCE(mm_pf_count, mm_pf_count + 1);
	WRITE_ONCE(mm_pf_pages, mm_pf_pages + pages);
	spin_unlock(&mm_pf_lock);
	mutex_unlock(&mm_pf_create_lock);
	return STATUS_SUCCESS;

out_unlock:
	mutex_unlock(&mm_pf_create_lock);
out_close:
	fput(file);
out_free:
	kvfree(pf->map);
	kfree(pf->name);
	kfree(pf);
	return status;
}

/**
 * mm_pagefile_grow() - extend paging files toward their maximum
 * @need: the pages the commit limit is short of
 *
 * NT extends its paging files when a commit would pass the limit, up to
 * each file's maximum size, and keeps them so until shutdown: so does
 * this, file by file, each by what is still needed (at least
 * MM_PAGEFILE_GROW pages), until @need is met; nothing grows when all of
 * them at their maximum would still fall short. A file whose file system
 * refuses the size (a full disk) stays as it is. Anyone's commit may grow
 * them: the maximum is what CAP_SYS_ADMIN allowed.
 *
 * Context: may sleep (the file system); no lock of the module's held
 * (mm_commit_grow()).
 * Return: the slots added.
 */
unsigned long mm_pagefile_grow(unsigned long need)
{
	unsigned long added = 0, old, grow, *map, *old_map;
	struct mm_pagefile *pf;
	unsigned int i;

	might_sleep();
	mutex_lock(&mm_pf_create_lock);
	/* A commit that growth cannot satisfy grows nothing. */
	for (i = 0, grow = 0; i < mm_pf_count; i++)
		grow += mm_pagefiles[i]->max_pages - mm_pagefiles[i]->pages;
	if (grow < need)
		goto out;
	for (i = 0; i < mm_pf_count && added < need; i++) {
		pf = mm_pagefiles[i];
		old = pf->pages;
		if (old >= pf->max_pages)
			continue;
		grow = min(pf->max_pages - old,
			   round_up(max(need - added, MM_PAGEFILE_GROW), MM_PAGEFILE_GROW));
		map = kvcalloc(BITS_TO_LONGS(old + grow), sizeof(long), GFP_KERNEL);
		if (!map)
			break;
		if (mm_pagefile_size(pf->file, (loff_t)(old + grow) << PAGE_SHIFT)) {
			kvfree(map);
			continue;
		}
		spin_lock(&mm_pf_lock);
		bitmap_copy(map, pf->map, old);
		old_map = pf->map;
		pf->map = map;
		WRITE_ONCE(pf->pages, old + grow);
		WRITE_ONCE(mm_pf_pages, mm_pf_pages + grow);
		spin_unlock(&mm_pf_lock);
		kvfree(old_map);
		added += grow;
	}
out:
	mutex_unlock(&mm_pf_create_lock);
	return added;
}

/**
 * mm_pagefile_info() - one paging file, for SystemPageFileInformation
 * @i: which (0 up)
 * @info: out: its slots, those in use, the peak and its name
 *
 * Return: false past the last one.
 */
bool mm_pagefile_info(unsigned int i, struct mm_pagefile_info *info)
{
	struct mm_pagefile *pf;

	spin_lock(&mm_pf_lock);
	if (i >= mm_pf_count) {
		spin_unlock(&mm_pf_lock);
		return false;
	}
	pf = mm_pagefiles[i];
	info->pages = pf->pages;
	info->used = pf->used;
	info->peak = pf->peak;
	strscpy(info->name, pf->name, sizeof(info->name));
	spin_unlock(&mm_pf_lock);
	return true;
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * mm_pagefile_kunit_add() - KUnit: a paging file on an internal shmem file
 * @pages: its slots
 *
 * Published last; mm_pagefile_kunit_remove() takes it away again.
 *
 * Return: 0 or an errno.
 */
int mm_pagefile_kunit_add(unsigned long pages)
{
	struct mm_pagefile *pf;
	int err = -EBUSY;

	pf = kzalloc(sizeof(*pf), GFP_KERNEL);
	if (!pf)
		return -ENOMEM;
	pf->pages = pages;
	pf->map = kvcalloc(BITS_TO_LONGS(pages), sizeof(long), GFP_KERNEL);
	pf->file = shmem_kernel_file_setup("ntexec-kunit-pagefile",
					   (loff_t)pages << PAGE_SHIFT, 0);
	pf->name = kstrdup("ntexec-kunit-pagefile", GFP_KERNEL);
	if (!pf->map || IS_ERR(pf->file) || !pf->name) {
		err = IS_ERR(pf->file) ? PTR_ERR(pf->file) : -ENOMEM;
		goto out;
	}
	mutex_lock(&mm_pf_create_lock);
	if (mm_pf_count < MM_PAGEFILES_MAX) {
		spin_lock(&mm_pf_lock);
		mm_pagefiles[mm_pf_count] = pf;
		WRITE_ONCE(mm_pf_count, mm_pf_count + 1);
		WRITE_ONCE(mm_pf_pages, mm_pf_pages + pages);
		spin_unlock(&mm_pf_lock);
		err = 0;
	}
	mutex_unlock(&mm_pf_create_lock);
	if (!err)
		return 0;
out:
	if (!IS_ERR_OR_NULL(pf->file))
		fput(pf->file);
	kvfree(pf->map);
	kfree(pf->name);
	kfree(pf);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(mm_pagefile_kunit_add);

/**
 * mm_pagefile_kunit_remove() - KUnit: take away the last paging file
 *
 * Return: 0, or -EBUSY while a slot of it is in use.
 */
int mm_pagefile_kunit_remove(void)
{
	struct mm_pagefile *pf = NULL;

	mutex_lock(&mm_pf_create_lock);
	spin_lock(&mm_pf_lock);
	if (mm_pf_count && !mm_pagefiles[mm_pf_count - 1]->used) {
		pf = mm_pagefiles[mm_pf_count - 1];
		mm_pagefiles[mm_pf_count - 1] = NULL;
		WRITE_ONCE(mm_pf_count, mm_pf_count - 1);
		WRITE_ONCE(mm_pf_pages, mm_pf_pages - pf->pages);
	}
	spin_unlock(&mm_pf_lock);
	mutex_unlock(&mm_pf_create_lock);
	if (!pf)
		return -EBUSY;
	fput(pf->file);
	kvfree(pf->map);
	kfree(pf->name);
	kfree(pf);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mm_pagefile_kunit_remove);

/**
 * mm_pagefile_used() - KUnit: the slots in use
 *
 * Return: pages.
 */
unsigned long mm_pagefile_used(void)
{
	return READ_ONCE(mm_pf_used);
}
EXPORT_SYMBOL_IF_KUNIT(mm_pagefile_used);
#endif

/**
 * mm_pagefiles_exit() - close every paging file (module unload)
 *
 * No space is left, so no slot is in use.
 */
void mm_pagefiles_exit(void)
{
	unsigned int i;

	for (i = 0; i < mm_pf_count; i++) {
		WARN_ON_ONCE(mm_pagefiles[i]->used);
		fput(mm_pagefiles[i]->file);
		kvfree(mm_pagefiles[i]->map);
		kfree(mm_pagefiles[i]->name);
		kfree(mm_pagefiles[i]);
		mm_pagefiles[i] = NULL;
	}
	mm_pf_count = 0;
	mm_pf_pages = 0;
}
