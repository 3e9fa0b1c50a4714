// SPDX-License-Identifier: GPL-2.0
/*
 * ntexec: Windows NT process, thread, job, section and virtual-memory
 * semantics for Linux processes.
 *
 * This file owns the character device /dev/ntexec: open binds a descriptor
 * to the opener's address space, ioctl copies a fixed-width argument struct
 * in, validates it and hands kernel types to the component that does the
 * work (object manager in ntexec/, memory manager in ntmm/, process manager
 * in ntps/), then copies the result out. No worker below this file sees a
 * __user pointer except where it copies process memory by design.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ntexec.h"
#include "../ntob/event.h"
#include "../ntmm/mm.h"
#include "../ntps/ps.h"

typedef long (*ntexec_ioctl_fn)(struct ntexec_file *nf, void __user *argp);

/* In ioctl number order; a command must match exactly, size and direction too. */
static const struct {
	unsigned int cmd;
	ntexec_ioctl_fn fn;
} ntexec_ioctls[] = {
	{ NTEXEC_IOC_CLOSE, ntexec_ioctl_close },
	{ NTEXEC_IOC_DUPLICATE, ntexec_ioctl_duplicate },
	{ NTEXEC_IOC_OPEN_PROCESS, ntexec_ioctl_open_process },
	{ NTEXEC_IOC_OPEN_THREAD, ntexec_ioctl_open_thread },
	{ NTEXEC_IOC_WAIT, ntexec_ioctl_wait },
	{ NTEXEC_IOC_QUERY_PROCESS, ntexec_ioctl_query_process },
	{ NTEXEC_IOC_QUERY_THREAD, ntexec_ioctl_query_thread },
	{ NTEXEC_IOC_TERMINATE_PROCESS, ntexec_ioctl_terminate_process },
	{ NTEXEC_IOC_TERMINATE_THREAD, ntexec_ioctl_terminate_thread },
	{ NTEXEC_IOC_GET_NEXT_PROCESS, ntexec_ioctl_get_next_process },
	{ NTEXEC_IOC_GET_NEXT_THREAD, ntexec_ioctl_get_next_thread },
	{ NTEXEC_IOC_ALERT_THREAD, ntexec_ioctl_alert_thread },
	{ NTEXEC_IOC_TEST_ALERT, ntexec_ioctl_test_alert },
	{ NTEXEC_IOC_ALLOCATE_VM, ntexec_ioctl_allocate_vm },
	{ NTEXEC_IOC_FREE_VM, ntexec_ioctl_free_vm },
	{ NTEXEC_IOC_PROTECT_VM, ntexec_ioctl_protect_vm },
	{ NTEXEC_IOC_QUERY_VM, ntexec_ioctl_query_vm },
	{ NTEXEC_IOC_READ_VM, ntexec_ioctl_read_vm },
	{ NTEXEC_IOC_WRITE_VM, ntexec_ioctl_write_vm },
	{ NTEXEC_IOC_LOCK_VM, ntexec_ioctl_lock_vm },
	{ NTEXEC_IOC_UNLOCK_VM, ntexec_ioctl_unlock_vm },
	{ NTEXEC_IOC_FLUSH_VM, ntexec_ioctl_flush_vm },
	{ NTEXEC_IOC_GET_WRITE_WATCH, ntexec_ioctl_get_write_watch },
	{ NTEXEC_IOC_RESET_WRITE_WATCH, ntexec_ioctl_reset_write_watch },
	{ NTEXEC_IOC_GET_EXCEPTION, ntexec_ioctl_get_exception },
	{ NTEXEC_IOC_CREATE_SECTION, ntexec_ioctl_create_section },
	{ NTEXEC_IOC_OPEN_SECTION, ntexec_ioctl_open_section },
	{ NTEXEC_IOC_MAP_VIEW, ntexec_ioctl_map_view },
	{ NTEXEC_IOC_UNMAP_VIEW, ntexec_ioctl_unmap_view },
	{ NTEXEC_IOC_QUERY_SECTION, ntexec_ioctl_query_section },
	{ NTEXEC_IOC_EXTEND_SECTION, ntexec_ioctl_extend_section },
	{ NTEXEC_IOC_HANDLE_FROM_FD, ntexec_ioctl_handle_from_fd },
	{ NTEXEC_IOC_SAME_FILE, ntexec_ioctl_same_file },
	{ NTEXEC_IOC_SUSPEND_THREAD, ntexec_ioctl_suspend_thread },
	{ NTEXEC_IOC_RESUME_THREAD, ntexec_ioctl_resume_thread },
	{ NTEXEC_IOC_ALERT_RESUME_THREAD, ntexec_ioctl_alert_resume_thread },
	{ NTEXEC_IOC_SUSPEND_PROCESS, ntexec_ioctl_suspend_process },
	{ NTEXEC_IOC_RESUME_PROCESS, ntexec_ioctl_resume_process },
	{ NTEXEC_IOC_GET_CONTEXT, ntexec_ioctl_get_context },
	{ NTEXEC_IOC_SET_CONTEXT, ntexec_ioctl_set_context },
	{ NTEXEC_IOC_SET_PROCESS, ntexec_ioctl_set_process },
	{ NTEXEC_IOC_SET_THREAD, ntexec_ioctl_set_thread },
	{ NTEXEC_IOC_CREATE_THREAD, ntexec_ioctl_create_thread },
	{ NTEXEC_IOC_QUEUE_APC, ntexec_ioctl_queue_apc },
	{ NTEXEC_IOC_TAKE_APCS, ntexec_ioctl_take_apcs },
	{ NTEXEC_IOC_HOST, ntexec_ioctl_host },
	{ NTEXEC_IOC_CLAIM_HOST, ntexec_ioctl_claim_host },
	{ NTEXEC_IOC_CREATE_IO_COMPLETION, ntexec_ioctl_create_io_completion },
	{ NTEXEC_IOC_OPEN_IO_COMPLETION, ntexec_ioctl_open_io_completion },
	{ NTEXEC_IOC_SET_IO_COMPLETION, ntexec_ioctl_set_io_completion },
	{ NTEXEC_IOC_REMOVE_IO_COMPLETION, ntexec_ioctl_remove_io_completion },
	{ NTEXEC_IOC_QUERY_IO_COMPLETION, ntexec_ioctl_query_io_completion },
	{ NTEXEC_IOC_CREATE_JOB, ntexec_ioctl_create_job },
	{ NTEXEC_IOC_OPEN_JOB, ntexec_ioctl_open_job },
	{ NTEXEC_IOC_ASSIGN_JOB, ntexec_ioctl_assign_job },
	{ NTEXEC_IOC_TERMINATE_JOB, ntexec_ioctl_terminate_job },
	{ NTEXEC_IOC_IS_PROCESS_IN_JOB, ntexec_ioctl_is_process_in_job },
	{ NTEXEC_IOC_QUERY_JOB, ntexec_ioctl_query_job },
	{ NTEXEC_IOC_SET_JOB, ntexec_ioctl_set_job },
	{ NTEXEC_IOC_SYSTEM_INFO, ntexec_ioctl_system_info },
	{ NTEXEC_IOC_CREATE_PAGING_FILE, ntexec_ioctl_create_paging_file },
};

