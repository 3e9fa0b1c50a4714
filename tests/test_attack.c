// SPDX-License-Identifier: GPL-2.0
/*
 * The attacker suite: an unprivileged user tries to reach root's and another
 * user's processes through every API and every access right, and to wear the
 * machine down with the shapes of input that cost the kernel the most.
 *
 * Run as root, each test makes its own cast: an attacker (uid 65534, nobody),
 * a root victim and a victim of a second user (uid 65533), all children of
 * the test. Run as nobody, the test is the attacker and init (pid 1, root) the
 * victim; what needs a second user or root's help is skipped.
 *
 * Every case here failed before the access-control and lifetime fixes
 * (issue 8): each names the hole it closes.
 */
#include <dirent.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/ioctl.h>
#include <grp.h>

#include <ntexec/nt.h>
#include "../uapi/ntexec.h"
#include "nt_util.h"

#define ATTACKER_UID	65534
#define OTHER_UID	65533
#define TIB		(1ull << 40)
#define PAGE_SIZE	4096

static const ACCESS_MASK free_process_rights =
	SYNCHRONIZE | READ_CONTROL | PROCESS_QUERY_LIMITED_INFORMATION;
static const ACCESS_MASK free_thread_rights =
	SYNCHRONIZE | READ_CONTROL | THREAD_QUERY_LIMITED_INFORMATION;

/* ---- the cast ---- */

static void become(uid_t uid)
{
	if (getuid() == uid)
		return;
	ASSERT_EQ(setgroups(0, NULL), 0);
	ASSERT_EQ(setresgid(uid, uid, uid), 0);
	ASSERT_EQ(setresuid(uid, uid, uid), 0);
	/* A uid change clears dumpability: a normal process is dumpable. */
	ASSERT_EQ(prctl(PR_SET_DUMPABLE, 1), 0);
}

/* Run @fn in a child as @uid; its EXPECT/ASSERT failures become its status. */
static void as_user(uid_t uid, void (*fn)(void *), void *arg)
{
	int st = -1;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		become(uid);
		nt_setup();
		fn(arg);
		exit(0);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 4)
		SKIP("the attacker skipped (see its output)");
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
}

/* A victim: a process that tells where its secret is and then waits. */
struct victim {
	pid_t pid;
	pid_t tid;		/* a second thread, or the leader */
	uint64_t secret;	/* address of 64 bytes of 0x5a */
	int go;
};

enum victim_kind {
	VICTIM_PLAIN = 0,
	VICTIM_UNDUMPABLE = 1,	/* prctl(PR_SET_DUMPABLE, 0) */
	VICTIM_LEADER_GONE = 2,	/* the leader pthread_exit()s, a thread runs on */
};

static char victim_secret[64];
static int victim_ready_fd = -1;

static void *victim_thread(void *arg)
{
	uint64_t msg[2] = { (uint64_t)(uintptr_t)victim_secret, syscall(SYS_gettid) };

	(void)arg;
	ASSERT_EQ(write(victim_ready_fd, msg, sizeof(msg)), (ssize_t)sizeof(msg));
	for (;;)
		pause();
	return NULL;
}

static struct victim victim_spawn(uid_t uid, unsigned int kind)
{
	struct victim v = { 0 };
	pid_t parent = getpid();
	uint64_t msg[2];
	int ready[2], go[2];

	ASSERT_EQ(pipe2(ready, O_CLOEXEC), 0);
	ASSERT_EQ(pipe2(go, O_CLOEXEC), 0);
	fflush(stdout);
	fflush(stderr);
	v.pid = fork();
	ASSERT_GE(v.pid, 0);
	if (!v.pid) {
		pthread_t t;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(94);
		close(ready[0]);
		close(go[1]);
		become(uid);
		memset(victim_secret, 0x5a, sizeof(victim_secret));
		victim_ready_fd = ready[1];
		if (kind & VICTIM_UNDUMPABLE)
			prctl(PR_SET_DUMPABLE, 0);
		if (kind & VICTIM_LEADER_GONE) {
			if (pthread_create(&t, NULL, victim_thread, NULL))
				_exit(93);
			pthread_exit(NULL);
		}
		victim_thread(NULL);
	}
	close(ready[1]);
	close(go[0]);
	ASSERT_EQ(read(ready[0], msg, sizeof(msg)), (ssize_t)sizeof(msg));
	close(ready[0]);
	v.secret = msg[0];
	v.tid = (pid_t)msg[1];
	v.go = go[1];
	if (kind & VICTIM_LEADER_GONE) {
		/* Until the leader is a zombie whose threads run on. */
		char path[64], state = 0;
		int i;

		for (i = 0; i < 500 && state != 'Z'; i++) {
			FILE *f;

			snprintf(path, sizeof(path), "/proc/%d/stat", v.pid);
			f = fopen(path, "r");
			ASSERT_TRUE(f != NULL);
			ASSERT_EQ(fscanf(f, "%*d %*s %c", &state), 1);
			fclose(f);
			if (state != 'Z')
				sleep_ms(10);
		}
		ASSERT_EQ(state, 'Z');
	}
	return v;
}

static void victim_kill(struct victim *v)
{
	if (v->pid > 1) {
		kill(v->pid, SIGKILL);
		waitpid(v->pid, NULL, 0);
		close(v->go);
	}
	v->pid = 0;
}

/* The root victim: a root child, or init when the test is not root. */
static struct victim root_victim(void)
{
	struct victim v = { .pid = 1, .tid = 1, .secret = 0x400000, .go = -1 };

	if (!ntt_unprivileged())
		v = victim_spawn(0, VICTIM_PLAIN);
	return v;
}

static int may_unshare_user(void)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (!pid)
		_exit(unshare(CLONE_NEWUSER) ? 1 : 0);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Write @text to the /proc/self file @name. */
static void write_proc_self(const char *name, const char *text, int optional)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0 && optional)
		return;
	ASSERT_GE(fd, 0);
	ASSERT_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/*
 * unshare() a user namespace (with @flags for more) and become its root,
 * mapped to the caller's own ids: what any unprivileged user may do.
 */
static void enter_user_ns(int flags)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];

	ASSERT_EQ(unshare(CLONE_NEWUSER | flags), 0);
	write_proc_self("setgroups", "deny", 1);
	snprintf(map, sizeof(map), "0 %u 1", uid);
	write_proc_self("uid_map", map, 0);
	snprintf(map, sizeof(map), "0 %u 1", gid);
	write_proc_self("gid_map", map, 0);
}

/* ---- what an attacker checks ---- */

/*
 * Every single right, and each with MAXIMUM_ALLOWED: only the free rights
 * open a process the attacker may not ptrace; a failed open leaves NULL.
 */
