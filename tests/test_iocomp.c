// SPDX-License-Identifier: GPL-2.0
/*
 * I/O completion objects: NtCreateIoCompletion, NtOpenIoCompletion (names),
 * NtSetIoCompletion, NtRemoveIoCompletion(Ex) with timeouts, alerts and a
 * waiter woken from another thread, NtQueryIoCompletion, waits on the
 * object, rights and bad input.
 */
#include <pthread.h>
#include <sys/ioctl.h>

#include "nt_util.h"
#include "uapi/ntexec.h"

static HANDLE xport(void)
{
	HANDLE h = (HANDLE)(uintptr_t)NTT_POISON64;

	ASSERT_STATUS(NtCreateIoCompletion(&h, IO_COMPLETION_ALL_ACCESS, NULL, 0),
		      STATUS_SUCCESS);
	ASSERT_NE(hv(h), NTT_POISON64);
	return h;
}

static LONG depth(HANDLE h)
{
	IO_COMPLETION_BASIC_INFORMATION info = { .Depth = -1 };
	ULONG len = NTT_POISON32;

	ASSERT_STATUS(NtQueryIoCompletion(h, IoCompletionBasicInformation, &info,
					  sizeof(info), &len), STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(info));
	return info.Depth;
}

TEST(fifo_packets_with_all_fields)
{
	IO_STATUS_BLOCK iosb;
	PVOID key, ctx;
	HANDLE h;
	int i;

	nt_setup();
	h = xport();
	EXPECT_EQ(depth(h), 0);
	for (i = 1; i <= 3; i++)
		ASSERT_STATUS(NtSetIoCompletion(h, (PVOID)(uintptr_t)(0x1000 + i),
						(PVOID)(uintptr_t)(0x2000 + i),
						(NTSTATUS)(0xC0DE0000u + i), 0x3000 + i),
			      STATUS_SUCCESS);
	EXPECT_EQ(depth(h), 3);
	for (i = 1; i <= 3; i++) {
		memset(&iosb, 0xcc, sizeof(iosb));
		key = ctx = (PVOID)(uintptr_t)NTT_POISON64;
		ASSERT_STATUS(NtRemoveIoCompletion(h, &key, &ctx, &iosb, NULL), STATUS_SUCCESS);
		EXPECT_EQ((uintptr_t)key, 0x1000u + i);
		EXPECT_EQ((uintptr_t)ctx, 0x2000u + i);
		EXPECT_EQ((uint32_t)iosb.Status, 0xC0DE0000u + i);
		EXPECT_EQ(iosb.Information, 0x3000u + i);
	}
	EXPECT_EQ(depth(h), 0);
	xclose(h);
}

TEST(remove_times_out)
{
	LARGE_INTEGER zero = { .QuadPart = 0 }, t = rel_ms(100);
	IO_STATUS_BLOCK iosb;
	PVOID key = (PVOID)1, ctx = (PVOID)2;
	int64_t t0;
	HANDLE h;

	nt_setup();
	h = xport();
	EXPECT_STATUS(NtRemoveIoCompletion(h, &key, &ctx, &iosb, &zero), STATUS_TIMEOUT);
	EXPECT_EQ((uintptr_t)key, 1u);	/* untouched */
	t0 = mono_ns();
	EXPECT_STATUS(NtRemoveIoCompletion(h, &key, &ctx, &iosb, &t), STATUS_TIMEOUT);
	EXPECT_TRUE(ms_since(t0) >= 95);
	xclose(h);
}

