// SPDX-License-Identifier: GPL-2.0
/*
 * The balance set manager (NT's KeBalanceSetManager, and the working set
 * manager it calls, MmWorkingSetManager): a kernel thread, ntexec-bsm,
 * that once a second
 *
 *   - ages every working set: reads and clears the hardware Accessed bit
 *     of its pages' PTEs (mm_ws_age(), wsle.c), so that each page's age
 *     says how many seconds it went untouched;
 *   - when memory is short, trims working sets above their minimum, the
 *     oldest pages first: every page of age MM_WS_AGE_MAX of every
 *     process, then of age MM_WS_AGE_MAX - 1, and so on down to age 1,
 *     until it found the pages it was asked for. A page touched in the
 *     last second (age 0) is never taken, nor a working set brought below
 *     its minimum.
 *
 * Memory is short when Linux's available memory (si_mem_available()) is
 * below the bsm_low_pages parameter (0, the default: 1/64 of RAM), by the
 * difference, and whenever Linux's reclaim asks the module's shrinker: the
 * shrinker counts the pages of every NT working set as what it could give,
 * adds what reclaim asks for to the next pass's target and wakes the
 * thread at once. The shrinker itself frees only standby pages (their
 * copies are in a paging file), and waits for no lock of the module's
 * (reclaim may run under a space's lock, in an allocation of the fault
 * path): a space whose lock is taken is passed over.
 *
 * What trimming gives back: a trimmed page goes to the modified list and
 * stays resident, except MEM_RESET pages, which are freed. With a paging
 * file (pagefile.c) the same pass is also the modified page writer: it
 * writes modified pages to the paging file (those past
 * modified_write_threshold always; as many as are needed while memory is
 * short), which puts them on the standby list, and, while memory is short,
 * repurposes standby pages, oldest first: their memory goes back to Linux
 * and a later access reads them back (a hard fault). Without a paging file
 * modified pages stay resident, as on Windows without one.
 *
 * Faults wait for it (mm_bsm_throttle()): a fault that may take a new
 * page while available memory is below 1/32 of RAM, twice the default low
 * mark (room for what paging itself allocates), with a paging file to
 * page to, first lets go of its locks and waits until the thread has given
 * memory back (NT's faults wait for available pages the same way, in
 * MiEnsureAvailablePageOrWait), then retries. Without this, a process
 * writing more NT memory than RAM outruns the thread, and Linux's OOM
 * killer, which cannot see the module's pages, acts first. While faults
 * wait, passes follow one another with no pause, aim an eighth above that
 * mark (so that a pass frees a batch, not a page) and may take
 * pages of any age, as NT's working set manager trims hard when available
 * pages run out. A fault waits at most MM_THROTTLE_MAX at a time (and
 * again on its retry while memory is still short), and not at all once a
 * pass could give nothing back (the thread stalled).
 *
 * Locks: mm_bsm_lock (a mutex) is held across a pass: it serializes passes
 * with mm_bsm_hold(), which KUnit uses to keep passes away from the
 * working sets it measures. Inside it a pass takes, one space at a time,
 * what mm_ws_age() and mm_ws_trim_batched() take (mmap_lock, then the
 * space's lock), never two spaces' locks, and sleeps (cond_resched(), the
 * wait for the next second) only with no space lock held. rmmod stops the
 * shrinker, then the thread (kthread_stop() waits out a pass under way).
 */
#include <kunit/visibility.h>
#include <linux/freezer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/shrinker.h>
#include <linux/wait.h>

#include "mi.h"
#include "../ntob/compat.h"

static struct task_struct *mm_bsm_task;
static struct shrinker *mm_bsm_shrinker;
static DECLARE_WAIT_QUEUE_HEAD(mm_bsm_wait);
static DEFINE_MUTEX(mm_bsm_lock);
/* Under mm_bsm_lock: passes are held off (mm_bsm_hold()). */
static unsigned int mm_bsm_holds;
/* Pages Linux's reclaim asked the shrinker for, for the next pass. */
static atomic_long_t mm_bsm_pressure = ATOMIC_LONG_INIT(0);
/* The shrinker woke the thread: a pass is due before the next second. */
static atomic_t mm_bsm_kicked = ATOMIC_INIT(0);
/* Faults waiting for available memory (mm_bsm_throttle()), and their queue. */
static atomic_t mm_bsm_waiters = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(mm_bsm_avail_wait);
/* The last pass was asked for pages and could give none back. */
static bool mm_bsm_stalled;