static void expect_only_free_rights(pid_t pid, pid_t tid)
{
	static const ACCESS_MASK extra[] = {
		DELETE, READ_CONTROL, WRITE_DAC, WRITE_OWNER, SYNCHRONIZE,
		GENERIC_READ, GENERIC_WRITE, GENERIC_EXECUTE, GENERIC_ALL,
	};
	ACCESS_MASK rights[16 + sizeof(extra) / sizeof(extra[0])];
	unsigned int i, n = 0, m;
	HANDLE h;

	for (i = 0; i < 16; i++)
		rights[n++] = 1u << i;
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		rights[n++] = extra[i];
	for (i = 0; i < n; i++) {
		for (m = 0; m < 2; m++) {
			ACCESS_MASK want = rights[i] | (m ? MAXIMUM_ALLOWED : 0);
			int ok = !(rights[i] & ~free_process_rights) &&
				 !(rights[i] & (GENERIC_READ | GENERIC_WRITE |
						GENERIC_EXECUTE | GENERIC_ALL));
			NTSTATUS s;

			h = (HANDLE)(uintptr_t)NTT_POISON64;
			s = open_process(&h, want, pid);
			if (ok) {
				EXPECT_STATUS(s, STATUS_SUCCESS);
				if (!s)
					NtClose(h);
			} else {
				if (s != STATUS_ACCESS_DENIED)
					fprintf(stderr, "# process right 0x%x%s\n", rights[i],
						m ? " | MAXIMUM_ALLOWED" : "");
				EXPECT_STATUS(s, STATUS_ACCESS_DENIED);
				EXPECT_EQ(hv(h), 0);
				if (!s)
					NtClose(h);
			}
			ok = !(rights[i] & ~free_thread_rights) &&
			     !(rights[i] & (GENERIC_READ | GENERIC_WRITE |
					    GENERIC_EXECUTE | GENERIC_ALL));
			h = (HANDLE)(uintptr_t)NTT_POISON64;
			s = open_thread(&h, want, pid, tid);
			if (ok) {
				EXPECT_STATUS(s, STATUS_SUCCESS);
			} else {
				if (s != STATUS_ACCESS_DENIED)
					fprintf(stderr, "# thread right 0x%x%s\n", rights[i],
						m ? " | MAXIMUM_ALLOWED" : "");
				EXPECT_STATUS(s, STATUS_ACCESS_DENIED);
				EXPECT_EQ(hv(h), 0);
			}
			if (!s)
				NtClose(h);
		}
	}
}

/* A handle with MAXIMUM_ALLOWED to a process the attacker may not ptrace. */
static void expect_maximum_is_harmless(pid_t pid, uint64_t secret)
{
	PVOID base = NULL, addr = (PVOID)(uintptr_t)secret;
	SIZE_T size = 0x10000, n = 77;
	HANDLE h, dup = NULL;
	char buf[64], name[512];
	ULONG len;

	h = xopen_process(MAXIMUM_ALLOWED, pid);
	EXPECT_STATUS(NtReadVirtualMemory(h, addr, buf, sizeof(buf), &n),
		      STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtWriteVirtualMemory(h, addr, buf, sizeof(buf), &n),
		      STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtAllocateVirtualMemory(h, &base, 0, &size, MEM_RESERVE | MEM_COMMIT,
					      PAGE_READWRITE), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtTerminateProcess(h, 1), STATUS_ACCESS_DENIED);
	/* The path of its executable is /proc/<pid>/exe's: ptrace-read only. */
	EXPECT_STATUS(NtQueryInformationProcess(h, ProcessImageFileName, name,
						sizeof(name), &len), STATUS_ACCESS_DENIED);
	/* Limited queries are anyone's, as /proc/<pid>/stat is. */
	EXPECT_EQ(hv(basic_info(h).UniqueProcessId), (uint64_t)pid);
	/* A duplicate cannot add what the open refused. */
	EXPECT_STATUS(NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(), &dup,
					PROCESS_VM_READ, 0, 0), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(), &dup,
					MAXIMUM_ALLOWED | PROCESS_VM_WRITE, 0, 0),
		      STATUS_ACCESS_DENIED);
	/* Nor reach into its handle table. */
	EXPECT_STATUS(NtDuplicateObject(h, (HANDLE)4, NtCurrentProcess(), &dup, 0, 0,
					DUPLICATE_SAME_ACCESS), STATUS_ACCESS_DENIED);
	xclose(h);
}

static void attack_root(void *arg)
{
	struct victim *v = arg;

	expect_only_free_rights(v->pid, v->tid);
	expect_maximum_is_harmless(v->pid, v->secret);
}

/* Finding 1: rights asked together with MAXIMUM_ALLOWED were never checked. */
TEST(root_process_gives_only_free_rights)
{
	struct victim v;

	nt_setup();
	v = root_victim();
	if (ntt_unprivileged())
		attack_root(&v);
	else
		as_user(ATTACKER_UID, attack_root, &v);
	victim_kill(&v);
}

TEST(other_user_gives_only_free_rights)
{
	struct victim v;

	nt_setup();
	if (ntt_unprivileged())
		SKIP("needs root to make a second user");
	v = victim_spawn(OTHER_UID, VICTIM_PLAIN);
	as_user(ATTACKER_UID, attack_root, &v);
	victim_kill(&v);
}

/* Own processes stay fully accessible: the checks refuse only what they must. */
static void attack_own(void *arg)
{
	struct victim *v = arg;
	char buf[64], expect[64];
	SIZE_T n = 0;
	HANDLE h;

	h = xopen_process(PROCESS_ALL_ACCESS, v->pid);
	memset(expect, 0x5a, sizeof(expect));
	EXPECT_STATUS(NtReadVirtualMemory(h, (PVOID)(uintptr_t)v->secret, buf, sizeof(buf),
					  &n), STATUS_SUCCESS);
	EXPECT_EQ(n, sizeof(buf));
	EXPECT_EQ(memcmp(buf, expect, sizeof(buf)), 0);
	xclose(h);
	h = xopen_process(MAXIMUM_ALLOWED | PROCESS_VM_READ, v->pid);
	EXPECT_STATUS(NtReadVirtualMemory(h, (PVOID)(uintptr_t)v->secret, buf, sizeof(buf),
					  &n), STATUS_SUCCESS);
	xclose(h);
}

TEST(own_process_gives_every_right)
{
	struct victim v;

	nt_setup();
	v = victim_spawn(getuid(), VICTIM_PLAIN);
	attack_own(&v);
	victim_kill(&v);
}

/* NtGetNextProcess/NtGetNextThread hand out nothing an open would refuse. */
static void walk_all(void *arg)
{
	struct victim *v = arg;
	HANDLE h = NULL, next, th, tnext;
	int seen_victim = 0, n = 0;
	char buf[8];
	SIZE_T got;

	(void)arg;
	while (!NtGetNextProcess(h, MAXIMUM_ALLOWED, 0, 0, &next)) {
		PROCESS_BASIC_INFORMATION pbi = basic_info(next);
		char path[64];
		struct stat st;

		if (h)
			xclose(h);
		h = next;
		n++;
		snprintf(path, sizeof(path), "/proc/%lu", (unsigned long)hv(pbi.UniqueProcessId));
		if (stat(path, &st) || st.st_uid == getuid())
			continue;
		if (hv(pbi.UniqueProcessId) == (uint64_t)v->pid)
			seen_victim = 1;
		/* Another user's: a read must be refused whatever the address. */
		EXPECT_STATUS(NtReadVirtualMemory(h, (PVOID)0x400000, buf, sizeof(buf), &got),
			      STATUS_ACCESS_DENIED);
		/* Its threads likewise give only the free rights. */
		th = NULL;
		while (!NtGetNextThread(h, th, MAXIMUM_ALLOWED, 0, 0, &tnext)) {
			if (th)
				xclose(th);
			th = tnext;
			EXPECT_STATUS(NtAlertThread(th), STATUS_ACCESS_DENIED);
		}
		if (th)
			xclose(th);
	}
	if (h)
		xclose(h);
	EXPECT_GT(n, 1);
	EXPECT_TRUE(seen_victim);
	/* Asking for VM rights: only the attacker's own processes come back. */
	h = NULL;
	while (!NtGetNextProcess(h, PROCESS_VM_READ | MAXIMUM_ALLOWED, 0, 0, &next)) {
		char path[64];
		struct stat st;

		if (h)
			xclose(h);
		h = next;
		snprintf(path, sizeof(path), "/proc/%lu",
			 (unsigned long)hv(basic_info(h).UniqueProcessId));
		if (!stat(path, &st))
			EXPECT_EQ(st.st_uid, getuid());
	}
	if (h)
		xclose(h);
}

