/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the section tests (test_section.c, test_section_file.c).
 */
#ifndef NTEXEC_TESTS_SECTION_UTIL_H
#define NTEXEC_TESTS_SECTION_UTIL_H

#include "vm_util.h"

static inline HANDLE xsection(ULONGLONG size, ULONG protect, ULONG attributes)
{
	LARGE_INTEGER max = { .QuadPart = (LONGLONG)size };
	HANDLE h = (HANDLE)(uintptr_t)NTT_POISON64;

	ASSERT_STATUS(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &max, protect, attributes,
				      NULL), STATUS_SUCCESS);
	ASSERT_NE(hv(h), NTT_POISON64);
	ASSERT_NE(hv(h), 0);
	return h;
}

static inline NTSTATUS map_view(HANDLE section, HANDLE process, PVOID *base, SIZE_T commit,
			 ULONGLONG offset, SIZE_T *size, ULONG type, ULONG protect)
{
	LARGE_INTEGER off = { .QuadPart = (LONGLONG)offset };

	return NtMapViewOfSection(section, process, base, 0, commit, &off, size, ViewShare,
				  type, protect);
}

/* Map anywhere (or at @want), the whole section from @offset when size is 0. */
static inline char *xmap(HANDLE section, void *want, ULONGLONG offset, SIZE_T size, ULONG protect)
{
	PVOID base = want;
	SIZE_T sz = size;

	ASSERT_STATUS(map_view(section, NtCurrentProcess(), &base, 0, offset, &sz, 0, protect),
		      STATUS_SUCCESS);
	ASSERT_NE(pv(base), 0);
	ASSERT_EQ(pv(base) % GRANULE, 0);
	if (want)
		ASSERT_EQ(pv(base), pv(want));
	if (size)
		ASSERT_EQ(sz, round_up(size, PAGE));
	return base;
}

static inline void xunmap(void *base)
{
	ASSERT_STATUS(NtUnmapViewOfSection(NtCurrentProcess(), base), STATUS_SUCCESS);
}

static inline SECTION_BASIC_INFORMATION xquery_section(HANDLE h)
{
	SECTION_BASIC_INFORMATION sbi;
	SIZE_T len = NTT_POISON64;

	memset(&sbi, NTT_POISON, sizeof(sbi));
	ASSERT_STATUS(NtQuerySection(h, SectionBasicInformation, &sbi, sizeof(sbi), &len),
		      STATUS_SUCCESS);
	ASSERT_EQ(len, sizeof(sbi));
	return sbi;
}

#endif /* NTEXEC_TESTS_SECTION_UTIL_H */
