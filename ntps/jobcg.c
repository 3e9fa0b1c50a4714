// SPDX-License-Identifier: GPL-2.0
/*
 * A job backed by a cgroup v2 directory (JobObjectNtxCgroupInformation,
 * ntexec's own class): the job's members are put in the cgroup, and the
 * cgroup's memory.max, pids.max and cpu.max bound the Linux side of them
 * (every page they map, their threads, their CPU time), beside what the
 * module enforces itself (NT commit, active processes, user time).
 *
 * The caller names the directory by an open file descriptor (O_RDONLY; a
 * descriptor, not a path, so that nothing depends on its view of the file
 * system when the job is used later), and the module opens the files it
 * will write (cgroup.procs, and memory.max, pids.max, cpu.max as asked)
 * right then, relative to that directory, with the caller's credentials.
 * Linux's cgroup code checks every later write against the credentials and
 * the cgroup namespace of the file's opener (its open-time rule, as for a
 * descriptor passed to another process): a job grants nobody more than its
 * setter could do with those files. Whoever assigns a process to the job
 * also needs PROCESS_SET_QUOTA | PROCESS_TERMINATE on the process.
 *
 * What goes where: an assignment writes the process's id (as the
 * assigner's pid namespace numbers it) to cgroup.procs before the process
 * joins, and a refusal by Linux (EACCES, a cgroup out of the setter's
 * delegation, EBUSY for a cgroup with controllers in its
 * subtree_control) fails the assignment with nothing joined. Children of
 * members are in the cgroup by Linux's own inheritance at fork. memory.max
 * follows the job's JobMemoryLimit (JOB_OBJECT_LIMIT_JOB_MEMORY; "max"
 * without it), pids.max and cpu.max the class's PidsMax and CpuRate. These
 * are Linux's limits with Linux's behaviour: a memory.max below what the
 * members use makes Linux reclaim and, failing that, OOM-kill in the
 * cgroup, where NT would only refuse further commits.
 *
 * Lifetime: the files are the job's (struct ps_job_cgroup, freed with the
 * job); the open files keep the cgroup's directory alive, not its members.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/magic.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "ps.h"

/* cpu.max's period: Linux's default, 100 ms. */
#define PS_CG_CPU_PERIOD_US	100000u

/**
 * struct ps_job_cgroup - the cgroup v2 directory backing a job
 * @procs: its cgroup.procs, opened for writing by the setter
 * @memory: its memory.max (JOB_OBJECT_NTX_CGROUP_MEMORY), or NULL
 * @pids: its pids.max (JOB_OBJECT_NTX_CGROUP_PIDS), or NULL
 * @cpu: its cpu.max (JOB_OBJECT_NTX_CGROUP_CPU), or NULL
 * @id: the cgroup's id (the directory's inode number)
 * @flags: JOB_OBJECT_NTX_CGROUP_*
 * @cpu_rate: CpuRate, 1/100 % of all CPUs
 * @pids_max: PidsMax, tasks
 */
struct ps_job_cgroup {
	struct file *procs;
	struct file *memory;
	struct file *pids;
	struct file *cpu;
	u64 id;
	u32 flags;
	u32 cpu_rate;
	u64 pids_max;
};

static ntstatus_t ps_cg_status(long err)
{
	switch (err) {
	case 0:
		return STATUS_SUCCESS;
	case -EACCES:
	case -EPERM:
		return STATUS_ACCESS_DENIED;
	case -ENOENT:
	case -EOPNOTSUPP:
		return STATUS_NOT_SUPPORTED;
	case -ESRCH:
		return STATUS_PROCESS_IS_TERMINATING;
	case -EBUSY:
	case -ENODEV:	/* the directory was removed */
		return STATUS_INVALID_DEVICE_STATE;
	case -ENOMEM:
		return STATUS_NO_MEMORY;
	case -EINTR:
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
		return STATUS_CANCELLED;
	case -EINVAL:
	case -ERANGE:
		return STATUS_INVALID_PARAMETER;
	}
	return STATUS_UNSUCCESSFUL;
}

/* One of the directory's files, for writing, with the caller's credentials. */
static ntstatus_t ps_cg_open(struct file *dir, const char *name, struct file **out)
{
	struct file *f = file_open_root(&dir->f_path, name, O_WRONLY | O_NOFOLLOW, 0);

	if (IS_ERR(f))
		return ps_cg_status(PTR_ERR(f));
	*out = f;
	return STATUS_SUCCESS;
}

