/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Version shims: every difference between the kernels ntexec builds for
 * (Debian's 6.1 and 6.12) is absorbed here and nowhere else.
 */
#ifndef _NTEXEC_COMPAT_H
#define _NTEXEC_COMPAT_H

#include <linux/fs.h>
#include <linux/ipc_namespace.h>
#include <linux/nsproxy.h>
#include <linux/pagemap.h>
#include <linux/sched/task.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <net/genetlink.h>
#include <uapi/linux/sched/types.h>

/*
 * Threads of a thread group that the kernel owns (io_uring workers; vhost
 * workers since 6.4, PF_USER_WORKER): never stopped or steered for NT.
 */
#ifdef PF_USER_WORKER
#define NTX_PF_WORKERS	(PF_KTHREAD | PF_IO_WORKER | PF_USER_WORKER)
#else
#define NTX_PF_WORKERS	(PF_KTHREAD | PF_IO_WORKER)
#endif

/*
 * Multicast groups only CAP_NET_ADMIN may join (ntexec/netlink.c):
 * GENL_MCAST_CAP_NET_ADMIN came with 6.7 and 6.1.70 (Debian's 6.1 has it).
 * Without it every group is open to anyone: refuse to build rather than
 * hand every process's events to every user.
 */
#ifndef GENL_MCAST_CAP_NET_ADMIN
#error "generic netlink without GENL_MCAST_CAP_NET_ADMIN (6.1.70 or 6.7 and later needed)"
#endif

/* A reference to the executable of an address space, or NULL. */
static inline struct file *ntx_get_mm_exe_file(struct mm_struct *mm)
{
	struct file *exe;

	rcu_read_lock();
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	exe = get_file_rcu(&mm->exe_file);
#else
	exe = rcu_dereference(mm->exe_file);
	if (exe && !get_file_rcu(exe))
		exe = NULL;
#endif
	rcu_read_unlock();
	return exe;
}

/*
 * Let go of the lock a fault handler was called under, before it returns
 * VM_FAULT_RETRY: the mmap_lock, or since 6.4 possibly the VMA's own lock.
 */
static inline void ntx_release_fault_lock(struct vm_fault *vmf)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	release_fault_lock(vmf);
#else
	mmap_read_unlock(vmf->vma->vm_mm);
#endif
}

/* vfs_iter_write() takes the file system's freeze protection itself since 6.7. */
static inline ssize_t ntx_vfs_iter_write(struct file *file, struct iov_iter *iter,
					 loff_t *pos)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	return vfs_iter_write(file, iter, pos, 0);
#else
	ssize_t ret;

	file_start_write(file);
	ret = vfs_iter_write(file, iter, pos, 0);
	file_end_write(file);
	return ret;
#endif
}

/* Set VMA flags: vm_flags became read-only with vm_flags_set() in 6.3. */
static inline void ntx_vm_flags_set(struct vm_area_struct *vma,
				    vm_flags_t flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static inline void ntx_vm_flags_clear(struct vm_area_struct *vma,
				      vm_flags_t flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

/* get_user_pages_remote() lost its vmas argument in 6.5. */
static inline long ntx_get_user_pages_remote(struct mm_struct *mm,
					     unsigned long start,
					     unsigned long nr_pages,
					     unsigned int gup_flags,
					     struct page **pages)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	return get_user_pages_remote(mm, start, nr_pages, gup_flags, pages, NULL);
#else
	return get_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
				     NULL, NULL);
#endif
}

/*
 * put_ipc_ns() is exported on 6.12 but not on 6.1: there, only the initial
 * IPC namespace (which never goes away) may hold object names (ntob/dir.c).
 */
/* init_ipc_ns is not exported on 6.1; init_task's namespaces are init's. */
static inline struct ipc_namespace *ntx_init_ipc_ns(void)
{
	return init_task.nsproxy->ipc_ns;
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define NTX_HAVE_PUT_IPC_NS	1
static inline void ntx_get_ipc_ns(struct ipc_namespace *ns)
{
	get_ipc_ns(ns);
}

static inline void ntx_put_ipc_ns(struct ipc_namespace *ns)
{
	put_ipc_ns(ns);
}
#else
#define NTX_HAVE_PUT_IPC_NS	0
static inline void ntx_get_ipc_ns(struct ipc_namespace *ns)
{
}

static inline void ntx_put_ipc_ns(struct ipc_namespace *ns)
{
}
#endif

/* kunit_vm_mmap(), a user address space for a KUnit test, came in 6.12. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define NTX_HAVE_KUNIT_VM_MMAP	1
#endif

/*
 * An address space's write_begin/write_end took a page until 6.12 and a
 * folio since. The caller holds the inode's i_rwsem and freeze protection,
 * as generic_perform_write() does.
 */
static inline int ntx_write_begin(struct file *file, struct address_space *mapping,
				  loff_t pos, unsigned int len,
				  struct folio **foliop, void **fsdata)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	return mapping->a_ops->write_begin(file, mapping, pos, len, foliop, fsdata);
#else
	struct page *page;
	int err;

	err = mapping->a_ops->write_begin(file, mapping, pos, len, &page, fsdata);
	if (!err)
		*foliop = page_folio(page);
	return err;
#endif
}

