// SPDX-License-Identifier: GPL-2.0
/*
 * File-backed sections: NtxHandleFromFd, NtCreateSection with a FileHandle,
 * views of a file, NtFlushVirtualMemory and NtExtendSection. A view shows
 * the file's own page cache: pwrite() is seen through it at once and a
 * write through it is seen by pread() at once, in this process or another;
 * the file system is told of every write (its times change, its seals and
 * append-only flag hold), the file grows with the section, and truncation
 * under a view gives SIGBUS past the end, never a crash.
 *
 * The files are made in /tmp (tmpfs in the test VM) and as memfds.
 * Everything here works unprivileged.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "section_util.h"

/* A file of @size bytes in /tmp, already unlinked, byte i = pattern(i). */
static unsigned char pattern(uint64_t i)
{
	return (unsigned char)(i * 7 + (i >> 12) + 1);
}

static int xtmpfile(uint64_t size, int flags)
{
	char path[] = "/tmp/ntexec-secfile-XXXXXX";
	unsigned char buf[4096];
	uint64_t off;
	int fd, fd2;

	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	for (off = 0; off < size; off += sizeof(buf)) {
		size_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(off + i);
		ASSERT_EQ(pwrite(fd, buf, n, (off_t)off), (ssize_t)n);
	}
	if (flags != O_RDWR) {
		fd2 = open(path, flags);
		ASSERT_GE(fd2, 0);
		close(fd);
		fd = fd2;
	}
	unlink(path);
	return fd;
}

static HANDLE xfile(int fd, ACCESS_MASK access)
{
	HANDLE h = (HANDLE)(uintptr_t)NTT_POISON64;

	ASSERT_STATUS(NtxHandleFromFd(fd, access, &h), STATUS_SUCCESS);
	ASSERT_NE(hv(h), NTT_POISON64);
	return h;
}

static NTSTATUS file_section(HANDLE *h, HANDLE file, ULONGLONG size, ULONG protect,
			     ULONG attributes)
{
	LARGE_INTEGER max = { .QuadPart = (LONGLONG)size };

	return NtCreateSection(h, SECTION_ALL_ACCESS, NULL, size ? &max : NULL, protect,
			       attributes, file);
}

static HANDLE xfile_section(int fd, ULONGLONG size, ULONG protect)
{
	HANDLE f = xfile(fd, MAXIMUM_ALLOWED), h;

	ASSERT_STATUS(file_section(&h, f, size, protect, SEC_COMMIT), STATUS_SUCCESS);
	xclose(f);
	return h;
}

static off_t file_size(int fd)
{
	struct stat st;

	ASSERT_EQ(fstat(fd, &st), 0);
	return st.st_size;
}

static int memfd(const char *name, unsigned int flags)
{
	return (int)syscall(SYS_memfd_create, name, flags);
}

/* ------------------------------------------------------------------------ */
/* NtxHandleFromFd                                                          */
/* ------------------------------------------------------------------------ */

/* A handle's rights never exceed the descriptor's open mode. */
TEST(handle_from_fd)
{
	int ro = xtmpfile(0x3000, O_RDONLY), wo = xtmpfile(0x3000, O_WRONLY);
	int path_fd, pipefd[2];
	HANDLE h, s;

	vm_setup();
	h = xfile(ro, FILE_GENERIC_READ);
	xclose(h);
	h = xfile(ro, GENERIC_READ | GENERIC_EXECUTE);
	xclose(h);
	EXPECT_STATUS(NtxHandleFromFd(ro, FILE_WRITE_DATA, &h), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtxHandleFromFd(ro, GENERIC_WRITE, &h), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtxHandleFromFd(ro, FILE_APPEND_DATA, &h), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtxHandleFromFd(ro, DELETE, &h), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtxHandleFromFd(ro, FILE_ALL_ACCESS, &h), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtxHandleFromFd(wo, FILE_READ_DATA, &h), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtxHandleFromFd(wo, FILE_EXECUTE, &h), STATUS_ACCESS_DENIED);
	h = xfile(wo, FILE_GENERIC_WRITE);
	xclose(h);
	EXPECT_STATUS(NtxHandleFromFd(-1, FILE_READ_DATA, &h), STATUS_INVALID_HANDLE);
	EXPECT_STATUS(NtxHandleFromFd(100000, FILE_READ_DATA, &h), STATUS_INVALID_HANDLE);
	EXPECT_STATUS(NtxHandleFromFd(ro, FILE_READ_DATA, NULL), STATUS_ACCESS_VIOLATION);
	path_fd = open("/tmp", O_PATH);
	ASSERT_GE(path_fd, 0);
	EXPECT_STATUS(NtxHandleFromFd(path_fd, FILE_READ_ATTRIBUTES, &h), STATUS_INVALID_HANDLE);
	close(path_fd);

	/* MAXIMUM_ALLOWED on a read-only descriptor: no writable section. */
	h = xfile(ro, MAXIMUM_ALLOWED);
	EXPECT_STATUS(file_section(&s, h, 0, PAGE_READWRITE, SEC_COMMIT), STATUS_ACCESS_DENIED);
	/* The handle holds the open file: closing the descriptor changes nothing. */
	close(ro);
	ASSERT_STATUS(file_section(&s, h, 0, PAGE_READONLY, SEC_COMMIT), STATUS_SUCCESS);
	{
		unsigned char *v = (unsigned char *)xmap(s, NULL, 0, 0, PAGE_READONLY);

		EXPECT_EQ(v[0x1234], pattern(0x1234));
		xunmap(v);
	}
	xclose(s);
	/* Not a section handle, and not a file handle. */
	{
		PVOID base = NULL;
		SIZE_T size = 0;

		EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0, &size, 0,
				       PAGE_READONLY), STATUS_OBJECT_TYPE_MISMATCH);
		s = xsection(0x1000, PAGE_READWRITE, SEC_COMMIT);
		EXPECT_STATUS(file_section(&h, s, 0, PAGE_READONLY, SEC_COMMIT),
			      STATUS_OBJECT_TYPE_MISMATCH);
		xclose(s);
	}
	xclose(h);
	/* A pipe is a file, but no section can be made of it. */
	ASSERT_EQ(pipe(pipefd), 0);
	h = xfile(pipefd[0], FILE_READ_DATA);
	EXPECT_STATUS(file_section(&s, h, 0x1000, PAGE_READONLY, SEC_COMMIT),
		      STATUS_INVALID_FILE_FOR_SECTION);
	xclose(h);
	close(pipefd[0]);
	close(pipefd[1]);
	close(wo);
}

