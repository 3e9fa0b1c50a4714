// SPDX-License-Identifier: GPL-2.0
/*
 * Several NT processes at once, each checking what it sees against what the
 * others wrote. Every worker process owns a slice of one named pagefile
 * section that all of them map, and rewrites it under a seqlock kept in a
 * shared page; its second thread reads everyone's slices, and reserves,
 * writes, reads back and releases memory in a random other worker; its
 * main thread keeps a private pattern, suspends a lower-numbered worker
 * (no cycle, so no deadlock), proves it stopped, and ends its own process
 * at random points (the second thread then dies wherever it is). The
 * supervisor replaces the workers that end. A failed call is allowed only
 * on a worker that really ended. At the end every byte of the section is
 * what its last writer wrote, and the module's objects, commit and
 * resident pages are back where they were.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "section_util.h"

#define MP_WORKERS	4
#define MP_SLICE	(4 * 4096)		/* bytes of the section per worker */
#define MP_WORDS	(MP_SLICE / 8)
#define MP_SECONDS	6
#define MP_LIFE		10			/* a worker ends within 2-11 iterations */

struct mp_ctl {
	pid_t supervisor;
	_Atomic int stop;
	_Atomic pid_t pid[MP_WORKERS];
	_Atomic uint64_t seq[MP_WORKERS];	/* odd while the slice is written */
	_Atomic uint64_t beat[MP_WORKERS];	/* both threads' iterations */
	_Atomic uint64_t slices, remotes, suspends, privates, ends, gone;
	_Atomic unsigned int bad;
	char what[200];
};

static struct mp_ctl *ctl;

static void __attribute__((format(printf, 1, 2))) mp_bad(const char *fmt, ...)
{
	va_list ap;

	if (atomic_fetch_add(&ctl->bad, 1))
		return;
	va_start(ap, fmt);
	vsnprintf(ctl->what, sizeof(ctl->what), fmt, ap);
	va_end(ap);
}

static uint64_t mp_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t slice_word(int i, uint64_t seq)
{
	return (uint64_t)(i + 1) << 56 | seq / 2;
}

struct mp_worker {
	int i;
	uint64_t *view;
	uint64_t rnd;
};

static void slice_write(struct mp_worker *w)
{
	volatile uint64_t *s = w->view + (size_t)w->i * MP_WORDS;
	uint64_t q = (atomic_load(&ctl->seq[w->i]) + 1) | 1;	/* odd: being written */

	atomic_store(&ctl->seq[w->i], q);
	for (int k = 0; k < MP_WORDS; k++)
		s[k] = slice_word(w->i, q + 1);
	atomic_store(&ctl->seq[w->i], q + 1);
}

/* Check a slice whose seqlock held still across the read. */
static void slice_check(struct mp_worker *w, int j)
{
	volatile uint64_t *s = w->view + (size_t)j * MP_WORDS;
	uint64_t e = atomic_load(&ctl->seq[j]), want = slice_word(j, e), got = want;
	int k;

	if (!e || (e & 1))
		return;
	for (k = 0; k < MP_WORDS && got == want; k++)
		got = s[k];
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load(&ctl->seq[j]) != e)
		return;
	if (got != want)
		mp_bad("slice %d word %d: %#llx, expected %#llx", j, k - 1,
		       (unsigned long long)got, (unsigned long long)want);
	else
		atomic_fetch_add(&ctl->slices, 1);
}

/* Open a worker by pid, checking it is one of ours (pids are reused). */
static HANDLE mp_open(int j, ACCESS_MASK access)
{
	PROCESS_BASIC_INFORMATION pbi;
	pid_t pid = atomic_load(&ctl->pid[j]);
	HANDLE h;

	if (!pid || open_process(&h, access | PROCESS_QUERY_LIMITED_INFORMATION |
				 SYNCHRONIZE, pid))
		return NULL;
	if (NtQueryInformationProcess(h, ProcessBasicInformation, &pbi, sizeof(pbi), NULL) ||
	    (uintptr_t)pbi.InheritedFromUniqueProcessId != (uintptr_t)ctl->supervisor) {
		NtClose(h);
		return NULL;
	}
	return h;
}

/* A call on worker @h failed: fine only if that worker has ended. */
static void mp_failed(HANDLE h, const char *what, NTSTATUS s)
{
	LARGE_INTEGER t = { .QuadPart = -30000000 };	/* 3 s */

	if (NtWaitForSingleObject(h, FALSE, &t) == STATUS_SUCCESS)
		atomic_fetch_add(&ctl->gone, 1);
	else
		mp_bad("%s on a live worker: %#x", what, (unsigned int)s);
}

