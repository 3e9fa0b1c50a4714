// SPDX-License-Identifier: GPL-2.0
/*
 * A job backed by a cgroup v2 directory (JobObjectNtxCgroupInformation,
 * ntexec's own class): its bad input; a member is moved into the cgroup
 * when it is assigned and its children are born there; memory.max follows
 * JobMemoryLimit, pids.max PidsMax (a member's forks past it fail) and
 * cpu.max CpuRate; the backing is set only while the job is empty; and it
 * grants no more than Linux's cgroup rules grant its setter: nobody cannot
 * back a job by root's cgroup, and with a cgroup delegated to it still
 * cannot move a process out of root's (Linux's common-ancestor rule).
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include "nt_util.h"

#define CG_ROOT		"/sys/fs/cgroup"
#define NOBODY		65534

#define NTT_STR(a, b, eq) do {						\
		if ((strcmp(a, b) == 0) != (eq)) {				\
			fprintf(stderr, "# %s:%d: %s is \"%s\", expected %s\"%s\"\n", \
				__FILE__, __LINE__, #a, a, (eq) ? "" : "not ", b); \
			ntt_fail();					\
		}							\
	} while (0)
#define EXPECT_STR_EQ(a, b) NTT_STR(a, b, 1)
#define EXPECT_STR_NE(a, b) NTT_STR(a, b, 0)

static NTSTATUS set_cg(HANDLE job, LONG64 fd, ULONG flags, ULONG rate, ULONG64 pids)
{
	JOBOBJECT_NTX_CGROUP_INFORMATION c = {
		.CgroupFd = fd, .Flags = flags, .CpuRate = rate, .PidsMax = pids,
	};

	return NtSetInformationJobObject(job, JobObjectNtxCgroupInformation, &c, sizeof(c));
}

static JOBOBJECT_NTX_CGROUP_INFORMATION query_cg(HANDLE job)
{
	JOBOBJECT_NTX_CGROUP_INFORMATION c;
	ULONG len = 0;

	memset(&c, 0xcc, sizeof(c));
	ASSERT_STATUS(NtQueryInformationJobObject(job, JobObjectNtxCgroupInformation, &c,
						  sizeof(c), &len), STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(c));
	return c;
}

static HANDLE xjob(void)
{
	HANDLE h;

	ASSERT_STATUS(NtCreateJobObject(&h, JOB_OBJECT_ALL_ACCESS, NULL), STATUS_SUCCESS);
	return h;
}

static void set_job_memory(HANDLE job, SIZE_T bytes)
{
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION x = { 0 };

	if (bytes)
		x.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_JOB_MEMORY;
	x.JobMemoryLimit = bytes;
	ASSERT_STATUS(NtSetInformationJobObject(job, JobObjectExtendedLimitInformation, &x,
						sizeof(x)), STATUS_SUCCESS);
}

/* The first line of a cgroup file (or /proc file), without its newline. */
static void read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	ASSERT_TRUE(f != NULL);
	if (!fgets(buf, (int)size, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), r;

	if (fd < 0)
		return -1;
	r = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
	close(fd);
	return r;
}

/* "0::/path" of /proc/<pid>/cgroup: the process's cgroup v2 path. */
static void cgroup_of(pid_t pid, char *buf, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	read_line(path, buf, size);
}

/* A fresh cgroup under the root one, with the memory, pids and cpu controllers. */
static void make_cgroup(char *dir, size_t size, const char *tag)
{
	char ctl[128];

	if (ntt_unprivileged())
		SKIP("making a cgroup needs root");
	read_line(CG_ROOT "/cgroup.controllers", ctl, sizeof(ctl));
	if (!strstr(ctl, "memory") || !strstr(ctl, "pids") || !strstr(ctl, "cpu"))
		SKIP("cgroup v2 without the memory, pids and cpu controllers (%s)", ctl);
	if (write_str(CG_ROOT "/cgroup.subtree_control", "+memory +pids +cpu"))
		SKIP("cannot enable the memory, pids and cpu controllers (%s)", strerror(errno));
	snprintf(dir, size, CG_ROOT "/ntx-%s-%d", tag, getpid());
	ASSERT_EQ(mkdir(dir, 0755), 0);
}

static void remove_cgroup(const char *dir)
{
	int i;

	/* A killed member leaves the cgroup once it is reaped. */
	for (i = 0; i < 100 && rmdir(dir) && errno == EBUSY; i++)
		sleep_ms(20);
}

/* A child that waits until killed. */
static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	ASSERT_TRUE(pid >= 0);
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