/* ------------------------------------------------------------------------ */
/* NtCreateSection with a file                                              */
/* ------------------------------------------------------------------------ */

TEST(create_file_section_arguments)
{
	int fd = xtmpfile(0x2345, O_RDWR), empty = xtmpfile(0, O_RDWR);
	int ro = xtmpfile(0x1000, O_RDONLY), dir;
	SECTION_BASIC_INFORMATION sbi;
	HANDLE f, s;

	vm_setup();
	f = xfile(fd, MAXIMUM_ALLOWED);
	/* No size: the file's, not rounded; SEC_FILE reported. */
	ASSERT_STATUS(file_section(&s, f, 0, PAGE_READWRITE, SEC_COMMIT), STATUS_SUCCESS);
	sbi = xquery_section(s);
	EXPECT_EQ((uint64_t)sbi.MaximumSize.QuadPart, 0x2345);
	EXPECT_EQ(sbi.AllocationAttributes, SEC_FILE | SEC_COMMIT);
	EXPECT_EQ(pv(sbi.BaseAddress), 0);
	xclose(s);
	/* Only SEC_COMMIT for a data file (SEC_IMAGE is not there yet). */
	EXPECT_STATUS(file_section(&s, f, 0, PAGE_READWRITE, SEC_RESERVE),
		      STATUS_INVALID_PARAMETER_6);
	EXPECT_STATUS(file_section(&s, f, 0, PAGE_READWRITE, SEC_COMMIT | SEC_NOCACHE),
		      STATUS_INVALID_PARAMETER_6);
	EXPECT_STATUS(file_section(&s, f, 0, PAGE_NOACCESS, SEC_COMMIT),
		      STATUS_INVALID_PAGE_PROTECTION);
	EXPECT_STATUS(file_section(&s, f, 0, PAGE_READWRITE | PAGE_NOCACHE, SEC_COMMIT),
		      STATUS_INVALID_PAGE_PROTECTION);
	/* Larger than the file: a writable section grows it. */
	ASSERT_STATUS(file_section(&s, f, 0x5000, PAGE_READWRITE, SEC_COMMIT), STATUS_SUCCESS);
	EXPECT_EQ(file_size(fd), 0x5000);
	EXPECT_EQ((uint64_t)xquery_section(s).MaximumSize.QuadPart, 0x5000);
	xclose(s);
	/* Smaller than the file: the file stays as it is. */
	ASSERT_STATUS(file_section(&s, f, 0x1000, PAGE_READONLY, SEC_COMMIT), STATUS_SUCCESS);
	EXPECT_EQ(file_size(fd), 0x5000);
	xclose(s);
	/* A read-only section cannot grow it. */
	EXPECT_STATUS(file_section(&s, f, 0x6000, PAGE_READONLY, SEC_COMMIT),
		      STATUS_SECTION_TOO_BIG);
	EXPECT_STATUS(file_section(&s, f, 0x6000, PAGE_WRITECOPY, SEC_COMMIT),
		      STATUS_SECTION_TOO_BIG);
	EXPECT_STATUS(file_section(&s, f, 1ULL << 48, PAGE_READWRITE, SEC_COMMIT),
		      STATUS_SECTION_TOO_BIG);
	EXPECT_EQ(file_size(fd), 0x5000);
	xclose(f);

	/* The handle's rights decide the protections. */
	f = xfile(fd, FILE_READ_DATA);
	EXPECT_STATUS(file_section(&s, f, 0, PAGE_READWRITE, SEC_COMMIT), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(file_section(&s, f, 0, PAGE_EXECUTE_READ, SEC_COMMIT), STATUS_ACCESS_DENIED);
	ASSERT_STATUS(file_section(&s, f, 0, PAGE_WRITECOPY, SEC_COMMIT), STATUS_SUCCESS);
	xclose(s);
	xclose(f);
	f = xfile(fd, FILE_WRITE_DATA);
	EXPECT_STATUS(file_section(&s, f, 0, PAGE_READONLY, SEC_COMMIT), STATUS_ACCESS_DENIED);
	xclose(f);
	f = xfile(ro, MAXIMUM_ALLOWED);
	EXPECT_STATUS(file_section(&s, f, 0, PAGE_EXECUTE_READWRITE, SEC_COMMIT),
		      STATUS_ACCESS_DENIED);
	ASSERT_STATUS(file_section(&s, f, 0, PAGE_EXECUTE_READ, SEC_COMMIT), STATUS_SUCCESS);
	xclose(s);
	xclose(f);

	/* An empty file: nothing to map, unless the section grows it. */
	f = xfile(empty, MAXIMUM_ALLOWED);
	EXPECT_STATUS(file_section(&s, f, 0, PAGE_READWRITE, SEC_COMMIT),
		      STATUS_MAPPED_FILE_SIZE_ZERO);
	EXPECT_STATUS(file_section(&s, f, 0, PAGE_READONLY, SEC_COMMIT),
		      STATUS_MAPPED_FILE_SIZE_ZERO);
	ASSERT_STATUS(file_section(&s, f, 0x1800, PAGE_READWRITE, SEC_COMMIT), STATUS_SUCCESS);
	EXPECT_EQ(file_size(empty), 0x1800);
	xclose(s);
	xclose(f);

	/* A directory is not a file to map. */
	dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	ASSERT_GE(dir, 0);
	f = xfile(dir, FILE_READ_DATA);
	EXPECT_STATUS(file_section(&s, f, 0x1000, PAGE_READONLY, SEC_COMMIT),
		      STATUS_INVALID_FILE_FOR_SECTION);
	xclose(f);
	close(dir);
	close(ro);
	close(empty);
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* Views of a file                                                          */
/* ------------------------------------------------------------------------ */

/* A view shows the file; pwrite() and writes through it meet at once. */
TEST(views_are_coherent_with_the_file)
{
	int fd = xtmpfile(0x12345, O_RDWR);
	unsigned char *rw, *ro, c;
	HANDLE s;
	uint64_t i;

	vm_setup();
	s = xfile_section(fd, 0, PAGE_READWRITE);
	ro = (unsigned char *)xmap(s, NULL, 0, 0, PAGE_READONLY);
	rw = (unsigned char *)xmap(s, NULL, 0x10000, 0, PAGE_READWRITE);
	EXPECT_REGION(ro, pv(ro), 0x13000, MEM_COMMIT, PAGE_READONLY, pv(ro), PAGE_READONLY,
		      MEM_MAPPED);
	for (i = 0; i < 0x12345; i += 0x123)
		if (ro[i] != pattern(i)) {
			fprintf(stderr, "# byte %#lx is %#x, not %#x\n", (unsigned long)i, ro[i],
				pattern(i));
			ntt_fail();
			break;
		}
	/* Past the end of the file, in its last page: zeros. */
	EXPECT_EQ(ro[0x12345], 0);
	EXPECT_EQ(ro[0x12fff], 0);
	/* pwrite() is seen through both views at once. */
	c = 0xa5;
	ASSERT_EQ(pwrite(fd, &c, 1, 0x11003), 1);
	EXPECT_EQ(ro[0x11003], 0xa5);
	EXPECT_EQ(rw[0x1003], 0xa5);
	/* A write through a view is read by pread() at once, and by the other view. */
	rw[0x2010] = 0x3c;
	ASSERT_EQ(pread(fd, &c, 1, 0x12010), 1);
	EXPECT_EQ(c, 0x3c);
	EXPECT_EQ(ro[0x12010], 0x3c);
	/* The read-only view faults at the exact address. */
	EXPECT_FAULT(PROBE_WRITE, ro + 0x11007, STATUS_ACCESS_VIOLATION, 1);
	/* NtReadVirtualMemory of a page no view touched reads the file. */
	{
		unsigned char buf[16];
		SIZE_T done = 0;

		ASSERT_STATUS(NtReadVirtualMemory(NtCurrentProcess(), ro + 0x8000, buf,
						  sizeof(buf), &done), STATUS_SUCCESS);
		EXPECT_EQ(done, sizeof(buf));
		EXPECT_EQ(buf[5], pattern(0x8005));
		/* And NtWriteVirtualMemory into the writable view reaches the file. */
		buf[0] = 0x77;
		ASSERT_STATUS(NtWriteVirtualMemory(NtCurrentProcess(), rw + 0x100, buf, 1,
						   &done), STATUS_SUCCESS);
		ASSERT_EQ(pread(fd, &c, 1, 0x10100), 1);
		EXPECT_EQ(c, 0x77);
	}
	/* /proc/self/mem (ptrace's way) reads the file too. */
	{
		int mem = open("/proc/self/mem", O_RDONLY);
		unsigned char b = 0;

		ASSERT_GE(mem, 0);
		EXPECT_EQ(pread(mem, &b, 1, (off_t)pv(ro + 0x9001)), 1);
		EXPECT_EQ(b, pattern(0x9001));
		close(mem);
	}
	xunmap(rw);
	xunmap(ro);
	xclose(s);
	close(fd);
}

/*
 * Write-copy views write private copies (PAGE_READWRITE afterwards); the
 * file and other views keep the original.
 */
TEST(write_copy_file_views)
{
	int fd = xtmpfile(0x4000, O_RDONLY);
	unsigned char *wc, *ro, c;
	HANDLE s;

	vm_setup();
	s = xfile_section(fd, 0, PAGE_WRITECOPY);
	wc = (unsigned char *)xmap(s, NULL, 0, 0, PAGE_WRITECOPY);
	ro = (unsigned char *)xmap(s, NULL, 0, 0, PAGE_READONLY);
	EXPECT_EQ(wc[0x1001], pattern(0x1001));
	wc[0x1001] = 0xee;
	EXPECT_EQ(wc[0x1001], 0xee);
	/* The rest of the copied page is the file's. */
	EXPECT_EQ(wc[0x1fff], pattern(0x1fff));
	EXPECT_EQ(ro[0x1001], pattern(0x1001));
	ASSERT_EQ(pread(fd, &c, 1, 0x1001), 1);
	EXPECT_EQ(c, pattern(0x1001));
	EXPECT_REGION(wc + 0x1000, pv(wc) + 0x1000, PAGE, MEM_COMMIT, PAGE_READWRITE, pv(wc),
		      PAGE_WRITECOPY, MEM_MAPPED);
	EXPECT_REGION(wc, pv(wc), PAGE, MEM_COMMIT, PAGE_WRITECOPY, pv(wc), PAGE_WRITECOPY,
		      MEM_MAPPED);
	/* A write to a page never read copies the file's content, not zeros. */
	wc[0x3000] = 1;
	EXPECT_EQ(wc[0x3001], pattern(0x3001));
	/* A read-only file gives no writable view. */
	{
		PVOID base = NULL;
		SIZE_T size = 0;

		EXPECT_STATUS(map_view(s, NtCurrentProcess(), &base, 0, 0, &size, 0,
				       PAGE_READWRITE), STATUS_SECTION_PROTECTION);
	}
	xunmap(ro);
	xunmap(wc);
	xclose(s);
	close(fd);
}

/*
 * The file system hears of every write through a view: the file's
 * modification time moves, and NtFlushVirtualMemory writes the range.
 */
TEST(flush_and_file_times)
{
	int fd = xtmpfile(0x8000, O_RDWR);
	struct stat before, after;
	IO_STATUS_BLOCK iosb;
	unsigned char *v;
	SIZE_T size;
	PVOID base;
	HANDLE s;

	vm_setup();
	s = xfile_section(fd, 0, PAGE_READWRITE);
	v = (unsigned char *)xmap(s, NULL, 0, 0, PAGE_READWRITE);
	EXPECT_EQ(v[0x10], pattern(0x10));
	ASSERT_EQ(fstat(fd, &before), 0);
	sleep_ms(20);
	v[0x3010] = 0x42;
	base = v + 0x3008;
	size = 0x10;
	memset(&iosb, NTT_POISON, sizeof(iosb));
	ASSERT_STATUS(NtFlushVirtualMemory(NtCurrentProcess(), &base, &size, &iosb),
		      STATUS_SUCCESS);
	EXPECT_EQ(pv(base), pv(v + 0x3000));
	EXPECT_EQ(size, PAGE);
	EXPECT_EQ((uint32_t)iosb.Status, STATUS_SUCCESS);
	ASSERT_EQ(fstat(fd, &after), 0);
	EXPECT_TRUE(after.st_mtim.tv_sec > before.st_mtim.tv_sec ||
		    (after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
		     after.st_mtim.tv_nsec > before.st_mtim.tv_nsec));
	/* Size 0: the rest of the view. */
	base = v + 0x2000;
	size = 0;
	ASSERT_STATUS(NtFlushVirtualMemory(NtCurrentProcess(), &base, &size, &iosb),
		      STATUS_SUCCESS);
	EXPECT_EQ(size, 0x6000);
	/* A pagefile-backed view has nothing to write. */
	{
		HANDLE p = xsection(0x10000, PAGE_READWRITE, SEC_COMMIT);
		char *pv_ = xmap(p, NULL, 0, 0, PAGE_READWRITE);

		pv_[0] = 1;
		base = pv_;
		size = PAGE;
		EXPECT_STATUS(NtFlushVirtualMemory(NtCurrentProcess(), &base, &size, &iosb),
			      STATUS_SUCCESS);
		xunmap(pv_);
		xclose(p);
	}
	xunmap(v);
	xclose(s);
	/* What was written stays written after the section's end. */
	{
		unsigned char c = 0;

		ASSERT_EQ(pread(fd, &c, 1, 0x3010), 1);
		EXPECT_EQ(c, 0x42);
	}
	close(fd);
}

/* NtExtendSection grows a writable file section and its file. */
TEST(extend_section)
{
	int fd = xtmpfile(0x1000, O_RDWR);
	LARGE_INTEGER size;
	unsigned char *v, c;
	HANDLE s, weak, p;

	vm_setup();
	s = xfile_section(fd, 0, PAGE_READWRITE);
	size.QuadPart = 0x4800;
	ASSERT_STATUS(NtExtendSection(s, &size), STATUS_SUCCESS);
	EXPECT_EQ(size.QuadPart, 0x4800);
	EXPECT_EQ(file_size(fd), 0x4800);
	EXPECT_EQ((uint64_t)xquery_section(s).MaximumSize.QuadPart, 0x4800);
	/* Not above the current size: nothing changes, the size is told. */
	size.QuadPart = 0x2000;
	ASSERT_STATUS(NtExtendSection(s, &size), STATUS_SUCCESS);
	EXPECT_EQ(size.QuadPart, 0x4800);
	EXPECT_EQ(file_size(fd), 0x4800);
	/* A view of the new part, written through, reaches the file. */
	v = (unsigned char *)xmap(s, NULL, 0, 0, PAGE_READWRITE);
	EXPECT_EQ(v[0x10], pattern(0x10));
	EXPECT_EQ(v[0x4000], 0);
	v[0x4001] = 0x99;
	ASSERT_EQ(pread(fd, &c, 1, 0x4001), 1);
	EXPECT_EQ(c, 0x99);
	xunmap(v);
	EXPECT_STATUS(NtExtendSection(s, NULL), STATUS_ACCESS_VIOLATION);
	/* Beyond the address space, or negative: too big, the file untouched. */
	size.QuadPart = 1LL << 48;
	EXPECT_STATUS(NtExtendSection(s, &size), STATUS_SECTION_TOO_BIG);
	size.QuadPart = -1;
	EXPECT_STATUS(NtExtendSection(s, &size), STATUS_SECTION_TOO_BIG);
	EXPECT_EQ(file_size(fd), 0x4800);
	/* SECTION_EXTEND_SIZE is needed. */
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), s, NtCurrentProcess(), &weak,
					SECTION_MAP_READ, 0, 0), STATUS_SUCCESS);
	size.QuadPart = 0x8000;
	EXPECT_STATUS(NtExtendSection(weak, &size), STATUS_ACCESS_DENIED);
	xclose(weak);
	xclose(s);
	/* Read-only and pagefile-backed sections do not grow. */
	s = xfile_section(fd, 0, PAGE_READONLY);
	EXPECT_STATUS(NtExtendSection(s, &size), STATUS_SECTION_NOT_EXTENDED);
	xclose(s);
	p = xsection(0x1000, PAGE_READWRITE, SEC_COMMIT);
	EXPECT_STATUS(NtExtendSection(p, &size), STATUS_SECTION_NOT_EXTENDED);
	xclose(p);
	EXPECT_EQ(file_size(fd), 0x4800);
	close(fd);
}