TEST(get_next_gives_only_free_rights)
{
	struct victim v;

	nt_setup();
	v = root_victim();
	if (ntt_unprivileged())
		walk_all(&v);
	else
		as_user(ATTACKER_UID, walk_all, &v);
	victim_kill(&v);
}

/*
 * Finding 2: the ptrace check opened /proc/<pid>/mem in the caller's root.
 * A user namespace and a chroot with a regular file at proc/<pid>/mem
 * passed it for any pid.
 */
static void attack_chroot(void *arg)
{
	struct victim *v = arg;
	char dir[] = "/tmp/ntx-chroot-XXXXXX", path[256];
	HANDLE h = (HANDLE)(uintptr_t)NTT_POISON64;
	int fd;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/proc", dir);
	ASSERT_EQ(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/proc/%d", dir, v->pid);
	ASSERT_EQ(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/proc/%d/mem", dir, v->pid);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	ASSERT_GE(fd, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/proc/%d/auxv", dir, v->pid);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	ASSERT_GE(fd, 0);
	close(fd);

	/* The device is open already: the descriptor outlives the chroot. */
	enter_user_ns(0);
	ASSERT_EQ(chroot(dir), 0);
	ASSERT_EQ(chdir("/"), 0);

	EXPECT_STATUS(open_process(&h, PROCESS_VM_READ, v->pid), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(open_process(&h, PROCESS_ALL_ACCESS, v->pid), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(open_process(&h, PROCESS_QUERY_INFORMATION, v->pid),
		      STATUS_ACCESS_DENIED);
	h = xopen_process(MAXIMUM_ALLOWED, v->pid);
	EXPECT_STATUS(NtTerminateProcess(h, 1), STATUS_ACCESS_DENIED);
	xclose(h);
}

TEST(user_namespace_chroot_fake_proc)
{
	struct victim v;

	nt_setup();
	if (!may_unshare_user())
		SKIP("unprivileged user namespaces are off");
	v = root_victim();
	if (ntt_unprivileged())
		attack_chroot(&v);
	else
		as_user(ATTACKER_UID, attack_chroot, &v);
	victim_kill(&v);
}

/*
 * Finding 2, second form: with the procfs of another pid namespace mounted
 * at /proc, pid 1 is the attacker's own child there, and was granted as if
 * it were init.
 */
static void attack_foreign_procfs(void *arg)
{
	HANDLE h = (HANDLE)(uintptr_t)NTT_POISON64;
	char map[64];
	int ready[2], st;
	pid_t child;

	(void)arg;
	enter_user_ns(CLONE_NEWNS | CLONE_NEWPID);
	ASSERT_EQ(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	ASSERT_EQ(pipe(ready), 0);
	fflush(stdout);
	fflush(stderr);
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		/* pid 1 of the new namespace: its procfs goes over /proc. */
		close(ready[0]);
		if (mount("proc", "/proc", "proc", 0, NULL))
			_exit(2);
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	close(ready[1]);
	ASSERT_EQ(read(ready[0], map, 1), 1);
	/* /proc/1 is the child now; the real init must stay out of reach. */
	EXPECT_STATUS(open_process(&h, PROCESS_VM_READ, 1), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(open_process(&h, PROCESS_ALL_ACCESS, 1), STATUS_ACCESS_DENIED);
	EXPECT_EQ(hv(h), 0);
	kill(child, SIGKILL);
	waitpid(child, &st, 0);
}

TEST(user_namespace_foreign_procfs)
{
	nt_setup();
	if (!may_unshare_user())
		SKIP("unprivileged user namespaces are off");
	if (ntt_unprivileged())
		attack_foreign_procfs(NULL);
	else
		as_user(ATTACKER_UID, attack_foreign_procfs, NULL);
}

/*
 * Finding 3: rights were checked once, at open, and then reached whatever
 * program the process ran next. A child of the attacker execs a binary the
 * attacker may not read (so the new program is not dumpable), or a setuid
 * one: the old handle must not reach the new program.
 */
static const char *helper_env = "NTT_ATTACK_HELPER";

/* The exec'd helper: report the address of a secret on fd 3, then wait. */
__attribute__((constructor(101))) static void attack_helper(void)
{
	const char *mode = getenv(helper_env);
	static char secret[64];
	uint64_t addr = (uint64_t)(uintptr_t)secret;

	if (!mode)
		return;
	memset(secret, 0x77, sizeof(secret));
	if (!strcmp(mode, "wait")) {
		if (write(3, &addr, sizeof(addr)) != sizeof(addr))
			_exit(90);
		for (;;)
			pause();
	}
	if (!strcmp(mode, "handles")) {
		/* A new program of a process that held handles: they are gone. */
		HANDLE h = (HANDLE)(uintptr_t)strtoull(getenv("NTT_HANDLE"), NULL, 0);
		ULONG count = 99, len;

		if (NtxInitialize())
			_exit(91);
		if (NtQueryInformationProcess(NtCurrentProcess(), ProcessHandleCount, &count,
					      sizeof(count), &len))
			_exit(92);
		if (count)
			_exit(93);
		if (NtClose(h) != STATUS_INVALID_HANDLE)
			_exit(94);
		_exit(0);
	}
	_exit(89);
}

/* Copy the running test binary to @path with @mode; owned by the caller. */
static void copy_self(const char *path, mode_t mode)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	in = open("/proc/self/exe", O_RDONLY);
	ASSERT_GE(in, 0);
	out = open(path, O_CREAT | O_EXCL | O_WRONLY, 0700);
	ASSERT_GE(out, 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ASSERT_EQ(write(out, buf, n), n);
	close(in);
	ASSERT_EQ(close(out), 0);
	ASSERT_EQ(chmod(path, mode), 0);
}

/* Fork a child that, on the go-ahead, execs @path as the "wait" helper. */
static pid_t spawn_exec(const char *path, int *go, int *addr_fd)
{
	int g[2], a[2];
	pid_t pid;

	ASSERT_EQ(pipe2(g, O_CLOEXEC), 0);
	ASSERT_EQ(pipe(a), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		char c;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(g[1]);
		close(a[0]);
		if (read(g[0], &c, 1) != 1)
			_exit(99);
		if (dup2(a[1], 3) != 3)
			_exit(98);
		setenv(helper_env, "wait", 1);
		execl(path, path, (char *)NULL);
		_exit(97);
	}
	close(g[0]);
	close(a[1]);
	*go = g[1];
	*addr_fd = a[0];
	return pid;
}

static char victim_data[64];

/* Before the exec the handle works; after, it must not (or must, for @same). */
static void exec_and_try(const char *path, int same_rights)
{
	SIZE_T n = 0, size = 0x10000;
	PVOID base = NULL, addr;
	uint64_t secret;
	int go, addr_fd;
	char buf[64], name[1024];
	HANDLE h, dup = NULL;
	ULONG len;
	NTSTATUS s;
	pid_t pid;

	pid = spawn_exec(path, &go, &addr_fd);
	h = xopen_process(PROCESS_ALL_ACCESS, pid);
	/* Before: the child is the attacker's own, the handle reads it. */
	memset(victim_data, 0x11, sizeof(victim_data));
	EXPECT_STATUS(NtReadVirtualMemory(h, victim_data, buf, sizeof(buf), &n),
		      STATUS_SUCCESS);
	ASSERT_EQ(write(go, "g", 1), 1);
	ASSERT_EQ(read(addr_fd, &secret, sizeof(secret)), (ssize_t)sizeof(secret));
	addr = (PVOID)(uintptr_t)secret;

	s = NtReadVirtualMemory(h, addr, buf, sizeof(buf), &n);
	if (same_rights) {
		char expect[64];

		memset(expect, 0x77, sizeof(expect));
		EXPECT_STATUS(s, STATUS_SUCCESS);
		EXPECT_EQ(memcmp(buf, expect, sizeof(buf)), 0);
		EXPECT_STATUS(NtQueryInformationProcess(h, ProcessImageFileName, name,
							sizeof(name), &len), STATUS_SUCCESS);
	} else {
		EXPECT_STATUS(s, STATUS_ACCESS_DENIED);
		/* Not even the path of the new program (/proc/<pid>/exe's rule). */
		EXPECT_STATUS(NtQueryInformationProcess(h, ProcessImageFileName, name,
							sizeof(name), &len), STATUS_ACCESS_DENIED);
		EXPECT_STATUS(NtWriteVirtualMemory(h, addr, buf, sizeof(buf), &n),
			      STATUS_ACCESS_DENIED);
		EXPECT_STATUS(NtAllocateVirtualMemory(h, &base, 0, &size,
						      MEM_RESERVE | MEM_COMMIT,
						      PAGE_READWRITE), STATUS_ACCESS_DENIED);
		EXPECT_STATUS(NtDuplicateObject(h, NtCurrentProcess(), NtCurrentProcess(),
						&dup, 0, 0, DUPLICATE_SAME_ACCESS),
			      STATUS_ACCESS_DENIED);
		/* Nor through a duplicate made from the stale handle. */
		EXPECT_STATUS(NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(),
						&dup, 0, 0, DUPLICATE_SAME_ACCESS),
			      STATUS_SUCCESS);
		EXPECT_STATUS(NtReadVirtualMemory(dup, addr, buf, sizeof(buf), &n),
			      STATUS_ACCESS_DENIED);
		NtClose(dup);
		/* A fresh open is refused too. */
		EXPECT_STATUS(open_process(&dup, PROCESS_VM_READ, pid), STATUS_ACCESS_DENIED);
	}
	xclose(h);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(go);
	close(addr_fd);
}

static void attack_exec_unreadable(void *arg)
{
	char path[] = "/tmp/ntx-noread-XXXXXX";
	int fd = mkstemp(path);

	(void)arg;
	ASSERT_GE(fd, 0);
	close(fd);
	unlink(path);
	/* Execute-only: the kernel makes the new program undumpable. */
	copy_self(path, 0111);
	exec_and_try(path, 0);
	unlink(path);
}

TEST(exec_of_unreadable_binary_revokes_handle)
{
	nt_setup();
	if (ntt_unprivileged())
		attack_exec_unreadable(NULL);
	else
		as_user(ATTACKER_UID, attack_exec_unreadable, NULL);
}

static void attack_exec_plain(void *arg)
{
	char path[] = "/tmp/ntx-plain-XXXXXX";
	int fd = mkstemp(path);

	(void)arg;
	ASSERT_GE(fd, 0);
	close(fd);
	unlink(path);
	copy_self(path, 0755);
	/* A program the attacker could ptrace anyway: the handle follows it. */
	exec_and_try(path, 1);
	unlink(path);
}

TEST(exec_of_plain_binary_keeps_handle)
{
	nt_setup();
	if (ntt_unprivileged())
		attack_exec_plain(NULL);
	else
		as_user(ATTACKER_UID, attack_exec_plain, NULL);
}

static const char *setuid_path = "/tmp/ntx-suid/helper";

static void attack_exec_setuid(void *arg)
{
	(void)arg;
	exec_and_try(setuid_path, 0);
}

TEST(exec_of_setuid_binary_revokes_handle)
{
	nt_setup();
	if (ntt_unprivileged())
		SKIP("needs root to make a setuid binary");
	/* /tmp is nosuid: a tmpfs of its own in a mount namespace of its own. */
	ASSERT_EQ(unshare(CLONE_NEWNS), 0);
	ASSERT_EQ(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	mkdir("/tmp/ntx-suid", 0755);
	ASSERT_EQ(mount("tmpfs", "/tmp/ntx-suid", "tmpfs", 0, "mode=0755"), 0);
	copy_self(setuid_path, 04755);
	as_user(ATTACKER_UID, attack_exec_setuid, NULL);
	umount2("/tmp/ntx-suid", MNT_DETACH);
}

/*
 * Finding 8: with the group leader gone, the check fell back to uid
 * equality, skipping dumpability, LSMs and Yama. An undumpable process of
 * the attacker's own uid whose leader exited must stay closed to it; a
 * dumpable one stays open, through the thread that still runs.
 */
static void attack_leader_gone(void *arg)
{
	struct victim *v = arg;
	char buf[64];
	SIZE_T n;
	HANDLE h = (HANDLE)(uintptr_t)NTT_POISON64;

	EXPECT_STATUS(open_process(&h, PROCESS_VM_READ, v->pid), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(open_process(&h, PROCESS_ALL_ACCESS, v->pid), STATUS_ACCESS_DENIED);
	h = xopen_process(MAXIMUM_ALLOWED, v->pid);
	EXPECT_STATUS(NtReadVirtualMemory(h, (PVOID)(uintptr_t)v->secret, buf, sizeof(buf),
					  &n), STATUS_ACCESS_DENIED);
	xclose(h);
	EXPECT_STATUS(open_thread(&h, THREAD_ALL_ACCESS, v->pid, v->tid),
		      STATUS_ACCESS_DENIED);
}

static void read_leader_gone(void *arg)
{
	struct victim *v = arg;
	char buf[64], expect[64];
	SIZE_T n = 0;
	HANDLE h;

	h = xopen_process(PROCESS_VM_READ, v->pid);
	memset(expect, 0x5a, sizeof(expect));
	EXPECT_STATUS(NtReadVirtualMemory(h, (PVOID)(uintptr_t)v->secret, buf, sizeof(buf),
					  &n), STATUS_SUCCESS);
	EXPECT_EQ(memcmp(buf, expect, sizeof(buf)), 0);
	xclose(h);
}

TEST(exited_leader_keeps_the_check)
{
	uid_t uid = ntt_unprivileged() ? getuid() : ATTACKER_UID;
	struct victim v;

	nt_setup();
	v = victim_spawn(uid, VICTIM_UNDUMPABLE | VICTIM_LEADER_GONE);
	if (ntt_unprivileged())
		attack_leader_gone(&v);
	else
		as_user(uid, attack_leader_gone, &v);
	victim_kill(&v);

	v = victim_spawn(uid, VICTIM_LEADER_GONE);
	if (ntt_unprivileged())
		read_leader_gone(&v);
	else
		as_user(uid, read_leader_gone, &v);
	victim_kill(&v);
}

/*
 * Finding 7: PROCESS_VM_READ was granted on PTRACE_MODE_READ, which Yama
 * does not restrict. With ptrace_scope 1 a sibling of the attacker's own
 * uid may be queried but not read.
 */
static void attack_yama(void *arg)
{
	struct victim *sibling = arg, child;
	char buf[64];
	SIZE_T n;
	HANDLE h = (HANDLE)(uintptr_t)NTT_POISON64;

	EXPECT_STATUS(open_process(&h, PROCESS_VM_READ, sibling->pid), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(open_process(&h, PROCESS_VM_READ | MAXIMUM_ALLOWED, sibling->pid),
		      STATUS_ACCESS_DENIED);
	h = xopen_process(PROCESS_QUERY_INFORMATION, sibling->pid);
	xclose(h);
	h = xopen_process(MAXIMUM_ALLOWED, sibling->pid);
	EXPECT_STATUS(NtReadVirtualMemory(h, (PVOID)(uintptr_t)sibling->secret, buf,
					  sizeof(buf), &n), STATUS_ACCESS_DENIED);
	xclose(h);
	/* A descendant is the attacker's to read. */
	child = victim_spawn(getuid(), VICTIM_PLAIN);
	h = xopen_process(PROCESS_VM_READ, child.pid);
	EXPECT_STATUS(NtReadVirtualMemory(h, (PVOID)(uintptr_t)child.secret, buf,
					  sizeof(buf), &n), STATUS_SUCCESS);
	xclose(h);
	victim_kill(&child);
}

TEST(yama_ptrace_scope_holds)
{
	const char *knob = "/proc/sys/kernel/yama/ptrace_scope";
	char old[8] = "";
	struct victim v;
	pid_t pid;
	int fd, st;

	nt_setup();
	fd = open(knob, O_RDWR);
	if (fd < 0)
		SKIP("no Yama in this kernel");
	if (ntt_unprivileged()) {
		close(fd);
		SKIP("needs root to set ptrace_scope");
	}
	ASSERT_GT(read(fd, old, sizeof(old) - 1), 0);
	ASSERT_EQ(pwrite(fd, "1", 1, 0), 1);
	v = victim_spawn(ATTACKER_UID, VICTIM_PLAIN);
	/* The attack runs in a child, so that the knob is restored whatever happens. */
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		as_user(ATTACKER_UID, attack_yama, &v);
		exit(0);
	}
	waitpid(pid, &st, 0);
	pwrite(fd, old, strlen(old), 0);
	close(fd);
	victim_kill(&v);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
}

/*
 * Finding 4: the handle table outlived execve, so a program that held
 * handles handed them to the next one.
 */
TEST(handles_do_not_survive_exec)
{
	HANDLE h;
	pid_t pid;
	int st;

	nt_setup();
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		char value[32];

		nt_setup();
		h = xopen_process(PROCESS_ALL_ACCESS, getpid());
		xopen_process(SYNCHRONIZE, getppid());
		ASSERT_EQ(handle_count(NtCurrentProcess()), 2);
		snprintf(value, sizeof(value), "%llu", (unsigned long long)hv(h));
		setenv("NTT_HANDLE", value, 1);
		setenv(helper_env, "handles", 1);
		execl("/proc/self/exe", "helper", (char *)NULL);
		_exit(88);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 0);
}

/* ... and they go at the execve, not at the new program's first call. */
TEST(handles_go_at_exec_without_a_call)
{
	int go[2], i;
	ULONG count = 0;
	HANDLE h;
	pid_t pid;

	nt_setup();
	ASSERT_EQ(pipe(go), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		char c;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (NtxInitialize())
			_exit(1);
		xopen_process(SYNCHRONIZE, getppid());
		xopen_process(SYNCHRONIZE, getpid());
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		/* A program that never opens the device. */
		execl("/bin/sleep", "sleep", "1000", (char *)NULL);
		_exit(3);
	}
	close(go[0]);
	h = xopen_process(PROCESS_QUERY_INFORMATION | SYNCHRONIZE, pid);
	for (i = 0; i < 500 && handle_count(h) != 2; i++)
		sleep_ms(10);
	ASSERT_EQ(handle_count(h), 2);
	ASSERT_EQ(write(go[1], "g", 1), 1);
	for (i = 0; i < 1000; i++) {
		count = handle_count(h);
		if (!count)
			break;
		sleep_ms(10);
	}
	EXPECT_EQ(count, 0);
	xclose(h);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(go[1]);
}

/* A descriptor of /dev/ntexec gives nothing to another process. */
TEST(descriptor_passed_over_scm_rights)
{
	struct ntexec_version ver;
	int sv[2], st;
	pid_t pid;

	nt_setup();
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		char cbuf[CMSG_SPACE(sizeof(int))], c;
		struct iovec iov = { &c, 1 };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct ntexec_open args = { .access = PROCESS_ALL_ACCESS, .process_id = 1 };
		int fd;

		close(sv[0]);
		if (recvmsg(sv[1], &msg, 0) != 1 || !CMSG_FIRSTHDR(&msg))
			_exit(2);
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(fd));
		memset(&ver, 0, sizeof(ver));
		ver.api = NTEXEC_API_VERSION;
		if (ioctl(fd, NTEXEC_IOC_VERSION, &ver) != -1 || errno != EIO)
			_exit(3);
		if (ioctl(fd, NTEXEC_IOC_OPEN_PROCESS, &args) != -1 || errno != EIO)
			_exit(4);
		_exit(0);
	} else {
		char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, c = 'x';
		struct iovec iov = { &c, 1 };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		int fd = NtxDeviceFd();

		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
		ASSERT_EQ(sendmsg(sv[0], &msg, 0), 1);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 0);
}

/*
 * Finding 13: NtTerminateProcess forced SIGKILL past SIGNAL_UNKILLABLE, so
 * a process inside a pid namespace could kill the namespace's init.
 */
TEST(namespace_init_is_not_killable_from_inside)
{
	pid_t init;
	int st;

	nt_setup();
	if (!may_unshare_user())
		SKIP("unprivileged user namespaces are off");
	fflush(stdout);
	fflush(stderr);
	init = fork();
	ASSERT_GE(init, 0);
	if (!init) {
		pid_t child;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		enter_user_ns(CLONE_NEWPID);
		fflush(stdout);
		fflush(stderr);
		child = fork();
		ASSERT_GE(child, 0);
		if (!child) {
			/* pid 1 of its namespace: the next fork is its init. */
			pid_t killer;

			fflush(stdout);
			killer = fork();
			if (!killer) {
				HANDLE h;

				if (NtxInitialize())
					_exit(10);
				if (open_process(&h, PROCESS_TERMINATE, 1))
					_exit(11);
				if (NtTerminateProcess(h, 5) != STATUS_ACCESS_DENIED)
					_exit(12);
				_exit(0);
			}
			if (waitpid(killer, &st, 0) != killer || !WIFEXITED(st))
				_exit(20);
			/* Still here: report the killer's verdict. */
			_exit(WEXITSTATUS(st));
		}
		ASSERT_EQ(waitpid(child, &st, 0), child);
		if (WIFSIGNALED(st))
			_exit(30);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 31);
	}
	ASSERT_EQ(waitpid(init, &st, 0), init);
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 0);
}

/*
 * Finding 14: a thread that execs from outside the group leader takes the
 * leader's pid; thread objects keyed by pid then named the wrong thread,
 * and a wait on the exec'ing thread never ended.
 */
static int exec_thread_go = -1;

static void *exec_from_thread(void *arg)
{
	char c;

	(void)arg;
	if (read(exec_thread_go, &c, 1) != 1)
		_exit(80);
	execl("/bin/true", "true", (char *)NULL);
	_exit(81);
}

TEST(exec_from_a_thread_signals_its_object)
{
	int go[2], ready[2];
	HANDLE leader, thread, process;
	pid_t pid, tid;

	nt_setup();
	ASSERT_EQ(pipe(go), 0);
	ASSERT_EQ(pipe(ready), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		pthread_t t;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		exec_thread_go = go[0];
		if (pthread_create(&t, NULL, exec_from_thread, NULL))
			_exit(82);
		tid = 0;
		for (;;)
			pause();
	}
	/* The thread's id: the task that is not the leader. */
	{
		char path[64];
		struct dirent *d;
		DIR *dir;
		int i;

		tid = 0;
		for (i = 0; i < 200 && !tid; i++) {
			snprintf(path, sizeof(path), "/proc/%d/task", pid);
			dir = opendir(path);
			ASSERT_TRUE(dir != NULL);
			while ((d = readdir(dir)))
				if (atoi(d->d_name) > 0 && atoi(d->d_name) != pid)
					tid = atoi(d->d_name);
			closedir(dir);
			if (!tid)
				sleep_ms(10);
		}
		ASSERT_NE(tid, 0);
	}
	process = xopen_process(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, pid);
	leader = xopen_thread(SYNCHRONIZE, pid, pid);
	thread = xopen_thread(SYNCHRONIZE, pid, tid);
	ASSERT_EQ(write(go[1], "g", 1), 1);
	/* The thread runs /bin/true as the leader, and it ends. */
	EXPECT_STATUS(wait_ms(thread, 20000), STATUS_WAIT_0);
	EXPECT_STATUS(wait_ms(leader, 20000), STATUS_WAIT_0);
	EXPECT_STATUS(wait_ms(process, 20000), STATUS_WAIT_0);
	EXPECT_STATUS(exit_status(process), 0);
	waitpid(pid, NULL, 0);
	xclose(thread);
	xclose(leader);
	xclose(process);
	(void)ready;
}

/* ---- wearing the machine down ---- */

static long meminfo_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	ASSERT_TRUE(f != NULL);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return v;
}