TEST(bad_input)
{
	JOBOBJECT_NTX_CGROUP_INFORMATION c = { .CgroupFd = -1 };
	HANDLE job, limited;
	int tmp, file;

	nt_setup();
	job = xjob();
	/* No backing: CgroupFd -1, no id. */
	c = query_cg(job);
	EXPECT_EQ(c.CgroupFd, -1);
	EXPECT_EQ(c.CgroupId, 0);
	EXPECT_EQ(c.Flags, 0);
	EXPECT_STATUS(NtSetInformationJobObject(job, JobObjectNtxCgroupInformation, &c,
						sizeof(c) - 8), STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_STATUS(NtSetInformationJobObject(job, JobObjectNtxCgroupInformation, &c,
						sizeof(c) + 8), STATUS_INFO_LENGTH_MISMATCH);
	tmp = open("/tmp", O_RDONLY | O_DIRECTORY);
	file = open("/proc/self/status", O_RDONLY);
	ASSERT_GE(tmp, 0);
	ASSERT_GE(file, 0);
	/* Not a cgroup v2 directory. */
	EXPECT_STATUS(set_cg(job, tmp, 0, 0, 0), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(set_cg(job, file, 0, 0, 0), STATUS_INVALID_PARAMETER);
	/* Not open. */
	EXPECT_STATUS(set_cg(job, 987654, 0, 0, 0), STATUS_INVALID_HANDLE);
	EXPECT_STATUS(set_cg(job, -2, 0, 0, 0), STATUS_INVALID_HANDLE);
	EXPECT_STATUS(set_cg(job, 1ll << 40, 0, 0, 0), STATUS_INVALID_HANDLE);
	/* Flags and values. */
	EXPECT_STATUS(set_cg(job, tmp, 0x8, 0, 0), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(set_cg(job, tmp, JOB_OBJECT_NTX_CGROUP_CPU, 0, 0), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(set_cg(job, tmp, JOB_OBJECT_NTX_CGROUP_CPU, 10001, 0),
		      STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(set_cg(job, tmp, 0, 100, 0), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(set_cg(job, tmp, JOB_OBJECT_NTX_CGROUP_PIDS, 0, 0), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(set_cg(job, tmp, 0, 0, 5), STATUS_INVALID_PARAMETER);
	c = (JOBOBJECT_NTX_CGROUP_INFORMATION){ .CgroupFd = tmp, .CgroupId = 1 };
	EXPECT_STATUS(NtSetInformationJobObject(job, JobObjectNtxCgroupInformation, &c,
						sizeof(c)), STATUS_INVALID_PARAMETER);
	/* Ending a backing takes nothing else. */
	EXPECT_STATUS(set_cg(job, -1, JOB_OBJECT_NTX_CGROUP_MEMORY, 0, 0),
		      STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(set_cg(job, -1, 0, 0, 0), STATUS_SUCCESS);
	/* JOB_OBJECT_SET_ATTRIBUTES and JOB_OBJECT_QUERY. */
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), job, NtCurrentProcess(), &limited,
					JOB_OBJECT_QUERY, 0, 0), STATUS_SUCCESS);
	EXPECT_STATUS(set_cg(limited, -1, 0, 0, 0), STATUS_ACCESS_DENIED);
	xclose(limited);
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), job, NtCurrentProcess(), &limited,
					JOB_OBJECT_SET_ATTRIBUTES, 0, 0), STATUS_SUCCESS);
	EXPECT_STATUS(NtQueryInformationJobObject(limited, JobObjectNtxCgroupInformation, &c,
						  sizeof(c), NULL), STATUS_ACCESS_DENIED);
	xclose(limited);
	close(tmp);
	close(file);
	xclose(job);
}

/*
 * The caller must be able to write the cgroup's files: nobody cannot back
 * a job by the root cgroup (root's cgroup.procs); root can open it.
 */
TEST(the_setter_needs_write_access)
{
	HANDLE job;
	int fd;

	nt_setup();
	job = xjob();
	fd = open(CG_ROOT, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		SKIP("no cgroup v2 at " CG_ROOT);
	if (ntt_unprivileged()) {
		EXPECT_STATUS(set_cg(job, fd, 0, 0, 0), STATUS_ACCESS_DENIED);
		EXPECT_STATUS(set_cg(job, fd, JOB_OBJECT_NTX_CGROUP_PIDS, 0, 10),
			      STATUS_ACCESS_DENIED);
		EXPECT_EQ(query_cg(job).CgroupId, 0);
	} else {
		/* The root cgroup has no memory.max: a controller file absent. */
		EXPECT_STATUS(set_cg(job, fd, JOB_OBJECT_NTX_CGROUP_MEMORY, 0, 0),
			      STATUS_NOT_SUPPORTED);
		EXPECT_EQ(query_cg(job).CgroupId, 0);
	}
	close(fd);
	xclose(job);
}

/*
 * A member goes into the cgroup when it is assigned, its children are born
 * there, the limits reach the cgroup's files, and the backing cannot change
 * while the job has a process.
 */
TEST(members_live_in_the_cgroup)
{
	char dir[128], path[192], line[256], want[160];
	JOBOBJECT_NTX_CGROUP_INFORMATION c;
	HANDLE job, process;
	struct stat st;
	ULONG cpu;
	pid_t pid;
	int fd;

	nt_setup();
	make_cgroup(dir, sizeof(dir), "members");
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(fstat(fd, &st), 0);
	job = xjob();
	set_job_memory(job, 64 << 20);
	/* cpu.max needs CONFIG_CFS_BANDWIDTH (Debian's kernels have it). */
	snprintf(path, sizeof(path), "%s/cpu.max", dir);
	cpu = access(path, F_OK) ? 0 : JOB_OBJECT_NTX_CGROUP_CPU;
	if (!cpu)
		EXPECT_STATUS(set_cg(job, fd, JOB_OBJECT_NTX_CGROUP_CPU, 2500, 0),
			      STATUS_NOT_SUPPORTED);
	ASSERT_STATUS(set_cg(job, fd, JOB_OBJECT_NTX_CGROUP_MEMORY | JOB_OBJECT_NTX_CGROUP_PIDS |
			     cpu, cpu ? 2500 : 0, 40), STATUS_SUCCESS);
	close(fd);
	c = query_cg(job);
	EXPECT_EQ(c.CgroupFd, -1);
	EXPECT_EQ(c.CgroupId, (ULONG64)st.st_ino);
	EXPECT_EQ(c.Flags, JOB_OBJECT_NTX_CGROUP_MEMORY | JOB_OBJECT_NTX_CGROUP_PIDS | cpu);
	EXPECT_EQ(c.CpuRate, cpu ? 2500 : 0);
	EXPECT_EQ(c.PidsMax, 40);
	/* The limits are there at once. */
	snprintf(path, sizeof(path), "%s/memory.max", dir);
	read_line(path, line, sizeof(line));
	EXPECT_STR_EQ(line, "67108864");
	snprintf(path, sizeof(path), "%s/pids.max", dir);
	read_line(path, line, sizeof(line));
	EXPECT_STR_EQ(line, "40");
	if (cpu) {
		snprintf(path, sizeof(path), "%s/cpu.max", dir);
		read_line(path, line, sizeof(line));
		snprintf(want, sizeof(want), "%ld 100000", 25000 * sysconf(_SC_NPROCESSORS_ONLN));
		EXPECT_STR_EQ(line, want);
	}

	pid = spawn_sleeper();
	process = xopen_process(PROCESS_SET_QUOTA | PROCESS_TERMINATE | SYNCHRONIZE, pid);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, process), STATUS_SUCCESS);
	cgroup_of(pid, line, sizeof(line));
	snprintf(want, sizeof(want), "0::%s", dir + strlen(CG_ROOT));
	EXPECT_STR_EQ(line, want);
	/* No change of backing with a process in the job. */
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	EXPECT_STATUS(set_cg(job, fd, 0, 0, 0), STATUS_INVALID_DEVICE_STATE);
	EXPECT_STATUS(set_cg(job, -1, 0, 0, 0), STATUS_INVALID_DEVICE_STATE);
	close(fd);
	/* memory.max follows the job's memory limit. */
	set_job_memory(job, 32 << 20);
	snprintf(path, sizeof(path), "%s/memory.max", dir);
	read_line(path, line, sizeof(line));
	EXPECT_STR_EQ(line, "33554432");
	set_job_memory(job, 0);
	read_line(path, line, sizeof(line));
	EXPECT_STR_EQ(line, "max");

	ASSERT_STATUS(NtTerminateProcess(process, 3), STATUS_SUCCESS);
	waitpid(pid, NULL, 0);
	EXPECT_STATUS(wait_ms(process, 5000), STATUS_WAIT_0);
	xclose(process);
	/* Empty again: the backing may end. */
	EXPECT_STATUS(set_cg(job, -1, 0, 0, 0), STATUS_SUCCESS);
	EXPECT_EQ(query_cg(job).CgroupId, 0);
	xclose(job);
	remove_cgroup(dir);
}

/*
 * pids.max is Linux's: a member (and its children, in the cgroup by
 * inheritance) cannot hold more tasks than PidsMax.
 */
TEST(pids_max_bounds_members_forks)
{
	int go[2], res[2], forked = 0, failed = 0;
	char dir[128], line[256], want[160];
	HANDLE job, process;
	pid_t pid;
	int fd, i;

	nt_setup();
	make_cgroup(dir, sizeof(dir), "pids");
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	ASSERT_GE(fd, 0);
	job = xjob();
	ASSERT_STATUS(set_cg(job, fd, JOB_OBJECT_NTX_CGROUP_PIDS, 0, 3), STATUS_SUCCESS);
	close(fd);
	ASSERT_EQ(pipe(go), 0);
	ASSERT_EQ(pipe(res), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		char b;
		int r[2] = { 0, 0 };

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (read(go[0], &b, 1) != 1)
			_exit(1);
		/* Itself and two children fit; the rest fail with EAGAIN. */
		for (i = 0; i < 5; i++) {
			pid_t k = fork();

			if (!k) {
				pause();
				_exit(0);
			}
			if (k > 0)
				r[0]++;
			else if (errno == EAGAIN)
				r[1]++;
		}
		if (write(res[1], r, sizeof(r)) != sizeof(r))
			_exit(1);
		pause();
		_exit(0);
	}
	process = xopen_process(PROCESS_SET_QUOTA | PROCESS_TERMINATE, pid);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, process), STATUS_SUCCESS);
	cgroup_of(pid, line, sizeof(line));
	snprintf(want, sizeof(want), "0::%s", dir + strlen(CG_ROOT));
	EXPECT_STR_EQ(line, want);
	ASSERT_EQ(write(go[1], "g", 1), 1);
	{
		int r[2];

		ASSERT_EQ(read(res[0], r, sizeof(r)), (ssize_t)sizeof(r));
		forked = r[0];
		failed = r[1];
	}
	EXPECT_EQ(forked, 2);
	EXPECT_EQ(failed, 3);
	/* Ending the job ends the children too (they are members). */
	ASSERT_STATUS(NtTerminateJobObject(job, 5), STATUS_SUCCESS);
	waitpid(pid, NULL, 0);
	xclose(process);
	xclose(job);
	remove_cgroup(dir);
}

