// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the handshake (ntexec/main.c).
 */
#include <kunit/test.h>

#include "../ntexec/ntexec.h"

static void version_answers(struct kunit *test)
{
	struct ntexec_version ver = { .api = NTEXEC_API_VERSION };

	KUNIT_EXPECT_EQ(test, ntexec_ioctl_version(&ver), 0);
	KUNIT_EXPECT_EQ(test, ver.api, NTEXEC_API_VERSION);
	KUNIT_EXPECT_EQ(test, ver.features, NTEXEC_FEATURES);
	KUNIT_EXPECT_EQ(test, ver.page_size, (u32)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ver.allocation_granularity, 65536u);
	KUNIT_EXPECT_TRUE(test, ver.ioctls & 1);
}

static void version_rejects_malformed(struct kunit *test)
{
	struct ntexec_version ver = { .api = NTEXEC_API_VERSION, .flags = 1 };

	KUNIT_EXPECT_EQ(test, ntexec_ioctl_version(&ver), -EINVAL);
	/* A malformed request is not answered. */
	KUNIT_EXPECT_EQ(test, ver.features, 0ull);

	memset(&ver, 0, sizeof(ver));
	ver.api = NTEXEC_API_VERSION;
	ver.reserved[3] = 1;
	KUNIT_EXPECT_EQ(test, ntexec_ioctl_version(&ver), -EINVAL);
}

static void version_refuses_unknown(struct kunit *test)
{
	struct ntexec_version ver = { .api = NTEXEC_API_VERSION + 1 };

	KUNIT_EXPECT_EQ(test, ntexec_ioctl_version(&ver), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, ver.api, NTEXEC_API_VERSION);

	memset(&ver, 0, sizeof(ver));
	ver.api = NTEXEC_API_VERSION;
	ver.features = 1ull << 63;
	KUNIT_EXPECT_EQ(test, ntexec_ioctl_version(&ver), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, ver.features, NTEXEC_FEATURES);
}

static struct kunit_case main_test_cases[] = {
	KUNIT_CASE(version_answers),
	KUNIT_CASE(version_rejects_malformed),
	KUNIT_CASE(version_refuses_unknown),
	{}
};

static struct kunit_suite main_test_suite = {
	.name = "ntexec_handshake",
	.test_cases = main_test_cases,
};
kunit_test_suite(main_test_suite);

MODULE_DESCRIPTION("KUnit suites for ntexec");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