static PVOID reserve_huge(SIZE_T size, ULONG extra)
{
	PVOID base = NULL;
	NTSTATUS s;

	s = NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
				    MEM_RESERVE | extra, PAGE_READWRITE);
	if (s == STATUS_NO_MEMORY || s == STATUS_CONFLICTING_ADDRESSES)
		SKIP("no room for a %llu-byte reservation here", (unsigned long long)size);
	ASSERT_STATUS(s, STATUS_SUCCESS);
	return base;
}

/*
 * Finding 6: O(pages) loops under the space lock. Committing all of a 64 TiB
 * reservation took a soft lockup before STATUS_COMMITMENT_LIMIT; locking,
 * decommitting or protecting it likewise.
 */
TEST(huge_ranges_end_quickly)
{
	SIZE_T size = 64 * TIB, s2;
	long committed = module_param("committed_pages");
	int64_t t0 = mono_ns();
	PVOID base, b;
	ULONG old;

	nt_setup();
	base = reserve_huge(size, 0);
	b = base;
	s2 = size;
	EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &b, 0, &s2, MEM_COMMIT,
					      PAGE_READWRITE), STATUS_COMMITMENT_LIMIT);
	b = (char *)base + PAGE_SIZE;
	s2 = size - 2 * PAGE_SIZE;
	EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &b, 0, &s2, MEM_COMMIT,
					      PAGE_READWRITE), STATUS_COMMITMENT_LIMIT);
	EXPECT_EQ(module_param("committed_pages"), committed);
	b = base;
	s2 = size;
	EXPECT_STATUS(NtLockVirtualMemory(NtCurrentProcess(), &b, &s2, MAP_PROCESS),
		      STATUS_ACCESS_VIOLATION);
	b = (char *)base + PAGE_SIZE;
	s2 = size - 2 * PAGE_SIZE;
	EXPECT_STATUS(NtProtectVirtualMemory(NtCurrentProcess(), &b, &s2, PAGE_READONLY, &old),
		      STATUS_NOT_COMMITTED);
	b = (char *)base + PAGE_SIZE;
	s2 = size - 2 * PAGE_SIZE;
	EXPECT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &b, &s2, MEM_DECOMMIT),
		      STATUS_SUCCESS);
	b = base;
	s2 = 0;
	EXPECT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &b, &s2, MEM_RELEASE),
		      STATUS_SUCCESS);
	/* Microseconds of work: seconds allow for the emulator and KASAN. */
	EXPECT_LT(ms_since(t0), 10000);
}