/* Unprivileged, with a cgroup delegated to it by root. */
struct delegated {
	const char *dir;
	pid_t victim;
};

static void nobody_assigns(void *arg)
{
	const struct delegated *d = arg;
	char line[256], want[160];
	HANDLE job, process;
	pid_t own;
	int fd;

	job = xjob();
	fd = open(d->dir, O_RDONLY | O_DIRECTORY);
	ASSERT_GE(fd, 0);
	/* Its own files: the backing is allowed. */
	ASSERT_STATUS(set_cg(job, fd, JOB_OBJECT_NTX_CGROUP_PIDS, 0, 10), STATUS_SUCCESS);
	close(fd);
	/*
	 * Its own child sits in the root cgroup, which nobody may not leave
	 * (the common ancestor's cgroup.procs is root's): refused, not joined.
	 */
	own = spawn_sleeper();
	process = xopen_process(PROCESS_SET_QUOTA | PROCESS_TERMINATE | SYNCHRONIZE |
				PROCESS_QUERY_LIMITED_INFORMATION, own);
	EXPECT_STATUS(NtAssignProcessToJobObject(job, process), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtIsProcessInJob(process, job), STATUS_PROCESS_NOT_IN_JOB);
	cgroup_of(own, line, sizeof(line));
	snprintf(want, sizeof(want), "0::%s", d->dir + strlen(CG_ROOT));
	EXPECT_STR_NE(line, want);
	xclose(process);
	reap(own);
	/* Root's process: no handle with the rights, as before cgroups. */
	EXPECT_STATUS(open_process(&process, PROCESS_SET_QUOTA | PROCESS_TERMINATE, d->victim),
		      STATUS_ACCESS_DENIED);
	xclose(job);
}

TEST(delegation_grants_no_more_than_linux)
{
	struct delegated d;
	char dir[128], path[192], line[256];
	int st = -1;
	pid_t pid;

	make_cgroup(dir, sizeof(dir), "deleg");
	/* Delegate the directory as systemd does: the directory and its files. */
	ASSERT_EQ(chown(dir, NOBODY, NOBODY), 0);
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	ASSERT_EQ(chown(path, NOBODY, NOBODY), 0);
	snprintf(path, sizeof(path), "%s/pids.max", dir);
	ASSERT_EQ(chown(path, NOBODY, NOBODY), 0);
	d.dir = dir;
	d.victim = spawn_sleeper();
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(3);
		prctl(PR_SET_DUMPABLE, 1);
		nt_setup();
		nobody_assigns(&d);
		exit(0);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cgroup_of(d.victim, line, sizeof(line));
	EXPECT_STR_EQ(line, "0::/");
	reap(d.victim);
	remove_cgroup(dir);
}