static void remote_round(struct mp_worker *w)
{
	int j = (w->i + 1 + mp_rand(&w->rnd) % (MP_WORKERS - 1)) % MP_WORKERS;
	uint8_t out[3 * 4096], in[sizeof(out)];
	SIZE_T size = 4096 * (1 + mp_rand(&w->rnd) % 3), len = size, zero = 0;
	PVOID base = NULL;
	NTSTATUS s;
	HANDLE h;

	h = mp_open(j, PROCESS_VM_OPERATION | PROCESS_VM_READ | PROCESS_VM_WRITE);
	if (!h)
		return;
	for (size_t k = 0; k < len; k++)
		out[k] = (uint8_t)mp_rand(&w->rnd);
	s = NtAllocateVirtualMemory(h, &base, 0, &size, MEM_RESERVE | MEM_COMMIT,
				    PAGE_READWRITE);
	if (s) {
		mp_failed(h, "remote allocate", s);
		goto out;
	}
	s = NtWriteVirtualMemory(h, base, out, len, NULL);
	if (!s)
		s = NtReadVirtualMemory(h, base, in, len, NULL);
	if (s)
		mp_failed(h, "remote write/read", s);
	else if (memcmp(in, out, len))
		mp_bad("remote bytes of worker %d differ", j);
	else
		atomic_fetch_add(&ctl->remotes, 1);
	s = NtFreeVirtualMemory(h, &base, &zero, MEM_RELEASE);
	if (s)
		mp_failed(h, "remote release", s);
out:
	NtClose(h);
}

/* Suspend a lower-numbered worker, prove it stopped, resume it. */
static void suspend_round(struct mp_worker *w)
{
	static CONTEXT ctx __attribute__((aligned(16)));
	int j = mp_rand(&w->rnd) % w->i;
	HANDLE h, t = NULL, next;
	uint64_t before;
	NTSTATUS s;

	h = mp_open(j, PROCESS_SUSPEND_RESUME | PROCESS_QUERY_INFORMATION);
	if (!h)
		return;
	s = NtSuspendProcess(h);
	if (s) {
		mp_failed(h, "suspend", s);
		goto out;
	}
	/* A context read waits for the thread's park: then none runs. */
	while (!NtGetNextThread(h, t, THREAD_GET_CONTEXT, 0, 0, &next)) {
		if (t)
			NtClose(t);
		t = next;
		ctx.ContextFlags = CONTEXT_CONTROL;
		s = NtGetContextThread(t, &ctx);
		if (s && s != STATUS_THREAD_IS_TERMINATING)
			mp_failed(h, "context of a suspended thread", s);
	}
	if (t)
		NtClose(t);
	before = atomic_load(&ctl->beat[j]);
	sleep_ms(20);
	if (atomic_load(&ctl->beat[j]) != before)
		mp_failed(h, "a suspended worker ran", 0);
	else
		atomic_fetch_add(&ctl->suspends, 1);
	s = NtResumeProcess(h);
	if (s)
		mp_failed(h, "resume", s);
out:
	NtClose(h);
}

static void *second_thread(void *arg)
{
	struct mp_worker w = *(struct mp_worker *)arg;

	w.rnd ^= 0x9e3779b97f4a7c15ull;
	while (!atomic_load(&ctl->stop)) {
		atomic_fetch_add(&ctl->beat[w.i], 1);
		for (int j = 0; j < MP_WORKERS; j++)
			if (j != w.i)
				slice_check(&w, j);
		remote_round(&w);
	}
	return NULL;
}

static void __attribute__((noreturn)) worker(int i, OBJECT_ATTRIBUTES *name)
{
	struct mp_worker w = { .i = i, .rnd = (uint64_t)getpid() * 2654435761u | 1 };
	SIZE_T vsize = 0, psize = 16384;
	uint64_t *priv = NULL, gen = 0, life;
	HANDLE section;
	pthread_t th;

	if (NtxInitialize() ||
	    NtOpenSection(&section, SECTION_MAP_READ | SECTION_MAP_WRITE, name) ||
	    NtMapViewOfSection(section, NtCurrentProcess(), (PVOID *)&w.view, 0, 0, NULL,
			       &vsize, ViewUnmap, 0, PAGE_READWRITE) ||
	    NtAllocateVirtualMemory(NtCurrentProcess(), (PVOID *)&priv, 0, &psize,
				    MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE))
		_exit(90);
	life = 2 + mp_rand(&w.rnd) % MP_LIFE;
	slice_write(&w);
	if (pthread_create(&th, NULL, second_thread, &w))
		_exit(91);
	atomic_store(&ctl->pid[i], getpid());
	while (!atomic_load(&ctl->stop)) {
		atomic_fetch_add(&ctl->beat[i], 1);
		for (size_t k = 0; k < psize / 8; k++)
			if (priv[k] != (gen ? (uint64_t)getpid() << 32 | gen : 0))
				mp_bad("private word %zu of worker %d", k, i);
		atomic_fetch_add(&ctl->privates, 1);
		gen++;
		for (size_t k = 0; k < psize / 8; k++)
			priv[k] = (uint64_t)getpid() << 32 | gen;
		slice_write(&w);
		if (i && mp_rand(&w.rnd) % 4 == 0)
			suspend_round(&w);
		if (gen == life) {
			atomic_fetch_add(&ctl->ends, 1);
			_exit(0);	/* the second thread dies wherever it is */
		}
		sleep_ms(mp_rand(&w.rnd) % 3);
	}
	pthread_join(th, NULL);
	_exit(0);
}

