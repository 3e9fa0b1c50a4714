// SPDX-License-Identifier: GPL-2.0
/*
 * libntexec opens /dev/ntexec on its first use, and that first use may be a
 * SIGSEGV handler's NtxGetLastException(): the open must be
 * async-signal-safe. Here the first call of the process comes from a
 * signal handler, from a signal that interrupts the first open (with a lock
 * held there, the handler deadlocks), from several threads at once, and
 * from a signal handler in a fork()ed child, which must open a descriptor
 * of its own.
 *
 * Every test starts in a fresh process (the harness forks one per test
 * from a runner that never uses the library) and checks that it has no
 * descriptor of the device before, and exactly one after.
 *
 * To put a signal or a delay inside the open's handshake, this program
 * defines ioctl(): libntexec.a, linked statically, calls this definition,
 * which passes every request on to the system call.
 */
#include <dirent.h>
#include <semaphore.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "nt_util.h"
#include "uapi/ntexec.h"

#define NTT_THREADS	8

/* Handshakes (NTEXEC_IOC_VERSION) made so far. */
static volatile int handshakes;
/* A signal to raise inside the next handshake (once), or 0. */
static volatile int raise_in_handshake;
/* How long each handshake takes at least, in ms. */
static int handshake_delay_ms;

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (request == NTEXEC_IOC_VERSION) {
		int sig = __atomic_exchange_n(&raise_in_handshake, 0, __ATOMIC_SEQ_CST);
		struct timespec ts = { 0, handshake_delay_ms * 1000000L };

		__atomic_add_fetch(&handshakes, 1, __ATOMIC_SEQ_CST);
		if (sig)
			raise(sig);
		if (handshake_delay_ms)
			nanosleep(&ts, NULL);
	}
	return syscall(SYS_ioctl, fd, request, arg);
}

/* The descriptors of /dev/ntexec this process has open; the last in *fd. */
static int device_fds(int *fd)
{
	char target[64];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	dir = opendir("/proc/self/fd");
	ASSERT_NE(dir, NULL);
	while ((d = readdir(dir))) {
		ssize_t len;

		if (d->d_name[0] == '.')
			continue;
		len = readlinkat(dirfd(dir), d->d_name, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = 0;
		if (!strcmp(target, "/dev/ntexec")) {
			n++;
			if (fd)
				*fd = atoi(d->d_name);
		}
	}
	closedir(dir);
	return n;
}

/* Skip without opening the device through the library. */
static void lazy_setup(void)
{
	if (access("/dev/ntexec", R_OK | W_OK))
		SKIP("/dev/ntexec is absent: the module is not loaded");
	/* A fresh process: the library has not opened anything yet. */
	ASSERT_EQ(device_fds(NULL), 0);
}

static void on_signal(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(sigaction(sig, &sa, NULL), 0);
}

/*
 * What a handler saw; written in the handler, read after it returned (so
 * volatile: the compiler must not keep it in registers across a fault).
 */
struct seen {
	int calls;
	NTSTATUS status;
	NTSTATUS code;
	ULONG access;
	PVOID address;
	int fd;
	int errno_kept;
};

static volatile struct seen seen;
static char *linux_page;

static void record(volatile struct seen *s)
{
	NTSTATUS status, code = (NTSTATUS)NTT_POISON32;
	ULONG access = NTT_POISON32;
	PVOID address = NULL;
	int e = 4242;

	errno = e;
	status = NtxGetLastException(&code, &access, &address);
	s->errno_kept = errno == e;
	s->status = status;
	s->code = code;
	s->access = access;
	s->address = address;
	s->fd = NtxDeviceFd();
	s->calls++;
}

/*
 * A SIGSEGV handler as a Windows-compatibility runtime writes one: ask
 * ntexec which exception it was, then let the access go through (with
 * mprotect for Linux memory, NtProtectVirtualMemory for NT memory).
 */
static void segv_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	record(&seen);
	if (seen.code == STATUS_ACCESS_VIOLATION) {
		PVOID base = si->si_addr;
		SIZE_T size = 1;
		ULONG old;

		if (NtProtectVirtualMemory(NtCurrentProcess(), &base, &size, PAGE_READWRITE,
					   &old) != STATUS_SUCCESS)
			_exit(3);
	} else if (mprotect(linux_page, 0x1000, PROT_READ | PROT_WRITE)) {
		_exit(4);
	}
}

TEST(first_call_in_a_sigsegv_handler)
{
	PVOID base = NULL;
	SIZE_T size = 0x10000;
	int fd = -1;
	char *p;

	lazy_setup();
	on_signal(SIGSEGV, segv_handler);
	linux_page = mmap(NULL, 0x1000, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(linux_page != MAP_FAILED);

	/* A Linux fault first: the handler's call is the library's first. */
	*(volatile char *)linux_page = 1;
	ASSERT_EQ(seen.calls, 1);
	EXPECT_STATUS(seen.status, STATUS_SUCCESS);
	EXPECT_STATUS(seen.code, 0);
	EXPECT_TRUE(seen.errno_kept);
	EXPECT_EQ(handshakes, 1);
	ASSERT_EQ(device_fds(&fd), 1);
	EXPECT_EQ(seen.fd, fd);
	EXPECT_EQ(NtxDeviceFd(), fd);

	/* Then an NT one, on the descriptor the handler opened. */
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
					      MEM_RESERVE | MEM_COMMIT, PAGE_READONLY),
		      STATUS_SUCCESS);
	p = base;
	*(volatile char *)(p + 0x123) = 1;
	ASSERT_EQ(seen.calls, 2);
	EXPECT_STATUS(seen.status, STATUS_SUCCESS);
	EXPECT_STATUS(seen.code, STATUS_ACCESS_VIOLATION);
	EXPECT_EQ(seen.access, 1);
	EXPECT_EQ((uintptr_t)seen.address, (uintptr_t)(p + 0x123));
	EXPECT_EQ(*(volatile char *)(p + 0x123), 1);
	EXPECT_EQ(handshakes, 1);
	EXPECT_EQ(device_fds(NULL), 1);
}