/*
 * Another program truncates the file under a view: what the view held
 * stays readable (never a freed page), what lies past the new end and was
 * never touched faults with SIGBUS, as Linux's own mappings do; nothing
 * grows the file back.
 */
TEST(truncate_under_a_view)
{
	int fd = xtmpfile(0x8000, O_RDWR);
	long before = module_param("resident_pages");
	unsigned char *v;
	long val;
	HANDLE s;

	vm_setup();
	s = xfile_section(fd, 0, PAGE_READWRITE);
	v = (unsigned char *)xmap(s, NULL, 0, 0, PAGE_READWRITE);
	v[0x10] = 1;
	v[0x3010] = 3;
	ASSERT_EQ(ftruncate(fd, 0x2000), 0);
	EXPECT_EQ(v[0x10], 1);
	EXPECT_NO_FAULT(PROBE_READ, v + 0x3010, 0);
	EXPECT_NO_FAULT(PROBE_WRITE, v + 0x3011, 4);
	val = 0;
	EXPECT_EQ(probe(PROBE_READ, (char *)v + 0x6000, &val), 1);
	EXPECT_EQ(probe_fault.signo, SIGBUS);
	EXPECT_EQ(probe(PROBE_WRITE, (char *)v + 0x7000, &val), 1);
	EXPECT_EQ(probe_fault.signo, SIGBUS);
	xunmap(v);
	xclose(s);
	EXPECT_EQ(file_size(fd), 0x2000);
	/* Every page the section held is let go. */
	if (before >= 0)
		EXPECT_EQ(settle_param("resident_pages", before), before);
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* Seals, append-only, other processes                                      */
/* ------------------------------------------------------------------------ */

/* A memfd's write seals hold against views, as against mmap(). */
TEST(memfd_seals)
{
	int fd = memfd("ntexec-seal", MFD_ALLOW_SEALING);
	HANDLE f, s;
	char *v;

	vm_setup();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(ftruncate(fd, 0x4000), 0);
	f = xfile(fd, MAXIMUM_ALLOWED);
	/* A writable section keeps the file from being write-sealed... */
	ASSERT_STATUS(file_section(&s, f, 0, PAGE_READWRITE, SEC_COMMIT), STATUS_SUCCESS);
	v = xmap(s, NULL, 0, 0, PAGE_READWRITE);
	v[5] = 5;
	EXPECT_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1);
	EXPECT_EQ(errno, EBUSY);
	xunmap(v);
	xclose(s);
	/* ...until it is gone (its end runs on a work queue). */
	for (int i = 0; i < 500 && fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE); i++)
		sleep_ms(10);
	EXPECT_EQ(fcntl(fd, F_GET_SEALS) & F_SEAL_WRITE, F_SEAL_WRITE);
	/* A write-sealed file gives read-only sections only. */
	EXPECT_STATUS(file_section(&s, f, 0, PAGE_READWRITE, SEC_COMMIT), STATUS_ACCESS_DENIED);
	ASSERT_STATUS(file_section(&s, f, 0, PAGE_READONLY, SEC_COMMIT), STATUS_SUCCESS);
	v = xmap(s, NULL, 0, 0, PAGE_READONLY);
	EXPECT_EQ(v[5], 5);
	xunmap(v);
	xclose(s);
	xclose(f);
	close(fd);

	/* F_SEAL_FUTURE_WRITE: no new writable mapping either. */
	fd = memfd("ntexec-seal2", MFD_ALLOW_SEALING);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(ftruncate(fd, 0x4000), 0);
	ASSERT_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), 0);
	f = xfile(fd, MAXIMUM_ALLOWED);
	EXPECT_STATUS(file_section(&s, f, 0, PAGE_READWRITE, SEC_COMMIT), STATUS_ACCESS_DENIED);
	xclose(f);
	close(fd);
}