/* What a pass trims, writes and repurposes at a time. */
#define MM_BSM_STEP		512ul

/* The longest a fault waits for the balance set manager. */
#define MM_THROTTLE_MAX		(10 * HZ)

static unsigned long mm_mpw_threshold = 4096;
module_param_named(modified_write_threshold, mm_mpw_threshold, ulong, 0644);
MODULE_PARM_DESC(modified_write_threshold,
		 "With a paging file, write modified NT pages past this many to it (pages)");

static unsigned long mm_bsm_low_pages;
module_param_named(bsm_low_pages, mm_bsm_low_pages, ulong, 0644);
MODULE_PARM_DESC(bsm_low_pages,
		 "Trim NT working sets while Linux's available memory is below this many pages (0: 1/64 of RAM)");

/**
 * mm_bsm_need() - the pages a pass should find
 *
 * The shortfall of Linux's available memory below bsm_low_pages (a
 * quarter of it above, while faults wait), and what reclaim asked the
 * shrinker for since the last call (taken).
 *
 * Return: pages.
 */
/* Linux's available memory is below @low pages. */
static bool mm_bsm_short(unsigned long low)
{
	return si_mem_available() < (long)low;
}

static unsigned long mm_bsm_low(void)
{
	return READ_ONCE(mm_bsm_low_pages) ?: totalram_pages() / 64;
}

/*
 * Below this, faults that take new pages wait: twice the default low mark
 * (1/32 of RAM), so that Linux keeps room for what paging itself allocates
 * (the file system's buffers, the clusters of hard faults) and its reclaim
 * never finds the memory gone. Not bsm_low_pages: a low mark set above
 * what RAM can give makes the thread trim, not every fault wait.
 */
static unsigned long mm_bsm_wait_mark(void)
{
	return totalram_pages() / 32;
}

unsigned long mm_bsm_need(void)
{
	unsigned long low = mm_bsm_low();
	long avail = si_mem_available();
	unsigned long need = 0;

	if (avail < 0)
		avail = 0;
	if (atomic_read(&mm_bsm_waiters))
		low = max(low, mm_bsm_wait_mark() + mm_bsm_wait_mark() / 8);
	if ((unsigned long)avail < low)
		need = low - avail;
	return need + atomic_long_xchg(&mm_bsm_pressure, 0);
}
EXPORT_SYMBOL_IF_KUNIT(mm_bsm_need);

/**
 * mm_bsm_trim() - trim working sets above their minimum, oldest pages first
 * @need: how many pages to take at most
 *
 * Pages of age MM_WS_AGE_MAX of every space first, then younger ones, down
 * to age 1 (to age 0 in an urgent pass, mm_bsm_pass()). Each space is trimmed in batches (mm_ws_trim_batched()). The
 * caller holds mm_bsm_lock or holds passes off (mm_bsm_hold()).
 *
 * Return: the pages trimmed.
 */
static unsigned long mm_bsm_trim_ages(unsigned long need, int youngest)
{
	unsigned long id, n, done = 0;
	int age;

	struct mm_space *space;

	for (age = MM_WS_AGE_MAX; age >= youngest && done < need; age--) {
		id = 0;
		while (done < need && (space = mm_ws_next_space(&id))) {
			if (!READ_ONCE(space->dead) &&
			    READ_ONCE(space->ws) > mm_ws_min_of(space)) {
				n = mm_ws_trim_batched(space, need - done, age,
						       mm_ws_min_of(space), false);
				done += n;
			}
			mm_space_put(space);
			if (kthread_should_stop())
				return done;
		}
	}
	mm_ws_stat_add(MM_STAT_BSM_TRIMMED, done);
	return done;
}

unsigned long mm_bsm_trim(unsigned long need)
{
	return mm_bsm_trim_ages(need, 1);
}
EXPORT_SYMBOL_IF_KUNIT(mm_bsm_trim);

