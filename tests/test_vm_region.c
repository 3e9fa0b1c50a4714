// SPDX-License-Identifier: GPL-2.0
/*
 * NtQueryVirtualMemory's MemoryRegionInformation (3) and
 * MemoryRegionInformationEx (7) on the calling process: the whole
 * allocation containing an address (private memory, write-watch memory, a
 * pagefile view, a view of a file, an image view, Linux's own mappings),
 * the buffer lengths it accepts, a free address and the arguments it
 * refuses. Another process is queried in test_vm_remote.c.
 *
 * Sources of the expected answers: Wine's conformance test
 * dlls/ntdll/tests/virtual.c test_query_region_information (which passes
 * on Windows: a buffer may end after RegionSize, one shorter is
 * STATUS_INFO_LENGTH_MISMATCH; RegionSize is the whole allocation; class
 * 3 leaves RegionType's bits clear), the documentation of
 * WIN32_MEMORY_REGION_INFORMATION (CommitSize: a private allocation's
 * committed pages, a view's write-copy and copied pages) and phnt's
 * layout of MEMORY_REGION_INFORMATION.
 *
 * Everything here works unprivileged.
 */
#include <fcntl.h>
#include <sys/mman.h>

#include "section_util.h"
#include "pe_util.h"

#define MRI_V1_SIZE	offsetof(MEMORY_REGION_INFORMATION, CommitSize)

/* Query @cls at @addr into a poisoned structure; *len gets ReturnLength. */
static NTSTATUS region(const void *addr, MEMORY_INFORMATION_CLASS cls,
		       MEMORY_REGION_INFORMATION *info, SIZE_T length, SIZE_T *len)
{
	memset(info, NTT_POISON, sizeof(*info));
	*len = NTT_POISON64;
	return NtQueryVirtualMemory(NtCurrentProcess(), (PVOID)addr, cls, info, length, len);
}

/* The Ex class's whole answer, which must succeed. */
static MEMORY_REGION_INFORMATION xregion(const void *addr)
{
	MEMORY_REGION_INFORMATION info;
	SIZE_T len;

	ASSERT_STATUS(region(addr, MemoryRegionInformationEx, &info, sizeof(info), &len),
		      STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(info));
	EXPECT_EQ(info.PartitionId, 0);
	EXPECT_EQ(info.NodePreference, 0);
	return info;
}

TEST(region_private_allocation)
{
	MEMORY_REGION_INFORMATION info;
	char *r;
	SIZE_T len;

	vm_setup();
	/* 256 KiB reserved, 3 pages committed in two places, one protection changed. */
	r = xreserve(0x40000, PAGE_READWRITE);
	xcommit(r + 0x2000, 0x2000, PAGE_READWRITE);
	xcommit(r + 0x30000, 0x1000, PAGE_READONLY);

	/* Any address of the allocation answers for all of it. */
	for (uintptr_t off = 0; off < 0x40000; off += 0x9000) {
		info = xregion(r + off);
		EXPECT_EQ(pv(info.AllocationBase), pv(r));
		EXPECT_EQ(info.AllocationProtect, PAGE_READWRITE);
		EXPECT_EQ(info.RegionSize, 0x40000);
		EXPECT_EQ(info.CommitSize, 0x3000);
		EXPECT_EQ(info.RegionType, 0x1);
		EXPECT_EQ((ULONG)info.Private, 1);
		EXPECT_EQ((ULONG)(info.MappedDataFile + info.MappedImage + info.MappedPageFile), 0);
		EXPECT_EQ((ULONG)info.MappedWriteWatch, 0);
	}

	/* MemoryRegionInformation: the same, RegionType's bits clear. */
	ASSERT_STATUS(region(r + 0x2345, MemoryRegionInformation, &info, sizeof(info), &len),
		      STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(info));
	EXPECT_EQ(pv(info.AllocationBase), pv(r));
	EXPECT_EQ(info.AllocationProtect, PAGE_READWRITE);
	EXPECT_EQ(info.RegionType, 0);
	EXPECT_EQ(info.RegionSize, 0x40000);
	EXPECT_EQ(info.CommitSize, 0x3000);

	/* Decommitting and committing moves CommitSize, not RegionSize. */
	{
		PVOID b = r + 0x2000;
		SIZE_T s = 0x1000;

		ASSERT_STATUS(vm_free(&b, &s, MEM_DECOMMIT), STATUS_SUCCESS);
	}
	info = xregion(r);
	EXPECT_EQ(info.CommitSize, 0x2000);
	EXPECT_EQ(info.RegionSize, 0x40000);
	xcommit(r, 0x40000, PAGE_READWRITE);
	EXPECT_EQ(xregion(r + 0x3ffff).CommitSize, 0x40000);

	/* A piece left by a partial release is an allocation of its own. */
	{
		PVOID b = r + 0x10000;
		SIZE_T s = 0x10000;

		ASSERT_STATUS(vm_free(&b, &s, MEM_RELEASE), STATUS_SUCCESS);
	}
	info = xregion(r + 0x20000);
	EXPECT_EQ(pv(info.AllocationBase), pv(r + 0x20000));
	EXPECT_EQ(info.RegionSize, 0x20000);
	EXPECT_EQ(info.CommitSize, 0x20000);
	info = xregion(r);
	EXPECT_EQ(info.RegionSize, 0x10000);
	xrelease(r);
	xrelease(r + 0x20000);
}

