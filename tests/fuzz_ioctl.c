// SPDX-License-Identifier: GPL-2.0
/*
 * A structure-aware fuzzer of /dev/ntexec's ioctls (issue 15).
 *
 * It knows every ioctl's struct (uapi/ntexec.h) and makes mostly-valid calls
 * with mutated fields: sizes and counts at and past their limits, flags with
 * stray bits, pads that are not zero, user pointers at page and address-space
 * boundaries, into guard and read-only pages, kernel addresses; handles of
 * every type (processes, threads, pagefile, named, file and image sections,
 * files), pseudo-handles, closed and recycled handles, and handle values
 * taken from other processes' tables. Several worker processes, each with
 * several threads that come and go, call at once; a supervisor kills workers
 * and victims with SIGKILL in the middle of their calls and starts new ones,
 * and every thread closes handles the others are using.
 *
 * The events family (the generic netlink family "ntexec", ntexec/netlink.c)
 * is fuzzed alongside: subscriptions with any group mask, unknown commands,
 * versions and attributes, malformed attribute lengths, dumps; sockets kept,
 * read, left to fill or closed at random while the workers' processes come
 * and go. Every event read back must be well formed.
 *
 * What must hold: the kernel survives with no splat (the VM's kernel log is
 * judged by the check: KASAN, lockdep, kmemleak), every call returns an
 * NTSTATUS or a transport errno, nothing hangs (the harness's timeout), and
 * once every process is gone the module's counters of objects, committed and
 * resident pages are back where they were.
 *
 * Reproducible: each thread draws its calls from a generator seeded by
 * (seed, worker, generation, thread), so a seed gives the same calls per
 * thread; the interleaving of threads and the kill points vary with timing.
 *
 * Environment: NTEXEC_FUZZ_SEED (default: the harness's NTEXEC_TEST_SEED),
 * NTEXEC_FUZZ_CALLS (default 3000; `make check` runs the default, as root and
 * as nobody), NTEXEC_FUZZ_SECONDS (a time cap, default 60), NTEXEC_FUZZ_WORKERS
 * (default 3). `make fuzz SEED= CALLS=` runs long ones in the VM
 * (scripts/fuzz.sh).
 *
 * Coverage (`make coverage`, scripts/coverage.sh): with NTEXEC_FUZZ_KCOV=FILE
 * every fuzzing thread collects the kernel PCs its calls reach through kcov
 * (/sys/kernel/debug/kcov, KCOV_TRACE_PC; only a module built with
 * NTEXEC_COVERAGE=1 reports any) into one set shared by every process, which
 * survives the kills; at the end the set's PCs are appended to FILE, one hex
 * address a line. Without the variable kcov is never opened.
 *
 * Containment: the workers run as the test's user (root in one of the
 * check's two runs) and must not hurt the VM's other processes (init, the
 * check script). Only the victims it starts are ever opened (by pid and tid,
 * which stay theirs until the supervisor reaps them) with rights beyond
 * SAFE_*; every other handle (to itself, the other workers, any other pid,
 * what NtGetNextProcess/Thread walk to) asks for safe rights only, and a
 * duplicate asks for safe rights or for the source's (DUPLICATE_SAME_ACCESS
 * on a real handle, never a pseudo-handle). So no table ever holds more than
 * safe rights to a process that is not a victim, whatever handle values are
 * closed and recycled meanwhile. Priorities stay below HIGH and out of the
 * real-time range, lock and commit sizes are bounded (root has
 * CAP_IPC_LOCK).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <linux/genetlink.h>
#include <linux/kcov.h>
#include <linux/netlink.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "uapi/ntexec.h"
#include "nt_util.h"

#define MAX_WORKERS	8
#define NVICTIMS	2
#define THREADS		3
#define HSLOTS		128	/* handles a worker remembers */
#define POOL		256	/* handle values seen by anyone */
#define AREGS		32	/* allocations and views a process remembers */
#define CLOSED		16
#define SCRATCH		(16 * 4096)

/* Rights that cannot terminate, suspend, write into or redirect a target. */
/*
 * Rights that cannot change a target: not terminate, suspend, write into,
 * allocate in, redirect, park or reprioritise it.
 */
#define SAFE_PROCESS	(PROCESS_QUERY_INFORMATION | PROCESS_QUERY_LIMITED_INFORMATION | \
			 PROCESS_VM_READ | PROCESS_DUP_HANDLE | SYNCHRONIZE)
#define SAFE_THREAD	(THREAD_QUERY_INFORMATION | THREAD_QUERY_LIMITED_INFORMATION | \
			 THREAD_ALERT | SYNCHRONIZE)

enum kind { K_NONE, K_PROCESS, K_THREAD, K_SECTION, K_FILE, K_VICTIM_PROCESS, K_VICTIM_THREAD,
	    K_PORT, K_JOB };

struct shared {
	_Atomic uint64_t calls;
	_Atomic uint64_t einval, efault, eio, other_errno, statuses, successes;
	_Atomic uint64_t kills, respawns;
	_Atomic uint64_t pool[POOL];
	_Atomic int32_t victim_pid[NVICTIMS];
	_Atomic int32_t victim_tid[NVICTIMS][3];
	_Atomic uint64_t victim_addr[NVICTIMS][4];
	_Atomic int32_t worker_pid[MAX_WORKERS];
	_Atomic int32_t odd_errno;
	_Atomic uint64_t nl_sent, nl_events, nl_acks, nl_errnos[136];
	_Atomic int32_t nl_odd_errno, nl_bad_event;
	_Atomic uint64_t errnos[136];
	_Atomic int stop;
	_Atomic int32_t kcov_errno;
	_Atomic uint64_t kcov_dropped;
	int uncontained;
	double seconds;
};

static struct shared *sh;
static uint64_t seed0, max_calls;
static int nworkers, dev_fd_parent = -1;

/* Per process. */
static int fd;			/* this process's own /dev/ntexec */
static _Atomic uint64_t hslot[HSLOTS];	/* value | kind << 32 */
static _Atomic uint64_t areg[AREGS];	/* base | pages << 48 (self) */
static _Atomic uint64_t closed[CLOSED];
static int fds[8];
static int nfds;

/*
 * Coverage: kcov buffers of KCOV_WORDS words (the first is the count), one per
 * fuzzing thread slot and one for a worker's setup calls, opened by each
 * worker; the PCs go into kset, an open-addressing set shared by all
 * processes (mapped before the fork).
 */
#define KCOV_PATH	"/sys/kernel/debug/kcov"
#define KCOV_WORDS	(1u << 18)
#define KSET		(1u << 18)
static const char *kcov_file;
static _Atomic uint64_t *kset;
static struct { int fd; _Atomic uint64_t *area; } kcov[THREADS + 1];

struct fz {
	uint64_t s;
	uint8_t *scratch;	/* SCRATCH bytes, then a read-only page, then a guard page */
	uint64_t local_calls;
	int nested;
};

static inline uint64_t rnd(struct fz *f)
{
	return ntt_rand(&f->s);
}

static inline uint64_t below(struct fz *f, uint64_t n)
{
	return n ? rnd(f) % n : 0;
}

static inline int chance(struct fz *f, unsigned int one_in)
{
	return below(f, one_in) == 0;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return (x ^ (x >> 31)) | 1;
}

static long nt_ioctl(unsigned long cmd, void *arg, struct fz *f)
{
	long r;

	/* Rarely the supervisor's descriptor: bound to another process. */
	/*
	 * syscall(), not ioctl(): glibc's ioctl() returns an int, and an
	 * NTSTATUS error (0xC0000022) would come back negative, errno stale.
	 */
	errno = 0;
	if (dev_fd_parent >= 0 && f && chance(f, 200))
		r = syscall(SYS_ioctl, dev_fd_parent, cmd, arg);
	else
		r = syscall(SYS_ioctl, fd, cmd, arg);
	atomic_fetch_add_explicit(&sh->calls, 1, memory_order_relaxed);
	if (f)
		f->local_calls++;
	/*
	 * The ioctl system call returns an int: an NTSTATUS error comes back
	 * negative too (0xC0000022 as -1073741790), below the errno range.
	 */
	if (r < 0 && r >= -4095) {
		atomic_fetch_add_explicit(&sh->errnos[errno < 136 ? errno : 0], 1,
					  memory_order_relaxed);
		switch (errno) {
		case EINVAL:
			atomic_fetch_add_explicit(&sh->einval, 1, memory_order_relaxed);
			break;
		case EFAULT:
			atomic_fetch_add_explicit(&sh->efault, 1, memory_order_relaxed);
			break;
		case EIO:
			atomic_fetch_add_explicit(&sh->eio, 1, memory_order_relaxed);
			break;
		case ENOTTY: case EOPNOTSUPP: case EINTR: case ENOMEM: case EPERM:
		case EBADF: case EAGAIN: case E2BIG: case EOVERFLOW:
			atomic_fetch_add_explicit(&sh->other_errno, 1, memory_order_relaxed);
			break;
		default:
			atomic_store(&sh->odd_errno, errno);
			atomic_fetch_add_explicit(&sh->other_errno, 1, memory_order_relaxed);
		}
	} else if (r == 0) {
		atomic_fetch_add_explicit(&sh->successes, 1, memory_order_relaxed);
	} else {
		atomic_fetch_add_explicit(&sh->statuses, 1, memory_order_relaxed);
	}
	return r;
}

/* ---- handles ---- */

static void remember(uint64_t h, enum kind k, struct fz *f)
{
	if (!h || h >= (1ull << 32))
		return;
	atomic_store(&hslot[below(f, HSLOTS)], h | (uint64_t)k << 32);
	atomic_store(&sh->pool[below(f, POOL)], h);
}

static uint64_t slot(struct fz *f, enum kind *k)
{
	uint64_t e = atomic_load(&hslot[below(f, HSLOTS)]);

	*k = (enum kind)(e >> 32);
	return e & 0xffffffffu;
}

/* A victim handle of this table, or 0. */
static uint64_t victim_handle(struct fz *f, int thread)
{
	enum kind want = thread ? K_VICTIM_THREAD : K_VICTIM_PROCESS, k;
	uint64_t h;

	for (int i = 0; i < 16; i++) {
		h = slot(f, &k);
		if (h && k == want)
			return h;
	}
	return 0;
}

static const uint64_t odd_handles[] = {
	0, 1, 2, 3, 4, 8, 0xfffffffcull, 0xfffffffull, 1ull << 26, (1ull << 24) * 4,
	0x80000000ull, 0xfffffffffffffffdull, 0xfffffffffffffffcull, 1ull << 32,
	0xffff888000000000ull, 0x7fffffffffffffffull,
};

/*
 * Any handle, for calls that cannot hurt what the handle names (or whose
 * right the handle cannot have: see Containment above).
 */