/**
 * mm_empty_working_sets() - empty every NT working set
 *
 * NtSetSystemInformation(SystemMemoryListInformation,
 * MemoryEmptyWorkingSets): each working set gives up every page it may
 * (not locked ones, nor pages a copy holds), whatever its minimum, as a
 * SetProcessWorkingSetSize(-1, -1) of each process would; the pages go to
 * the page lists and come back by soft faults. Pages faulted in meanwhile
 * may stay. The caller's fatal signal ends it between batches.
 *
 * Return: STATUS_SUCCESS.
 */
ntstatus_t mm_empty_working_sets(void)
{
	unsigned long id = 0;
	struct mm_space *space;

	while ((space = mm_ws_next_space(&id))) {
		if (!READ_ONCE(space->dead))
			mm_ws_trim_batched(space, READ_ONCE(space->ws), 0, 0, true);
		mm_space_put(space);
		if (fatal_signal_pending(current))
			break;
		cond_resched();
	}
	return STATUS_SUCCESS;
}

/* The modified page writer over every space: @max pages at most. */
static unsigned long mm_write_modified(unsigned long max, bool killable)
{
	unsigned long id = 0, done = 0;
	struct mm_space *space;

	while (done < max && (space = mm_ws_next_space(&id))) {
		if (!READ_ONCE(space->dead))
			done += mm_ws_write_modified(space, max - done, killable);
		mm_space_put(space);
		if (killable ? fatal_signal_pending(current) : kthread_should_stop())
			break;
		cond_resched();
	}
	return done;
}

/**
 * mm_flush_modified_list() - write every modified page to a paging file
 *
 * NtSetSystemInformation(SystemMemoryListInformation,
 * MemoryFlushModifiedList): the pages move to the standby list. Without a
 * paging file (or with every one full) nothing moves; a page faulted back
 * meanwhile stays out. The caller's fatal signal ends it between batches.
 *
 * Return: STATUS_SUCCESS.
 */
ntstatus_t mm_flush_modified_list(void)
{
	if (mm_pagefile_pages())
		mm_write_modified(ULONG_MAX, true);
	return STATUS_SUCCESS;
}

/**
 * mm_purge_standby_list() - repurpose every standby page
 *
 * NtSetSystemInformation(SystemMemoryListInformation,
 * MemoryPurgeStandbyList): their memory goes back to Linux, their contents
 * stay in the paging file.
 *
 * Return: STATUS_SUCCESS.
 */
ntstatus_t mm_purge_standby_list(void)
{
	mm_ws_repurpose(ULONG_MAX, true);
	return STATUS_SUCCESS;
}

/*
 * One pass: age every working set (if @age), then trim what is needed.
 * Wakes the faults waiting for memory when done.
 */
static void mm_bsm_pass(bool age)
{
	unsigned long id = 0, need, given = 0, left, writes = 0, step, got;
	struct mm_space *space;
	bool paging, urgent;

	mutex_lock(&mm_bsm_lock);
	if (mm_bsm_holds)
		goto out;
	if (age) {
		while ((space = mm_ws_next_space(&id))) {
			if (!READ_ONCE(space->dead))
				mm_ws_age(space);
			/* Hard-maximum replacements, summed: once a second. */
			mm_ws_report_trims(space);
			mm_space_put(space);
			if (kthread_should_stop())
				goto out;
		}
		mm_ws_stat_add(MM_STAT_AGING_PASSES, 1);
	}
	need = mm_bsm_need();
	if (need)
		mm_ws_stat_add(MM_STAT_BSM_NEED, need);
	paging = mm_pagefile_pages();
	/*
	 * Urgent: faults wait for memory: pages of any age may go. Only an
	 * urgent pass that gives nothing back says the thread stalled (then
	 * faults stop waiting for it until a pass gives something again).
	 */
	urgent = atomic_read(&mm_bsm_waiters);
	if (paging)
		writes = max(mm_ws_list_count(MM_LIST_MODIFIED) - (long)READ_ONCE(mm_mpw_threshold),
			     0L) + need;
	/*
	 * Trim, write and repurpose in steps, so that memory comes back (and
	 * the faults waiting for it go on) while a long pass goes on.
	 */
	left = need;
	while ((left || writes) && !kthread_should_stop()) {
		step = min(left, MM_BSM_STEP);
		got = step ? mm_bsm_trim_ages(step, urgent ? 0 : 1) : 0;
		if (writes) {
			got += mm_write_modified(min(writes, MM_BSM_STEP), false);
			writes -= min(writes, MM_BSM_STEP);
		}
		if (paging && step && !kthread_should_stop())
			got += mm_ws_repurpose(step, false);
		left -= step;
		given += got;
		wake_up_all(&mm_bsm_avail_wait);
		if (!got)
			break;
	}
	WRITE_ONCE(mm_bsm_stalled, urgent && need && !given);
	mm_ws_stat_add(MM_STAT_BSM_PASSES, 1);
out:
	mutex_unlock(&mm_bsm_lock);
	wake_up_all(&mm_bsm_avail_wait);
}