/* Another process's view of the same file: both see each other's writes. */
TEST(two_processes_share_a_file)
{
	int fd = xtmpfile(0x10000, O_RDWR), st, go[2];
	unsigned char *v;
	pid_t pid;
	HANDLE s;

	vm_setup();
	s = xfile_section(fd, 0, PAGE_READWRITE);
	v = (unsigned char *)xmap(s, NULL, 0, 0, PAGE_READWRITE);
	v[0x100] = 0x11;
	ASSERT_EQ(pipe(go), 0);
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		HANDLE f, cs;
		PVOID base = NULL;
		SIZE_T size = 0;
		unsigned char *cv;
		char x;

		nt_setup();
		if (!NT_SUCCESS(NtxHandleFromFd(fd, MAXIMUM_ALLOWED, &f)) ||
		    !NT_SUCCESS(file_section(&cs, f, 0, PAGE_READWRITE, SEC_COMMIT)) ||
		    !NT_SUCCESS(map_view(cs, NtCurrentProcess(), &base, 0, 0, &size, 0,
					 PAGE_READWRITE)))
			_exit(2);
		cv = base;
		if (cv[0x100] != 0x11)
			_exit(3);
		cv[0x200] = 0x22;
		/* Exit without unmapping: the exit lets the view go. */
		if (read(go[0], &x, 1) != 1)
			_exit(4);
		_exit(0);
	}
	close(go[0]);
	for (int i = 0; i < 500 && v[0x200] != 0x22; i++)
		sleep_ms(10);
	EXPECT_EQ(v[0x200], 0x22);
	ASSERT_EQ(write(go[1], "x", 1), 1);
	close(go[1]);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EXPECT_EQ(v[0x200], 0x22);
	xunmap(v);
	xclose(s);
	{
		unsigned char c = 0;

		ASSERT_EQ(pread(fd, &c, 1, 0x200), 1);
		EXPECT_EQ(c, 0x22);
	}
	close(fd);
}