static uint64_t any_handle(struct fz *f, enum kind *kp)
{
	enum kind k = K_NONE;
	uint64_t h;

	switch (below(f, 20)) {
	case 0 ... 9:
		h = slot(f, &k);
		break;
	case 10 ... 11:
		h = chance(f, 2) ? NTEXEC_CURRENT_PROCESS : NTEXEC_CURRENT_THREAD;
		k = h == NTEXEC_CURRENT_PROCESS ? K_PROCESS : K_THREAD;
		break;
	case 12 ... 14:
		h = atomic_load(&sh->pool[below(f, POOL)]);
		break;
	case 15 ... 16:
		h = atomic_load(&closed[below(f, CLOSED)]);
		break;
	case 17:
		h = odd_handles[below(f, sizeof(odd_handles) / sizeof(odd_handles[0]))];
		break;
	default:
		h = slot(f, &k) | below(f, 4);	/* low bits are ignored */
		break;
	}
	if (kp)
		*kp = k;
	return h;
}

/* A handle for a call that can hurt its target: victims, or no right. */
static uint64_t hurt_handle(struct fz *f, int thread)
{
	uint64_t h;
	enum kind k;

	if (chance(f, 4)) {
		/* Any handle of this table: the right is missing unless a victim. */
		h = any_handle(f, &k);
		if (h == NTEXEC_CURRENT_PROCESS || h == NTEXEC_CURRENT_THREAD)
			return 0;
		return h;
	}
	h = victim_handle(f, thread);
	return h;
}

static uint32_t safe_access(struct fz *f, int thread)
{
	uint32_t m = thread ? SAFE_THREAD : SAFE_PROCESS;

	return (uint32_t)rnd(f) & m;
}

static uint32_t any_access(struct fz *f)
{
	static const uint32_t a[] = {
		MAXIMUM_ALLOWED, GENERIC_ALL, GENERIC_READ, PROCESS_ALL_ACCESS,
		THREAD_ALL_ACCESS, SECTION_ALL_ACCESS, FILE_ALL_ACCESS, 0, 0xffffffff,
	};

	return chance(f, 2) ? a[below(f, sizeof(a) / sizeof(a[0]))] : (uint32_t)rnd(f);
}

static void closing(uint64_t h, struct fz *f)
{
	atomic_store(&closed[below(f, CLOSED)], h);
}

/* ---- addresses, sizes ---- */

static const uint64_t odd_addrs[] = {
	0, 1, 0xfff, 0x1000, 0x10000, 0x7fffffff0000ull, 0x7fffffffefffull,
	0x7ffffffff000ull, 0x7fffffffffffull, 0x800000000000ull, 0xffff800000000000ull,
	0xffff888000000000ull, 0xffffffff81000000ull, 0xffffffffff600000ull,
	0xfffffffffffff000ull, 0xffffffffffffffffull, 0x8000000000000000ull,
};

static uint64_t odd_addr(struct fz *f)
{
	return odd_addrs[below(f, sizeof(odd_addrs) / sizeof(odd_addrs[0]))];
}

static const uint64_t odd_sizes[] = {
	0, 1, 2, 4095, 4096, 4097, 0x10000, 0x10001, 0x100000, 1ull << 31, 1ull << 32,
	1ull << 40, 1ull << 47, 0x7fffffffffffull, 0xfffffffffffff000ull, ~0ull,
};

static uint64_t odd_size(struct fz *f)
{
	return odd_sizes[below(f, sizeof(odd_sizes) / sizeof(odd_sizes[0]))];
}

/* A size for calls that commit or lock: bounded (root has CAP_IPC_LOCK). */
static uint64_t small_size(struct fz *f)
{
	switch (below(f, 4)) {
	case 0:
		return below(f, 16) * 4096;
	case 1:
		return below(f, 0x400000);
	case 2:
		return (below(f, 16) + 1) * 0x10000;
	default:
		return chance(f, 8) ? odd_size(f) & 0xfffff : 4096;
	}
}

/* A user pointer the kernel may read or write: scratch, its edges, bad ones. */
static uint64_t buf_ptr(struct fz *f, uint64_t len)
{
	uint64_t s = (uint64_t)(uintptr_t)f->scratch;

	switch (below(f, 12)) {
	case 0 ... 6:
		return s + (len < SCRATCH ? below(f, SCRATCH - len + 1) & ~7ull : 0);
	case 7:	/* ends in the read-only page */
		return s + SCRATCH - (len ? below(f, len) : 0);
	case 8:	/* into the guard page */
		return s + SCRATCH + 4096 - (len ? below(f, len) : 0);
	case 9: {
		uint64_t e = atomic_load(&areg[below(f, AREGS)]);

		return e ? (e & ((1ull << 48) - 1)) + below(f, 8) * 4096 : odd_addr(f);
	}
	case 10:
		return s + below(f, 8);	/* misaligned */
	default:
		return odd_addr(f);
	}
}

/* An address in this process for the VM calls: its allocations, or odd. */
static uint64_t self_addr(struct fz *f)
{
	uint64_t e = atomic_load(&areg[below(f, AREGS)]);

	if (e && !chance(f, 4)) {
		uint64_t base = e & ((1ull << 48) - 1), pages = e >> 48;

		return base + below(f, pages + 1) * 4096 + (chance(f, 8) ? below(f, 4096) : 0);
	}
	if (chance(f, 3))
		return (uint64_t)(uintptr_t)f->scratch;
	return odd_addr(f) + (chance(f, 2) ? 0 : below(f, 1ull << 30) << 12);
}

static uint64_t victim_addr(struct fz *f)
{
	uint64_t a = atomic_load(&sh->victim_addr[below(f, NVICTIMS)][below(f, 4)]);

	if (!a || chance(f, 4))
		return odd_addr(f);
	return a + below(f, 32) * 4096;
}

static void note_region(uint64_t base, uint64_t size, struct fz *f)
{
	uint64_t pages = (size + 4095) / 4096;

	if (!base || base >= (1ull << 48))
		return;
	if (pages >= 0xffff)
		pages = 0xffff;
	atomic_store(&areg[below(f, AREGS)], base | pages << 48);
}

/* A process handle for a VM call, and whether it is this process. */
static uint64_t vm_process(struct fz *f, int *self, int hurts)
{
	uint64_t h;

	*self = 0;
	if (chance(f, 2)) {
		*self = 1;
		return NTEXEC_CURRENT_PROCESS;
	}
	h = hurts ? hurt_handle(f, 0) : any_handle(f, NULL);
	if (h == NTEXEC_CURRENT_PROCESS)
		*self = 1;
	return h;
}

static const uint32_t protects[] = {
	PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY, PAGE_EXECUTE,
	PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY,
	PAGE_READWRITE | PAGE_GUARD, PAGE_READONLY | PAGE_NOCACHE,
	PAGE_READWRITE | PAGE_WRITECOMBINE, PAGE_GUARD, 0, 0x3, 0xffffffff,
};

static uint32_t protect(struct fz *f)
{
	uint32_t p = protects[below(f, sizeof(protects) / sizeof(protects[0]))];

	return chance(f, 16) ? p | (1u << below(f, 32)) : p;
}

static uint32_t alloc_type(struct fz *f)
{
	static const uint32_t t[] = {
		MEM_COMMIT, MEM_RESERVE, MEM_COMMIT | MEM_RESERVE,
		MEM_COMMIT | MEM_RESERVE | MEM_TOP_DOWN, MEM_RESERVE | MEM_WRITE_WATCH,
		MEM_COMMIT | MEM_RESERVE | MEM_WRITE_WATCH, MEM_RESET, MEM_RESET_UNDO,
		MEM_COMMIT | MEM_LARGE_PAGES, MEM_PHYSICAL | MEM_RESERVE, 0,
	};
	uint32_t v = t[below(f, sizeof(t) / sizeof(t[0]))];

	return chance(f, 16) ? v | (1u << below(f, 32)) : v;
}

/* ---- the calls ---- */

static void one_call(struct fz *f);

static void do_version(struct fz *f)
{
	struct ntexec_version v;

	memset(&v, 0, sizeof(v));
	v.api = chance(f, 8) ? (uint32_t)rnd(f) : NTEXEC_API_VERSION;
	v.flags = chance(f, 8) ? (uint32_t)rnd(f) : 0;
	v.features = chance(f, 4) ? rnd(f) : 0;
	if (chance(f, 8))
		v.reserved[below(f, 4)] = rnd(f);
	nt_ioctl(NTEXEC_IOC_VERSION, &v, f);
}

static void do_close(struct fz *f)
{
	struct ntexec_handle a = { .handle = any_handle(f, NULL) };

	/* A pseudo-handle close is refused; a real one may be in use elsewhere. */
	if (nt_ioctl(NTEXEC_IOC_CLOSE, &a, f) == 0)
		closing(a.handle, f);
}

static void do_duplicate(struct fz *f)
{
	struct ntexec_duplicate d;
	enum kind k = K_NONE;
	int from_self;

	memset(&d, 0, sizeof(d));
	from_self = !chance(f, 4);
	d.source_process = from_self ? NTEXEC_CURRENT_PROCESS : any_handle(f, NULL);
	d.source_handle = any_handle(f, &k);
	d.target_process = chance(f, 8) ? 0 : chance(f, 2) ? NTEXEC_CURRENT_PROCESS :
		any_handle(f, NULL);
	d.options = (uint32_t)rnd(f) & (DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS |
					DUPLICATE_SAME_ATTRIBUTES);
	if (chance(f, 16))
		d.options |= (uint32_t)rnd(f);
	/*
	 * The same rights as the source are safe (no table holds more than
	 * safe rights to a non-victim) but for a pseudo-handle, which would
	 * give all rights; explicit rights are safe ones, whatever the source
	 * (its value may have been recycled since its kind was noted).
	 */
	d.access = safe_access(f, k == K_THREAD || k == K_VICTIM_THREAD);
	if (d.source_handle >= (1ull << 32))
		d.options &= ~DUPLICATE_SAME_ACCESS;
	d.attributes = chance(f, 2) ? 0 : chance(f, 2) ? OBJ_INHERIT : (uint32_t)rnd(f);
	if (chance(f, 32))
		d.pad = 1;
	if (nt_ioctl(NTEXEC_IOC_DUPLICATE, &d, f) == 0 &&
	    d.target_process == NTEXEC_CURRENT_PROCESS)
		remember(d.target_handle, from_self ? k : K_NONE, f);
}