static inline int ntx_write_end(struct file *file, struct address_space *mapping,
				loff_t pos, unsigned int len, unsigned int copied,
				struct folio *folio, void *fsdata)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	return mapping->a_ops->write_end(file, mapping, pos, len, copied, folio, fsdata);
#else
	return mapping->a_ops->write_end(file, mapping, pos, len, copied,
					 folio_file_page(folio, pos >> PAGE_SHIFT),
					 fsdata);
#endif
}

/*
 * Clear the Accessed bit of a present PTE, under its page table lock, and
 * say whether it was set. x86's ptep_test_and_clear_young() does exactly
 * this but is not exported; no TLB flush, as its ptep_clear_flush_young()
 * reasons (a stale translation only makes the page look older).
 */
static inline bool ntx_pte_test_and_clear_young(pte_t *ptep)
{
	if (!pte_young(ptep_get(ptep)))
		return false;
	return test_and_clear_bit(_PAGE_BIT_ACCESSED, (unsigned long *)&ptep->pte);
}

/*
 * A protection for a PTE the CPU has not used yet: x86's page protections
 * carry the Accessed bit, so that the first access need not set it.
 */
static inline pgprot_t ntx_pgprot_mkold(pgprot_t prot)
{
	return __pgprot(pgprot_val(prot) & ~_PAGE_ACCESSED);
}

/*
 * A shrinker with no per-node or per-memcg state. 6.7 replaced
 * register_shrinker() on a caller's struct with shrinker_alloc() and
 * shrinker_register(). Return: the registered shrinker, or NULL.
 */
static inline struct shrinker *
ntx_shrinker_create(const char *name,
		    unsigned long (*count)(struct shrinker *, struct shrink_control *),
		    unsigned long (*scan)(struct shrinker *, struct shrink_control *))
{
	struct shrinker *s;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	s = shrinker_alloc(0, "%s", name);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	shrinker_register(s);
#else
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	if (register_shrinker(s, "%s", name)) {
		kfree(s);
		return NULL;
	}
#endif
	return s;
}

/* Unregister and free a shrinker of ntx_shrinker_create(); NULL is fine. */
static inline void ntx_shrinker_destroy(struct shrinker *s)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	shrinker_free(s);
#else
	if (s) {
		unregister_shrinker(s);
		kfree(s);
	}
#endif
}

/*
 * A fair task's own slice: 6.12's EEVDF takes sched_attr.sched_runtime of
 * SCHED_NORMAL and SCHED_BATCH tasks as the task's slice (custom_slice,
 * clamped to 0.1..100 ms; 0 gives back the default, sysctl_sched_base_slice),
 * and fork and clone copy it. Earlier kernels ignore sched_runtime for those
 * policies: a job's JOB_OBJECT_LIMIT_SCHEDULING_CLASS has nothing to set
 * there, and is refused (STATUS_NOT_SUPPORTED) rather than left advisory.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define NTX_HAVE_TASK_SLICE	1
#else
#define NTX_HAVE_TASK_SLICE	0
#endif

/*
 * Give a fair task the slice @slice_ns (0: the kernel's default), keeping
 * its policy, nice value and reset-on-fork flag (policy -1 is the
 * scheduler's SETPARAM_POLICY: keep). A real-time or idle task is left as
 * it is (the slice is a fair-class parameter): whoever makes it fair again
 * passes the slice in its own sched_attr. Return: 0 or -errno.
 */
static inline int ntx_set_task_slice(struct task_struct *task, u64 slice_ns)
{
#if NTX_HAVE_TASK_SLICE
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = -1,
		.sched_runtime = slice_ns,
	};

	if (task->policy != SCHED_NORMAL && task->policy != SCHED_BATCH)
		return 0;
	attr.sched_nice = task_nice(task);
	return sched_setattr_nocheck(task, &attr);
#else
	return slice_ns ? -EOPNOTSUPP : 0;
#endif
}

#endif /* _NTEXEC_COMPAT_H */
