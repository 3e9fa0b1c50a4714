// SPDX-License-Identifier: GPL-2.0
/*
 * ntexec's tracepoints through the kernel's tracefs: every event is there,
 * and the operations produce theirs with the right fields: a VAD insert for
 * an allocation, a demand-zero fault for the first touch, a soft fault for
 * a touch after a protection change zapped the page, a guard fault, an
 * access violation, a protection change, a split, a remove, handle create
 * and close, wait begin and end, a working-set trim and the page-list moves
 * of its pages (to the modified list, back by a soft fault, freed off it);
 * one fault of every kind (write, copy-on-write, file, hard, stack
 * growth besides those); and perf, the tool users know, counting and
 * tracing the module's events (`perf stat`, `perf trace`). Root only
 * (tracefs); a private trace instance, so other tracing is left alone.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "section_util.h"

static char inst[256];
static int dump;

static const char *const events[] = {
	"ntexec_vad_insert", "ntexec_vad_remove", "ntexec_vad_split", "ntexec_fault",
	"ntexec_protect", "ntexec_remote_start", "ntexec_remote_end",
	"ntexec_handle_create", "ntexec_handle_close", "ntexec_wait_begin",
	"ntexec_wait_end", "ntexec_ws_trim", "ntexec_page_list",
};

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

static const char *tracefs(void)
{
	static const char *const roots[] = { "/sys/kernel/tracing",
					     "/sys/kernel/debug/tracing" };
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		char p[128];

		snprintf(p, sizeof(p), "%s/instances", roots[i]);
		if (!stat(p, &st))
			return roots[i];
	}
	return NULL;
}

/*
 * A trace instance of ours, with the ntexec events of this pid enabled
 * (with @threads, of the threads it creates too: any pid from ours up).
 */
static void trace_start_for(int threads)
{
	const char *root = tracefs();
	char p[512], pid[64];
	size_t i;

	if (ntt_unprivileged())
		SKIP("tracefs needs root");
	if (!root)
		SKIP("no tracefs (mount tracefs or debugfs)");
	snprintf(inst, sizeof(inst), "%s/instances/ntexec_test_%d", root, getpid());
	ASSERT_EQ(mkdir(inst, 0700), 0);
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		struct stat st;

		snprintf(p, sizeof(p), "%s/events/ntexec/%s/format", inst, events[i]);
		if (stat(p, &st)) {
			fprintf(stderr, "# no tracepoint %s\n", events[i]);
			ntt_fail();
		}
	}
	/*
	 * A filter, not set_event_pid: that hooks sched_switch and the
	 * wakeups, and patching the kernel's hottest text while the other
	 * CPU runs it has crashed QEMU's TCG (Oops: int3 in
	 * ttwu_do_activate).
	 */
	snprintf(pid, sizeof(pid), "common_pid %s %d", threads ? ">=" : "==", getpid());
	snprintf(p, sizeof(p), "%s/events/ntexec/filter", inst);
	ASSERT_EQ(write_file(p, pid), 0);
	snprintf(p, sizeof(p), "%s/events/ntexec/enable", inst);
	ASSERT_EQ(write_file(p, "1"), 0);
}

static void trace_start(void)
{
	trace_start_for(0);
}

/* The trace so far, as one string (malloc'ed). */
static char *trace_read(void)
{
	char p[512];
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	FILE *f;

	snprintf(p, sizeof(p), "%s/events/ntexec/enable", inst);
	write_file(p, "0");
	snprintf(p, sizeof(p), "%s/trace", inst);
	f = fopen(p, "r");
	ASSERT_TRUE(f && buf);
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			ASSERT_TRUE(buf != NULL);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		if (!n)
			break;
		len += n;
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static void trace_stop(void)
{
	rmdir(inst);
}

/* A line with @event that has every one of the strings in @need. */
static int has_event(const char *trace, const char *event, const char *need1,
		     const char *need2)
{
	const char *line = trace;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		char *l = strndup(line, n);
		int ok = strstr(l, event) && (!need1 || strstr(l, need1)) &&
			 (!need2 || strstr(l, need2));

		free(l);
		if (ok)
			return 1;
		line = end ? end + 1 : NULL;
	}
	return 0;
}