static void do_open(struct fz *f, int thread)
{
	struct ntexec_open o;
	int v = (int)below(f, NVICTIMS), victim = 0;
	enum kind k;

	memset(&o, 0, sizeof(o));
	switch (below(f, 6)) {
	case 0 ... 2:	/* a victim: any rights */
		o.process_id = (uint32_t)atomic_load(&sh->victim_pid[v]);
		o.thread_id = (uint32_t)atomic_load(&sh->victim_tid[v][below(f, 3)]);
		victim = 1;
		break;
	case 3:
		o.process_id = (uint32_t)atomic_load(&sh->worker_pid[below(f, nworkers)]);
		o.thread_id = o.process_id;
		break;
	case 4:
		o.process_id = getpid();
		o.thread_id = (uint64_t)syscall(SYS_gettid);
		break;
	default:
		o.process_id = chance(f, 2) ? below(f, 400) : rnd(f);
		o.thread_id = chance(f, 2) ? o.process_id : rnd(f);
		break;
	}
	if (!thread && chance(f, 4))
		o.thread_id = 0;
	if (victim)
		o.access = chance(f, 2) ? (thread ? THREAD_ALL_ACCESS : PROCESS_ALL_ACCESS) :
			any_access(f);
	else
		o.access = safe_access(f, thread);
	o.attributes = chance(f, 4) ? (uint32_t)rnd(f) : 0;
	if (nt_ioctl(thread ? NTEXEC_IOC_OPEN_THREAD : NTEXEC_IOC_OPEN_PROCESS, &o, f) == 0) {
		k = victim ? (thread ? K_VICTIM_THREAD : K_VICTIM_PROCESS) :
			(thread ? K_THREAD : K_PROCESS);
		remember(o.handle, k, f);
	}
}

static void do_wait(struct fz *f)
{
	struct ntexec_wait w;
	struct timespec now;
	uint64_t *hs = (uint64_t *)f->scratch;
	uint32_t n = chance(f, 8) ? (uint32_t)below(f, 70) : (uint32_t)below(f, 4) + 1;

	memset(&w, 0, sizeof(w));
	for (uint32_t i = 0; i < n && i < 64; i++)
		hs[i] = any_handle(f, NULL);
	w.handles = chance(f, 8) ? buf_ptr(f, n * 8) : (uint64_t)(uintptr_t)hs;
	w.count = n;
	w.flags = ((uint32_t)rnd(f) & NTEXEC_WAIT_FLAGS) | NTEXEC_WAIT_TIMEOUT;
	if (chance(f, 32))
		w.flags |= (uint32_t)rnd(f) & ~NTEXEC_WAIT_FLAGS;
	if (w.flags & NTEXEC_WAIT_DELAY)
		w.count = chance(f, 4) ? n : 0;
	clock_gettime(w.flags & NTEXEC_WAIT_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC, &now);
	/* Never long: a wait on a live victim would last for ever. */
	w.timeout = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec +
		(chance(f, 4) ? -(int64_t)below(f, 1ull << 40) : (int64_t)below(f, 20000000));
	if (chance(f, 32))
		w.timeout = INT64_MIN;
	nt_ioctl(NTEXEC_IOC_WAIT, &w, f);
}

/* Never real time, nor above HIGH: the VM's other work must go on. */
static void tame_priority(int thread, uint32_t cls, uint8_t *b, uint32_t len)
{
	int32_t v;

	if (len < 4 && !(len >= 2 && !thread && cls == ProcessPriorityClass))
		return;
	if (!thread && cls == ProcessPriorityClass) {
		if (b[1] == PROCESS_PRIORITY_CLASS_REALTIME || b[1] == PROCESS_PRIORITY_CLASS_HIGH)
			b[1] = PROCESS_PRIORITY_CLASS_ABOVE_NORMAL;
		return;
	}
	if ((!thread && cls == ProcessBasePriority) ||
	    (thread && (cls == ThreadPriority || cls == ThreadBasePriority))) {
		memcpy(&v, b, 4);
		if (v > 10 || (thread && cls == ThreadBasePriority && v > 2))
			v = 8;
		memcpy(b, &v, 4);
	}
}

static void do_query_set(struct fz *f, unsigned long cmd)
{
	struct ntexec_query_info q;
	int set = cmd == NTEXEC_IOC_SET_PROCESS || cmd == NTEXEC_IOC_SET_THREAD ||
		  cmd == NTEXEC_IOC_SET_JOB;
	int thread = cmd == NTEXEC_IOC_QUERY_THREAD || cmd == NTEXEC_IOC_SET_THREAD;

	memset(&q, 0, sizeof(q));
	q.handle = any_handle(f, NULL);
	q.info_class = chance(f, 8) ? (uint32_t)rnd(f) : (uint32_t)below(f, set ? 40 : 64);
	q.length = chance(f, 8) ? (uint32_t)rnd(f) : (uint32_t)below(f, 600);
	if (set) {
		/* What is set comes from the scratch buffer only, tamed. */
		uint32_t len = q.length < SCRATCH ? q.length : SCRATCH;
		uint8_t *b = f->scratch + (chance(f, 8) ? below(f, 8) : 0);

		for (uint32_t i = 0; i < len && i < 64; i++)
			b[i] = (uint8_t)rnd(f);
		if (len >= 8 && chance(f, 2))
			memcpy(b, &(uint64_t){ below(f, 2) ? 1 : below(f, 40) }, 8);
		tame_priority(thread, q.info_class, b, len);
		/* A job's PriorityClass (offset 56): IDLE, NORMAL or BELOW_NORMAL only. */
		if (cmd == NTEXEC_IOC_SET_JOB && len >= 60) {
			uint32_t pc = (uint32_t[]){ 1, 2, 5 }[below(f, 3)];

			memcpy(b + 56, &pc, 4);
		}
		q.buffer = chance(f, 16) ? odd_addr(f) : (uint64_t)(uintptr_t)b;
		if (q.buffer == (uint64_t)(uintptr_t)b && len + (b - f->scratch) > SCRATCH)
			q.length = SCRATCH - (uint32_t)(b - f->scratch);
	} else {
		q.buffer = buf_ptr(f, q.length);
	}
	q.return_length = (uint32_t)rnd(f);
	if (chance(f, 32))
		q.pad = 1;
	nt_ioctl(cmd, &q, f);
}

static void do_terminate(struct fz *f, int thread)
{
	struct ntexec_terminate t;

	memset(&t, 0, sizeof(t));
	t.handle = hurt_handle(f, thread);
	/* Rarely the worker itself, while its other threads are in calls. */
	if (!thread && chance(f, 300))
		t.handle = NTEXEC_CURRENT_PROCESS;
	if (!t.handle)
		return;
	t.status = (uint32_t)rnd(f);
	if (chance(f, 32))
		t.pad = 1;
	nt_ioctl(thread ? NTEXEC_IOC_TERMINATE_THREAD : NTEXEC_IOC_TERMINATE_PROCESS, &t, f);
}

static void do_get_next(struct fz *f, int thread)
{
	struct ntexec_get_next g;

	memset(&g, 0, sizeof(g));
	g.process = chance(f, 4) ? 0 : chance(f, 3) ? NTEXEC_CURRENT_PROCESS : any_handle(f, NULL);
	if (thread)
		g.thread = chance(f, 2) ? 0 : any_handle(f, NULL);
	/* The next one may be anyone's: safe rights (a victim's thread too). */
	g.access = safe_access(f, thread);
	g.attributes = chance(f, 4) ? (uint32_t)rnd(f) : 0;
	g.flags = chance(f, 16) ? (uint32_t)rnd(f) : 0;
	if (chance(f, 32))
		g.pad = 1;
	if (nt_ioctl(thread ? NTEXEC_IOC_GET_NEXT_THREAD : NTEXEC_IOC_GET_NEXT_PROCESS, &g, f) == 0)
		remember(g.handle, thread ? K_THREAD : K_PROCESS, f);
}

static void do_alert(struct fz *f)
{
	struct ntexec_handle a = { .handle = any_handle(f, NULL) };

	if (chance(f, 2))
		nt_ioctl(NTEXEC_IOC_ALERT_THREAD, &a, f);
	else
		nt_ioctl(NTEXEC_IOC_TEST_ALERT, NULL, f);
}

static void do_vm_range(struct fz *f, unsigned long cmd)
{
	struct ntexec_vm_range r;
	int self, hurts = cmd == NTEXEC_IOC_FREE_VM || cmd == NTEXEC_IOC_PROTECT_VM;

	memset(&r, 0, sizeof(r));
	r.process = vm_process(f, &self, hurts);
	if (!r.process)
		return;
	r.base = chance(f, 6) && cmd == NTEXEC_IOC_ALLOCATE_VM ? 0 :
		self ? self_addr(f) : victim_addr(f);
	switch (cmd) {
	case NTEXEC_IOC_ALLOCATE_VM:
		r.type = alloc_type(f);
		r.size = (r.type & MEM_COMMIT) ? small_size(f) :
			chance(f, 2) ? odd_size(f) : small_size(f);
		r.protect = protect(f);
		r.zero_bits = chance(f, 4) ? below(f, 70) : 0;
		if (chance(f, 16))
			r.zero_bits = odd_addr(f);
		break;
	case NTEXEC_IOC_FREE_VM:
		r.type = chance(f, 2) ? MEM_RELEASE : chance(f, 2) ? MEM_DECOMMIT : alloc_type(f);
		r.size = chance(f, 2) ? 0 : chance(f, 2) ? small_size(f) : odd_size(f);
		break;
	case NTEXEC_IOC_PROTECT_VM:
		r.size = chance(f, 2) ? small_size(f) : odd_size(f);
		r.protect = protect(f);
		break;
	case NTEXEC_IOC_LOCK_VM:
	case NTEXEC_IOC_UNLOCK_VM:
		r.size = small_size(f);
		r.type = chance(f, 4) ? (uint32_t)below(f, 5) : MAP_PROCESS;
		break;
	default:	/* flush */
		r.size = chance(f, 2) ? small_size(f) : odd_size(f);
		break;
	}
	if (chance(f, 32))
		r.type |= 1u << below(f, 32);
	if (cmd != NTEXEC_IOC_ALLOCATE_VM && chance(f, 16))
		r.zero_bits = rnd(f);
	if (nt_ioctl(cmd, &r, f) >= 0 && self && cmd == NTEXEC_IOC_ALLOCATE_VM)
		note_region(r.base, r.size, f);
}

static void do_query_vm(struct fz *f)
{
	struct ntexec_vm_query q;
	int self;

	memset(&q, 0, sizeof(q));
	q.process = vm_process(f, &self, 0);
	q.address = self ? self_addr(f) : victim_addr(f);
	q.length = chance(f, 4) ? odd_size(f) : 48;
	q.buffer = buf_ptr(f, q.length < SCRATCH ? q.length : 48);
	q.info_class = chance(f, 4) ? (uint32_t)rnd(f) : (uint32_t)below(f, 14);
	if (chance(f, 32))
		q.pad = 1;
	nt_ioctl(NTEXEC_IOC_QUERY_VM, &q, f);
}