/*
 * For ioctl number NTEXEC_IOC_BASE + n: 1 + its index in ntexec_ioctls, or
 * 0; filled at load, so a command costs one lookup, not a search.
 */
static u8 ntexec_ioctl_slot[NTEXEC_IOC_COUNT];

static void ntexec_index_ioctls(void)
{
	unsigned int nr;
	int i;

	BUILD_BUG_ON(ARRAY_SIZE(ntexec_ioctls) >= U8_MAX);
	/* struct ntexec_version's @ioctls has 64 bits. */
	BUILD_BUG_ON(NTEXEC_IOC_COUNT > 64);
	for (i = 0; i < ARRAY_SIZE(ntexec_ioctls); i++) {
		nr = _IOC_NR(ntexec_ioctls[i].cmd) - NTEXEC_IOC_BASE;
		/* A number past NTEXEC_IOC_COUNT: the uapi constant is stale. */
		if (WARN_ON_ONCE(nr >= ARRAY_SIZE(ntexec_ioctl_slot)))
			continue;
		ntexec_ioctl_slot[nr] = i + 1;
	}
}

/* Bit n set: ioctl NTEXEC_IOC_BASE + n is implemented. */
static u64 ntexec_ioctl_mask(void)
{
	u64 mask = BIT_ULL(_IOC_NR(NTEXEC_IOC_VERSION) - NTEXEC_IOC_BASE);
	int i;

	for (i = 0; i < ARRAY_SIZE(ntexec_ioctls); i++)
		if (_IOC_NR(ntexec_ioctls[i].cmd) - NTEXEC_IOC_BASE < NTEXEC_IOC_COUNT)
			mask |= BIT_ULL(_IOC_NR(ntexec_ioctls[i].cmd) - NTEXEC_IOC_BASE);
	return mask;
}