TEST(remove_ex_takes_several)
{
	FILE_IO_COMPLETION_INFORMATION e[4];
	LARGE_INTEGER zero = { .QuadPart = 0 };
	ULONG n = NTT_POISON32;
	HANDLE h;
	int i;

	nt_setup();
	h = xport();
	for (i = 0; i < 5; i++)
		ASSERT_STATUS(NtSetIoCompletion(h, (PVOID)(uintptr_t)i, NULL, STATUS_SUCCESS, i),
			      STATUS_SUCCESS);
	memset(e, 0xcc, sizeof(e));
	ASSERT_STATUS(NtRemoveIoCompletionEx(h, e, 3, &n, &zero, FALSE), STATUS_SUCCESS);
	EXPECT_EQ(n, 3u);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ((uintptr_t)e[i].KeyContext, (uintptr_t)i);
		EXPECT_EQ(e[i].IoStatusBlock.Status, STATUS_SUCCESS);
		EXPECT_EQ(e[i].IoStatusBlock.Information, (ULONG_PTR)i);
	}
	EXPECT_EQ(e[3].IoStatusBlock.Information, (ULONG_PTR)NTT_POISON64);
	ASSERT_STATUS(NtRemoveIoCompletionEx(h, e, 4, &n, &zero, FALSE), STATUS_SUCCESS);
	EXPECT_EQ(n, 2u);
	EXPECT_STATUS(NtRemoveIoCompletionEx(h, e, 4, &n, &zero, FALSE), STATUS_TIMEOUT);
	EXPECT_STATUS(NtRemoveIoCompletionEx(h, e, 0, &n, &zero, FALSE),
		      STATUS_INVALID_PARAMETER);
	xclose(h);
}

static HANDLE waiter_port;
static _Atomic int waiter_got;

static void *waiter(void *arg)
{
	IO_STATUS_BLOCK iosb;
	PVOID key, ctx;

	(void)arg;
	if (NtRemoveIoCompletion(waiter_port, &key, &ctx, &iosb, NULL) == STATUS_SUCCESS)
		waiter_got = (int)(uintptr_t)key;
	return NULL;
}

TEST(blocked_remover_wakes_on_post)
{
	pthread_t t;

	nt_setup();
	waiter_port = xport();
	ASSERT_EQ(pthread_create(&t, NULL, waiter, NULL), 0);
	sleep_ms(100);
	EXPECT_EQ(waiter_got, 0);
	ASSERT_STATUS(NtSetIoCompletion(waiter_port, (PVOID)42, NULL, 0, 0), STATUS_SUCCESS);
	pthread_join(t, NULL);
	EXPECT_EQ(waiter_got, 42);
	EXPECT_EQ(depth(waiter_port), 0);
	xclose(waiter_port);
}

TEST(object_is_signaled_while_it_holds_packets)
{
	IO_STATUS_BLOCK iosb;
	PVOID key, ctx;
	HANDLE h;

	nt_setup();
	h = xport();
	EXPECT_STATUS(wait_ms(h, 0), STATUS_TIMEOUT);
	ASSERT_STATUS(NtSetIoCompletion(h, NULL, NULL, 0, 0), STATUS_SUCCESS);
	EXPECT_STATUS(wait_ms(h, 0), STATUS_WAIT_0);
	EXPECT_EQ(depth(h), 1);		/* a wait takes nothing */
	ASSERT_STATUS(NtRemoveIoCompletion(h, &key, &ctx, &iosb, NULL), STATUS_SUCCESS);
	EXPECT_STATUS(wait_ms(h, 0), STATUS_TIMEOUT);
	xclose(h);
}

TEST(alertable_remove_is_alerted)
{
	FILE_IO_COMPLETION_INFORMATION e;
	LARGE_INTEGER t = rel_ms(5000);
	ULONG n = 7;
	HANDLE h;

	nt_setup();
	h = xport();
	ASSERT_STATUS(NtAlertThread(NtCurrentThread()), STATUS_SUCCESS);
	EXPECT_STATUS(NtRemoveIoCompletionEx(h, &e, 1, &n, &t, TRUE), STATUS_ALERTED);
	EXPECT_EQ(n, 7u);
	xclose(h);
}

