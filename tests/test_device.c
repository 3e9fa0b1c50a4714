// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/ntexec as a caller sees it: the handshake, input validation, unknown
 * ioctls, a seeded fuzz loop, descriptors used from another process, and
 * open/close from many threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ntexec/nt.h>
#include "uapi/ntexec.h"
#include "harness.h"

static int open_dev(void)
{
	int fd = open("/dev/ntexec", O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		SKIP("/dev/ntexec is absent: the module is not loaded");
	ASSERT_GE(fd, 0);
	return fd;
}

static int version(int fd, struct ntexec_version *ver)
{
	return ioctl(fd, NTEXEC_IOC_VERSION, ver) ? -errno : 0;
}

TEST(device_is_world_accessible)
{
	struct stat st;

	ASSERT_EQ(stat("/dev/ntexec", &st), 0);
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(st.st_mode & 0777, 0666);
	close(open_dev());
}

TEST(handshake_fields)
{
	struct ntexec_version ver;
	int fd = open_dev();

	/* Poison everything the module must write. */
	memset(&ver, 0xcc, sizeof(ver));
	ver.api = NTEXEC_API_VERSION;
	ver.flags = 0;
	ver.features = 0;
	memset(ver.reserved, 0, sizeof(ver.reserved));
	ASSERT_EQ(version(fd, &ver), 0);
	EXPECT_EQ(ver.api, NTEXEC_API_VERSION);
	EXPECT_EQ(ver.page_size, (uint32_t)sysconf(_SC_PAGESIZE));
	EXPECT_EQ(ver.allocation_granularity, 65536u);
	EXPECT_TRUE(ver.ioctls & 1);	/* the handshake itself */
	/* Only features the ABI names, and what this tree serves. */
	EXPECT_EQ(ver.features & ~(NTEXEC_FEATURE_OBJECTS | NTEXEC_FEATURE_VIRTUAL_MEMORY |
				   NTEXEC_FEATURE_WRITE_WATCH | NTEXEC_FEATURE_SECTIONS |
				   NTEXEC_FEATURE_THREAD_CONTROL | NTEXEC_FEATURE_JOBS |
				   NTEXEC_FEATURE_NETLINK | NTEXEC_FEATURE_FILES), 0ull);
	EXPECT_EQ(ver.features & (NTEXEC_FEATURE_SECTIONS | NTEXEC_FEATURE_FILES |
				  NTEXEC_FEATURE_THREAD_CONTROL | NTEXEC_FEATURE_JOBS |
				  NTEXEC_FEATURE_NETLINK),
		  NTEXEC_FEATURE_SECTIONS | NTEXEC_FEATURE_FILES | NTEXEC_FEATURE_THREAD_CONTROL |
		  NTEXEC_FEATURE_JOBS | NTEXEC_FEATURE_NETLINK);
	/* Every implemented ioctl is below NTEXEC_IOC_COUNT, the last one too. */
	EXPECT_EQ(ver.ioctls >> NTEXEC_IOC_COUNT, 0ull);
	EXPECT_TRUE(ver.ioctls >> (NTEXEC_IOC_COUNT - 1) & 1);
	EXPECT_EQ(ver.reserved[0] | ver.reserved[3], 0ull);
	close(fd);
}

TEST(handshake_refuses_other_api_and_missing_features)
{
	struct ntexec_version ver;
	int fd = open_dev();

	memset(&ver, 0, sizeof(ver));
	ver.api = NTEXEC_API_VERSION + 1;
	EXPECT_EQ(version(fd, &ver), -EOPNOTSUPP);
	/* The answer still tells the caller what the module speaks. */
	EXPECT_EQ(ver.api, NTEXEC_API_VERSION);
	EXPECT_EQ(ver.page_size, (uint32_t)sysconf(_SC_PAGESIZE));

	memset(&ver, 0, sizeof(ver));
	ver.api = NTEXEC_API_VERSION;
	ver.features = 1ull << 62;
	EXPECT_EQ(version(fd, &ver), -EOPNOTSUPP);
	EXPECT_EQ(ver.features & (1ull << 62), 0ull);
	close(fd);
}

TEST(handshake_rejects_nonzero_padding_and_flags)
{
	struct ntexec_version ver;
	unsigned int i;
	int fd = open_dev();

	for (i = 0; i < 32; i++) {
		memset(&ver, 0, sizeof(ver));
		ver.api = NTEXEC_API_VERSION;
		ver.flags = 1u << i;
		EXPECT_EQ(version(fd, &ver), -EINVAL);
		/* A malformed request is not answered. */
		EXPECT_EQ(ver.page_size, 0u);
	}
	for (i = 0; i < 4; i++) {
		memset(&ver, 0, sizeof(ver));
		ver.api = NTEXEC_API_VERSION;
		ver.reserved[i] = 1ull << (i * 7);
		EXPECT_EQ(version(fd, &ver), -EINVAL);
	}
	close(fd);
}

TEST(handshake_bad_pointer)
{
	int fd = open_dev();

	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_VERSION, NULL), -1);
	EXPECT_EQ(errno, EFAULT);
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_VERSION, (void *)-4096L), -1);
	EXPECT_EQ(errno, EFAULT);
	close(fd);
}