/*
 * Finding 6: MEM_RESET on part of a huge reservation cost 2 bytes of kernel
 * memory per page (64 TiB: 32 GiB).
 */
TEST(reset_of_huge_reservation_costs_nothing)
{
	SIZE_T size = 64 * TIB, s2;
	long slab = meminfo_kb("Slab");
	int64_t t0 = mono_ns();
	PVOID base, b;

	nt_setup();
	base = reserve_huge(size, 0);
	b = (char *)base + PAGE_SIZE;
	s2 = size - 2 * PAGE_SIZE;
	EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &b, 0, &s2, MEM_RESET,
					      PAGE_READWRITE), STATUS_SUCCESS);
	EXPECT_LT(meminfo_kb("Slab") - slab, 16 * 1024);
	b = (char *)base + PAGE_SIZE;
	s2 = size - 2 * PAGE_SIZE;
	EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &b, 0, &s2, MEM_RESET_UNDO,
					      PAGE_READWRITE), STATUS_SUCCESS);
	b = base;
	s2 = 0;
	EXPECT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &b, &s2, MEM_RELEASE),
		      STATUS_SUCCESS);
	EXPECT_LT(ms_since(t0), 10000);
}

/*
 * Finding 9: NtGetWriteWatch sized a kernel array by the caller's count
 * before checking anything: a huge count over a huge region was a
 * user-triggerable WARN and a multi-GiB allocation.
 */
