// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libntexec: NtCreateProcessEx without a section, an empty process.
 *
 * The process is this process's Linux child running the host program
 * (userlib/host/host.c, embedded here and run from a memfd: no path of the
 * caller's file system is involved but /dev/ntexec). The module makes its
 * PEB and keeps its one Linux thread for its own use; the creator gets a
 * handle (NTEXEC_IOC_CLAIM_HOST) and fills the process with the memory,
 * section and thread services. Like any child it is reaped by waitpid(),
 * or by SIGCHLD set to SIG_IGN.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "host_image.h"

static int host_fd = -1;

/* The host program in a memfd, made once; -errno on failure. */
static int ntx_host_fd(void)
{
	int fd = __atomic_load_n(&host_fd, __ATOMIC_ACQUIRE), cur = -1;
	size_t done = 0;
	ssize_t n;

	if (fd >= 0)
		return fd;
	fd = memfd_create("ntexec-host", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	while (done < sizeof(ntx_host_image)) {
		n = write(fd, ntx_host_image + done, sizeof(ntx_host_image) - done);
		if (n <= 0) {
			close(fd);
			return -EIO;
		}
		done += (size_t)n;
	}
	fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
	if (__atomic_compare_exchange_n(&host_fd, &cur, fd, 0, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return fd;
	close(fd);
	return cur;
}

/*
 * Start the host. vfork(): the child shares this memory until it executes,
 * so no signal handler may run in it: every signal stays blocked until the
 * host program's first instruction, which unblocks them.
 * Return: the pid, or -errno.
 */
static pid_t __attribute__((noinline)) ntx_spawn_host(int fd)
{
	char *const argv[] = { "ntexec-host", NULL };
	char *const envp[] = { NULL };
	sigset_t all, old;
	pid_t pid;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = vfork();
	if (!pid) {
		syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
		_exit(127);
	}
	err = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return pid < 0 ? -err : pid;
}

#define NTX_PROCESS_CREATE_FLAGS (PROCESS_CREATE_FLAGS_BREAKAWAY | \
				  PROCESS_CREATE_FLAGS_NO_DEBUG_INHERIT | \
				  PROCESS_CREATE_FLAGS_INHERIT_HANDLES)

NTX_EXPORT NTSTATUS NTAPI NtCreateProcessEx(PHANDLE ProcessHandle, ACCESS_MASK DesiredAccess,
					    POBJECT_ATTRIBUTES ObjectAttributes,
					    HANDLE ParentProcess, ULONG Flags,
					    HANDLE SectionHandle, HANDLE DebugPort,
					    HANDLE TokenHandle, ULONG Reserved)
{
	struct ntexec_claim_host args = {
		.access = DesiredAccess,
		.flags = Flags & PROCESS_CREATE_FLAGS_INHERIT_HANDLES,
	};
	NTSTATUS status;
	int fd, st;
	pid_t pid;

	(void)Reserved;
	if (!ProcessHandle)
		return STATUS_ACCESS_VIOLATION;
	if (Flags & ~NTX_PROCESS_CREATE_FLAGS)
		return STATUS_INVALID_PARAMETER;
	if (ParentProcess != NtCurrentProcess() || SectionHandle || DebugPort || TokenHandle)
		return STATUS_NOT_SUPPORTED;
	if (ObjectAttributes)
		args.attributes = ObjectAttributes->Attributes;
	if (ntx_fd() < 0)
		return ntx_errno_status(errno);
	fd = ntx_host_fd();
	if (fd < 0)
		return ntx_errno_status(-fd);

	/* The module puts the host outside the job (or refuses) at its fork. */
	if (Flags & PROCESS_CREATE_FLAGS_BREAKAWAY) {
		struct ntexec_claim_host arm = { .flags = PROCESS_CREATE_FLAGS_BREAKAWAY };

		status = ntx_ioctl(NTEXEC_IOC_CLAIM_HOST, &arm);
		if (!NT_SUCCESS(status))
			return status;
	}
	pid = ntx_spawn_host(fd);
	if (pid < 0) {
		struct ntexec_claim_host disarm = { 0 };

		if (Flags & PROCESS_CREATE_FLAGS_BREAKAWAY)
			ntx_ioctl(NTEXEC_IOC_CLAIM_HOST, &disarm);
		return ntx_errno_status(-pid);
	}

	args.pid = (uint64_t)pid;
	status = ntx_ioctl(NTEXEC_IOC_CLAIM_HOST, &args);
	if (!NT_SUCCESS(status)) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return status;
	}
	*ProcessHandle = (HANDLE)(uintptr_t)args.handle;
	return status;
}