TEST(unknown_ioctl_is_enotty)
{
	static const unsigned long cmds[] = {
		_IO('N', 0xff),
		_IOWR('N', NTEXEC_IOC_BASE + 63, struct ntexec_version),
		/* the first number past the last defined one */
		_IOWR('N', NTEXEC_IOC_BASE + NTEXEC_IOC_COUNT, struct ntexec_version),
		/* the handshake's number with the wrong size or direction */
		_IOWR('N', NTEXEC_IOC_BASE, uint64_t),
		_IOR('N', NTEXEC_IOC_BASE, struct ntexec_version),
		_IOWR('X', NTEXEC_IOC_BASE, struct ntexec_version),
		0,
	};
	struct ntexec_version ver = { .api = NTEXEC_API_VERSION };
	unsigned int i;
	int fd = open_dev();

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		errno = 0;
		EXPECT_EQ(ioctl(fd, cmds[i], &ver), -1);
		EXPECT_EQ(errno, ENOTTY);
	}
	close(fd);
}

/*
 * Random ioctl numbers (in and out of our range) with garbage arguments,
 * reproducible from NTEXEC_TEST_SEED. The module must refuse them all
 * cleanly and answer the handshake afterwards.
 */
TEST_TIMEOUT(fuzz_random_ioctls, 240)
{
	static const unsigned long real_cmds[] = {
		NTEXEC_IOC_VERSION, NTEXEC_IOC_CLOSE, NTEXEC_IOC_DUPLICATE,
		NTEXEC_IOC_OPEN_PROCESS, NTEXEC_IOC_OPEN_THREAD, NTEXEC_IOC_WAIT,
		NTEXEC_IOC_QUERY_PROCESS, NTEXEC_IOC_QUERY_THREAD,
		NTEXEC_IOC_TERMINATE_PROCESS, NTEXEC_IOC_GET_NEXT_PROCESS,
		NTEXEC_IOC_GET_NEXT_THREAD, NTEXEC_IOC_ALERT_THREAD,
		NTEXEC_IOC_TEST_ALERT,
	};
	uint64_t s = ntt_seed(), buf[64];
	struct ntexec_version ver;
	int fd = open_dev(), i, j;

	for (i = 0; i < 20000; i++) {
		unsigned long cmd;
		unsigned int nr, size, dir;

		for (j = 0; j < 64; j++)
			buf[j] = ntt_rand(&s);
		nr = ntt_rand(&s) & 0xff;
		size = ntt_rand(&s) % (sizeof(buf) + 1);
		dir = ntt_rand(&s) & 3;
		cmd = (ntt_rand(&s) & 7) ? _IOC(dir, 'N', nr, size) : ntt_rand(&s);
		/* Often the real commands with garbage fields. */
		if ((ntt_rand(&s) & 3) == 0) {
			cmd = real_cmds[ntt_rand(&s) % (sizeof(real_cmds) / sizeof(real_cmds[0]))];
			/* No pseudo-handles: terminating ourselves is not the point. */
			buf[0] &= ~(1ull << 63);
		}
		ioctl(fd, (unsigned int)cmd,
		      (ntt_rand(&s) & 15) ? (void *)buf : (void *)(uintptr_t)buf[1]);
	}
	memset(&ver, 0, sizeof(ver));
	ver.api = NTEXEC_API_VERSION;
	ASSERT_EQ(version(fd, &ver), 0);
	close(fd);
}