/**
 * ntexec_ioctl_version() - answer the handshake
 * @ver: the caller's struct, already copied in; rewritten with the answer
 *
 * Return: 0, -EINVAL for a malformed request (the struct is not written
 * back), or -EOPNOTSUPP when the caller's API version differs or it needs a
 * feature this module lacks (the answer is still written back).
 */
long ntexec_ioctl_version(struct ntexec_version *ver)
{
	u64 required = ver->features;
	u32 api = ver->api;
	int i;

	if (ver->flags)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(ver->reserved); i++)
		if (ver->reserved[i])
			return -EINVAL;

	ver->api = NTEXEC_API_VERSION;
	ver->features = NTEXEC_FEATURES;
	ver->ioctls = ntexec_ioctl_mask();
	ver->page_size = PAGE_SIZE;
	ver->allocation_granularity = NT_ALLOCATION_GRANULARITY;

	if (api != NTEXEC_API_VERSION || (required & ~NTEXEC_FEATURES))
		return -EOPNOTSUPP;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(ntexec_ioctl_version);

/* Out of line: its struct would cost every ioctl a stack canary. */
static noinline long ntexec_version(void __user *argp)
{
	struct ntexec_version ver;
	long ret;

	if (copy_from_user(&ver, argp, sizeof(ver)))
		return -EFAULT;
	ret = ntexec_ioctl_version(&ver);
	if (ret == -EINVAL)
		return ret;
	if (copy_to_user(argp, &ver, sizeof(ver)))
		return -EFAULT;
	return ret;
}

static int ntexec_open(struct inode *inode, struct file *file)
{
	struct ntexec_file *nf;

	nf = kzalloc(sizeof(*nf), GFP_KERNEL);
	if (!nf)
		return -ENOMEM;
	/* Opening adopts the caller's thread group as an NT process. */
	nf->process = ps_current_process();
	if (!nf->process) {
		kfree(nf);
		return -ENOMEM;
	}
	/* A new program starts with an empty handle table. */
	ps_attach_current(nf->process);
	nf->mm = current->mm;
	mmgrab(nf->mm);
	file->private_data = nf;
	return nonseekable_open(inode, file);
}

static int ntexec_release(struct inode *inode, struct file *file)
{
	struct ntexec_file *nf = file->private_data;

	ps_dereference_process(nf->process);
	mmdrop(nf->mm);
	kfree(nf);
	return 0;
}

static long ntexec_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct ntexec_file *nf = file->private_data;
	void __user *argp = (void __user *)arg;
	unsigned int nr = _IOC_NR(cmd) - NTEXEC_IOC_BASE, slot;

	if (nf->mm != current->mm)
		return -EIO;
	/* The two commonest, called directly: no indirect call (a retpoline). */
	if (cmd == NTEXEC_IOC_CLOSE)
		return ntexec_ioctl_close(nf, argp);
	if (cmd == NTEXEC_IOC_DUPLICATE)
		return ntexec_ioctl_duplicate(nf, argp);
	if (cmd == NTEXEC_IOC_VERSION)
		return ntexec_version(argp);
	slot = nr < ARRAY_SIZE(ntexec_ioctl_slot) ? ntexec_ioctl_slot[nr] : 0;
	if (slot && ntexec_ioctls[slot - 1].cmd == cmd)
		return ntexec_ioctls[slot - 1].fn(nf, argp);
	return -ENOIOCTLCMD;
}

static const struct file_operations ntexec_fops = {
	.owner		= THIS_MODULE,
	.open		= ntexec_open,
	.release	= ntexec_release,
	.unlocked_ioctl	= ntexec_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice ntexec_misc = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= NTEXEC_DEVICE_NAME,
	.fops		= &ntexec_fops,
	.mode		= 0666,
};

static int __init ntexec_init(void)
{
	int ret;

	ntexec_index_ioctls();
	/* First in, last out: every component may report events. */
	ret = ntx_netlink_init();
	if (ret)
		return ret;
	ret = mm_init(&ps_mm_ops);
	if (ret)
		goto out_netlink;
	ret = ps_init();
	if (ret)
		goto out_mm;
	ret = misc_register(&ntexec_misc);
	if (ret)
		goto out_ps;
	pr_info("api %u loaded\n", NTEXEC_API_VERSION);
	return 0;

out_ps:
	ps_exit();
out_mm:
	mm_exit();
out_netlink:
	ntx_netlink_exit();
	return ret;
}

static void __exit ntexec_exit(void)
{
	misc_deregister(&ntexec_misc);
	ps_exit();
	mm_exit();
	ntx_netlink_exit();
}

module_init(ntexec_init);
module_exit(ntexec_exit);

MODULE_DESCRIPTION("Windows NT process, thread and memory semantics");
MODULE_LICENSE("GPL");