static void do_copy(struct fz *f, int write)
{
	struct ntexec_vm_copy c;
	int self;

	memset(&c, 0, sizeof(c));
	/* A write into another process only into a victim. */
	c.process = vm_process(f, &self, write);
	if (!c.process)
		return;
	c.address = self ? self_addr(f) : victim_addr(f);
	c.size = chance(f, 8) ? odd_size(f) : below(f, 3 * 0x10000);
	/* Our buffer: scratch (its edges), our allocations, bad pointers. */
	c.buffer = buf_ptr(f, c.size < SCRATCH ? c.size : 64);
	if (self && c.address == (uint64_t)(uintptr_t)f->scratch && chance(f, 2))
		c.address += below(f, SCRATCH);
	nt_ioctl(write ? NTEXEC_IOC_WRITE_VM : NTEXEC_IOC_READ_VM, &c, f);
}

static void do_write_watch(struct fz *f, int reset)
{
	struct ntexec_write_watch w;
	int self;

	memset(&w, 0, sizeof(w));
	w.process = vm_process(f, &self, 0);
	w.base = self ? self_addr(f) : victim_addr(f);
	w.size = chance(f, 2) ? small_size(f) : odd_size(f);
	if (!reset) {
		w.count = chance(f, 4) ? odd_size(f) : below(f, 64);
		w.addresses = buf_ptr(f, (w.count < 64 ? w.count : 64) * 8);
		w.flags = chance(f, 2) ? WRITE_WATCH_FLAG_RESET : 0;
	}
	if (chance(f, 16))
		w.flags = (uint32_t)rnd(f);
	if (chance(f, 16))
		w.granularity = (uint32_t)rnd(f);
	nt_ioctl(reset ? NTEXEC_IOC_RESET_WRITE_WATCH : NTEXEC_IOC_GET_WRITE_WATCH, &w, f);
}

static void do_exception(struct fz *f)
{
	nt_ioctl(NTEXEC_IOC_GET_EXCEPTION, chance(f, 8) ? (void *)(uintptr_t)odd_addr(f) :
		 (void *)f->scratch, f);
}

/* A name in the scratch buffer: one of a few, so that they collide. */
static void name(struct fz *f, __u64 *ptr, __u32 *len)
{
	static const char *const names[] = {
		"\\BaseNamedObjects\\ntx-fuzz-a", "\\BaseNamedObjects\\NTX-FUZZ-A",
		"\\BaseNamedObjects\\ntx-fuzz-b", "\\BaseNamedObjects\\", "\\BaseNamedObjects",
		"ntx-fuzz-c", "\\", "\\BaseNamedObjects\\a\\b", "\\Sessions\\1\\x",
	};
	const char *n = names[below(f, sizeof(names) / sizeof(names[0]))];
	uint16_t *w = (uint16_t *)(f->scratch + 0x8000);
	size_t l = strlen(n);

	for (size_t i = 0; i < l; i++)
		w[i] = (uint16_t)n[i];
	if (chance(f, 16))
		w[below(f, l)] = (uint16_t)rnd(f);
	*ptr = (uint64_t)(uintptr_t)w;
	*len = (uint32_t)(2 * l);
	if (chance(f, 16))
		*len = chance(f, 2) ? *len + 1 : (uint32_t)below(f, 0x20000);
	if (chance(f, 16))
		*ptr = buf_ptr(f, *len < 0x100 ? *len : 0x100);
}

static void do_create_section(struct fz *f)
{
	static const uint32_t attrs[] = {
		SEC_COMMIT, SEC_RESERVE, SEC_IMAGE, SEC_FILE, SEC_COMMIT | SEC_NOCACHE,
		SEC_RESERVE | SEC_LARGE_PAGES, SEC_IMAGE_NO_EXECUTE, 0,
	};
	struct ntexec_create_section c;
	enum kind k;

	memset(&c, 0, sizeof(c));
	c.allocation_attributes = attrs[below(f, sizeof(attrs) / sizeof(attrs[0]))];
	if (chance(f, 16))
		c.allocation_attributes |= 1u << below(f, 32);
	if (chance(f, 2)) {
		c.file = 0;
	} else {
		c.file = any_handle(f, &k);
		for (int i = 0; i < 4 && k != K_FILE; i++)
			c.file = any_handle(f, &k);
	}
	c.maximum_size = c.allocation_attributes & SEC_COMMIT && !c.file ? small_size(f) :
		chance(f, 2) ? small_size(f) : odd_size(f);
	c.protect = protect(f);
	c.access = chance(f, 2) ? SECTION_ALL_ACCESS : any_access(f);
	c.attributes = chance(f, 2) ? 0 : (uint32_t)rnd(f) & OBJ_VALID_ATTRIBUTES;
	if (chance(f, 3))
		name(f, &c.name, &c.name_length);
	if (chance(f, 16))
		c.root = any_handle(f, NULL);
	if (chance(f, 32))
		c.pad = 1;
	if (nt_ioctl(NTEXEC_IOC_CREATE_SECTION, &c, f) >= 0)
		remember(c.handle, K_SECTION, f);
}

static void do_open_section(struct fz *f)
{
	struct ntexec_open_object o;

	memset(&o, 0, sizeof(o));
	name(f, &o.name, &o.name_length);
	o.access = chance(f, 2) ? SECTION_ALL_ACCESS : any_access(f);
	o.attributes = chance(f, 2) ? OBJ_CASE_INSENSITIVE : (uint32_t)rnd(f);
	if (chance(f, 16))
		o.root = any_handle(f, NULL);
	if (chance(f, 32))
		o.pad = 1;
	if (nt_ioctl(NTEXEC_IOC_OPEN_SECTION, &o, f) == 0)
		remember(o.handle, K_SECTION, f);
}

static void do_map_view(struct fz *f)
{
	struct ntexec_map_view m;
	enum kind k;
	int self;

	memset(&m, 0, sizeof(m));
	m.section = any_handle(f, &k);
	for (int i = 0; i < 3 && k != K_SECTION; i++)
		m.section = any_handle(f, &k);
	m.process = vm_process(f, &self, 0);
	m.base = chance(f, 2) ? 0 : self ? self_addr(f) : victim_addr(f);
	m.zero_bits = chance(f, 8) ? below(f, 70) : 0;
	m.commit_size = chance(f, 2) ? 0 : small_size(f);
	m.offset = chance(f, 2) ? 0 : chance(f, 2) ? below(f, 16) * 0x10000 : odd_size(f);
	m.size = chance(f, 2) ? 0 : chance(f, 2) ? small_size(f) : odd_size(f);
	m.inherit = chance(f, 8) ? (uint32_t)rnd(f) : (uint32_t)below(f, 3);
	m.type = chance(f, 2) ? 0 : alloc_type(f);
	m.protect = protect(f);
	if (chance(f, 32))
		m.pad = 1;
	if (nt_ioctl(NTEXEC_IOC_MAP_VIEW, &m, f) >= 0 && self)
		note_region(m.base, m.size, f);
}

static void do_unmap_view(struct fz *f)
{
	struct ntexec_unmap_view u;
	int self;

	u.process = vm_process(f, &self, 1);
	if (!u.process)
		return;
	u.base = self ? self_addr(f) : victim_addr(f);
	nt_ioctl(NTEXEC_IOC_UNMAP_VIEW, &u, f);
}

static void do_extend(struct fz *f)
{
	struct ntexec_extend_section e;

	e.section = any_handle(f, NULL);
	e.size = chance(f, 2) ? small_size(f) : odd_size(f);
	nt_ioctl(NTEXEC_IOC_EXTEND_SECTION, &e, f);
}

static void do_from_fd(struct fz *f)
{
	struct ntexec_handle_from_fd h;

	memset(&h, 0, sizeof(h));
	h.fd = nfds && !chance(f, 4) ? fds[below(f, nfds)] :
		chance(f, 2) ? (int32_t)below(f, 20) - 2 : (int32_t)rnd(f);
	h.access = chance(f, 2) ? (uint32_t)below(f, 2) * MAXIMUM_ALLOWED + FILE_GENERIC_READ :
		any_access(f);
	if (nt_ioctl(NTEXEC_IOC_HANDLE_FROM_FD, &h, f) == 0)
		remember(h.handle, K_FILE, f);
}

static void do_same_file(struct fz *f)
{
	struct ntexec_same_file s = { .image = self_addr(f), .other = self_addr(f) };

	nt_ioctl(NTEXEC_IOC_SAME_FILE, &s, f);
}

static void do_suspend(struct fz *f)
{
	static const unsigned long cmds[] = {
		NTEXEC_IOC_SUSPEND_THREAD, NTEXEC_IOC_RESUME_THREAD, NTEXEC_IOC_ALERT_RESUME_THREAD,
		NTEXEC_IOC_SUSPEND_PROCESS, NTEXEC_IOC_RESUME_PROCESS,
	};
	unsigned long cmd = cmds[below(f, 5)];
	int resume = cmd == NTEXEC_IOC_RESUME_THREAD || cmd == NTEXEC_IOC_RESUME_PROCESS ||
		cmd == NTEXEC_IOC_ALERT_RESUME_THREAD;
	int thread = cmd != NTEXEC_IOC_SUSPEND_PROCESS && cmd != NTEXEC_IOC_RESUME_PROCESS;
	struct ntexec_suspend s;

	memset(&s, 0, sizeof(s));
	/* Resuming hurts no one; suspending only victims (and no-right handles). */
	s.handle = resume ? any_handle(f, NULL) : hurt_handle(f, thread);
	if (!s.handle || (!resume && (s.handle == NTEXEC_CURRENT_PROCESS ||
				      s.handle == NTEXEC_CURRENT_THREAD)))
		return;
	if (chance(f, 32))
		s.pad = 1;
	/* struct ntexec_handle is the first member of struct ntexec_suspend. */
	if (nt_ioctl(cmd, &s, f) != 0 || resume || f->nested)
		return;
	/*
	 * A victim stays suspended only for a few calls (a remote allocation
	 * waits for its target to run), then is resumed by the same handle,
	 * unless another thread closed it meanwhile.
	 */
	f->nested = 1;
	for (int i = (int)below(f, 4); i > 0; i--)
		one_call(f);
	f->nested = 0;
	s.pad = 0;
	nt_ioctl(thread ? NTEXEC_IOC_RESUME_THREAD : NTEXEC_IOC_RESUME_PROCESS, &s, f);
}