/* Write @buf as one write at offset 0, as a shell's echo does. */
static ntstatus_t ps_cg_write(struct file *f, const char *buf)
{
	size_t len = strlen(buf);
	loff_t pos = 0;
	ssize_t n;

	n = kernel_write(f, buf, len, &pos);
	if (n < 0)
		return ps_cg_status(n);
	return n == len ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

/**
 * ps_job_cgroup_free() - close a job's cgroup files
 * @cg: the backing, or NULL
 */
void ps_job_cgroup_free(struct ps_job_cgroup *cg)
{
	if (!cg)
		return;
	fput(cg->procs);
	if (cg->memory)
		fput(cg->memory);
	if (cg->pids)
		fput(cg->pids);
	if (cg->cpu)
		fput(cg->cpu);
	kfree(cg);
}

/**
 * ps_job_cgroup_open() - check a JobObjectNtxCgroupInformation request
 *	and open its directory's files
 * @req: the request
 * @out: the backing (ps_job_cgroup_free())
 *
 * Runs in the caller's context: the descriptor is the caller's, the files
 * are opened with its credentials.
 *
 * Return: STATUS_SUCCESS; STATUS_INVALID_PARAMETER (unknown flags, a
 * nonzero CgroupId, a rate or count out of range, not a cgroup v2
 * directory), STATUS_INVALID_HANDLE (not an open descriptor),
 * STATUS_ACCESS_DENIED (the caller may not write the files),
 * STATUS_NOT_SUPPORTED (a controller asked for is not enabled for the
 * directory), STATUS_NO_MEMORY.
 */
ntstatus_t ps_job_cgroup_open(const struct nt_job_cgroup_info *req, struct ps_job_cgroup **out)
{
	struct ps_job_cgroup *cg;
	struct inode *inode;
	ntstatus_t status;
	struct file *dir;

	if (req->flags & ~JOB_OBJECT_NTX_CGROUP_VALID || req->cgroup_id)
		return STATUS_INVALID_PARAMETER;
	if ((req->flags & JOB_OBJECT_NTX_CGROUP_CPU) &&
	    (!req->cpu_rate || req->cpu_rate > 10000))
		return STATUS_INVALID_PARAMETER;
	if (!(req->flags & JOB_OBJECT_NTX_CGROUP_CPU) && req->cpu_rate)
		return STATUS_INVALID_PARAMETER;
	if ((req->flags & JOB_OBJECT_NTX_CGROUP_PIDS) &&
	    (!req->pids_max || req->pids_max > PID_MAX_LIMIT))
		return STATUS_INVALID_PARAMETER;
	if (!(req->flags & JOB_OBJECT_NTX_CGROUP_PIDS) && req->pids_max)
		return STATUS_INVALID_PARAMETER;
	if (req->cgroup_fd < 0 || req->cgroup_fd > INT_MAX)
		return STATUS_INVALID_HANDLE;
	dir = fget(req->cgroup_fd);
	if (!dir)
		return STATUS_INVALID_HANDLE;
	inode = file_inode(dir);
	if (!S_ISDIR(inode->i_mode) || inode->i_sb->s_magic != CGROUP2_SUPER_MAGIC) {
		fput(dir);
		return STATUS_INVALID_PARAMETER;
	}
	cg = kzalloc(sizeof(*cg), GFP_KERNEL_ACCOUNT);
	if (!cg) {
		fput(dir);
		return STATUS_NO_MEMORY;
	}
	cg->id = inode->i_ino;
	cg->flags = req->flags;
	cg->cpu_rate = req->cpu_rate;
	cg->pids_max = req->pids_max;
	status = ps_cg_open(dir, "cgroup.procs", &cg->procs);
	if (!status && (req->flags & JOB_OBJECT_NTX_CGROUP_MEMORY))
		status = ps_cg_open(dir, "memory.max", &cg->memory);
	if (!status && (req->flags & JOB_OBJECT_NTX_CGROUP_PIDS))
		status = ps_cg_open(dir, "pids.max", &cg->pids);
	if (!status && (req->flags & JOB_OBJECT_NTX_CGROUP_CPU))
		status = ps_cg_open(dir, "cpu.max", &cg->cpu);
	fput(dir);
	if (status) {
		if (!cg->procs)
			kfree(cg);
		else
			ps_job_cgroup_free(cg);
		return status;
	}
	*out = cg;
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(ps_job_cgroup_open);

/**
 * ps_job_cgroup_memory() - set memory.max from the job's memory limit
 * @cg: the backing
 * @bytes: JobMemoryLimit, or 0 for none ("max")
 *
 * Return: STATUS_SUCCESS (also when the backing does not drive memory.max)
 * or Linux's refusal.
 */
ntstatus_t ps_job_cgroup_memory(struct ps_job_cgroup *cg, u64 bytes)
{
	char buf[24];

	if (!cg->memory)
		return STATUS_SUCCESS;
	if (bytes)
		snprintf(buf, sizeof(buf), "%llu\n", bytes);
	else
		strscpy(buf, "max\n", sizeof(buf));
	return ps_cg_write(cg->memory, buf);
}

/**
 * ps_job_cgroup_cpu_quota() - cpu.max's quota for a CpuRate
 * @rate: CpuRate, 1/100 % of all CPUs (1 to 10000)
 * @cpus: the CPUs
 *
 * Return: microseconds per PS_CG_CPU_PERIOD_US period, at least Linux's
 * smallest quota (1 ms).
 */
u64 ps_job_cgroup_cpu_quota(u32 rate, unsigned int cpus)
{
	u64 quota = div_u64((u64)rate * PS_CG_CPU_PERIOD_US * cpus, 10000);

	return max_t(u64, quota, 1000);
}
EXPORT_SYMBOL_IF_KUNIT(ps_job_cgroup_cpu_quota);

/**
 * ps_job_cgroup_limits() - write every limit the backing drives
 * @cg: the backing
 * @job_memory: JobMemoryLimit, or 0 for none
 *
 * cpu.max gets CpuRate of all CPUs per 100 ms period (at least Linux's
 * 1 ms quota).
 *
 * Return: STATUS_SUCCESS or the first refusal (the limits written before
 * it stay).
 */
ntstatus_t ps_job_cgroup_limits(struct ps_job_cgroup *cg, u64 job_memory)
{
	ntstatus_t status;
	char buf[40];

	status = ps_job_cgroup_memory(cg, job_memory);
	if (!status && cg->pids) {
		snprintf(buf, sizeof(buf), "%llu\n", cg->pids_max);
		status = ps_cg_write(cg->pids, buf);
	}
	if (!status && cg->cpu) {
		snprintf(buf, sizeof(buf), "%llu %u\n",
			 ps_job_cgroup_cpu_quota(cg->cpu_rate, num_online_cpus()),
			 PS_CG_CPU_PERIOD_US);
		status = ps_cg_write(cg->cpu, buf);
	}
	return status;
}

/**
 * ps_job_cgroup_attach() - put a process in the backing's cgroup
 * @cg: the backing
 * @tgid: the process
 *
 * Runs in the assigner's context: the id written is the one its pid
 * namespace gives the process, which is where Linux looks it up.
 *
 * Return: STATUS_SUCCESS; STATUS_ACCESS_DENIED (Linux refused the move, or
 * the process is not in the caller's pid namespace), or another refusal.
 */
ntstatus_t ps_job_cgroup_attach(struct ps_job_cgroup *cg, struct pid *tgid)
{
	pid_t nr = pid_vnr(tgid);
	char buf[16];

	/* 0 would be "the writer itself" to cgroup.procs. */
	if (nr <= 0)
		return STATUS_ACCESS_DENIED;
	snprintf(buf, sizeof(buf), "%d\n", nr);
	return ps_cg_write(cg->procs, buf);
}

/**
 * ps_job_cgroup_query() - the class's answer for a backing
 * @cg: the backing, or NULL
 * @out: the answer: CgroupFd -1, the cgroup id and the values set
 */
void ps_job_cgroup_query(const struct ps_job_cgroup *cg, struct nt_job_cgroup_info *out)
{
	memset(out, 0, sizeof(*out));
	out->cgroup_fd = -1;
	if (!cg)
		return;
	out->cgroup_id = cg->id;
	out->flags = cg->flags;
	out->cpu_rate = cg->cpu_rate;
	out->pids_max = cg->pids_max;
}
