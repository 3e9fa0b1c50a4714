// SPDX-License-Identifier: GPL-2.0
/*
 * NtFlushVirtualMemory on the calling process's private memory and on a
 * shared file mapping.
 *
 * Everything here works unprivileged.
 */
#include <sys/mman.h>

#include "vm_util.h"

/*
 * NtFlushVirtualMemory: private memory has nothing to flush
 * (STATUS_NOT_MAPPED_VIEW, as the WRK's MmFlushVirtualMemory says for a
 * private VAD); a shared file mapping is written back, the range rounded
 * to pages and clipped to the mapping, and IoStatus filled.
 */
TEST(flush_virtual_memory)
{
	char path[] = "/tmp/ntexec-flush-XXXXXX";
	IO_STATUS_BLOCK iosb;
	SIZE_T size;
	PVOID base;
	char *p, *m;
	int fd;

	vm_setup();
	p = xalloc(0x10000, PAGE_READWRITE);
	base = p;
	size = 0x1000;
	memset(&iosb, NTT_POISON, sizeof(iosb));
	EXPECT_STATUS(NtFlushVirtualMemory(NtCurrentProcess(), &base, &size, &iosb),
		      STATUS_NOT_MAPPED_VIEW);
	EXPECT_EQ(pv(base), pv(p));
	EXPECT_EQ(size, 0x1000);
	xrelease(p);

	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	unlink(path);
	ASSERT_EQ(ftruncate(fd, 0x4000), 0);
	m = mmap(NULL, 0x4000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_TRUE(m != MAP_FAILED);
	memset(m, 0x5a, 0x4000);
	base = m + 0x1010;
	size = 0x10;
	EXPECT_STATUS(NtFlushVirtualMemory(NtCurrentProcess(), &base, &size, &iosb),
		      STATUS_SUCCESS);
	EXPECT_EQ(pv(base), pv(m + 0x1000));
	EXPECT_EQ(size, 0x1000);
	EXPECT_EQ((uint32_t)iosb.Status, STATUS_SUCCESS);
	/* Size 0: to the end of the mapping. */
	base = m + 0x1000;
	size = 0;
	EXPECT_STATUS(NtFlushVirtualMemory(NtCurrentProcess(), &base, &size, &iosb),
		      STATUS_SUCCESS);
	EXPECT_EQ(size, 0x3000);
	munmap(m, 0x4000);
	close(fd);
}