static void do_context(struct fz *f, int set)
{
	uint8_t *ctx = f->scratch + 0x4000 + (chance(f, 8) ? below(f, 16) : 0);
	struct ntexec_context c;
	uint32_t flags;

	c.thread = set ? hurt_handle(f, 1) : any_handle(f, NULL);
	if (!c.thread || (set && (c.thread == NTEXEC_CURRENT_THREAD)))
		return;
	flags = chance(f, 4) ? (uint32_t)rnd(f) :
		CONTEXT_AMD64 | ((uint32_t)rnd(f) & 0x5f);
	if (set && chance(f, 2)) {
		/* Garbage registers: the victim thread dies, or carries on. */
		for (int i = 0; i < 1232; i += 8)
			memcpy(ctx + i, &(uint64_t){ chance(f, 2) ? rnd(f) : odd_addr(f) }, 8);
	}
	if (flags & 0x40) {
		/* A CONTEXT_EX: its XState chunk near it, or anywhere. */
		int32_t off = chance(f, 4) ? (int32_t)rnd(f) : 64 - (int32_t)((uintptr_t)ctx % 64);
		uint32_t len = chance(f, 4) ? (uint32_t)rnd(f) : 64 + 256 * (uint32_t)below(f, 2);
		uint64_t mask = chance(f, 4) ? rnd(f) : 4 * below(f, 2);

		memcpy(ctx + 1232 + 16, &off, 4);
		memcpy(ctx + 1232 + 20, &len, 4);
		if (off > 0 && off < 512)
			memcpy(ctx + 1232 + off, &mask, 8);
	}
	memcpy(ctx + 0x30, &flags, 4);
	c.context = chance(f, 16) ? buf_ptr(f, 1232) : (uint64_t)(uintptr_t)ctx;
	nt_ioctl(set ? NTEXEC_IOC_SET_CONTEXT : NTEXEC_IOC_GET_CONTEXT, &c, f);
}

/*
 * NtCreateThreadEx into a victim (or, rarely, this worker): the routine is
 * an odd address or the victim's own code; the new thread faults or runs.
 */
static void do_create_thread(struct fz *f)
{
	struct ntexec_create_thread c;

	memset(&c, 0, sizeof(c));
	c.process = hurt_handle(f, 0);
	if (chance(f, 200))
		c.process = NTEXEC_CURRENT_PROCESS;
	if (!c.process)
		return;
	c.start_routine = chance(f, 2) ? odd_addr(f) : rnd(f) & 0x7fffffffffffull;
	c.argument = rnd(f);
	c.zero_bits = chance(f, 4) ? below(f, 64) : 0;
	c.stack_size = chance(f, 4) ? odd_size(f) : 0;
	c.maximum_stack_size = chance(f, 4) ? odd_size(f) : 0;
	c.access = any_access(f);
	c.attributes = (uint32_t)below(f, 4) << 1;
	c.flags = chance(f, 4) ? (uint32_t)rnd(f) : (uint32_t)below(f, 2);
	if (chance(f, 32))
		c.pad = 1;
	nt_ioctl(NTEXEC_IOC_CREATE_THREAD, &c, f);
	if (c.handle && chance(f, 2))
		closing(c.handle, f);
}

/* User APCs: queued to victims' threads (and this worker's), taken here. */
static void do_apc(struct fz *f)
{
	struct ntexec_queue_apc q;
	struct ntexec_take_apcs t;

	if (chance(f, 2)) {
		memset(&q, 0, sizeof(q));
		q.thread = chance(f, 8) ? NTEXEC_CURRENT_THREAD : hurt_handle(f, 1);
		if (!q.thread)
			return;
		q.apc.routine = odd_addr(f);
		q.apc.argument[0] = rnd(f);
		q.apc.flags = chance(f, 8) ? (uint32_t)rnd(f) : (uint32_t)below(f, 2);
		if (chance(f, 32))
			q.apc.pad = 1;
		nt_ioctl(NTEXEC_IOC_QUEUE_APC, &q, f);
	} else {
		memset(&t, 0, sizeof(t));
		t.capacity = chance(f, 8) ? (uint32_t)rnd(f) : (uint32_t)below(f, 65);
		t.buffer = buf_ptr(f, (uint64_t)t.capacity * sizeof(struct ntexec_apc));
		if (chance(f, 32))
			t.count = 1;
		nt_ioctl(NTEXEC_IOC_TAKE_APCS, &t, f);
	}
}

/* The host ioctls from a process that is no host's parent or no host. */
static void do_host(struct fz *f)
{
	struct ntexec_claim_host c;
	struct ntexec_host h;

	if (chance(f, 2)) {
		memset(&c, 0, sizeof(c));
		c.pid = chance(f, 2) ? below(f, 400) : rnd(f);
		c.access = any_access(f);
		c.flags = chance(f, 4) ? (uint32_t)rnd(f) : (uint32_t)below(f, 8);
		if (chance(f, 32))
			c.pad = 1;
		nt_ioctl(NTEXEC_IOC_CLAIM_HOST, &c, f);
	} else {
		/* Workers are multi-threaded: refused before anything is made. */
		memset(&h, 0, sizeof(h));
		if (chance(f, 4))
			h.pad = 1;
		nt_ioctl(NTEXEC_IOC_HOST, &h, f);
	}
}

/* A handle of @want's kind when one is at hand, else any. */
static uint64_t kind_handle(struct fz *f, enum kind want)
{
	enum kind k;
	uint64_t h = any_handle(f, &k);

	for (int i = 0; i < 6 && k != want; i++)
		h = any_handle(f, &k);
	return h;
}

/* I/O completion objects; a remove never blocks (a deadline in the past). */
static void do_iocomp(struct fz *f)
{
	struct ntexec_create_object c;
	struct ntexec_open_object o;
	struct ntexec_io_packet p;
	struct ntexec_remove_io r;

	switch (below(f, 5)) {
	case 0:
		memset(&c, 0, sizeof(c));
		c.access = chance(f, 2) ? IO_COMPLETION_ALL_ACCESS : any_access(f);
		c.attributes = chance(f, 2) ? 0 : (uint32_t)rnd(f) & OBJ_VALID_ATTRIBUTES;
		c.count = (uint32_t)rnd(f);
		if (chance(f, 3))
			name(f, &c.name, &c.name_length);
		if (chance(f, 16))
			c.root = any_handle(f, NULL);
		if (nt_ioctl(NTEXEC_IOC_CREATE_IO_COMPLETION, &c, f) >= 0)
			remember(c.handle, K_PORT, f);
		break;
	case 1:
		memset(&o, 0, sizeof(o));
		name(f, &o.name, &o.name_length);
		o.access = chance(f, 2) ? IO_COMPLETION_ALL_ACCESS : any_access(f);
		o.attributes = chance(f, 2) ? OBJ_CASE_INSENSITIVE : (uint32_t)rnd(f);
		if (chance(f, 32))
			o.pad = 1;
		if (nt_ioctl(NTEXEC_IOC_OPEN_IO_COMPLETION, &o, f) == 0)
			remember(o.handle, K_PORT, f);
		break;
	case 2:
		memset(&p, 0, sizeof(p));
		p.handle = kind_handle(f, K_PORT);
		p.key = rnd(f);
		p.apc_context = rnd(f);
		p.information = rnd(f);
		p.status = (uint32_t)rnd(f);
		if (chance(f, 32))
			p.pad = 1;
		nt_ioctl(NTEXEC_IOC_SET_IO_COMPLETION, &p, f);
		break;
	case 3:
		memset(&r, 0, sizeof(r));
		r.handle = kind_handle(f, K_PORT);
		r.count = chance(f, 8) ? (uint32_t)rnd(f) : (uint32_t)below(f, 9);
		r.entries = buf_ptr(f, (uint64_t)(r.count < 64 ? r.count : 64) * 32);
		r.flags = NTEXEC_REMOVE_TIMEOUT | ((uint32_t)rnd(f) & NTEXEC_REMOVE_ALERTABLE);
		if (chance(f, 32))
			r.flags |= (uint32_t)rnd(f) & ~NTEXEC_REMOVE_FLAGS;
		r.timeout = 0;
		if (chance(f, 32))
			r.removed = 1;
		nt_ioctl(NTEXEC_IOC_REMOVE_IO_COMPLETION, &r, f);
		break;
	default:
		do_query_set(f, NTEXEC_IOC_QUERY_IO_COMPLETION);
		break;
	}
}

/*
 * Jobs: created, named, queried and set with mutated classes and buffers;
 * assigned only victims (hurt_handle) or this worker itself, terminated
 * (which ends victims and, at worst, this worker: the supervisor restarts
 * it).
 */
static void do_job(struct fz *f)
{
	struct ntexec_create_object c;
	struct ntexec_open_object o;
	struct ntexec_job_process a;
	struct ntexec_terminate t;

	switch (below(f, 7)) {
	case 0:
		memset(&c, 0, sizeof(c));
		c.access = chance(f, 2) ? (0x1F0000u | 0x3Fu) : any_access(f);
		c.attributes = chance(f, 2) ? 0 : (uint32_t)rnd(f) & OBJ_VALID_ATTRIBUTES;
		if (chance(f, 32))
			c.count = 1;
		if (chance(f, 3))
			name(f, &c.name, &c.name_length);
		if (nt_ioctl(NTEXEC_IOC_CREATE_JOB, &c, f) >= 0)
			remember(c.handle, K_JOB, f);
		break;
	case 1:
		memset(&o, 0, sizeof(o));
		name(f, &o.name, &o.name_length);
		o.access = any_access(f);
		o.attributes = chance(f, 2) ? OBJ_CASE_INSENSITIVE : (uint32_t)rnd(f);
		if (nt_ioctl(NTEXEC_IOC_OPEN_JOB, &o, f) == 0)
			remember(o.handle, K_JOB, f);
		break;
	case 2:
		memset(&a, 0, sizeof(a));
		a.job = kind_handle(f, K_JOB);
		a.process = chance(f, 16) ? NTEXEC_CURRENT_PROCESS : hurt_handle(f, 0);
		if (a.process)
			nt_ioctl(NTEXEC_IOC_ASSIGN_JOB, &a, f);
		break;
	case 3:
		memset(&a, 0, sizeof(a));
		a.job = chance(f, 4) ? 0 : kind_handle(f, K_JOB);
		a.process = any_handle(f, NULL);
		nt_ioctl(NTEXEC_IOC_IS_PROCESS_IN_JOB, &a, f);
		break;
	case 4:
		memset(&t, 0, sizeof(t));
		t.handle = kind_handle(f, K_JOB);
		t.status = (uint32_t)rnd(f);
		if (chance(f, 32))
			t.pad = 1;
		nt_ioctl(NTEXEC_IOC_TERMINATE_JOB, &t, f);
		break;
	case 5:
		do_query_set(f, NTEXEC_IOC_QUERY_JOB);
		break;
	default:
		do_query_set(f, NTEXEC_IOC_SET_JOB);
		break;
	}
}