static void expect_event(int line, const char *t, const char *ev, const char *a,
			 const char *b)
{
	if (has_event(t, ev, a, b))
		return;
	fprintf(stderr, "# line %d: no %s with %s %s\n", line, ev, a ? a : "", b ? b : "");
	ntt_fail();
	dump = 1;
}

#define EXPECT_EVENT(t, ev, a, b) expect_event(__LINE__, t, ev, a, b)

TEST(memory_events)
{
	char at[64], at2[64], range[96];
	SIZE_T page = 4096;
	HANDLE h, h2;
	PVOID tail;
	SIZE_T tail_size = 4096;
	char *p, *t, *w;
	const char *trim;

	vm_setup();
	catch_faults();
	trace_start();

	p = xalloc(4 * page, PAGE_READWRITE);
	EXPECT_NO_FAULT(PROBE_WRITE, p, 7);				/* demand-zero */
	xprotect(p, page, PAGE_READONLY);				/* zaps */
	EXPECT_NO_FAULT(PROBE_READ, p, 0);				/* soft */
	EXPECT_FAULT(PROBE_WRITE, p, STATUS_ACCESS_VIOLATION, 1);	/* violation */
	xprotect(p + page, page, PAGE_READWRITE | PAGE_GUARD);
	EXPECT_FAULT(PROBE_READ, p + page, STATUS_GUARD_PAGE_VIOLATION, 0);
	/* A partial release of a reservation splits its VAD. */
	tail = p + 3 * page;
	ASSERT_STATUS(vm_free(&tail, &tail_size, MEM_RELEASE), STATUS_SUCCESS);
	xrelease(p);

	/*
	 * Emptying this process's working set: 4 touched pages at least go to
	 * the modified list; one touched again comes back (a soft fault) and
	 * goes again; released, the ones on the list are freed off it.
	 */
	w = xalloc(4 * page, PAGE_READWRITE);
	memset(w, 1, 4 * page);
	{
		QUOTA_LIMITS q;

		memset(&q, 0, sizeof(q));
		q.MinimumWorkingSetSize = (SIZE_T)-1;
		q.MaximumWorkingSetSize = (SIZE_T)-1;
		ASSERT_STATUS(NtSetInformationProcess(NtCurrentProcess(), ProcessQuotaLimits, &q,
						      sizeof(q)), STATUS_SUCCESS);
		EXPECT_EQ(EXPECT_NO_FAULT(PROBE_READ, w, 0), 1);
		ASSERT_STATUS(NtSetInformationProcess(NtCurrentProcess(), ProcessQuotaLimits, &q,
						      sizeof(q)), STATUS_SUCCESS);
	}
	xrelease(w);

	/* Handles and a wait. */
	ASSERT_STATUS(open_process(&h, SYNCHRONIZE, getpid()), STATUS_SUCCESS);
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(), &h2, 0, 0,
					DUPLICATE_SAME_ACCESS), STATUS_SUCCESS);
	EXPECT_STATUS(wait_ms(h, 0), STATUS_TIMEOUT);
	NtClose(h2);
	NtClose(h);

	t = trace_read();
	snprintf(at, sizeof(at), "address=0x%lx ", (unsigned long)pv(p));
	snprintf(at2, sizeof(at2), "address=0x%lx ", (unsigned long)pv(p + page));
	snprintf(range, sizeof(range), "start=0x%lx end=0x%lx", (unsigned long)pv(p),
		 (unsigned long)pv(p + 4 * page));
	EXPECT_EVENT(t, "ntexec_vad_insert:", range, NULL);
	EXPECT_EVENT(t, "ntexec_fault:", at, "kind=demand-zero");
	EXPECT_EVENT(t, "ntexec_fault:", at, "kind=soft");
	EXPECT_EVENT(t, "ntexec_fault:", at, "kind=access-violation");
	EXPECT_EVENT(t, "ntexec_fault:", at2, "kind=guard");
	snprintf(range, sizeof(range), "start=0x%lx end=0x%lx old=0x4 new=0x2",
		 (unsigned long)pv(p), (unsigned long)pv(p + page));
	EXPECT_EVENT(t, "ntexec_protect:", range, NULL);
	snprintf(range, sizeof(range), "at=0x%lx", (unsigned long)pv(p + 3 * page));
	EXPECT_EVENT(t, "ntexec_vad_split:", range, NULL);
	snprintf(range, sizeof(range), "start=0x%lx end=0x%lx", (unsigned long)pv(p),
		 (unsigned long)pv(p + 3 * page));
	EXPECT_EVENT(t, "ntexec_vad_remove:", range, NULL);
	snprintf(range, sizeof(range), "handle=0x%llx", (unsigned long long)hv(h2));
	EXPECT_EVENT(t, "ntexec_handle_create:", range, "access=0x100000");
	EXPECT_EVENT(t, "ntexec_handle_close:", range, NULL);
	EXPECT_EVENT(t, "ntexec_wait_begin:", "count=1", NULL);
	EXPECT_EVENT(t, "ntexec_wait_end:", "status=0x00000102", NULL);
	EXPECT_EVENT(t, "ntexec_ws_trim:", " ws=0 min_age=0", NULL);
	trim = strstr(t, "ntexec_ws_trim:");
	if (trim)
		EXPECT_TRUE(strtoul(strstr(trim, "trimmed=") + 8, NULL, 10) >= 4);
	snprintf(at, sizeof(at), "address=0x%lx ", (unsigned long)(uintptr_t)w);
	snprintf(at2, sizeof(at2), "address=0x%lx ", (unsigned long)pv(w + page));
	EXPECT_EVENT(t, "ntexec_page_list:", at, "from=active to=modified");
	EXPECT_EVENT(t, "ntexec_page_list:", at, "from=modified to=active");
	EXPECT_EVENT(t, "ntexec_page_list:", at, "from=modified to=free");
	EXPECT_EVENT(t, "ntexec_page_list:", at2, "from=active to=modified");
	EXPECT_EVENT(t, "ntexec_page_list:", at2, "from=modified to=free");
	/* Page 1 was never touched again: it did not come back. */
	if (has_event(t, "ntexec_page_list:", at2, "from=modified to=active")) {
		fprintf(stderr, "# page 1 came back to the working set\n");
		ntt_fail();
	}
	if (dump)
		fprintf(stderr, "%s", t);
	free(t);
	trace_stop();
}