static pid_t spawn(int i, OBJECT_ATTRIBUTES *name)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		worker(i, name);
	}
	return pid;
}

TEST_TIMEOUT(processes_share_suspend_copy_and_end, 180)
{
	LARGE_INTEGER max = { .QuadPart = MP_WORKERS * MP_SLICE };
	long objects0, committed0, resident0;
	pid_t pids[MP_WORKERS];
	OBJECT_ATTRIBUTES oa;
	UNICODE_STRING us;
	WCHAR buf[64];
	char ascii[64];
	SIZE_T vsize = 0;
	uint64_t *view = NULL;
	HANDLE section;
	int i, st, respawns = 0;
	int64_t t0;
	size_t k;

	nt_setup();
	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(ctl, MAP_FAILED);
	ctl->supervisor = getpid();
	objects0 = objects_now();
	committed0 = steady_param("committed_pages");
	resident0 = module_param("resident_pages");

	snprintf(ascii, sizeof(ascii), "\\BaseNamedObjects\\ntexec-mp-%d", getpid());
	for (k = 0; ascii[k]; k++)
		buf[k] = (WCHAR)ascii[k];
	buf[k] = 0;
	RtlInitUnicodeString(&us, buf);
	InitializeObjectAttributes(&oa, &us, 0, NULL, NULL);
	ASSERT_STATUS(NtCreateSection(&section, SECTION_ALL_ACCESS, &oa, &max, PAGE_READWRITE,
				      SEC_COMMIT, NULL), STATUS_SUCCESS);

	for (i = 0; i < MP_WORKERS; i++)
		ASSERT_GT(pids[i] = spawn(i, &oa), 0);
	t0 = mono_ns();
	while (ms_since(t0) < MP_SECONDS * 1000 * (ntt_long() ? 10 : 1)) {
		pid_t pid = waitpid(-1, &st, WNOHANG);

		if (pid <= 0) {
			sleep_ms(5);
			continue;
		}
		for (i = 0; i < MP_WORKERS && pids[i] != pid; i++)
			;
		ASSERT_LT(i, MP_WORKERS);
		EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		atomic_store(&ctl->pid[i], 0);
		ASSERT_GT(pids[i] = spawn(i, &oa), 0);
		respawns++;
	}
	atomic_store(&ctl->stop, 1);
	for (i = 0; i < MP_WORKERS; i++) {
		ASSERT_EQ(waitpid(pids[i], &st, 0), pids[i]);
		EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}

	/* Every slice is what its last writer finished writing. */
	ASSERT_STATUS(NtMapViewOfSection(section, NtCurrentProcess(), (PVOID *)&view, 0, 0, NULL,
					 &vsize, ViewUnmap, 0, PAGE_READONLY), STATUS_SUCCESS);
	for (i = 0; i < MP_WORKERS; i++) {
		uint64_t e = atomic_load(&ctl->seq[i]);

		if (e & 1)	/* its writer ended mid-write */
			continue;
		for (k = 0; k < MP_WORDS; k++)
			if (view[(size_t)i * MP_WORDS + k] != slice_word(i, e))
				break;
		EXPECT_EQ(k, (size_t)MP_WORDS);
	}
	xunmap(view);
	xclose(section);

	printf("# %d workers replaced; %llu slices, %llu remote copies, %llu suspensions, "
	       "%llu private checks verified; %llu calls on ended workers\n", respawns,
	       (unsigned long long)ctl->slices, (unsigned long long)ctl->remotes,
	       (unsigned long long)ctl->suspends, (unsigned long long)ctl->privates,
	       (unsigned long long)ctl->gone);
	if (ctl->bad)
		printf("# first failure: %s\n", ctl->what);
	EXPECT_EQ(atomic_load(&ctl->bad), 0u);
	EXPECT_GT(atomic_load(&ctl->slices), 0u);
	EXPECT_GT(atomic_load(&ctl->remotes), 0u);
	EXPECT_GT(atomic_load(&ctl->suspends), 0u);
	EXPECT_GT(respawns, 0);
	/* Nothing of theirs is left in the module. */
	EXPECT_EQ(objects_now(), objects0);
	EXPECT_EQ(steady_param("committed_pages"), committed0);
	EXPECT_EQ(settle_param("resident_pages", resident0), resident0);
	munmap(ctl, sizeof(*ctl));
}