TEST(write_watch_huge_count)
{
	SIZE_T size = 64 * TIB;
	PVOID addrs[16], base;
	ULONG_PTR count;
	ULONG gran;
	int64_t t0 = mono_ns();

	nt_setup();
	base = reserve_huge(size, MEM_WRITE_WATCH);
	count = 1ull << 62;
	EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), 0, base, size, addrs, &count, &gran),
		      STATUS_SUCCESS);
	EXPECT_EQ(count, 0);
	count = 0;
	EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), 0, base, size, addrs, &count, &gran),
		      STATUS_INVALID_PARAMETER);
	count = 1ull << 62;
	EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, size,
				      addrs, &count, &gran), STATUS_SUCCESS);
	size = 0;
	EXPECT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE),
		      STATUS_SUCCESS);
	EXPECT_LT(ms_since(t0), 10000);
}

/* Finding 19: NtGetNextThread was quadratic without a break. */
static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

TEST_TIMEOUT(get_next_thread_over_many_threads, 300)
{
	const int n = 1000;
	HANDLE t = NULL, next;
	int64_t t0;
	pthread_attr_t attr;
	pthread_t th;
	int i, seen = 0;

	nt_setup();
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (i = 0; i < n; i++)
		ASSERT_EQ(pthread_create(&th, &attr, idle_thread, NULL), 0);
	t0 = mono_ns();
	while (!NtGetNextThread(NtCurrentProcess(), t, THREAD_QUERY_LIMITED_INFORMATION, 0, 0,
				&next)) {
		if (t)
			xclose(t);
		t = next;
		seen++;
	}
	if (t)
		xclose(t);
	EXPECT_EQ(seen, n + 1);
	EXPECT_LT(ms_since(t0), 60000);
}