static int mm_bsm_thread(void *unused)
{
	unsigned long next_age = jiffies;
	long wait;
	bool age;

	set_freezable();
	while (!kthread_should_stop()) {
		age = time_after_eq(jiffies, next_age);
		if (age)
			next_age = jiffies + HZ;
		atomic_set(&mm_bsm_kicked, 0);
		mm_bsm_pass(age);
		/* Faults wait for memory: the next pass at once. */
		if (atomic_read(&mm_bsm_waiters) && !READ_ONCE(mm_bsm_stalled)) {
			cond_resched();
			continue;
		}
		/* Reclaim's requests: ten passes a second at most. */
		wait = (long)(next_age - jiffies);
		if (wait > 0)
			wait_event_freezable_timeout(mm_bsm_wait, kthread_should_stop(),
						     min_t(long, wait, HZ / 10));
		wait = (long)(next_age - jiffies);
		if (wait > 0)
			wait_event_freezable_timeout(mm_bsm_wait, kthread_should_stop() ||
						     atomic_read(&mm_bsm_kicked), wait);
	}
	return 0;
}

/**
 * mm_bsm_must_wait() - should a fault taking a new page wait for memory?
 *
 * Yes while Linux's available memory is below the low mark and the
 * balance set manager can page out (there is a paging file). Cheap while
 * plenty of memory is free.
 *
 * Return: true if the fault should wait (mm_bsm_throttle()) and retry.
 */
bool mm_bsm_must_wait(void)
{
	unsigned long low;

	if (!mm_pagefile_pages() || !READ_ONCE(mm_bsm_task))
		return false;
	low = mm_bsm_wait_mark();
	return global_zone_page_state(NR_FREE_PAGES) <= 2 * low && mm_bsm_short(low) &&
	       !READ_ONCE(mm_bsm_stalled);
}

/**
 * mm_bsm_throttle() - wait for the balance set manager to give memory back
 *
 * With no lock held (the thread needs the spaces' locks, and its aging
 * pass the mms' mmap_locks): wakes the balance set manager and waits until
 * its passes bring available memory back above the low mark, a pass gives
 * nothing back, MM_THROTTLE_MAX passed or a fatal signal came.
 */
void mm_bsm_throttle(void)
{
	unsigned long low = mm_bsm_wait_mark();
	unsigned long deadline = jiffies + MM_THROTTLE_MAX;

	mm_ws_stat_add(MM_STAT_THROTTLED, 1);
	atomic_inc(&mm_bsm_waiters);
	do {
		if (!atomic_xchg(&mm_bsm_kicked, 1))
			wake_up(&mm_bsm_wait);
		if (wait_event_killable_timeout(mm_bsm_avail_wait,
						!mm_bsm_short(low) ||
						READ_ONCE(mm_bsm_stalled), HZ / 10) < 0)
			break;
	} while (mm_bsm_short(low) && !READ_ONCE(mm_bsm_stalled) &&
		 time_before(jiffies, deadline));
	atomic_dec(&mm_bsm_waiters);
}

/**
 * mm_bsm_hold() - keep balance set manager passes off until mm_bsm_release()
 *
 * Waits for a pass under way. For KUnit, whose cases count pages exactly.
 */
