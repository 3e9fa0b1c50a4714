/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit: an NT process with a user address space for a case of its own
 * (kunit_vm_mmap(), 6.12), and the services called on it; shared by the
 * suites that drive real faults (mm_test.c, section_test.c). See the top
 * of mm_test.c.
 */
#ifndef _NTEXEC_KUNIT_MM_CTX_H
#define _NTEXEC_KUNIT_MM_CTX_H

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>

#include "../ntob/compat.h"
#include "../ntmm/mi.h"
#include "../ntps/ps.h"

#ifdef NTX_HAVE_KUNIT_VM_MMAP

#define P(n)		((unsigned long)(n) << PAGE_SHIFT)
#define RW		NT_PAGE_READWRITE
#define RO		NT_PAGE_READONLY
#define NOACCESS	NT_PAGE_NOACCESS
#define GUARD		NT_PAGE_GUARD
#define RESERVE		NT_MEM_RESERVE
#define COMMIT		NT_MEM_COMMIT
#define WATCH		NT_MEM_WRITE_WATCH
#define NO_VAD		0x10000u	/* page_state(): no allocation there */
#define WRITE_WATCH_FLAG_RESET	1u	/* NtGetWriteWatch's, as in wwatch.c */

struct mm_ctx {
	struct kunit *test;
	struct ps_process *process;
	struct mm_struct *mm;		/* its address space (kunit_vm_mmap()) */
	unsigned long ubuf;		/* a page of ordinary user memory */
	u8 *kbuf;			/* a kernel page */
	u8 *kbuf2;			/* another */
};

static inline void mm_ctx_put_process(void *p)
{
	ps_dereference_process(p);
}

/* The calling case as an NT process with a user address space. */
static inline struct mm_ctx *mm_ctx_new(struct kunit *test)
{
	struct mm_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->test = test;
	c->kbuf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	c->kbuf2 = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->kbuf);
	KUNIT_ASSERT_NOT_NULL(test, c->kbuf2);
	/* First: the space of the process is the mm this creates. */
	c->ubuf = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
				MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE_MSG(test, c->ubuf, 0UL, "kunit_vm_mmap failed");
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(c->ubuf));
	KUNIT_ASSERT_NOT_NULL(test, current->mm);
	c->mm = current->mm;
	c->process = ps_current_process();
	KUNIT_ASSERT_NOT_NULL(test, c->process);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, mm_ctx_put_process,
							c->process), 0);
	return c;
}

static inline u64 nt_alloc(struct mm_ctx *c, u64 base, u64 size, u32 type, u32 protect)
{
	long status = mm_allocate_virtual(&c->process->vm, c->mm, &base, &size, 0, type, protect);

	KUNIT_ASSERT_EQ(c->test, status, STATUS_SUCCESS);
	return base;
}

static inline long nt_commit(struct mm_ctx *c, u64 base, u64 size, u32 protect)
{
	return mm_allocate_virtual(&c->process->vm, c->mm, &base, &size, 0, COMMIT, protect);
}

static inline long nt_free(struct mm_ctx *c, u64 base, u64 size, u32 type)
{
	return mm_free_virtual(&c->process->vm, c->mm, &base, &size, type);
}

static inline long nt_protect(struct mm_ctx *c, u64 base, u64 size, u32 protect,
		       u32 *old)
{
	u32 dummy;

	return mm_protect_virtual(&c->process->vm, c->mm, &base, &size, protect, old ?: &dummy);
}

/* Bytes copy_from_user()/copy_to_user() could not copy. */
static inline unsigned long uread(void *dst, unsigned long addr, size_t len)
{
	return copy_from_user(dst, (const void __user *)addr, len);
}

static inline unsigned long uwrite(unsigned long addr, const void *src, size_t len)
{
	return copy_to_user((void __user *)addr, src, len);
}

static inline void fill(u8 *buf, u8 seed)
{
	size_t i;

	for (i = 0; i < PAGE_SIZE; i++)
		buf[i] = seed + i * 7;
}

static inline bool is_zero(const u8 *buf, size_t len)
{
	return !memchr_inv(buf, 0, len);
}

#endif /* NTX_HAVE_KUNIT_VM_MMAP */
#endif /* _NTEXEC_KUNIT_MM_CTX_H */
