// SPDX-License-Identifier: GPL-2.0
/*
 * Commit charge: what NT processes have committed, against the system
 * commit limit, and what is resident, for the system's totals.
 *
 * Commit is NT's currency: a commit that would pass the limit fails with
 * STATUS_COMMITMENT_LIMIT and changes nothing. The limit is system-wide,
 * like Linux's CommitLimit (module parameter commit_limit, in pages; 0 means
 * RAM + free swap). The pages themselves are charged to a memory cgroup
 * when they are allocated (space.c), so a cgroup's memory.max bounds what
 * its processes keep resident.
 *
 * A process in a job has a second bound: its space's commit goes through
 * the commit hooks of struct mm_ops (the job's process and job memory
 * limits, ntps/job.c). Every change of mm_space.committed is made under
 * mm_space.lock together with its hook call (mm_space_charge(),
 * mm_space_decommit()), and a process joining a job brings its commit over
 * under the same lock (mm_space_set_quota()): the job's count is always the
 * sum of its members' commits. A space with no quota pays one NULL test.
 */
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/swap.h>

#include <kunit/visibility.h>

#include "mi.h"
#include "../ntob/event.h"

static unsigned long commit_limit;
module_param(commit_limit, ulong, 0644);
MODULE_PARM_DESC(commit_limit,
		 "System commit limit in pages for NT private memory (0: RAM + free swap + paging files)");

static atomic_long_t mm_committed_total = ATOMIC_LONG_INIT(0);
static atomic_long_t mm_committed_peak = ATOMIC_LONG_INIT(0);
static atomic_long_t mm_shared_total = ATOMIC_LONG_INIT(0);
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
MODULE_PARM_DESC(committed_pages,
		 "Pages of NT memory committed (private memory and sections), all processes");
module_param_cb(resident_pages, &mm_total_ops, &mm_resident_total, 0444);
MODULE_PARM_DESC(resident_pages,
		 "Pages of NT memory resident (private memory and sections), all processes");

/*
 * The system commit limit, pages: commit_limit, or RAM + free swap + the
 * paging files' slots (NT's limit is RAM + paging files).
 */
static unsigned long mm_commit_limit(void)
{
	return READ_ONCE(commit_limit) ?:
	       totalram_pages() + get_nr_swap_pages() + mm_pagefile_pages();
}

/**
 * mm_commit_charge() - charge pages to the system commit limit
 * @pages: pages about to be committed
 *
 * A refusal is reported (NTEXEC_CMD_COMMIT_LIMIT) as the current
 * process's: the one that asked, or the target a remote operation runs in.
 * The services that commit try again once mm_commit_grow() extended the
 * paging files.
 *
 * Return: STATUS_SUCCESS, or STATUS_COMMITMENT_LIMIT when the limit would
 * be passed (nothing is charged then).
 */
ntstatus_t mm_commit_charge(unsigned long pages)
{
	long total = atomic_long_add_return(pages, &mm_committed_total);
	long peak = atomic_long_read(&mm_committed_peak);

	if (total > mm_commit_limit()) {
		atomic_long_sub(pages, &mm_committed_total);
		if (ntx_event_wanted(NTEXEC_GROUP_MEMORY)) {
			struct ntx_event_info info = {
				.cmd = NTEXEC_CMD_COMMIT_LIMIT,
				.group = NTEXEC_GROUP_MEMORY, .subject = current,
				.process = task_tgid(current),
				.size = (u64)pages << PAGE_SHIFT,
			};

			ntx_event_send(&info);
		}
		return STATUS_COMMITMENT_LIMIT;
	}
	while (total > peak &&
	       !atomic_long_try_cmpxchg(&mm_committed_peak, &peak, total))
		;
	return STATUS_SUCCESS;
}

/**
 * mm_commit_grow() - extend the paging files so that @pages more fit
 * @pages: what a commit refused with STATUS_COMMITMENT_LIMIT asked for
 *
 * NT extends its paging files toward their maximum when a commit would
 * pass the limit. The file system is called, so this runs where the
 * service that committed holds no lock (not in the fault path, which holds
 * the mmap_lock: a write-copy or file page charged there never grows a
 * paging file); the service then tries once more. Not with commit_limit
 * set (the paging files do not count then).
 *
 * Context: may sleep; no lock of the module's held.
 * Return: true if the limit grew and @pages more would fit now.
 */
bool mm_commit_grow(unsigned long pages)
{
	long shortfall;

	might_sleep();
	if (READ_ONCE(commit_limit))
		return false;
	shortfall = atomic_long_read(&mm_committed_total) + (long)pages -
		    (long)mm_commit_limit();
	if (shortfall <= 0 || pages > LONG_MAX / 2)
		return false;
	return mm_pagefile_grow(shortfall) >= (unsigned long)shortfall;
}

/**
 * mm_commit_uncharge() - give back what mm_commit_charge() took
 * @pages: pages no longer committed
 */
void mm_commit_uncharge(unsigned long pages)
{
	atomic_long_sub(pages, &mm_committed_total);
}

/**
 * mm_shared_commit_charge() - mm_commit_charge() for a section's pages
 * @pages: pages about to be committed in a pagefile-backed section
 *
 * Counted apart as well: Windows' shared commit.
 *
 * Return: as mm_commit_charge().
 */
