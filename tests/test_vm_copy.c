// SPDX-License-Identifier: GPL-2.0
/*
 * NtReadVirtualMemory and NtWriteVirtualMemory on the calling process.
 * Copies from and to another process are in test_vm_remote.c. The sources
 * of the expected statuses are listed in vm_util.h.
 *
 * Everything here works unprivileged.
 */
#include "vm_util.h"

/* ------------------------------------------------------------------------ */
/* NtReadVirtualMemory, NtWriteVirtualMemory on oneself                     */
/* ------------------------------------------------------------------------ */

TEST(read_write_own_memory)
{
	static char src[0x2000], dst[0x2000], before[0x1000];
	SIZE_T n;
	unsigned int i;
	char *p, *r;

	vm_setup();
	for (i = 0; i < sizeof(src); i++)
		src[i] = (char)(i * 13 + i / 251 + 1);
	p = xalloc(0x3000, PAGE_READWRITE);

	n = NTT_POISON64;
	ASSERT_STATUS(NtWriteVirtualMemory(NtCurrentProcess(), p + 0x800, src, sizeof(src), &n),
		      STATUS_SUCCESS);
	EXPECT_EQ(n, sizeof(src));
	EXPECT_EQ(memcmp(p + 0x800, src, sizeof(src)), 0);
	n = NTT_POISON64;
	ASSERT_STATUS(NtReadVirtualMemory(NtCurrentProcess(), p + 0x800, dst, sizeof(dst), &n),
		      STATUS_SUCCESS);
	EXPECT_EQ(n, sizeof(dst));
	EXPECT_EQ(memcmp(dst, src, sizeof(dst)), 0);
	/* The count is optional. */
	EXPECT_STATUS(NtReadVirtualMemory(NtCurrentProcess(), p, dst, 16, NULL), STATUS_SUCCESS);

	/* Zero bytes: success, 0 copied (test_VirtualAllocEx). */
	n = NTT_POISON64;
	EXPECT_STATUS(NtWriteVirtualMemory(NtCurrentProcess(), p, src, 0, &n), STATUS_SUCCESS);
	EXPECT_EQ(n, 0);
	n = NTT_POISON64;
	EXPECT_STATUS(NtReadVirtualMemory(NtCurrentProcess(), p, dst, 0, &n), STATUS_SUCCESS);
	EXPECT_EQ(n, 0);

	/*
	 * A read-only target is not written through: STATUS_PARTIAL_COPY with
	 * nothing written (test_VirtualAllocEx, NtWriteVirtualMemory after
	 * VirtualProtectEx(PAGE_READONLY)).
	 */
	xprotect(p, 0x3000, PAGE_READONLY);
	memcpy(before, p + 0x400, sizeof(before));
	n = NTT_POISON64;
	EXPECT_STATUS(NtWriteVirtualMemory(NtCurrentProcess(), p + 0x400, src + 0x123, 0x1000,
					   &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);
	EXPECT_EQ(memcmp(p + 0x400, before, sizeof(before)), 0);

	/* Reserved memory cannot be read: STATUS_PARTIAL_COPY, nothing copied. */
	r = xreserve(0x10000, PAGE_READWRITE);
	n = NTT_POISON64;
	memset(dst, 0x11, sizeof(dst));
	EXPECT_STATUS(NtReadVirtualMemory(NtCurrentProcess(), r, dst, 0x100, &n),
		      STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);
	/*
	 * Nor can a range running into it, and the source of a copy is read
	 * whole or not at all, a 64 KiB chunk at a time (MmCopyVirtualMemory
	 * copies through a buffer): nothing, as Windows answers.
	 */
	xcommit(r, 0x1000, PAGE_READWRITE);
	n = NTT_POISON64;
	EXPECT_STATUS(NtReadVirtualMemory(NtCurrentProcess(), r + 0x800, dst, 0x1000, &n),
		      STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);
	xrelease(r);
	xrelease(p);
}