TEST(descriptor_refused_after_fork)
{
	struct ntexec_version ver = { .api = NTEXEC_API_VERSION };
	int fd = open_dev(), status;
	pid_t pid;

	ASSERT_EQ(version(fd, &ver), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		struct ntexec_version v = { .api = NTEXEC_API_VERSION };
		int fd2;

		if (ioctl(fd, NTEXEC_IOC_VERSION, &v) != -1 || errno != EIO)
			_exit(1);
		/* A fresh open in the child is its own. */
		fd2 = open("/dev/ntexec", O_RDWR);
		_exit(fd2 >= 0 && !ioctl(fd2, NTEXEC_IOC_VERSION, &v) ? 0 : 2);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), 0);
	/* The parent's descriptor still works. */
	EXPECT_EQ(version(fd, &ver), 0);
	close(fd);
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], c;
	struct iovec iov = { &c, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

static void send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, c = 'x';
	struct iovec iov = { &c, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	ASSERT_EQ(sendmsg(sock, &msg, 0), 1);
}

TEST(descriptor_refused_over_scm_rights)
{
	int sv[2], status;
	pid_t pid;

	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		/* The child opens; the parent receives and must be refused. */
		int fd = open("/dev/ntexec", O_RDWR);

		if (fd < 0)
			_exit(3);
		send_fd(sv[1], fd);
		read(sv[1], &status, 1);
		_exit(0);
	}
	{
		struct ntexec_version ver = { .api = NTEXEC_API_VERSION };
		int fd = recv_fd(sv[0]);

		ASSERT_GE(fd, 0);
		EXPECT_EQ(ioctl(fd, NTEXEC_IOC_VERSION, &ver), -1);
		EXPECT_EQ(errno, EIO);
		close(fd);
	}
	write(sv[0], "x", 1);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(status, 0);
}

static void *open_close_loop(void *arg)
{
	struct ntexec_version ver;
	long i, bad = 0;

	for (i = 0; i < 2000; i++) {
		int fd = open("/dev/ntexec", O_RDWR);

		memset(&ver, 0, sizeof(ver));
		ver.api = NTEXEC_API_VERSION;
		if (fd < 0 || ioctl(fd, NTEXEC_IOC_VERSION, &ver))
			bad++;
		if (fd >= 0)
			close(fd);
	}
	(void)arg;
	return (void *)bad;
}

TEST_TIMEOUT(open_close_many_threads, 300)
{
	pthread_t th[8];
	void *bad;
	int i;

	close(open_dev());
	for (i = 0; i < 8; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, open_close_loop, NULL), 0);
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(pthread_join(th[i], &bad), 0);
		EXPECT_EQ((long)bad, 0L);
	}
}

TEST(library_initializes_and_reopens_after_fork)
{
	int status;
	pid_t pid;

	close(open_dev());
	ASSERT_STATUS(NtxInitialize(), STATUS_SUCCESS);
	ASSERT_GE(NtxDeviceFd(), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(NtxInitialize() == STATUS_SUCCESS && NtxDeviceFd() >= 0 ? 0 : 1);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(status, 0);
	EXPECT_STATUS(NtxInitialize(), STATUS_SUCCESS);
}

TEST(status_names)
{
	EXPECT_EQ(strcmp(NtxStatusName(STATUS_SUCCESS), "STATUS_SUCCESS"), 0);
	EXPECT_EQ(strcmp(NtxStatusName(STATUS_ACCESS_DENIED), "STATUS_ACCESS_DENIED"), 0);
	EXPECT_EQ(strcmp(NtxStatusName(STATUS_INVALID_PARAMETER_3),
			 "STATUS_INVALID_PARAMETER_3"), 0);
	EXPECT_NE(NtxStatusName((NTSTATUS)0xC0DEFACE), NULL);
}