ntstatus_t mm_shared_commit_charge(unsigned long pages)
{
	ntstatus_t status = mm_commit_charge(pages);

	if (!status)
		atomic_long_add(pages, &mm_shared_total);
	return status;
}

/**
 * mm_shared_commit_uncharge() - give back what mm_shared_commit_charge() took
 * @pages: pages no longer committed
 */
void mm_shared_commit_uncharge(unsigned long pages)
{
	atomic_long_sub(pages, &mm_shared_total);
	mm_commit_uncharge(pages);
}

/**
 * mm_query_commit() - the system's commit figures
 * @m: out: its commit fields
 */
void mm_query_commit(struct mm_system_memory *m)
{
	m->committed = max(atomic_long_read(&mm_committed_total), 0L);
	m->commit_peak = max(atomic_long_read(&mm_committed_peak), 0L);
	m->commit_limit = mm_commit_limit();
	m->shared_committed = max(atomic_long_read(&mm_shared_total), 0L);
}

/**
 * mm_space_charge() - charge pages a space commits
 * @space: the space, its lock held
 * @pages: pages about to be committed
 *
 * Charges the system commit limit and, for a process in a job, the job's
 * limits (struct mm_ops .commit_charge), then counts the pages in the
 * space's commit. A failure after this gives them back with
 * mm_space_decommit().
 *
 * Return: STATUS_SUCCESS, or STATUS_COMMITMENT_LIMIT (nothing charged).
 */
ntstatus_t mm_space_charge(struct mm_space *space, unsigned long pages)
{
	ntstatus_t status;

	lockdep_assert_held(&space->lock);
	if (!pages)
		return STATUS_SUCCESS;
	status = mm_commit_charge(pages);
	if (status)
		return status;
	if (space->quota) {
		status = mm_ops->commit_charge(space->quota, space->quota_tag, pages,
					       space->committed, false, NULL);
		if (status) {
			mm_commit_uncharge(pages);
			return status;
		}
	}
	space->committed += pages;
	space->peak_committed = max(space->peak_committed, space->committed);
	return STATUS_SUCCESS;
}

/**
 * mm_space_decommit() - pages leave a space's commit (and the system's)
 * @space: the space, its lock held
 * @committed: committed pages that go
 * @locked: of those, the locked ones
 */
void mm_space_decommit(struct mm_space *space, unsigned long committed,
		       unsigned long locked)
{
	lockdep_assert_held(&space->lock);
	space->committed -= committed;
	space->locked -= locked;
	if (space->quota && committed)
		mm_ops->commit_uncharge(space->quota, space->quota_tag, committed);
	mm_commit_uncharge(committed);
}

/**
 * mm_space_set_quota() - a space's commit goes through a process's hooks
 * @space: the space (its lock not held)
 * @mp: the process it belongs to, in a job now
 *
 * What the space has committed so far is charged at once, whatever the
 * limits say: as in NT (MmAssignProcessToJob), a process joins its job
 * unconditionally and a process over a limit is caught at its next commit.
 * A space that has a quota moves to the process's quota now (a nested
 * job): its commit is charged to what the new quota adds. A dead space is
 * left alone.
 */
void mm_space_set_quota(struct mm_space *space, struct mm_process *mp)
{
	void *tag, *old = NULL;

	tag = mm_ops->quota_tag(mp);
	if (!tag)
		return;
	mutex_lock(&space->lock);
	if (space->dead || space->quota_tag == tag) {
		old = tag;
	} else if (mm_ops->commit_charge(mp, tag, space->committed, 0, true,
					 space->quota_tag)) {
		/* An older quota than the space's (a racing move): kept. */
		old = tag;
	} else {
		if (!space->quota) {
			mm_ops->quota_get(mp);
			space->quota = mp;
		}
		old = space->quota_tag;
		space->quota_tag = tag;
	}
	mutex_unlock(&space->lock);
	if (old)
		mm_ops->quota_tag_put(old);
}

/**
 * mm_resident_add() - a page of the space became resident
 * @space: the space, its lock held
 */
void mm_resident_add(struct mm_space *space)
{
	lockdep_assert_held(&space->lock);
	space->resident++;
	space->peak_resident = max(space->peak_resident, space->resident);
	atomic_long_inc(&mm_resident_total);
}

/**
 * mm_resident_sub() - a resident page of the space was freed
 * @space: the space, its lock held
 */
void mm_resident_sub(struct mm_space *space)
{
	lockdep_assert_held(&space->lock);
	space->resident--;
	atomic_long_dec(&mm_resident_total);
}

/* A page that belongs to no process's space (a section's) came or went. */
void mm_resident_count(void)
{
	atomic_long_inc(&mm_resident_total);
}

void mm_resident_uncount(void)
{
	atomic_long_dec(&mm_resident_total);
}

/* The system's totals, for the KUnit suites. */
long mm_committed_pages(void)
{
	return atomic_long_read(&mm_committed_total);
}
EXPORT_SYMBOL_IF_KUNIT(mm_committed_pages);

long mm_resident_pages(void)
{
	return atomic_long_read(&mm_resident_total);
}
EXPORT_SYMBOL_IF_KUNIT(mm_resident_pages);