/*
 * System information: classes near the answered ones, odd lengths and
 * buffers; sets with a command, mostly MemoryEmptyWorkingSets (root: every
 * working set is emptied under the other workers' faults).
 */
static void do_system_info(struct fz *f)
{
	static const uint32_t classes[] = { 0, 1, 5, 79, 80, 81, 182, 183 };
	struct ntexec_system_info q;

	memset(&q, 0, sizeof(q));
	q.info_class = chance(f, 8) ? (uint32_t)rnd(f) : classes[below(f, 8)];
	q.length = chance(f, 8) ? (uint32_t)rnd(f) : (uint32_t)below(f, 260);
	if (chance(f, 4)) {
		uint32_t cmd = chance(f, 2) ? 2 : (uint32_t)below(f, 8);

		q.flags = NTEXEC_SYSTEM_INFO_SET;
		q.length = chance(f, 8) ? q.length : 4;
		memcpy(f->scratch, &cmd, sizeof(cmd));
		q.buffer = chance(f, 16) ? odd_addr(f) : (uint64_t)(uintptr_t)f->scratch;
		if (q.buffer == (uint64_t)(uintptr_t)f->scratch && q.length > SCRATCH)
			q.length = SCRATCH;
	} else {
		q.buffer = buf_ptr(f, q.length);
	}
	if (chance(f, 32))
		q.return_length = (uint32_t)rnd(f);
	if (chance(f, 32))
		q.flags |= (uint32_t)rnd(f) & ~NTEXEC_SYSTEM_INFO_FLAGS;
	nt_ioctl(NTEXEC_IOC_SYSTEM_INFO, &q, f);
}

/*
 * NtCreatePagingFile: sizes, lengths, pointers and flags at random, but never
 * a name that starts with '/', so that even as root no file is made (the
 * name is the last check).
 */
static void do_paging_file(struct fz *f)
{
	static const uint64_t sizes[] = { 0, 4096, 8192, 16 << 20, 1ull << 44, 1ull << 45,
					  (uint64_t)-1 };
	struct ntexec_create_paging_file q;
	uint16_t *name = (uint16_t *)f->scratch;
	unsigned int units = (unsigned int)below(f, 140);

	memset(&q, 0, sizeof(q));
	for (unsigned int i = 0; i < units; i++)
		name[i] = chance(f, 4) ? (uint16_t)rnd(f) : (uint16_t)('a' + below(f, 26));
	if (units && name[0] == '/')
		name[0] = 'x';
	q.name = chance(f, 16) ? odd_addr(f) : (uint64_t)(uintptr_t)name;
	q.name_length = chance(f, 8) ? (uint32_t)rnd(f) : units * 2 + (chance(f, 8) ? 1 : 0);
	if (q.name == (uint64_t)(uintptr_t)name && q.name_length > SCRATCH)
		q.name_length = SCRATCH;
	q.minimum_size = chance(f, 4) ? rnd(f) : sizes[below(f, 7)];
	q.maximum_size = chance(f, 4) ? rnd(f) : sizes[below(f, 7)];
	q.priority = (uint32_t)rnd(f);
	if (chance(f, 32))
		q.flags = (uint32_t)rnd(f);
	if (chance(f, 32))
		q.pad = (uint32_t)rnd(f);
	nt_ioctl(NTEXEC_IOC_CREATE_PAGING_FILE, &q, f);
}

/* ---- the events family ---- */

#define NL_SOCKS	4
static _Atomic int nl_family = -1;	/* 0: not registered */
static _Atomic int nl_sock[NL_SOCKS] = { -1, -1, -1, -1 };

static int nl_open(void)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_GENERIC);

	if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a))) {
		close(s);
		s = -1;
	}
	return s;
}

static void nl_put_attr(uint8_t *m, size_t *len, uint16_t type, const void *v, uint16_t vlen)
{
	struct nlattr *a = (struct nlattr *)(m + *len);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + vlen;
	memcpy(m + *len + NLA_HDRLEN, v, vlen);
	*len += NLA_ALIGN(NLA_HDRLEN + vlen);
}

/* The family's id from the controller, once per process; 0 for none. */
static int nl_resolve(void)
{
	uint8_t m[256] __attribute__((aligned(4))) = { 0 };
	uint8_t r[4096] __attribute__((aligned(4)));
	struct nlmsghdr *h = (struct nlmsghdr *)m;
	struct genlmsghdr *g = NLMSG_DATA(h);
	size_t len = NLMSG_HDRLEN + GENL_HDRLEN;
	int s, id = 0, family = atomic_load(&nl_family);
	ssize_t n;

	if (family >= 0)
		return family;
	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s < 0)
		return 0;
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	nl_put_attr(m, &len, CTRL_ATTR_FAMILY_NAME, NTEXEC_GENL_NAME,
		    sizeof(NTEXEC_GENL_NAME));
	h->nlmsg_len = (uint32_t)len;
	h->nlmsg_type = GENL_ID_CTRL;
	h->nlmsg_flags = NLM_F_REQUEST;
	if (send(s, m, len, 0) == (ssize_t)len) {
		n = recv(s, r, sizeof(r), 0);
		h = (struct nlmsghdr *)r;
		if (n >= (ssize_t)(NLMSG_HDRLEN + GENL_HDRLEN) && NLMSG_OK(h, n) &&
		    h->nlmsg_type == GENL_ID_CTRL) {
			int rest = (int)h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
			struct nlattr *a = (struct nlattr *)((uint8_t *)NLMSG_DATA(h) + GENL_HDRLEN);
			uint16_t v;

			while (rest >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
			       a->nla_len <= rest) {
				if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID &&
				    a->nla_len >= NLA_HDRLEN + 2) {
					memcpy(&v, (uint8_t *)a + NLA_HDRLEN, 2);
					id = v;
				}
				rest -= NLA_ALIGN(a->nla_len);
				a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len));
			}
		}
	}
	close(s);
	atomic_store(&nl_family, id);
	return id;
}

/* Is @h, a message of the family, an event as uapi/ntexec.h says? */
static int nl_event_ok(const struct nlmsghdr *h)
{
	const struct genlmsghdr *g = NLMSG_DATA(h);
	const struct nlattr *a = (const void *)((const uint8_t *)g + GENL_HDRLEN);
	int rest = (int)h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;

	if (rest < 0 || g->version != NTEXEC_GENL_VERSION ||
	    g->cmd <= NTEXEC_CMD_SUBSCRIBE || g->cmd >= __NTEXEC_CMD_MAX)
		return 0;
	while (rest >= NLA_HDRLEN) {
		if (a->nla_len < NLA_HDRLEN || a->nla_len > rest ||
		    a->nla_type == NTEXEC_A_UNSPEC || a->nla_type > NTEXEC_A_MAX)
			return 0;
		rest -= NLA_ALIGN(a->nla_len);
		a = (const void *)((const uint8_t *)a + NLA_ALIGN(a->nla_len));
	}
	return rest == 0;
}

/* Read what waits on @s: acks are judged, events checked. */
static void nl_drain(int s, int family, int max)
{
	uint8_t r[8192] __attribute__((aligned(4)));
	ssize_t n;

	while (max-- > 0 && (n = recv(s, r, sizeof(r), MSG_DONTWAIT)) > 0) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)r;
		int len = (int)n;

		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				int err = -e->error;

				atomic_fetch_add_explicit(&sh->nl_acks, 1, memory_order_relaxed);
				if (err > 0 && err < 136)
					atomic_fetch_add_explicit(&sh->nl_errnos[err], 1,
								  memory_order_relaxed);
				/* ENOENT: a message type that names no family. */
				switch (err) {
				case 0: case EINVAL: case ERANGE: case EOPNOTSUPP: case EBUSY:
				case ENOMEM: case EPERM: case EMSGSIZE: case ENOBUFS: case ENOENT:
					break;
				default:
					atomic_store(&sh->nl_odd_errno, err);
				}
			} else if (h->nlmsg_type == family) {
				atomic_fetch_add_explicit(&sh->nl_events, 1, memory_order_relaxed);
				if (!nl_event_ok(h))
					atomic_store(&sh->nl_bad_event, 1);
			}
		}
	}
}

/* NTEXEC_CMD_SUBSCRIBE and its neighbours, mostly valid, on shared sockets. */
static void do_events(struct fz *f)
{
	uint8_t m[512] __attribute__((aligned(4)));
	struct nlmsghdr *h = (struct nlmsghdr *)m;
	struct genlmsghdr *g = NLMSG_DATA(h);
	size_t len = NLMSG_HDRLEN + GENL_HDRLEN;
	_Atomic int *slot = &nl_sock[below(f, NL_SOCKS)];
	int family = nl_resolve(), s, none = -1;
	uint32_t groups;

	if (!family)
		return;
	s = atomic_load(slot);
	if (s < 0) {
		s = nl_open();
		if (s < 0)
			return;
		/* Another thread filled the slot meanwhile: keep theirs. */
		if (!atomic_compare_exchange_strong(slot, &none, s)) {
			close(s);
			return;
		}
	}
	/* A subscriber that never reads fills its queue: events are dropped. */
	if (!chance(f, 4))
		nl_drain(s, family, 8);
	if (chance(f, 6)) {
		/* Its subscription ends with the socket (NETLINK_URELEASE). */
		s = atomic_exchange(slot, -1);
		if (s >= 0)
			close(s);
		return;
	}
	memset(m, 0, sizeof(m));
	g->cmd = chance(f, 6) ? (uint8_t)below(f, 16) : NTEXEC_CMD_SUBSCRIBE;
	g->version = chance(f, 8) ? (uint8_t)rnd(f) : NTEXEC_GENL_VERSION;
	g->reserved = chance(f, 16) ? (uint16_t)rnd(f) : 0;
	/* Mostly valid masks; an empty one (the end); stray bits. */
	groups = (uint32_t)below(f, 1u << NTEXEC_GROUP_COUNT);
	if (chance(f, 8))
		groups = 0;
	else if (chance(f, 16))
		groups |= 1u << below(f, 32);
	if (!chance(f, 10))
		nl_put_attr(m, &len, NTEXEC_A_GROUPS, &groups, 4);
	if (chance(f, 8)) {
		uint64_t v = rnd(f);

		/* An unknown, nested or wrong-sized attribute. */
		nl_put_attr(m, &len, (uint16_t)(below(f, NTEXEC_A_MAX + 4) |
						(chance(f, 8) ? NLA_F_NESTED : 0)),
			    &v, (uint16_t)below(f, 9));
	}
	if (chance(f, 16) && len > NLMSG_HDRLEN + GENL_HDRLEN) {
		/* An attribute length past the message, or below its header. */
		struct nlattr *a = (struct nlattr *)(m + NLMSG_HDRLEN + GENL_HDRLEN);

		a->nla_len = chance(f, 2) ? (uint16_t)below(f, NLA_HDRLEN) :
			     (uint16_t)(len + below(f, 64));
	}
	h->nlmsg_len = (uint32_t)len;
	if (chance(f, 32))
		h->nlmsg_len = (uint32_t)below(f, len + 16);
	h->nlmsg_type = chance(f, 32) ? (uint16_t)rnd(f) : (uint16_t)family;
	h->nlmsg_flags = NLM_F_REQUEST | (chance(f, 2) ? NLM_F_ACK : 0) |
			 (chance(f, 16) ? NLM_F_DUMP : 0);
	h->nlmsg_seq = (uint32_t)rnd(f);
	if (send(s, m, len, MSG_DONTWAIT) >= 0)
		atomic_fetch_add_explicit(&sh->nl_sent, 1, memory_order_relaxed);
	f->local_calls++;
	atomic_fetch_add_explicit(&sh->calls, 1, memory_order_relaxed);
}