/*
 * Finding 5: objects were never taken out of the tables (the free probe
 * looked them up by pids already detached), so every adopted process and
 * thread leaked, and the hash chains grew. 10,000 adopted children, each
 * with a thread object too, leave the count where it was. Finding 10 rides
 * along: children with several threads that exit at once.
 */
static void *exit_soon(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* @arg: the go-ahead pipe; the write end is closed here (the fd table is a copy). */
static int child_wait(void *arg)
{
	int *go = arg;
	char c;

	close(go[1]);
	if (read(go[0], &c, 1) < 0)
		return 1;
	return 0;
}

static int child_threads_wait(void *arg)
{
	pthread_t th;

	/* Threads that die with the group at once (finding 10). */
	pthread_create(&th, NULL, exit_soon, NULL);
	pthread_create(&th, NULL, exit_soon, NULL);
	return child_wait(arg);
}

/* One worker's share: adopt @n children, each a process and a thread object. */
static void adopt_children(int n, int first)
{
	char *stack = malloc(64 * 1024);
	int i;

	ASSERT_TRUE(stack != NULL);
	for (i = first; i < first + n; i++) {
		HANDLE p, t;
		int go[2];
		pid_t pid;

		ASSERT_EQ(pipe(go), 0);
		fflush(stdout);
		fflush(stderr);
		if (i % 64 == 0) {
			pid = fork();
			ASSERT_GE(pid, 0);
			if (!pid)
				_exit(child_threads_wait(go));
		} else {
			/*
			 * A child sharing this address space: no page tables
			 * to copy, so ten thousand stay quick under emulation.
			 */
			pid = clone(child_wait, stack + 64 * 1024, CLONE_VM | SIGCHLD, go);
			ASSERT_GE(pid, 0);
		}
		close(go[0]);
		p = xopen_process(SYNCHRONIZE, pid);
		t = xopen_thread(SYNCHRONIZE, pid, pid);
		close(go[1]);
		if (i % 64 == 1)
			EXPECT_STATUS(wait_ms(p, 20000), STATUS_WAIT_0);
		xclose(t);
		xclose(p);
		ASSERT_EQ(waitpid(pid, NULL, 0), pid);
	}
	free(stack);
}

TEST_TIMEOUT(adopted_children_are_freed, 1200)
{
	/* 1000 prove it; make check-long adopts 10000 (150 s more). */
	const int n = ntt_long() ? 10000 : 1000, workers = 2;
	long before, after = -1;
	int64_t t0 = mono_ns();
	pid_t pid[2];
	int i, st, tries;

	nt_setup();
	/* Not what the previous tests' processes still hold (freed lazily). */
	before = steady_param("objects");
	ASSERT_GE(before, 0);
	/* Two workers, one per CPU of the test VM; each is an NT process too. */
	for (i = 0; i < workers; i++) {
		fflush(stdout);
		fflush(stderr);
		pid[i] = fork();
		ASSERT_GE(pid[i], 0);
		if (!pid[i]) {
			nt_setup();
			adopt_children(n / workers, i * (n / workers));
			exit(0);
		}
	}
	for (i = 0; i < workers; i++) {
		ASSERT_EQ(waitpid(pid[i], &st, 0), pid[i]);
		EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	fprintf(stderr, "# %d children in %lld ms\n", n, (long long)ms_since(t0));
	/* The free probes run a grace period after the reaping. */
	for (tries = 0; tries < 200; tries++) {
		after = module_param("objects");
		if (after == before)
			break;
		sleep_ms(50);
	}
	EXPECT_EQ(after, before);
}

/* ---- races with dying targets ---- */

struct hammer {
	HANDLE process;
	PVOID addr;
	volatile int stop;
	int bad;
	NTSTATUS last;
};

static void *hammer_alloc(void *arg)
{
	struct hammer *hm = arg;

	while (!hm->stop) {
		PVOID base = NULL;
		SIZE_T size = 0x10000;
		NTSTATUS s;

		s = NtAllocateVirtualMemory(hm->process, &base, 0, &size,
					    MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
		if (s == STATUS_SUCCESS) {
			size = 0;
			s = NtFreeVirtualMemory(hm->process, &base, &size, MEM_RELEASE);
		}
		if (s != STATUS_SUCCESS && s != STATUS_PROCESS_IS_TERMINATING) {
			hm->bad++;
			hm->last = s;
		}
		if (s == STATUS_PROCESS_IS_TERMINATING)
			break;
	}
	return NULL;
}

/*
 * Finding 12: an allocation racing the target's exit could install a new
 * space after rundown, which then held its file and a module reference
 * forever. Finding 18: a remote service interrupted in the target returned
 * -ERESTARTNOINTR (errno 513) to a caller with no signal pending.
 */
static void sigusr_handler(int sig)
{
	(void)sig;
}

static void *signal_storm(void *arg)
{
	pid_t tid = *(pid_t *)arg;

	for (;;) {
		syscall(SYS_tgkill, getpid(), tid, SIGUSR1);
		usleep(50);
	}
	return NULL;
}

TEST_TIMEOUT(remote_services_against_dying_targets, 300)
{
	long committed = module_param("committed_pages");
	long resident = module_param("resident_pages");
	int round, tries;

	nt_setup();
	for (round = 0; round < 20; round++) {
		struct hammer hm = { 0 };
		pthread_t th[2];
		struct kid k;

		if (round % 2) {
			k = kid_spawn(KID_SLEEP, 0);
			kid_go(&k);
		} else {
			/* A target whose threads are hit by signals all the time. */
			int go[2];

			ASSERT_EQ(pipe(go), 0);
			fflush(stdout);
			fflush(stderr);
			k.pid = fork();
			ASSERT_GE(k.pid, 0);
			if (!k.pid) {
				pid_t self = syscall(SYS_gettid);
				pthread_t storm;

				prctl(PR_SET_PDEATHSIG, SIGKILL);
				signal(SIGUSR1, sigusr_handler);
				pthread_create(&storm, NULL, signal_storm, &self);
				for (;;)
					pause();
			}
			close(go[0]);
			k.go = go[1];
			k.reaped = 0;
		}
		hm.process = xopen_process(PROCESS_ALL_ACCESS, k.pid);
		ASSERT_EQ(pthread_create(&th[0], NULL, hammer_alloc, &hm), 0);
		ASSERT_EQ(pthread_create(&th[1], NULL, hammer_alloc, &hm), 0);
		sleep_ms(100 + 20 * round);
		if (round % 2) {
			kid_kill(&k);
		} else {
			hm.stop = 1;
			pthread_join(th[0], NULL);
			pthread_join(th[1], NULL);
			kill(k.pid, SIGKILL);
			waitpid(k.pid, NULL, 0);
			close(k.go);
		}
		hm.stop = 1;
		if (round % 2) {
			pthread_join(th[0], NULL);
			pthread_join(th[1], NULL);
		}
		if (hm.bad)
			fprintf(stderr, "# round %d: %d bad statuses, last 0x%08x\n", round,
				hm.bad, (unsigned int)hm.last);
		EXPECT_EQ(hm.bad, 0);
		xclose(hm.process);
	}
	/* Every page and commit charge of the dead targets is gone. */
	for (tries = 0; tries < 100; tries++) {
		if (module_param("committed_pages") == committed &&
		    module_param("resident_pages") == resident)
			break;
		sleep_ms(50);
	}
	EXPECT_EQ(module_param("committed_pages"), committed);
	EXPECT_EQ(module_param("resident_pages"), resident);
}

/*
 * Finding 11: a reservation put its VAD in before its VMA existed; a write
 * from another process could allocate a page there, which stayed behind
 * when the mapping failed. Here every reservation fails (a Linux mapping is
 * in the way) while another thread writes into the same place.
 */
struct writer {
	HANDLE process;
	PVOID addr;
	volatile int stop;
	int bad;
};

static void *write_there(void *arg)
{
	struct writer *w = arg;
	char buf[16] = "ntexec";
	SIZE_T n;

	while (!w->stop) {
		NTSTATUS s = NtWriteVirtualMemory(w->process, w->addr, buf, sizeof(buf), &n);

		if (s != STATUS_PARTIAL_COPY && s != STATUS_SUCCESS)
			w->bad++;
	}
	return NULL;
}

TEST_TIMEOUT(failed_reservation_keeps_no_page, 120)
{
	long resident = module_param("resident_pages");
	struct writer w = { 0 };
	int64_t t0;
	pthread_t th;
	int addr_pipe[2], tries, conflicts = 0;
	uint64_t addr;
	pid_t pid;

	nt_setup();
	ASSERT_EQ(pipe(addr_pipe), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		void *p;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* Writable: a write that wins the race lands in Linux memory. */
		p = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		addr = (uint64_t)(uintptr_t)p;
		if (p == MAP_FAILED || write(addr_pipe[1], &addr, sizeof(addr)) != sizeof(addr))
			_exit(1);
		for (;;)
			pause();
	}
	ASSERT_EQ(read(addr_pipe[0], &addr, sizeof(addr)), (ssize_t)sizeof(addr));
	w.process = xopen_process(PROCESS_ALL_ACCESS, pid);
	w.addr = (PVOID)(uintptr_t)addr;
	ASSERT_EQ(pthread_create(&th, NULL, write_there, &w), 0);
	t0 = mono_ns();
	while (ms_since(t0) < 2000) {
		PVOID base = w.addr;
		SIZE_T size = 0x10000;
		NTSTATUS s = NtAllocateVirtualMemory(w.process, &base, 0, &size,
						     MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);

		EXPECT_STATUS(s, STATUS_CONFLICTING_ADDRESSES);
		if (s != STATUS_CONFLICTING_ADDRESSES)
			break;
		conflicts++;
	}
	w.stop = 1;
	pthread_join(th, NULL);
	EXPECT_EQ(w.bad, 0);
	EXPECT_GT(conflicts, 0);
	EXPECT_EQ(module_param("resident_pages"), resident);
	xclose(w.process);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	for (tries = 0; tries < 100 && module_param("resident_pages") != resident; tries++)
		sleep_ms(50);
	EXPECT_EQ(module_param("resident_pages"), resident);
}

/*
 * Finding 17: a failed mremap() closes a temporary copy of the VMA at the
 * destination, and .close released whatever VADs lay there: another
 * allocation being made at that very place lost its VAD.
 */
struct placer {
	PVOID addr;
	volatile int stop;
	int made;
};

static void *place_there(void *arg)
{
	struct placer *pl = arg;

	while (!pl->stop) {
		PVOID base = pl->addr;
		SIZE_T size = 0x10000;

		if (!NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
					     MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)) {
			pl->made++;
			size = 0;
			/* mremap() may have unmapped it first: either answer is fine. */
			NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE);
		}
	}
	return NULL;
}

TEST_TIMEOUT(failed_mremap_keeps_allocations, 120)
{
	struct placer pl = { 0 };
	SIZE_T size = 0x10000;
	PVOID a = NULL;
	int64_t t0;
	pthread_t th;
	char *x;

	nt_setup();
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &a, 0, &size,
					      MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_SUCCESS);
	memset(a, 0x3c, size);
	/* A free place: reserved and released again. */
	pl.addr = NULL;
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &pl.addr, 0, &size,
					      MEM_RESERVE, PAGE_READWRITE), STATUS_SUCCESS);
	size = 0;
	ASSERT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &pl.addr, &size, MEM_RELEASE),
		      STATUS_SUCCESS);
	ASSERT_EQ(pthread_create(&th, NULL, place_there, &pl), 0);
	t0 = mono_ns();
	while (ms_since(t0) < 2000) {
		x = mremap(a, 0x10000, 0x10000, MREMAP_MAYMOVE | MREMAP_FIXED, pl.addr);
		EXPECT_TRUE(x == MAP_FAILED);
		if (x != MAP_FAILED)
			break;
	}
	pl.stop = 1;
	pthread_join(th, NULL);
	/* The allocation that was never moved is whole. */
	for (size = 0; size < 0x10000; size++)
		if (((char *)a)[size] != 0x3c)
			break;
	EXPECT_EQ(size, 0x10000);
	size = 0;
	EXPECT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &a, &size, MEM_RELEASE),
		      STATUS_SUCCESS);
}