static void usr1_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	record(&seen);
}

/*
 * The signal arrives while the first open is in its handshake, on the same
 * thread: the handler's own first use cannot wait for that open to finish.
 * A lock there deadlocks (the test times out).
 */
TEST_TIMEOUT(signal_inside_the_first_open, 20)
{
	int fd = -1;

	lazy_setup();
	on_signal(SIGUSR1, usr1_handler);
	raise_in_handshake = SIGUSR1;
	ASSERT_STATUS(NtxInitialize(), STATUS_SUCCESS);
	/* The signal was raised inside the handshake, and handled. */
	EXPECT_EQ(raise_in_handshake, 0);
	ASSERT_EQ(seen.calls, 1);
	EXPECT_STATUS(seen.status, STATUS_SUCCESS);
	EXPECT_STATUS(seen.code, 0);
	EXPECT_TRUE(seen.errno_kept);
	/* One descriptor is left, the one everybody uses. */
	ASSERT_EQ(device_fds(&fd), 1);
	EXPECT_EQ(seen.fd, fd);
	EXPECT_EQ(NtxDeviceFd(), fd);
	EXPECT_STATUS(NtClose((HANDLE)(uintptr_t)0x7ffc), STATUS_INVALID_HANDLE);
	EXPECT_STATUS(NtxInitialize(), STATUS_SUCCESS);
	EXPECT_EQ(device_fds(NULL), 1);
	printf("# %d handshakes\n", handshakes);
}

static pthread_barrier_t barrier;
static volatile struct seen seen_by[NTT_THREADS];
static __thread int my_index = -1;

static void usr2_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	if (my_index >= 0)
		record(&seen_by[my_index]);
}

static void *first_use_fn(void *arg)
{
	int i = (int)(intptr_t)arg;

	pthread_barrier_wait(&barrier);
	if (i % 2) {
		/* From a signal handler... */
		my_index = i;
		pthread_kill(pthread_self(), SIGUSR2);
	} else {
		/* ...or directly. */
		record(&seen_by[i]);
	}
	return NULL;
}

/*
 * Threads race for the first open, half of them from signal handlers; each
 * handshake takes 20 ms, so they overlap. All get the same descriptor and
 * the losers' descriptors are closed.
 */
TEST(first_call_from_many_threads_at_once)
{
	pthread_t th[NTT_THREADS];
	int i, fd = -1;

	lazy_setup();
	on_signal(SIGUSR2, usr2_handler);
	handshake_delay_ms = 20;
	ASSERT_EQ(pthread_barrier_init(&barrier, NULL, NTT_THREADS), 0);
	for (i = 0; i < NTT_THREADS; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, first_use_fn, (void *)(intptr_t)i), 0);
	for (i = 0; i < NTT_THREADS; i++)
		ASSERT_EQ(pthread_join(th[i], NULL), 0);
	ASSERT_EQ(device_fds(&fd), 1);
	for (i = 0; i < NTT_THREADS; i++) {
		EXPECT_EQ(seen_by[i].calls, 1);
		EXPECT_STATUS(seen_by[i].status, STATUS_SUCCESS);
		EXPECT_STATUS(seen_by[i].code, 0);
		EXPECT_TRUE(seen_by[i].errno_kept);
		EXPECT_EQ(seen_by[i].fd, fd);
	}
	EXPECT_EQ(NtxDeviceFd(), fd);
	EXPECT_GE(handshakes, 1);
	EXPECT_LE(handshakes, NTT_THREADS);
	printf("# %d threads, %d handshakes\n", NTT_THREADS, handshakes);
}

/*
 * A fork()ed child forgets the parent's descriptor (the module refuses it
 * there) and its first call, from a signal handler, opens its own.
 */
TEST(fork_child_first_call_in_a_signal_handler)
{
	int status, fd = -1;
	pid_t pid;

	lazy_setup();
	ASSERT_STATUS(NtxInitialize(), STATUS_SUCCESS);
	ASSERT_EQ(device_fds(&fd), 1);
	on_signal(SIGUSR1, usr1_handler);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		int cfd = -1;

		if (device_fds(NULL) != 0)
			_exit(10);	/* the parent's descriptor was not closed */
		raise(SIGUSR1);
		if (seen.calls != 1)
			_exit(11);
		if (seen.status != STATUS_SUCCESS || seen.code != 0)
			_exit(12);	/* e.g. STATUS_INVALID_HANDLE: the parent's fd */
		if (device_fds(&cfd) != 1 || seen.fd != cfd || NtxDeviceFd() != cfd)
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), 0);
	/* The parent's descriptor is untouched. */
	EXPECT_EQ(device_fds(NULL), 1);
	EXPECT_EQ(NtxDeviceFd(), fd);
	EXPECT_STATUS(NtClose((HANDLE)(uintptr_t)0x7ffc), STATUS_INVALID_HANDLE);
}