/* ---- unknown ioctl numbers ---- */

static void do_raw(struct fz *f)
{
	uint64_t *b = (uint64_t *)f->scratch;
	/* Only numbers the module does not know: the known ones are above. */
	unsigned int first = NTEXEC_IOC_BASE + NTEXEC_IOC_COUNT;
	unsigned int nr = chance(f, 4) ? (unsigned int)below(f, NTEXEC_IOC_BASE) :
			  first + (unsigned int)below(f, 0x100 - first);
	long r;

	for (int i = 0; i < 16; i++)
		b[i] = chance(f, 2) ? 0 : rnd(f);
	errno = 0;
	r = syscall(SYS_ioctl, fd, _IOC((unsigned int)below(f, 4), NTEXEC_IOC_MAGIC, nr,
					(unsigned int)below(f, 256)), b);
	/* Nothing but "no such ioctl" (the worker's own descriptor). */
	if (r != -1 || errno != ENOTTY)
		atomic_store(&sh->odd_errno, r == -1 ? errno : 1000);
	f->local_calls++;
	atomic_fetch_add_explicit(&sh->calls, 1, memory_order_relaxed);
}

static void one_call(struct fz *f)
{
	switch (below(f, 54)) {
	case 0: do_version(f); break;
	case 1 ... 2: do_close(f); break;
	case 3 ... 4: do_duplicate(f); break;
	case 5 ... 6: do_open(f, 0); break;
	case 7 ... 8: do_open(f, 1); break;
	case 9 ... 10: do_wait(f); break;
	case 11: do_query_set(f, NTEXEC_IOC_QUERY_PROCESS); break;
	case 12: do_query_set(f, NTEXEC_IOC_QUERY_THREAD); break;
	case 13: do_query_set(f, NTEXEC_IOC_SET_PROCESS); break;
	case 14: do_query_set(f, NTEXEC_IOC_SET_THREAD); break;
	case 15: do_terminate(f, chance(f, 2)); break;
	case 16: do_get_next(f, 0); break;
	case 17: do_get_next(f, 1); break;
	case 18: do_alert(f); break;
	case 19 ... 21: do_vm_range(f, NTEXEC_IOC_ALLOCATE_VM); break;
	case 22: do_vm_range(f, NTEXEC_IOC_FREE_VM); break;
	case 23: do_vm_range(f, NTEXEC_IOC_PROTECT_VM); break;
	case 24: do_vm_range(f, NTEXEC_IOC_LOCK_VM); break;
	case 25: do_vm_range(f, NTEXEC_IOC_UNLOCK_VM); break;
	case 26: do_vm_range(f, NTEXEC_IOC_FLUSH_VM); break;
	case 27: do_query_vm(f); break;
	case 28 ... 29: do_copy(f, 0); break;
	case 30: do_copy(f, 1); break;
	case 31: do_write_watch(f, 0); break;
	case 32: do_write_watch(f, 1); break;
	case 33: do_exception(f); break;
	case 34 ... 35: do_create_section(f); break;
	case 36: do_open_section(f); break;
	case 37 ... 38: do_map_view(f); break;
	case 39: do_unmap_view(f); break;
	case 40: do_query_set(f, NTEXEC_IOC_QUERY_SECTION); break;
	case 41: do_extend(f); break;
	case 42: if (chance(f, 2)) do_from_fd(f); else do_same_file(f); break;
	case 43: do_suspend(f); break;
	case 44: do_context(f, chance(f, 3) == 0); break;
	case 45: do_create_thread(f); break;
	case 46: do_apc(f); break;
	case 47: do_host(f); break;
	case 48: do_iocomp(f); break;
	case 49: do_job(f); break;
	case 50 ... 51: do_events(f); break;
	case 52: if (chance(f, 4)) do_paging_file(f); else do_system_info(f); break;
	default: do_raw(f); break;
	}
}

/* ---- coverage (NTEXEC_FUZZ_KCOV) ---- */

static void kset_add(uint64_t pc)
{
	uint64_t i = mix(pc) & (KSET - 1), v;

	for (unsigned int n = 0; n < 64; n++, i = (i + 1) & (KSET - 1)) {
		v = atomic_load_explicit(&kset[i], memory_order_relaxed);
		if (v == pc)
			return;
		if (!v) {
			if (atomic_compare_exchange_strong(&kset[i], &v, pc) || v == pc)
				return;
		}
	}
	atomic_fetch_add_explicit(&sh->kcov_dropped, 1, memory_order_relaxed);
}

/* This process's kcov buffers (a worker's, after the fork). */
static void kcov_open_all(void)
{
	for (int i = 0; i <= THREADS; i++) {
		void *p;

		kcov[i].fd = -1;
		if (!kcov_file)
			continue;
		kcov[i].fd = open(KCOV_PATH, O_RDWR | O_CLOEXEC);
		if (kcov[i].fd < 0 || ioctl(kcov[i].fd, KCOV_INIT_TRACE, KCOV_WORDS)) {
			atomic_store(&sh->kcov_errno, errno);
			if (kcov[i].fd >= 0)
				close(kcov[i].fd);
			kcov[i].fd = -1;
			continue;
		}
		p = mmap(NULL, KCOV_WORDS * sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED,
			 kcov[i].fd, 0);
		if (p == MAP_FAILED) {
			atomic_store(&sh->kcov_errno, errno);
			close(kcov[i].fd);
			kcov[i].fd = -1;
			continue;
		}
		kcov[i].area = p;
	}
}

/* The PCs collected since the last merge go into the shared set. */
static void kcov_merge(int slot)
{
	_Atomic uint64_t *a = kcov[slot].area;
	uint64_t n;

	if (kcov[slot].fd < 0)
		return;
	n = atomic_load(&a[0]);
	if (n > KCOV_WORDS - 1)
		n = KCOV_WORDS - 1;
	for (uint64_t i = 1; i <= n; i++)
		kset_add(atomic_load_explicit(&a[i], memory_order_relaxed));
	atomic_store(&a[0], 0);
}

/* Collect the calling thread's coverage into kcov[slot] (or stop). */
static void kcov_enable(int slot, int on)
{
	if (kcov[slot].fd < 0)
		return;
	if (on) {
		atomic_store(&kcov[slot].area[0], 0);
		if (ioctl(kcov[slot].fd, KCOV_ENABLE, KCOV_TRACE_PC))
			atomic_store(&sh->kcov_errno, errno);
	} else {
		kcov_merge(slot);
		ioctl(kcov[slot].fd, KCOV_DISABLE, 0);
	}
}

/* At the end, in the test's process: the set, appended to the file. */
static uint64_t kcov_write(void)
{
	uint64_t n = 0;
	FILE *out = fopen(kcov_file, "a");

	if (!out)
		return 0;
	for (uint64_t i = 0; i < KSET; i++) {
		uint64_t v = atomic_load(&kset[i]);

		if (v) {
			fprintf(out, "0x%" PRIx64 "\n", v);
			n++;
		}
	}
	return fclose(out) ? 0 : n;
}

/* ---- workers and victims ---- */

static uint8_t *map_scratch(void)
{
	uint8_t *p = mmap(NULL, SCRATCH + 2 * 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		_exit(3);
	mprotect(p + SCRATCH, 4096, PROT_READ);
	mprotect(p + SCRATCH + 4096, 4096, PROT_NONE);
	return p;
}

struct thr {
	struct fz f;
	uint64_t calls;
	int slot;	/* its kcov buffer */
};

static void *fuzz_thread(void *arg)
{
	struct thr *t = arg;

	kcov_enable(t->slot, 1);
	for (uint64_t i = 0; i < t->calls && !atomic_load(&sh->stop); i++) {
		one_call(&t->f);
		kcov_merge(t->slot);
	}
	kcov_enable(t->slot, 0);
	return NULL;
}

/* Crashes in a worker are findings of user-space rights, not the kernel's:
 * a worker whose victim handle let it be hurt is simply replaced. */
static void worker(int w, uint64_t gen)
{
	uint64_t s = mix(seed0 ^ ((uint64_t)w << 40) ^ (gen << 8)), round = 0;
	struct fz setup = { .s = s, .scratch = map_scratch() };
	int mfd, p[2];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = open("/dev/ntexec", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		_exit(2);
	/* Files to make file handles of: a memfd with contents, a pipe, /dev/null. */
	mfd = memfd_create("ntx-fuzz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd >= 0 && ftruncate(mfd, 0x30000) == 0)
		fds[nfds++] = mfd;
	if (pipe(p) == 0) {
		fds[nfds++] = p[0];
		fds[nfds++] = p[1];
	}
	fds[nfds] = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fds[nfds] >= 0)
		nfds++;
	fds[nfds] = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fds[nfds] >= 0)
		nfds++;
	kcov_open_all();
	kcov_enable(THREADS, 1);
	for (int i = 0; i < 6; i++) {
		do_from_fd(&setup);
		do_create_section(&setup);
		do_open(&setup, 0);
		do_open(&setup, 1);
		kcov_merge(THREADS);
	}
	kcov_enable(THREADS, 0);
	while (!atomic_load(&sh->stop)) {
		pthread_t th[THREADS];
		struct thr t[THREADS];
		int n = 0;

		for (int i = 0; i < THREADS; i++) {
			t[i].f.s = mix(s ^ (++round << 20) ^ (uint64_t)i);
			t[i].f.scratch = map_scratch();
			t[i].f.local_calls = 0;
			t[i].calls = 50 + below(&t[i].f, 200);
			t[i].slot = i;
			if (pthread_create(&th[n], NULL, fuzz_thread, &t[i]) == 0)
				n++;
		}
		for (int i = 0; i < n; i++)
			pthread_join(th[i], NULL);
		for (int i = 0; i < THREADS; i++)
			munmap(t[i].f.scratch, SCRATCH + 2 * 4096);
		if (atomic_load(&sh->calls) >= max_calls)
			break;
	}
	_exit(0);
}

static void *victim_sleeper(void *arg)
{
	_Atomic int32_t *tid = arg;

	atomic_store(tid, (int32_t)syscall(SYS_gettid));
	for (;;)
		usleep(5000 + (unsigned int)(uintptr_t)tid % 5000);
	return NULL;
}

/* A process the workers may hurt in every way: memory, threads, a view. */
static void victim(int v)
{
	struct ntexec_vm_range r;
	pthread_t th;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = open("/dev/ntexec", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		_exit(2);
	for (int i = 0; i < 4; i++) {
		memset(&r, 0, sizeof(r));
		r.process = NTEXEC_CURRENT_PROCESS;
		r.size = i == 3 ? 1ull << 30 : 0x20000;
		r.type = i == 3 ? MEM_RESERVE : MEM_COMMIT | MEM_RESERVE | (i == 2 ? MEM_WRITE_WATCH : 0);
		r.protect = i == 1 ? PAGE_READWRITE | PAGE_GUARD : PAGE_READWRITE;
		if (ioctl(fd, NTEXEC_IOC_ALLOCATE_VM, &r) == 0)
			atomic_store(&sh->victim_addr[v][i], r.base);
	}
	atomic_store(&sh->victim_tid[v][0], (int32_t)syscall(SYS_gettid));
	for (int i = 1; i < 3; i++)
		pthread_create(&th, NULL, victim_sleeper, (void *)&sh->victim_tid[v][i]);
	atomic_store(&sh->victim_pid[v], getpid());
	for (;;)
		pause();
}

static pid_t spawn(void (*fn)(int), int i)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		fn(i);
		_exit(0);
	}
	return pid;
}

