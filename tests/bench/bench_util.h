/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the benchmark programs share: iteration counts scaled by -n and -q,
 * a clock, and one line per figure (ntexec beside Linux, and their ratio).
 */
#ifndef NTEXEC_BENCH_UTIL_H
#define NTEXEC_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <ntexec/nt.h>

#define PAGE		4096UL
#define MIB		(1UL << 20)

static unsigned long scale = 1;
static int quick;

static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* @base iterations, scaled by -n and -q; at least 1. */
static inline unsigned long iters(unsigned long base)
{
	unsigned long n = base * scale;

	if (quick)
		n /= 10;
	return n ? n : 1;
}

static inline void report(const char *name, double nt, double lin)
{
	printf("%s: ntexec %.0f ns, linux %.0f ns, ratio %.2f\n", name, nt, lin, nt / lin);
}

static inline void report_na(const char *name, double nt, const char *why)
{
	printf("%s: ntexec %.0f ns, linux n/a (%s), ratio n/a\n", name, nt, why);
}

static inline void failed(const char *name, const char *what, NTSTATUS s)
{
	printf("%s: %s failed: %s (0x%08x)\n", name, what, NtxStatusName(s), (uint32_t)s);
}

static inline void touch(char *p, size_t size)
{
	size_t i;

	for (i = 0; i < size; i += PAGE)
		((volatile char *)p)[i] = 1;
}

/*
 * The common start of a benchmark program: -n SCALE and -q, the device,
 * line-buffered output. Return: 0, or the exit code to leave with.
 */
static inline int bench_start(int argc, char **argv, const char *name)
{
	int opt;

	while ((opt = getopt(argc, argv, "n:q")) != -1) {
		switch (opt) {
		case 'n':
			scale = strtoul(optarg, NULL, 0);
			if (!scale)
				scale = 1;
			break;
		case 'q':
			quick = 1;
			break;
		default:
			fprintf(stderr, "usage: %s [-n SCALE] [-q]\n", argv[0]);
			return 2;
		}
	}
	if (!NT_SUCCESS(NtxInitialize())) {
		fprintf(stderr, "%s: /dev/ntexec is not available\n", name);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	return 0;
}

#endif /* NTEXEC_BENCH_UTIL_H */