TEST(region_write_watch)
{
	MEMORY_REGION_INFORMATION info;
	char *w, *p;

	vm_setup();
	w = xalloc_type(0x20000, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
	p = xalloc(0x10000, PAGE_READWRITE);
	info = xregion(w + 0x1000);
	EXPECT_EQ(pv(info.AllocationBase), pv(w));
	EXPECT_EQ(info.RegionSize, 0x20000);
	EXPECT_EQ(info.CommitSize, 0x20000);
	EXPECT_EQ((ULONG)info.Private, 1);
	EXPECT_EQ((ULONG)info.MappedWriteWatch, 1);
	EXPECT_EQ(info.RegionType, 0x401);
	/* Writes do not change it; a plain allocation next to it has no flag. */
	w[0x5000] = 1;
	EXPECT_EQ((ULONG)xregion(w).MappedWriteWatch, 1);
	EXPECT_EQ((ULONG)xregion(p).MappedWriteWatch, 0);
	EXPECT_EQ(xregion(p).RegionType, 0x1);
	xrelease(w);
	xrelease(p);
}

TEST(region_section_views)
{
	char path[] = "/tmp/ntexec-region-XXXXXX";
	MEMORY_REGION_INFORMATION info;
	HANDLE sec, fsec, file;
	char *v, *ro, *wc, *fv;
	int fd;

	vm_setup();
	/* A 64 KiB pagefile section mapped read-write, read-only and write-copy. */
	sec = xsection(0x10000, PAGE_READWRITE, SEC_COMMIT);
	v = xmap(sec, NULL, 0, 0, PAGE_READWRITE);
	ro = xmap(sec, NULL, 0, 0x8000, PAGE_READONLY);
	wc = xmap(sec, NULL, 0, 0, PAGE_WRITECOPY);

	info = xregion(v + 0xffff);
	EXPECT_EQ(pv(info.AllocationBase), pv(v));
	EXPECT_EQ(info.AllocationProtect, PAGE_READWRITE);
	EXPECT_EQ(info.RegionSize, 0x10000);
	/* A view's commit is the section's: nothing is charged to the view. */
	EXPECT_EQ(info.CommitSize, 0);
	EXPECT_EQ(info.RegionType, 0x8);
	EXPECT_EQ((ULONG)info.MappedPageFile, 1);

	info = xregion(ro + 0x1000);
	EXPECT_EQ(pv(info.AllocationBase), pv(ro));
	EXPECT_EQ(info.AllocationProtect, PAGE_READONLY);
	EXPECT_EQ(info.RegionSize, 0x8000);
	EXPECT_EQ(info.CommitSize, 0);

	/* Write-copy pages count, and still count once copied. */
	info = xregion(wc);
	EXPECT_EQ(info.AllocationProtect, PAGE_WRITECOPY);
	EXPECT_EQ(info.CommitSize, 0x10000);
	wc[0x3000] = 5;
	EXPECT_EQ(xquery(wc + 0x3000).Protect, PAGE_READWRITE);
	EXPECT_EQ(xregion(wc + 0x8000).CommitSize, 0x10000);
	/* A write-copy page made read-only no longer does. */
	EXPECT_EQ(xprotect(wc + 0x6000, 0x2000, PAGE_READONLY), PAGE_WRITECOPY);
	EXPECT_EQ(xregion(wc).CommitSize, 0xe000);

	/* A view of a file. */
	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(ftruncate(fd, 0x3000), 0);
	ASSERT_STATUS(NtxHandleFromFd(fd, MAXIMUM_ALLOWED, &file), STATUS_SUCCESS);
	ASSERT_STATUS(NtCreateSection(&fsec, SECTION_ALL_ACCESS, NULL, NULL, PAGE_READWRITE,
				      SEC_COMMIT, file), STATUS_SUCCESS);
	fv = xmap(fsec, NULL, 0, 0, PAGE_READWRITE);
	info = xregion(fv + 0x2000);
	EXPECT_EQ(pv(info.AllocationBase), pv(fv));
	EXPECT_EQ(info.RegionSize, 0x3000);
	EXPECT_EQ(info.CommitSize, 0);
	EXPECT_EQ(info.RegionType, 0x2);
	EXPECT_EQ((ULONG)info.MappedDataFile, 1);

	/* Unmapped, the address is free. */
	xunmap(fv);
	{
		MEMORY_REGION_INFORMATION i2;
		SIZE_T len;

		EXPECT_STATUS(region(fv, MemoryRegionInformationEx, &i2, sizeof(i2), &len),
			      STATUS_INVALID_ADDRESS);
	}
	xunmap(v);
	xunmap(ro);
	xunmap(wc);
	NtClose(fsec);
	NtClose(sec);
	NtClose(file);
	close(fd);
	unlink(path);
}

TEST(region_image_view)
{
	char path[] = "/tmp/ntexec-region-img-XXXXXX";
	const struct pe_options opt = { 0 };
	MEMORY_REGION_INFORMATION info;
	PVOID base = NULL;
	SIZE_T size = 0;
	HANDLE f, sec;
	NTSTATUS st;
	int fd, ro;

	vm_setup();
	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(pe_write_fd(fd, &opt), 0);
	ro = open(path, O_RDONLY);
	ASSERT_GE(ro, 0);
	close(fd);
	unlink(path);
	ASSERT_STATUS(NtxHandleFromFd(ro, FILE_GENERIC_READ | FILE_EXECUTE, &f), STATUS_SUCCESS);
	ASSERT_STATUS(NtCreateSection(&sec, SECTION_ALL_ACCESS, NULL, NULL, PAGE_EXECUTE_READ,
				      SEC_IMAGE, f), STATUS_SUCCESS);
	st = NtMapViewOfSection(sec, NtCurrentProcess(), &base, 0, 0, NULL, &size, ViewUnmap,
				0, PAGE_READONLY);
	ASSERT_TRUE(st == STATUS_SUCCESS || st == STATUS_IMAGE_NOT_AT_BASE);

	info = xregion((char *)base + PE_TEXT_RVA);
	EXPECT_EQ(pv(info.AllocationBase), pv(base));
	EXPECT_EQ(info.AllocationProtect, PAGE_EXECUTE_WRITECOPY);
	EXPECT_EQ(info.RegionSize, PE_SIZE_OF_IMAGE);
	EXPECT_EQ(info.RegionType, 0x4);
	EXPECT_EQ((ULONG)info.MappedImage, 1);
	/* The write-copy .data pages are what the image charges. */
	EXPECT_EQ(info.CommitSize, round_up(PE_DATA_VSIZE, PAGE));
	((volatile char *)base)[PE_DATA_RVA] = 3;
	EXPECT_EQ(xregion(base).CommitSize, round_up(PE_DATA_VSIZE, PAGE));

	ASSERT_STATUS(NtUnmapViewOfSection(NtCurrentProcess(), base), STATUS_SUCCESS);
	NtClose(sec);
	NtClose(f);
	close(ro);
}

/* Memory the module does not manage: Linux's own mappings of the process. */
TEST(region_linux_mappings)
{
	MEMORY_REGION_INFORMATION info;
	MEMORY_BASIC_INFORMATION mbi;
	char *anon, *none;

	vm_setup();
	anon = mmap(NULL, 0x5000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(anon != MAP_FAILED);
	none = mmap(NULL, 0x3000, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(none != MAP_FAILED);

	info = xregion(anon + 0x4000);
	mbi = xquery(anon);
	EXPECT_EQ(pv(info.AllocationBase), pv(mbi.AllocationBase));
	EXPECT_EQ(info.AllocationProtect, PAGE_READWRITE);
	EXPECT_EQ((ULONG)info.Private, 1);
	EXPECT_GE(info.RegionSize, 0x5000);
	EXPECT_EQ(info.CommitSize, info.RegionSize);

	info = xregion(none);
	EXPECT_EQ((ULONG)info.Private, 1);
	EXPECT_EQ(info.CommitSize, 0);

	/* The test binary's text is a file mapping. */
	info = xregion(cp(text_address()));
	EXPECT_EQ((ULONG)info.MappedDataFile, 1);
	EXPECT_LE(pv(info.AllocationBase), text_address());
	EXPECT_GT(pv(info.AllocationBase) + info.RegionSize, text_address());
	munmap(anon, 0x5000);
	munmap(none, 0x3000);
}

TEST(region_free_address_and_lengths)
{
	unsigned char buf[sizeof(MEMORY_REGION_INFORMATION) + 16];
	MEMORY_REGION_INFORMATION info;
	SIZE_T len;
	char *r, *hole;

	vm_setup();
	r = xalloc(0x10000, PAGE_READWRITE);

	/* A free address has no allocation: nothing is written. */
	hole = free_range(0x10000);
	EXPECT_STATUS(region(hole, MemoryRegionInformationEx, &info, sizeof(info), &len),
		      STATUS_INVALID_ADDRESS);
	EXPECT_EQ(info.RegionSize, NTT_POISON64);
	EXPECT_STATUS(region(hole, MemoryRegionInformation, &info, sizeof(info), &len),
		      STATUS_INVALID_ADDRESS);
	/* Past the user address space. */
	EXPECT_STATUS(region(cp(0x800000000000UL), MemoryRegionInformation, &info,
			     sizeof(info), &len), STATUS_INVALID_PARAMETER);

	/*
	 * Windows 7's structure ends after RegionSize: that much is enough,
	 * and each longer buffer gets the whole fields it holds.
	 */
	EXPECT_STATUS(region(r, MemoryRegionInformation, &info,
			     offsetof(MEMORY_REGION_INFORMATION, RegionSize), &len),
		      STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_EQ(info.RegionSize, NTT_POISON64);
	EXPECT_STATUS(region(r, MemoryRegionInformationEx, &info, MRI_V1_SIZE - 1, &len),
		      STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_STATUS(region(r, MemoryRegionInformation, &info, 0, &len),
		      STATUS_INFO_LENGTH_MISMATCH);
	ASSERT_STATUS(region(r, MemoryRegionInformation, &info, MRI_V1_SIZE, &len),
		      STATUS_SUCCESS);
	EXPECT_EQ(len, MRI_V1_SIZE);
	EXPECT_EQ(pv(info.AllocationBase), pv(r));
	EXPECT_EQ(info.RegionSize, 0x10000);
	EXPECT_EQ(info.CommitSize, NTT_POISON64);
	ASSERT_STATUS(region(r, MemoryRegionInformationEx, &info, MRI_V1_SIZE + 12, &len),
		      STATUS_SUCCESS);
	EXPECT_EQ(len, MRI_V1_SIZE + 8);
	EXPECT_EQ(info.CommitSize, 0x10000);
	EXPECT_EQ(info.PartitionId, NTT_POISON64);
	ASSERT_STATUS(region(r, MemoryRegionInformationEx, &info,
			     offsetof(MEMORY_REGION_INFORMATION, NodePreference), &len),
		      STATUS_SUCCESS);
	EXPECT_EQ(len, offsetof(MEMORY_REGION_INFORMATION, NodePreference));
	EXPECT_EQ(info.PartitionId, 0);
	EXPECT_EQ(info.NodePreference, NTT_POISON64);

	/* A bigger buffer: only the structure is written. */
	memset(buf, NTT_POISON, sizeof(buf));
	len = 0;
	ASSERT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), r, MemoryRegionInformationEx, buf,
					   sizeof(buf), &len), STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(info));
	for (size_t i = sizeof(info); i < sizeof(buf); i++)
		EXPECT_EQ(buf[i], NTT_POISON);

	/* ReturnLength is optional; a misaligned or bad buffer is refused. */
	EXPECT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), r, MemoryRegionInformationEx,
					   &info, sizeof(info), NULL), STATUS_SUCCESS);
	EXPECT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), r, MemoryRegionInformationEx,
					   buf + 4, sizeof(info), NULL),
		      STATUS_DATATYPE_MISALIGNMENT);
	EXPECT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), r, MemoryRegionInformationEx,
					   hole, sizeof(info), NULL), STATUS_ACCESS_VIOLATION);
	/* A handle that is not a process, or lacks PROCESS_QUERY_INFORMATION. */
	{
		HANDLE sec = xsection(0x1000, PAGE_READWRITE, SEC_COMMIT), weak;

		EXPECT_STATUS(NtQueryVirtualMemory(sec, r, MemoryRegionInformation, &info,
						   sizeof(info), NULL),
			      STATUS_OBJECT_TYPE_MISMATCH);
		NtClose(sec);
		ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), NtCurrentProcess(),
						NtCurrentProcess(), &weak,
						PROCESS_QUERY_LIMITED_INFORMATION, 0, 0),
			      STATUS_SUCCESS);
		EXPECT_STATUS(NtQueryVirtualMemory(weak, r, MemoryRegionInformation, &info,
						   sizeof(info), NULL), STATUS_ACCESS_DENIED);
		NtClose(weak);
	}
	xrelease(r);
}