/* Many processes map, write and unmap one file while others exit. */
/*
 * A write through a view queues the segment's work; the section's end
 * queues it again to write everything back and free the segment. A run of
 * the first that started before the end and saw it freed the segment while
 * the second was queued: the work ran again on freed memory (found on
 * Debian's stock 6.12 kernel as a NULL dereference in process_one_work()).
 * Write, then end the section at once, many times: with KASAN, any use
 * after free is a report.
 */
TEST_TIMEOUT(written_view_ended_at_once, 300)
{
	int fd = memfd("ntexec-end", 0);

	vm_setup();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(ftruncate(fd, 0x10000), 0);
	for (int i = 0; i < 300; i++) {
		HANDLE s = xfile_section(fd, 0, PAGE_READWRITE);
		unsigned char *v = (unsigned char *)xmap(s, NULL, 0, 0, PAGE_READWRITE);

		v[(i * 0x1000) % 0x10000] = (unsigned char)i;
		xclose(s);
		xunmap(v);
	}
	close(fd);
}

TEST_TIMEOUT(file_view_stress, 600)
{
	int fd = xtmpfile(0x40000, O_RDWR), st;
	enum { PROCS = 4, ROUNDS = 40 };
	pid_t pids[PROCS];
	unsigned char c;

	vm_setup();
	fflush(stdout);
	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		ASSERT_GE(pids[p], 0);
		if (!pids[p]) {
			HANDLE f, s;

			nt_setup();
			if (!NT_SUCCESS(NtxHandleFromFd(fd, MAXIMUM_ALLOWED, &f)) ||
			    !NT_SUCCESS(file_section(&s, f, 0, PAGE_READWRITE, SEC_COMMIT)))
				_exit(2);
			for (int r = 0; r < ROUNDS; r++) {
				PVOID base = NULL;
				SIZE_T size = 0;
				unsigned char *v;

				if (!NT_SUCCESS(map_view(s, NtCurrentProcess(), &base, 0,
							 (ULONGLONG)(r % 4) << 16, &size, 0,
							 PAGE_READWRITE)))
					_exit(3);
				v = base;
				for (SIZE_T o = (SIZE_T)p * PAGE; o < size; o += PROCS * PAGE)
					v[o] = (unsigned char)(p + 1);
				/* Some exit with the view mapped and the section open. */
				if (r == ROUNDS / 2 && (p & 1))
					_exit(0);
				if (!NT_SUCCESS(NtUnmapViewOfSection(NtCurrentProcess(), base)))
					_exit(4);
			}
			NtClose(s);
			NtClose(f);
			_exit(0);
		}
	}
	for (int p = 0; p < PROCS; p++) {
		ASSERT_EQ(waitpid(pids[p], &st, 0), pids[p]);
		EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	/* Every process's pages hold its mark. */
	for (int p = 0; p < PROCS; p++) {
		ASSERT_EQ(pread(fd, &c, 1, (off_t)p * PAGE), 1);
		EXPECT_EQ(c, p + 1);
	}
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* A disk file system                                                       */
/* ------------------------------------------------------------------------ */

static int sh(const char *fmt, const char *a, const char *b)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	return system(cmd);
}