#define NO_TLS __attribute__((no_stack_protector, noinline))

/* An NT thread that touches 256 KiB of its stack: the guard page moves. */
static NO_TLS NTSTATUS NTAPI grow_stack(PVOID arg)
{
	volatile char *sp = __builtin_alloca(256 << 10);
	size_t i;

	(void)arg;
	for (i = 256 << 10; i >= 4096; i -= 4096)
		sp[i - 4096] = 1;
	return 0;
}

static NTSTATUS list_command(ULONG command)
{
	return NtSetSystemInformation(SystemMemoryListInformation, &command, sizeof(command));
}

/* One fault of each kind the first test does not make. */
TEST(fault_kinds)
{
	char at[5][64], path[64];
	const SIZE_T page = 4096;
	LARGE_INTEGER pf = { .QuadPart = 1 << 20 };
	volatile char *w, *v, *f, *h;
	WCHAR name[64];
	UNICODE_STRING u;
	HANDLE s, fs, file, th;
	char buf[4096];
	QUOTA_LIMITS q;
	size_t i;
	char *t;
	int fd;

	vm_setup();
	trace_start_for(1);
	/* write: a write-watched page read first is mapped read-only. */
	w = xalloc_type(page, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
	(void)w[0];
	w[0] = 1;
	/* copy-on-write: a write-copy view's first write. */
	s = xsection(page, PAGE_READWRITE, SEC_COMMIT);
	v = xmap(s, NULL, 0, page, PAGE_WRITECOPY);
	v[0] = 2;
	/* file: a page of a file's view. */
	snprintf(path, sizeof(path), "/tmp/ntexec-trace-%d", (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	ASSERT_GE(fd, 0);
	unlink(path);
	memset(buf, 'f', sizeof(buf));
	ASSERT_EQ(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	ASSERT_STATUS(NtxHandleFromFd(fd, MAXIMUM_ALLOWED, &file), STATUS_SUCCESS);
	ASSERT_STATUS(NtCreateSection(&fs, SECTION_ALL_ACCESS, NULL, NULL, PAGE_READONLY,
				      SEC_COMMIT, file), STATUS_SUCCESS);
	f = xmap(fs, NULL, 0, 0, PAGE_READONLY);
	EXPECT_EQ(f[0], 'f');
	/* hard: a page written to a paging file, repurposed, read back. */
	snprintf(path, sizeof(path), "/tmp/ntexec-trace-pf-%d", (int)getpid());
	for (i = 0; path[i]; i++)
		name[i] = (WCHAR)path[i];
	u.Buffer = name;
	u.Length = u.MaximumLength = (USHORT)(i * sizeof(WCHAR));
	ASSERT_STATUS(NtCreatePagingFile(&u, &pf, &pf, 0), STATUS_SUCCESS);
	unlink(path);
	h = xalloc(page, PAGE_READWRITE);
	h[0] = 3;
	memset(&q, 0, sizeof(q));
	q.MinimumWorkingSetSize = (SIZE_T)-1;
	q.MaximumWorkingSetSize = (SIZE_T)-1;
	ASSERT_STATUS(NtSetInformationProcess(NtCurrentProcess(), ProcessQuotaLimits, &q,
					      sizeof(q)), STATUS_SUCCESS);
	ASSERT_STATUS(list_command(MemoryFlushModifiedList), STATUS_SUCCESS);
	ASSERT_STATUS(list_command(MemoryPurgeStandbyList), STATUS_SUCCESS);
	EXPECT_EQ(h[0], 3);
	/* stack-growth: a new NT thread's stack past its guard page. */
	ASSERT_STATUS(NtCreateThreadEx(&th, THREAD_ALL_ACCESS, NULL, NtCurrentProcess(),
				       grow_stack, NULL, 0, 0, 0, 0, NULL), STATUS_SUCCESS);
	EXPECT_STATUS(wait_ms(th, 10000), STATUS_SUCCESS);
	NtClose(th);

	t = trace_read();
	snprintf(at[0], sizeof(at[0]), "address=0x%lx ", (unsigned long)(uintptr_t)w);
	snprintf(at[1], sizeof(at[1]), "address=0x%lx ", (unsigned long)(uintptr_t)v);
	snprintf(at[2], sizeof(at[2]), "address=0x%lx ", (unsigned long)(uintptr_t)f);
	snprintf(at[3], sizeof(at[3]), "address=0x%lx ", (unsigned long)(uintptr_t)h);
	EXPECT_EVENT(t, "ntexec_fault:", at[0], "kind=write");
	EXPECT_EVENT(t, "ntexec_fault:", at[1], "kind=copy-on-write");
	EXPECT_EVENT(t, "ntexec_fault:", at[2], "kind=file");
	EXPECT_EVENT(t, "ntexec_fault:", at[3], "kind=hard");
	EXPECT_EVENT(t, "ntexec_page_list:", at[3], "from=modified to=standby");
	EXPECT_EVENT(t, "ntexec_page_list:", at[3], "from=standby to=free");
	EXPECT_EVENT(t, "ntexec_fault:", "kind=stack-growth", NULL);
	if (dump)
		fprintf(stderr, "%s", t);
	free(t);
	trace_stop();
	xunmap((void *)v);
	xunmap((void *)f);
	xclose(s);
	xclose(fs);
	xclose(file);
	close(fd);
	xrelease((void *)w);
	xrelease((void *)h);
}

/* The path of a program on PATH, or NULL. */
static const char *which(const char *prog)
{
	static char path[512];
	const char *env = getenv("PATH");
	char *dirs, *d, *save = NULL;

	if (!env)
		return NULL;
	dirs = strdup(env);
	for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s", d, prog);
		if (!access(path, X_OK)) {
			free(dirs);
			return path;
		}
	}
	free(dirs);
	return NULL;
}

/* Whether a child of @parent named @comm runs (a /proc scan). */
static int child_runs(pid_t parent, const char *comm)
{
	char path[300], buf[256], name[64];
	struct dirent *d;
	int found = 0;
	DIR *dir = opendir("/proc");

	if (!dir)
		return 0;
	while (!found && (d = readdir(dir))) {
		FILE *f;
		int ppid;

		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) &&
		    sscanf(buf, "%*d (%63[^)]) %*c %d", name, &ppid) == 2 &&
		    ppid == parent && !strcmp(name, comm))
			found = 1;
		fclose(f);
	}
	closedir(dir);
	return found;
}

/*
 * Run perf (@argv, with "-o" @out, its workload `sleep`) system-wide and,
 * once its workload runs (its events are on by then), make @n demand-zero
 * faults; perf's exit status.
 */
static int perf_while_faulting(char *const argv[], unsigned int n)
{
	volatile char *p;
	pid_t pid;
	int st;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	/* perf sets its events up before it starts its workload. */
	for (int i = 0; i < 3000 && !child_runs(pid, "sleep"); i++)
		sleep_ms(10);
	EXPECT_TRUE(child_runs(pid, "sleep"));
	p = xalloc(n * 4096, PAGE_READWRITE);
	for (unsigned int i = 0; i < n; i++)
		p[i * 4096] = 1;
	xrelease((void *)p);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* perf counts and traces the module's events, as `perf trace` users do. */
TEST(perf_sees_the_events)
{
	char out[64], line[512], *perf;
	unsigned long count = 0, lines = 0;
	const unsigned int n = 64;
	FILE *fp;

	vm_setup();
	if (ntt_unprivileged())
		SKIP("system-wide perf needs root");
	if (!which("perf"))
		SKIP("no perf on PATH (Debian's linux-perf)");
	perf = strdup(which("perf"));
	snprintf(out, sizeof(out), "/tmp/ntexec-perf-%d", (int)getpid());
	{
		char *argv[] = { perf, "stat", "-a", "-x,", "-e", "ntexec:ntexec_fault", "-o", out,
				 "--", "sleep", "8", NULL };

		ASSERT_EQ(perf_while_faulting(argv, n), 0);
	}
	fp = fopen(out, "r");
	ASSERT_NE(fp, NULL);
	while (fgets(line, sizeof(line), fp))
		if (strstr(line, "ntexec:ntexec_fault"))
			count = strtoul(line, NULL, 10);
	fclose(fp);
	EXPECT_GE(count, n);
	{
		/* A big ring buffer: perf trace reads it late on a slow guest. */
		char *argv[] = { perf, "trace", "-a", "--no-syscalls", "-m", "1024",
				 "-e", "ntexec:ntexec_fault", "-o", out, "--", "sleep", "8", NULL };

		ASSERT_EQ(perf_while_faulting(argv, n), 0);
	}
	fp = fopen(out, "r");
	ASSERT_NE(fp, NULL);
	while (fgets(line, sizeof(line), fp))
		if (strstr(line, "ntexec:ntexec_fault"))
			lines++;
	fclose(fp);
	EXPECT_GE(lines, n);
	unlink(out);
	free(perf);
}