static uint64_t gens[MAX_WORKERS];

static void worker_entry(int w)
{
	worker(w, gens[w]);
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The supervisor: pid 1 of the fuzzer's own pid namespace (when it can). */
static void supervise(uint64_t secs)
{
	pid_t vp[NVICTIMS], wp[MAX_WORKERS];
	uint64_t sup = mix(seed0 ^ 0x5eed);
	double t0;
	int i, st;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (i = 0; i < NVICTIMS; i++)
		vp[i] = spawn(victim, i);
	for (i = 0; i < nworkers; i++) {
		wp[i] = spawn(worker_entry, i);
		atomic_store(&sh->worker_pid[i], wp[i]);
	}
	t0 = now_s();
	while (atomic_load(&sh->calls) < max_calls && now_s() - t0 < secs) {
		usleep(20000);
		sup = mix(sup);
		/* Kill someone in the middle of its calls now and then. */
		if ((sup >> 3) % 50 == 0) {
			int who = (int)((sup >> 16) % (nworkers + NVICTIMS));
			pid_t pid = who < nworkers ? wp[who] : vp[who - nworkers];

			if (pid > 0) {
				kill(pid, SIGKILL);
				atomic_fetch_add(&sh->kills, 1);
			}
		}
		for (i = 0; i < nworkers; i++) {
			if (wp[i] > 0 && waitpid(wp[i], &st, WNOHANG) == wp[i]) {
				gens[i]++;
				wp[i] = spawn(worker_entry, i);
				atomic_store(&sh->worker_pid[i], wp[i]);
				atomic_fetch_add(&sh->respawns, 1);
			}
		}
		for (i = 0; i < NVICTIMS; i++) {
			if (vp[i] > 0 && waitpid(vp[i], &st, WNOHANG) == vp[i]) {
				atomic_store(&sh->victim_pid[i], 0);
				for (int j = 0; j < 4; j++)
					atomic_store(&sh->victim_addr[i][j], 0);
				for (int j = 0; j < 3; j++)
					atomic_store(&sh->victim_tid[i][j], 0);
				vp[i] = spawn(victim, i);
				atomic_fetch_add(&sh->respawns, 1);
			}
		}
	}
	atomic_store(&sh->stop, 1);
	sh->seconds = now_s() - t0;
	/* Give the workers a moment to end on their own, then kill the rest. */
	usleep(200000);
	for (i = 0; i < nworkers; i++)
		kill(wp[i], SIGKILL);
	for (i = 0; i < NVICTIMS; i++)
		kill(vp[i], SIGKILL);
	while (wait(&st) > 0)
		;
}

TEST_TIMEOUT(fuzz, 1800)
{
	long objects, committed, resident, o2, c2, r2;
	int st, contained = 1;
	uint64_t secs;
	pid_t pid;
	double t;

	seed0 = env_u64("NTEXEC_FUZZ_SEED", ntt_seed());
	/* make check-long: ten times as many calls, ten times the time. */
	max_calls = env_u64("NTEXEC_FUZZ_CALLS", ntt_long() ? 30000 : 3000);
	secs = env_u64("NTEXEC_FUZZ_SECONDS", ntt_long() ? 600 : 60);
	nworkers = (int)env_u64("NTEXEC_FUZZ_WORKERS", 3);
	if (nworkers < 1 || nworkers > MAX_WORKERS)
		nworkers = 3;

	dev_fd_parent = open("/dev/ntexec", O_RDWR | O_CLOEXEC);
	if (dev_fd_parent < 0)
		SKIP("/dev/ntexec is absent: the module is not loaded");
	/* This process makes no call: the counters are the baseline. */
	objects = steady_param("objects");
	committed = steady_param("committed_pages");
	resident = steady_param("resident_pages");
	ASSERT_GE(objects, 0);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(sh, MAP_FAILED);
	memset(sh, 0, sizeof(*sh));
	kcov_file = getenv("NTEXEC_FUZZ_KCOV");
	if (kcov_file && !*kcov_file)
		kcov_file = NULL;
	if (kcov_file) {
		int kfd = open(KCOV_PATH, O_RDWR | O_CLOEXEC);

		if (kfd < 0)
			fprintf(stderr, "# NTEXEC_FUZZ_KCOV: cannot open %s: %s\n", KCOV_PATH,
				strerror(errno));
		ASSERT_GE(kfd, 0);
		close(kfd);
		kset = mmap(NULL, KSET * sizeof(*kset), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(kset, MAP_FAILED);
	}
	fprintf(stderr, "# seed 0x%" PRIx64 ", %" PRIu64 " calls, %d workers x %d threads, "
		"%d victims\n", seed0, max_calls, nworkers, THREADS, NVICTIMS);
	fflush(stdout);
	fflush(stderr);
	/*
	 * In a pid namespace of their own the workers see (open by id, walk
	 * with NtGetNextProcess) only each other and the victims: nothing
	 * outside is adopted as an NT process, so the object count must come
	 * back exactly, and nothing outside can be touched at all.
	 */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (unshare(CLONE_NEWPID) && unshare(CLONE_NEWUSER | CLONE_NEWPID))
			sh->uncontained = 1;
		pid = fork();
		if (pid == 0) {
			supervise(secs);
			_exit(0);
		}
		_exit(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? 0 : 1);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	contained = !sh->uncontained;
	t = sh->seconds > 0 ? sh->seconds : 1;
	fprintf(stderr, "# %" PRIu64 " calls in %.1f s (%.0f calls/s): %" PRIu64 " success, %"
		PRIu64 " other statuses, EINVAL %" PRIu64 ", EFAULT %" PRIu64 ", EIO %" PRIu64
		", other errno %" PRIu64 "; %" PRIu64 " kills, %" PRIu64 " respawns%s\n",
		atomic_load(&sh->calls), t, atomic_load(&sh->calls) / t,
		atomic_load(&sh->successes), atomic_load(&sh->statuses), atomic_load(&sh->einval),
		atomic_load(&sh->efault), atomic_load(&sh->eio), atomic_load(&sh->other_errno),
		atomic_load(&sh->kills), atomic_load(&sh->respawns),
		contained ? "" : " (no pid namespace)");
	for (int e = 0; e < 136; e++)
		if (atomic_load(&sh->errnos[e]) && e != EINVAL && e != EFAULT && e != EIO)
			fprintf(stderr, "#   errno %d (%s): %" PRIu64 "\n", e, strerror(e),
				atomic_load(&sh->errnos[e]));
	if (atomic_load(&sh->odd_errno))
		fprintf(stderr, "# an unexpected errno: %d\n", atomic_load(&sh->odd_errno));
	EXPECT_EQ(atomic_load(&sh->odd_errno), 0);
	fprintf(stderr, "# events family: %" PRIu64 " requests, %" PRIu64 " acks, %" PRIu64
		" events read\n", atomic_load(&sh->nl_sent), atomic_load(&sh->nl_acks),
		atomic_load(&sh->nl_events));
	for (int e = 1; e < 136; e++)
		if (atomic_load(&sh->nl_errnos[e]))
			fprintf(stderr, "#   netlink error %d (%s): %" PRIu64 "\n", e, strerror(e),
				atomic_load(&sh->nl_errnos[e]));
	if (atomic_load(&sh->nl_odd_errno))
		fprintf(stderr, "# an unexpected netlink error: %d\n",
			atomic_load(&sh->nl_odd_errno));
	EXPECT_EQ(atomic_load(&sh->nl_odd_errno), 0);
	EXPECT_EQ(atomic_load(&sh->nl_bad_event), 0);
	EXPECT_GT(atomic_load(&sh->nl_sent), 0);
	if (kcov_file) {
		uint64_t pcs = kcov_write();

		fprintf(stderr, "# kcov: %" PRIu64 " distinct PCs appended to %s (%" PRIu64
			" not kept: set full)%s%s\n", pcs, kcov_file,
			atomic_load(&sh->kcov_dropped),
			atomic_load(&sh->kcov_errno) ? "; kcov error: " : "",
			atomic_load(&sh->kcov_errno) ? strerror(atomic_load(&sh->kcov_errno)) : "");
		EXPECT_EQ(atomic_load(&sh->kcov_errno), 0);
		EXPECT_GT(pcs, 0);
	}
	/* Enough calls happened for the run to mean something. */
	EXPECT_GE(atomic_load(&sh->calls), max_calls < 1000 ? max_calls / 2 : 500);

	/* Every process is gone: the module holds nothing of theirs. */
	c2 = settle_param("committed_pages", committed);
	r2 = settle_param("resident_pages", resident);
	EXPECT_EQ(c2, committed);
	EXPECT_EQ(r2, resident);
	if (contained) {
		o2 = settle_param("objects", objects);
		EXPECT_EQ(o2, objects);
	}
	close(dev_fd_parent);
}