/* Unmount, waiting (5 s at most) for the sections' ends to let the file go. */
static int umount_when_free(const char *dir)
{
	for (int i = 0; i < 250; i++) {
		if (!sh("umount %s 2>/dev/null", dir, ""))
			return 0;
		sleep_ms(20);
	}
	return -1;
}

/*
 * ext4 with delayed allocation: writes through a view, into a hole and
 * into written blocks, reach the disk with no NtFlushVirtualMemory, once
 * the section is gone: the file system was told of each (an ext4 that
 * was not throws such pages away at writeback). A remount reads the disk.
 */
TEST_TIMEOUT(ext4_writes_reach_the_disk, 300)
{
	char img[] = "/tmp/ntexec-ext4-XXXXXX", dir[] = "/tmp/ntexec-ext4-dir-XXXXXX";
	char path[128], pathb[128];
	unsigned char *v, c;
	int fd, ifd;
	HANDLE s;

	vm_setup();
	if (ntt_unprivileged())
		SKIP("mounting needs root");
	ifd = mkstemp(img);
	ASSERT_GE(ifd, 0);
	ASSERT_EQ(ftruncate(ifd, 64 << 20), 0);
	close(ifd);
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	if (sh("mkfs.ext4 -q -F %s >/dev/null 2>&1", img, "") ||
	    sh("mount -o loop %s %s 2>/dev/null", img, dir)) {
		unlink(img);
		rmdir(dir);
		SKIP("no ext4 or loop device in this kernel");
	}
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(pathb, sizeof(pathb), "%s/g", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	ASSERT_GE(fd, 0);
	for (unsigned int i = 0; i < 3 * PAGE; i++) {
		c = pattern(i);
		ASSERT_EQ(pwrite(fd, &c, 1, i), 1);
	}
	ASSERT_EQ(fsync(fd), 0);
	/* Sixteen pages: three written, a hole after them. */
	ASSERT_EQ(ftruncate(fd, 16 * PAGE), 0);
	s = xfile_section(fd, 0, PAGE_READWRITE);
	v = (unsigned char *)xmap(s, NULL, 0, 0, PAGE_READWRITE);
	EXPECT_EQ(v[0x1001], pattern(0x1001));
	v[0x1001] = 0xd1;
	v[8 * PAGE + 5] = 0xd8;
	v[15 * PAGE + PAGE - 1] = 0xdf;
	xunmap(v);
	xclose(s);
	close(fd);

	/* A second file: written, flushed while mapped, then unmapped. */
	fd = open(pathb, O_RDWR | O_CREAT, 0600);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(ftruncate(fd, 4 * PAGE), 0);
	s = xfile_section(fd, 0, PAGE_READWRITE);
	v = (unsigned char *)xmap(s, NULL, 0, 0, PAGE_READWRITE);
	v[2 * PAGE + 2] = 0xb2;
	{
		IO_STATUS_BLOCK iosb;
		PVOID base = v;
		SIZE_T size = 0;

		EXPECT_STATUS(NtFlushVirtualMemory(NtCurrentProcess(), &base, &size, &iosb),
			      STATUS_SUCCESS);
	}
	/* Written again after the flush wrote the page back. */
	v[2 * PAGE + 3] = 0xb3;
	xunmap(v);
	xclose(s);
	close(fd);

	ASSERT_EQ(umount_when_free(dir), 0);
	ASSERT_EQ(sh("mount -o loop %s %s", img, dir), 0);
	fd = open(path, O_RDONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(pread(fd, &c, 1, 0x1001), 1);
	EXPECT_EQ(c, 0xd1);
	ASSERT_EQ(pread(fd, &c, 1, 0x1002), 1);
	EXPECT_EQ(c, pattern(0x1002));
	ASSERT_EQ(pread(fd, &c, 1, 8 * PAGE + 5), 1);
	EXPECT_EQ(c, 0xd8);
	ASSERT_EQ(pread(fd, &c, 1, 16 * PAGE - 1), 1);
	EXPECT_EQ(c, 0xdf);
	EXPECT_EQ(file_size(fd), 16 * PAGE);
	close(fd);
	fd = open(pathb, O_RDONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(pread(fd, &c, 1, 2 * PAGE + 2), 1);
	EXPECT_EQ(c, 0xb2);
	ASSERT_EQ(pread(fd, &c, 1, 2 * PAGE + 3), 1);
	EXPECT_EQ(c, 0xb3);
	close(fd);
	EXPECT_EQ(umount_when_free(dir), 0);
	unlink(img);
	rmdir(dir);
}

/* ------------------------------------------------------------------------ */
/* MemoryMappedFilenameInformation                                          */
/* ------------------------------------------------------------------------ */

/* The name at @addr as ASCII (the test's paths are), or the status. */
static NTSTATUS mapped_name(PVOID addr, char *out, size_t cap)
{
	union {
		UNICODE_STRING us;
		unsigned char raw[16 + 8192];
	} buf;
	SIZE_T len = 0;
	NTSTATUS s;
	size_t i;

	memset(&buf, NTT_POISON, sizeof(buf));
	s = NtQueryVirtualMemory(NtCurrentProcess(), addr, MemoryMappedFilenameInformation,
				 &buf, sizeof(buf), &len);
	out[0] = '\0';
	if (s)
		return s;
	EXPECT_EQ(len, 16u + buf.us.MaximumLength);
	EXPECT_EQ(buf.us.MaximumLength, buf.us.Length + 2u);
	EXPECT_TRUE((void *)buf.us.Buffer == (void *)(buf.raw + 16));
	EXPECT_EQ(buf.us.Buffer[buf.us.Length / 2], 0);
	for (i = 0; i < buf.us.Length / 2 && i + 1 < cap; i++)
		out[i] = (char)buf.us.Buffer[i];
	out[i] = '\0';
	return s;
}

TEST(mapped_file_names)
{
	char path[] = "/tmp/ntexec-name-XXXXXX", name[8192], self[4096];
	LARGE_INTEGER max = { .QuadPart = 65536 };
	PVOID view = NULL, pview = NULL, priv = NULL;
	SIZE_T vsize = 0, size = 65536, len;
	unsigned char small[24] __attribute__((aligned(8)));
	HANDLE f, section, psection;
	ssize_t n;
	void *anon;
	int fd;

	vm_setup();
	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(ftruncate(fd, 65536), 0);
	f = xfile(fd, MAXIMUM_ALLOWED);
	ASSERT_STATUS(file_section(&section, f, 0, PAGE_READWRITE, SEC_COMMIT), STATUS_SUCCESS);
	view = xmap(section, NULL, 0, 0, PAGE_READWRITE);

	/* A view of a file names it, at any address inside. */
	ASSERT_STATUS(mapped_name(view, name, sizeof(name)), STATUS_SUCCESS);
	EXPECT_EQ(strcmp(name, path), 0);
	ASSERT_STATUS(mapped_name((char *)view + 4097, name, sizeof(name)), STATUS_SUCCESS);
	EXPECT_EQ(strcmp(name, path), 0);

	/* Short buffers: the size needed, with the statuses Windows gives. */
	len = 0;
	EXPECT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), view,
					   MemoryMappedFilenameInformation, small, 8, &len),
		      STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_EQ(len, 16 + 2 * strlen(path) + 2);
	len = 0;
	EXPECT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), view,
					   MemoryMappedFilenameInformation, small, sizeof(small),
					   &len), STATUS_BUFFER_OVERFLOW);
	EXPECT_EQ(len, 16 + 2 * strlen(path) + 2);
	EXPECT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), view,
					   MemoryMappedFilenameInformation, small + 1, 16, &len),
		      STATUS_DATATYPE_MISALIGNMENT);

	/* A pagefile view has no file; private memory and holes have no view. */
	ASSERT_STATUS(NtCreateSection(&psection, SECTION_ALL_ACCESS, NULL, &max, PAGE_READWRITE,
				      SEC_COMMIT, NULL), STATUS_SUCCESS);
	ASSERT_STATUS(NtMapViewOfSection(psection, NtCurrentProcess(), &pview, 0, 0, NULL,
					 &vsize, ViewUnmap, 0, PAGE_READWRITE), STATUS_SUCCESS);
	EXPECT_STATUS(mapped_name(pview, name, sizeof(name)), STATUS_FILE_INVALID);
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &priv, 0, &size,
					      MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_SUCCESS);
	EXPECT_STATUS(mapped_name(priv, name, sizeof(name)), STATUS_INVALID_ADDRESS);
	EXPECT_STATUS(mapped_name(NULL, name, sizeof(name)), STATUS_INVALID_ADDRESS);
	EXPECT_STATUS(mapped_name((PVOID)0x800000000000ull, name, sizeof(name)),
		      STATUS_INVALID_PARAMETER);

	/* Linux's own mappings: this program's text names it; anonymous memory nothing. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	ASSERT_GT(n, 0);
	self[n] = '\0';
	ASSERT_STATUS(mapped_name((PVOID)(uintptr_t)&mapped_name, name, sizeof(name)),
		      STATUS_SUCCESS);
	EXPECT_EQ(strcmp(name, self), 0);
	anon = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(anon, MAP_FAILED);
	EXPECT_STATUS(mapped_name(anon, name, sizeof(name)), STATUS_INVALID_ADDRESS);
	munmap(anon, 65536);

	/* Another process's view, through a handle with the right. */
	{
		HANDLE p = xopen_process(PROCESS_QUERY_INFORMATION, getpid()), lim;
		union {
			UNICODE_STRING us;
			unsigned char raw[16 + 8192];
		} buf;

		EXPECT_STATUS(NtQueryVirtualMemory(p, view, MemoryMappedFilenameInformation, &buf,
						   sizeof(buf), NULL), STATUS_SUCCESS);
		lim = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, getpid());
		EXPECT_STATUS(NtQueryVirtualMemory(lim, view, MemoryMappedFilenameInformation,
						   &buf, sizeof(buf), NULL), STATUS_ACCESS_DENIED);
		xclose(lim);
		xclose(p);
	}

	size = 0;
	ASSERT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &priv, &size, MEM_RELEASE),
		      STATUS_SUCCESS);
	xunmap(pview);
	xunmap(view);
	xclose(psection);
	xclose(section);
	xclose(f);
	close(fd);
	unlink(path);
}