void mm_bsm_hold(void)
{
	mutex_lock(&mm_bsm_lock);
	mm_bsm_holds++;
	mutex_unlock(&mm_bsm_lock);
}
EXPORT_SYMBOL_IF_KUNIT(mm_bsm_hold);

/**
 * mm_bsm_release() - let passes run again after mm_bsm_hold()
 */
void mm_bsm_release(void)
{
	mutex_lock(&mm_bsm_lock);
	if (!WARN_ON_ONCE(!mm_bsm_holds))
		mm_bsm_holds--;
	mutex_unlock(&mm_bsm_lock);
}
EXPORT_SYMBOL_IF_KUNIT(mm_bsm_release);

/* What reclaim could get: every page of every NT working set, and standby. */
static unsigned long mm_bsm_count(struct shrinker *s, struct shrink_control *sc)
{
	long n = mm_ws_stat(MM_STAT_WS) + mm_ws_list_count(MM_LIST_STANDBY);

	return n > 0 ? n : SHRINK_EMPTY;
}

/*
 * Reclaim asks for pages: standby pages are freed at once (their copies
 * are in a paging file: they are as clean as Linux's clean page cache),
 * passing over any whose space's lock is taken; the rest of the request
 * goes to the thread.
 */
static unsigned long mm_bsm_scan(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long freed = 0;
	long ws;

	mm_ws_stat_add(MM_STAT_SHRINKER_SCANS, 1);
	mm_ws_stat_add(MM_STAT_SHRINKER_PAGES, sc->nr_to_scan);
	/* sc->nr_scanned stays nr_to_scan: what was asked was looked at. */
	if (mm_ws_list_count(MM_LIST_STANDBY))
		freed = mm_ws_repurpose_nowait(sc->nr_to_scan);
	if (freed >= sc->nr_to_scan)
		return freed;
	/* Never more than there is to trim. */
	ws = mm_ws_stat(MM_STAT_WS);
	if (atomic_long_add_return(sc->nr_to_scan - freed, &mm_bsm_pressure) > ws)
		atomic_long_set(&mm_bsm_pressure, max(ws, 0L));
	if (!atomic_xchg(&mm_bsm_kicked, 1))
		wake_up(&mm_bsm_wait);
	return freed;
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * mm_bsm_shrink() - KUnit: what Linux's reclaim does, ask for @nr pages
 * @nr: sc->nr_to_scan
 * @count: out: what the shrinker said it could give
 *
 * Return: what the scan returned (pages freed at once).
 */
unsigned long mm_bsm_shrink(unsigned long nr, unsigned long *count)
{
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL, .nr_to_scan = nr };

	*count = mm_bsm_count(mm_bsm_shrinker, &sc);
	sc.nr_scanned = nr;
	return mm_bsm_scan(mm_bsm_shrinker, &sc);
}
EXPORT_SYMBOL_IF_KUNIT(mm_bsm_shrink);
#endif

/**
 * mm_bsm_start() - start the balance set manager and its shrinker
 *
 * Return: 0 or an errno.
 */
int mm_bsm_start(void)
{
	struct task_struct *task;

	task = kthread_run(mm_bsm_thread, NULL, "ntexec-bsm");
	if (IS_ERR(task))
		return PTR_ERR(task);
	mm_bsm_task = task;
	mm_bsm_shrinker = ntx_shrinker_create("ntexec-ws", mm_bsm_count, mm_bsm_scan);
	if (!mm_bsm_shrinker) {
		kthread_stop(mm_bsm_task);
		mm_bsm_task = NULL;
		return -ENOMEM;
	}
	return 0;
}

/**
 * mm_bsm_stop() - stop the shrinker, then the thread
 *
 * No shrinker call runs once the shrinker is gone; kthread_stop() waits
 * for a pass under way, which lets go of every space it holds.
 */
void mm_bsm_stop(void)
{
	ntx_shrinker_destroy(mm_bsm_shrinker);
	mm_bsm_shrinker = NULL;
	if (mm_bsm_task)
		kthread_stop(mm_bsm_task);
	mm_bsm_task = NULL;
}
