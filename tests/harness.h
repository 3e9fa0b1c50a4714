/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small kselftest-style harness for ntexec's user-space tests.
 *
 * TEST(name) { ... } registers a test. Each test runs in its own forked
 * child (a fresh NT process) under a timeout; ASSERT_* ends the test at the
 * first failure, EXPECT_* records it and goes on. Output is TAP:
 *   ok 3 handshake_fields
 *   not ok 4 unknown_ioctl
 * and a last line "# N passed, N failed, N skipped". The exit status is 1
 * when any test failed.
 *
 * Usage: test_x [-t NAME]... [-l]    (run only the named tests / list them)
 * NTEXEC_TEST_SEED sets the seed of randomised tests (default: fixed).
 */
#ifndef NTEXEC_TESTS_HARNESS_H
#define NTEXEC_TESTS_HARNESS_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ntt_test {
	const char *name;
	void (*fn)(void);
	unsigned int timeout;	/* seconds */
	struct ntt_test *next;
};

#ifdef __cplusplus
extern "C" {	/* harness.c is C; a test may be C++ */
#endif
void ntt_register(struct ntt_test *t);
void ntt_fail(void);
void ntt_skip(const char *why) __attribute__((noreturn));
/* The seed of randomised tests. */
uint64_t ntt_seed(void);
/* True when the test runs without root's capabilities. */
int ntt_unprivileged(void);
/* make check-long (NTEXEC_LONG=1): run the long variant, where a test has one. */
int ntt_long(void);
#ifdef __cplusplus
}
#endif

#define TEST_TIMEOUT(n, secs)						\
	static void ntt_fn_##n(void);					\
	static struct ntt_test ntt_t_##n = { #n, ntt_fn_##n, secs, NULL }; \
	__attribute__((constructor)) static void ntt_reg_##n(void)	\
	{ ntt_register(&ntt_t_##n); }					\
	static void ntt_fn_##n(void)

#define TEST(n) TEST_TIMEOUT(n, 60)

#define SKIP(...) do {							\
		char _why[256];						\
		snprintf(_why, sizeof(_why), __VA_ARGS__);		\
		ntt_skip(_why);						\
	} while (0)

#define NTT_CMP(a, op, b, fatal) do {					\
		__typeof__(a) _a = (a);					\
		__typeof__(b) _b = (b);					\
		if (!(_a op _b)) {					\
			fprintf(stderr, "# %s:%d: expected %s %s %s "	\
				"(0x%" PRIx64 " vs 0x%" PRIx64 ")\n",	\
				__FILE__, __LINE__, #a, #op, #b,	\
				(uint64_t)(uintptr_t)_a, (uint64_t)(uintptr_t)_b); \
			ntt_fail();					\
			if (fatal)					\
				exit(1);				\
		}							\
	} while (0)

#define ASSERT_EQ(a, b)	NTT_CMP(a, ==, b, 1)
#define ASSERT_NE(a, b)	NTT_CMP(a, !=, b, 1)
#define ASSERT_LT(a, b)	NTT_CMP(a, <, b, 1)
#define ASSERT_LE(a, b)	NTT_CMP(a, <=, b, 1)
#define ASSERT_GT(a, b)	NTT_CMP(a, >, b, 1)
#define ASSERT_GE(a, b)	NTT_CMP(a, >=, b, 1)
#define ASSERT_TRUE(a)	NTT_CMP(!!(a), ==, 1, 1)
#define ASSERT_FALSE(a)	NTT_CMP(!!(a), ==, 0, 1)
#define EXPECT_EQ(a, b)	NTT_CMP(a, ==, b, 0)
#define EXPECT_NE(a, b)	NTT_CMP(a, !=, b, 0)
#define EXPECT_LT(a, b)	NTT_CMP(a, <, b, 0)
#define EXPECT_LE(a, b)	NTT_CMP(a, <=, b, 0)
#define EXPECT_GT(a, b)	NTT_CMP(a, >, b, 0)
#define EXPECT_GE(a, b)	NTT_CMP(a, >=, b, 0)
#define EXPECT_TRUE(a)	NTT_CMP(!!(a), ==, 1, 0)
#define EXPECT_FALSE(a)	NTT_CMP(!!(a), ==, 0, 0)

/* NTSTATUS comparisons print the status names. */
#define NTT_STATUS(a, b, fatal) do {					\
		uint32_t _a = (uint32_t)(a), _b = (uint32_t)(b);	\
		if (_a != _b) {						\
			fprintf(stderr, "# %s:%d: %s is %s (0x%08x), "	\
				"expected %s (0x%08x)\n", __FILE__, __LINE__, \
				#a, NtxStatusName(_a), _a,		\
				NtxStatusName(_b), _b);			\
			ntt_fail();					\
			if (fatal)					\
				exit(1);				\
		}							\
	} while (0)
#define ASSERT_STATUS(a, b) NTT_STATUS(a, b, 1)
#define EXPECT_STATUS(a, b) NTT_STATUS(a, b, 0)

/* A small xorshift generator for reproducible randomised tests. */
static inline uint64_t ntt_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

#endif