TEST(named_port_is_shared)
{
	UNICODE_STRING name = RTL_CONSTANT_STRING(u"\\BaseNamedObjects\\ntx_test_port");
	OBJECT_ATTRIBUTES oa;
	IO_STATUS_BLOCK iosb;
	HANDLE a, b, c;
	PVOID key, ctx;

	nt_setup();
	InitializeObjectAttributes(&oa, &name, 0, NULL, NULL);
	ASSERT_STATUS(NtCreateIoCompletion(&a, IO_COMPLETION_ALL_ACCESS, &oa, 1),
		      STATUS_SUCCESS);
	ASSERT_STATUS(NtOpenIoCompletion(&b, IO_COMPLETION_MODIFY_STATE, &oa), STATUS_SUCCESS);
	ASSERT_STATUS(NtSetIoCompletion(b, (PVOID)7, NULL, 0, 0), STATUS_SUCCESS);
	ASSERT_STATUS(NtRemoveIoCompletion(a, &key, &ctx, &iosb, NULL), STATUS_SUCCESS);
	EXPECT_EQ((uintptr_t)key, 7u);
	/* A name of another type: a job is not a port. */
	EXPECT_STATUS(NtOpenJobObject(&c, JOB_OBJECT_QUERY, &oa), STATUS_OBJECT_TYPE_MISMATCH);
	xclose(b);
	xclose(a);
	EXPECT_STATUS(NtOpenIoCompletion(&b, IO_COMPLETION_MODIFY_STATE, &oa),
		      STATUS_OBJECT_NAME_NOT_FOUND);
}

TEST(rights_types_and_bad_input)
{
	IO_COMPLETION_BASIC_INFORMATION info;
	IO_STATUS_BLOCK iosb;
	HANDLE h, q, job;
	PVOID key, ctx;
	ULONG len;
	int fd;

	nt_setup();
	h = xport();
	EXPECT_STATUS(NtQueryIoCompletion(h, (IO_COMPLETION_INFORMATION_CLASS)1, &info,
					  sizeof(info), &len), STATUS_INVALID_INFO_CLASS);
	EXPECT_STATUS(NtQueryIoCompletion(h, IoCompletionBasicInformation, &info, 8, &len),
		      STATUS_INFO_LENGTH_MISMATCH);
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(), &q,
					IO_COMPLETION_QUERY_STATE, 0, 0), STATUS_SUCCESS);
	EXPECT_STATUS(NtSetIoCompletion(q, NULL, NULL, 0, 0), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtRemoveIoCompletion(q, &key, &ctx, &iosb, NULL), STATUS_ACCESS_DENIED);
	EXPECT_EQ(depth(q), 0);
	EXPECT_STATUS(NtSetIoCompletion(NtCurrentProcess(), NULL, NULL, 0, 0),
		      STATUS_OBJECT_TYPE_MISMATCH);
	ASSERT_STATUS(NtCreateJobObject(&job, JOB_OBJECT_ALL_ACCESS, NULL), STATUS_SUCCESS);
	EXPECT_STATUS(NtSetIoCompletion(job, NULL, NULL, 0, 0), STATUS_OBJECT_TYPE_MISMATCH);
	EXPECT_STATUS(NtCreateIoCompletion(&q, 0x00800000, NULL, 0), STATUS_ACCESS_DENIED);

	/* The raw ABI: pads, flags and a bad entries pointer. */
	fd = NtxDeviceFd();
	{
		struct ntexec_remove_io r = { .handle = hv(h), .count = 1, .pad = 1 };
		struct ntexec_io_packet p = { .handle = hv(h), .pad = 1 };

		EXPECT_EQ(ioctl(fd, NTEXEC_IOC_REMOVE_IO_COMPLETION, &r), -1);
		r.pad = 0;
		r.flags = 0x80;
		EXPECT_EQ(ioctl(fd, NTEXEC_IOC_REMOVE_IO_COMPLETION, &r), -1);
		EXPECT_EQ(ioctl(fd, NTEXEC_IOC_SET_IO_COMPLETION, &p), -1);
		p.pad = 0;
		EXPECT_EQ(ioctl(fd, NTEXEC_IOC_SET_IO_COMPLETION, &p), 0);
		r.flags = NTEXEC_REMOVE_TIMEOUT;
		r.entries = 0xffff800000000000ull;
		EXPECT_EQ(ioctl(fd, NTEXEC_IOC_REMOVE_IO_COMPLETION, &r),
			  (int)STATUS_ACCESS_VIOLATION);
		r.count = NTEXEC_REMOVE_MAX + 1;
		EXPECT_EQ(ioctl(fd, NTEXEC_IOC_REMOVE_IO_COMPLETION, &r),
			  (int)STATUS_INVALID_PARAMETER);
	}
	xclose(job);
	xclose(q);
	xclose(h);
}
