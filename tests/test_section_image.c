// SPDX-License-Identifier: GPL-2.0
/*
 * Image sections: NtCreateSection(SEC_IMAGE) of a PE32+ file, views laid
 * out by the section table, SectionImageInformation, STATUS_IMAGE_NOT_AT_BASE,
 * write-copy data, code that runs, and NtAreMappedFilesTheSame. The image
 * is tests/pe_util.h's (three sections: .text, .rdata, .data).
 *
 * Expected statuses are Windows' (ReactOS' and Wine's conformance tests,
 * named where not obvious). Everything here works unprivileged.
 */
#include <sys/stat.h>

#include "section_util.h"
#include "pe_util.h"

/* An image file in /tmp, unlinked, open read-only. */
static int ximage_file(const struct pe_options *opt)
{
	char path[] = "/tmp/ntexec-image-XXXXXX";
	int fd, ro;

	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(pe_write_fd(fd, opt), 0);
	ro = open(path, O_RDONLY);
	ASSERT_GE(ro, 0);
	close(fd);
	unlink(path);
	return ro;
}

static NTSTATUS image_section(HANDLE *h, int fd, ACCESS_MASK file_access, ULONG attributes)
{
	HANDLE f;
	NTSTATUS status;

	status = NtxHandleFromFd(fd, file_access, &f);
	if (!NT_SUCCESS(status))
		return status;
	status = NtCreateSection(h, SECTION_ALL_ACCESS, NULL, NULL, PAGE_EXECUTE_READ, attributes,
				 f);
	NtClose(f);
	return status;
}

static HANDLE ximage_section(int fd)
{
	HANDLE h = (HANDLE)(uintptr_t)NTT_POISON64;

	ASSERT_STATUS(image_section(&h, fd, FILE_GENERIC_READ | FILE_EXECUTE, SEC_IMAGE),
		      STATUS_SUCCESS);
	return h;
}

/* Map the whole image; *status gets STATUS_SUCCESS or STATUS_IMAGE_NOT_AT_BASE. */
static char *ximage_map(HANDLE section, void *want, NTSTATUS *status)
{
	PVOID base = want;
	SIZE_T size = 0;
	NTSTATUS st;

	st = map_view(section, NtCurrentProcess(), &base, 0, 0, &size, 0, PAGE_READONLY);
	if (st != STATUS_SUCCESS && st != STATUS_IMAGE_NOT_AT_BASE)
		fprintf(stderr, "# mapping the image: %s\n", NtxStatusName(st));
	ASSERT_TRUE(st == STATUS_SUCCESS || st == STATUS_IMAGE_NOT_AT_BASE);
	EXPECT_EQ(size, PE_SIZE_OF_IMAGE);
	if (status)
		*status = st;
	return base;
}

/* ------------------------------------------------------------------------ */
/* NtCreateSection(SEC_IMAGE), NtQuerySection                               */
/* ------------------------------------------------------------------------ */

TEST(create_and_query_image)
{
	int fd = ximage_file(NULL);
	SECTION_IMAGE_INFORMATION sii;
	SECTION_BASIC_INFORMATION sbi;
	SIZE_T len = 0;
	HANDLE h, data;

	vm_setup();
	h = ximage_section(fd);
	sbi = xquery_section(h);
	EXPECT_EQ(sbi.AllocationAttributes, SEC_FILE | SEC_IMAGE);
	EXPECT_EQ((uint64_t)sbi.MaximumSize.QuadPart, PE_SIZE_OF_IMAGE);

	memset(&sii, NTT_POISON, sizeof(sii));
	ASSERT_STATUS(NtQuerySection(h, SectionImageInformation, &sii, sizeof(sii), &len),
		      STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(sii));
	EXPECT_EQ(pv(sii.TransferAddress), PE_DEFAULT_IMAGE_BASE + PE_TEXT_RVA);
	EXPECT_EQ(sii.ZeroBits, 0);
	EXPECT_EQ(sii.MaximumStackSize, PE_STACK_RESERVE);
	EXPECT_EQ(sii.CommittedStackSize, PE_STACK_COMMIT);
	EXPECT_EQ(sii.SubSystemType, PE_SUBSYSTEM_WINDOWS_CUI);
	EXPECT_EQ(sii.SubSystemMajorVersion, 6);
	EXPECT_EQ(sii.SubSystemMinorVersion, 0);
	EXPECT_EQ(sii.MajorOperatingSystemVersion, 6);
	EXPECT_EQ(sii.Machine, PE_MACHINE_AMD64);
	EXPECT_EQ(sii.ImageCharacteristics, PE_FILE_RELOCS_STRIPPED | PE_FILE_EXECUTABLE_IMAGE |
					    PE_FILE_LARGE_ADDRESS_AWARE);
	EXPECT_EQ(sii.DllCharacteristics,
		  PE_DLLCHAR_NX_COMPAT | PE_DLLCHAR_TERMINAL_SERVER_AWARE);
	EXPECT_EQ(sii.ImageContainsCode, 1);
	EXPECT_EQ(sii.ImageFileSize, PE_FILE_SIZE);
	/* The buffer must hold it all. */
	EXPECT_STATUS(NtQuerySection(h, SectionImageInformation, &sii, sizeof(sii) - 1, &len),
		      STATUS_INFO_LENGTH_MISMATCH);
	/* A data section of the same file is no image. */
	{
		HANDLE f;

		ASSERT_STATUS(NtxHandleFromFd(fd, FILE_READ_DATA, &f), STATUS_SUCCESS);
		ASSERT_STATUS(NtCreateSection(&data, SECTION_ALL_ACCESS, NULL, NULL, PAGE_READONLY,
					      SEC_COMMIT, f), STATUS_SUCCESS);
		xclose(f);
		EXPECT_STATUS(NtQuerySection(data, SectionImageInformation, &sii, sizeof(sii),
					     &len), STATUS_SECTION_NOT_IMAGE);
		xclose(data);
	}
	xclose(h);
	close(fd);
}

/* What is not an image, and what may not be made one. */
TEST(create_image_errors)
{
	uint8_t image[PE_FILE_SIZE];
	char path[] = "/tmp/ntexec-image-XXXXXX";
	int fd, rw, bad;
	HANDLE h;

	vm_setup();
	/* Not "MZ": not an image at all. */
	bad = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	ASSERT_GE(bad, 0);
	ASSERT_EQ(write(bad, "not a PE file at all, just text\n", 32), 32);
	EXPECT_STATUS(image_section(&h, bad, FILE_READ_DATA, SEC_IMAGE),
		      STATUS_INVALID_IMAGE_NOT_MZ);
	close(bad);
	/* An empty file. */
	bad = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	ASSERT_GE(bad, 0);
	EXPECT_STATUS(image_section(&h, bad, FILE_READ_DATA, SEC_IMAGE),
		      STATUS_MAPPED_FILE_SIZE_ZERO);
	close(bad);
	/* "MZ" but a PE32 (not PE32+), or a bad alignment: a bad image. */
	ASSERT_EQ(pe_build(image, sizeof(image), NULL), PE_FILE_SIZE);
	pe_poke(image, PE_OH_SECTION_ALIGNMENT, 4, 0x1001);
	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	unlink(path);
	ASSERT_EQ(write(fd, image, sizeof(image)), (ssize_t)sizeof(image));
	EXPECT_STATUS(image_section(&h, fd, FILE_READ_DATA, SEC_IMAGE),
		      STATUS_INVALID_IMAGE_FORMAT);
	close(fd);

	fd = ximage_file(NULL);
	/* The handle needs FILE_READ_DATA. */
	EXPECT_STATUS(image_section(&h, fd, FILE_READ_ATTRIBUTES, SEC_IMAGE), STATUS_ACCESS_DENIED);
	/* SEC_IMAGE alone. */
	EXPECT_STATUS(image_section(&h, fd, FILE_READ_DATA, SEC_IMAGE | SEC_COMMIT),
		      STATUS_INVALID_PARAMETER_6);
	/* No image of a file that is open for writing, and no writing while an image lives. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rw = open(path, O_RDWR);
	ASSERT_GE(rw, 0);
	EXPECT_STATUS(image_section(&h, fd, FILE_READ_DATA, SEC_IMAGE), STATUS_SHARING_VIOLATION);
	close(rw);
	h = ximage_section(fd);
	EXPECT_EQ(open(path, O_RDWR), -1);
	EXPECT_EQ(errno, ETXTBSY);
	xclose(h);
	rw = open(path, O_RDWR);
	EXPECT_GE(rw, 0);
	if (rw >= 0)
		close(rw);
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* Views of an image                                                        */
/* ------------------------------------------------------------------------ */

/* Laid out by the section table, with each section's protection. */
TEST(image_view_layout)
{
	int fd = ximage_file(NULL);
	NTSTATUS st;
	char *img;
	HANDLE h;

	vm_setup();
	h = ximage_section(fd);
	img = ximage_map(h, NULL, &st);
	/* The range is free in a fresh test process: the view is at ImageBase. */
	EXPECT_STATUS(st, STATUS_SUCCESS);
	EXPECT_EQ(pv(img), PE_DEFAULT_IMAGE_BASE);
	EXPECT_REGION(img, pv(img), PAGE, MEM_COMMIT, PAGE_READONLY, pv(img),
		      PAGE_EXECUTE_WRITECOPY, MEM_IMAGE);
	EXPECT_REGION(img + PE_TEXT_RVA, pv(img) + PE_TEXT_RVA, PAGE, MEM_COMMIT,
		      PAGE_EXECUTE_READ, pv(img), PAGE_EXECUTE_WRITECOPY, MEM_IMAGE);
	EXPECT_REGION(img + PE_RDATA_RVA, pv(img) + PE_RDATA_RVA, PAGE, MEM_COMMIT,
		      PAGE_READONLY, pv(img), PAGE_EXECUTE_WRITECOPY, MEM_IMAGE);
	EXPECT_REGION(img + PE_DATA_RVA, pv(img) + PE_DATA_RVA, 0x2000, MEM_COMMIT,
		      PAGE_WRITECOPY, pv(img), PAGE_EXECUTE_WRITECOPY, MEM_IMAGE);
	/* The headers, the sections' raw data, zeros after it. */
	EXPECT_EQ(memcmp(img, "MZ", 2), 0);
	EXPECT_EQ(memcmp(img + PE_LFANEW, "PE\0\0", 4), 0);
	EXPECT_EQ(img[PE_SIZE_OF_HEADERS], 0);
	EXPECT_EQ(strcmp(img + PE_RDATA_RVA, PE_RDATA_STRING), 0);
	for (size_t i = 0; i < PE_RAW_SIZE; i += 37)
		EXPECT_EQ((uint8_t)img[PE_DATA_RVA + i], pe_data_byte(i));
	EXPECT_EQ(img[PE_DATA_RVA + PE_RAW_SIZE], 0);
	EXPECT_EQ(img[PE_DATA_RVA + PE_DATA_VSIZE - 1], 0);
	EXPECT_EQ(img[PE_TEXT_RVA + PE_CODE_RETURN_42_SIZE], 0);
	/* The code runs; the code and the read-only data are not written. */
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_EXEC, img + PE_TEXT_RVA, 0), 42);
	EXPECT_FAULT(PROBE_WRITE, img + PE_TEXT_RVA + 3, STATUS_ACCESS_VIOLATION, 1);
	EXPECT_FAULT(PROBE_WRITE, img + PE_RDATA_RVA, STATUS_ACCESS_VIOLATION, 1);
	/* Read already, so mapped: the CPU refuses the fetch before the module sees it. */
	EXPECT_ANY_FAULT(PROBE_EXEC, img + PE_RDATA_RVA);
	EXPECT_FAULT(PROBE_WRITE, img + 0x10, STATUS_ACCESS_VIOLATION, 1);
	/* Data is write-copy: the writer's own copy, PAGE_READWRITE after. */
	EXPECT_NO_FAULT(PROBE_WRITE, img + PE_DATA_RVA + 1, 0x77);
	EXPECT_REGION(img + PE_DATA_RVA, pv(img) + PE_DATA_RVA, PAGE, MEM_COMMIT,
		      PAGE_READWRITE, pv(img), PAGE_EXECUTE_WRITECOPY, MEM_IMAGE);
	{
		char *other = ximage_map(h, NULL, &st);

		/* Not mapped yet in this view: the module sees the fetch. */
		EXPECT_FAULT(PROBE_EXEC, other + PE_RDATA_RVA, STATUS_ACCESS_VIOLATION, 8);
		EXPECT_STATUS(st, STATUS_IMAGE_NOT_AT_BASE);
		EXPECT_NE(pv(other), pv(img));
		EXPECT_EQ((uint8_t)other[PE_DATA_RVA + 1], pe_data_byte(1));
		EXPECT_EQ((uint8_t)img[PE_DATA_RVA + 1], 0x77);
		/* Not at its base, the code still runs (it has no relocations). */
		EXPECT_EQ(EXPECT_NO_FAULT(PROBE_EXEC, other + PE_TEXT_RVA, 0), 42);
		xunmap(other);
	}
	/* NtFreeVirtualMemory is no way to unmap it. */
	{
		PVOID b = img;
		SIZE_T s = 0;

		EXPECT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &b, &s, MEM_RELEASE),
			      STATUS_UNABLE_TO_DELETE_SECTION);
	}
	xunmap(img);
	xclose(h);
	close(fd);
}

/*
 * The view's protection argument is ignored; a base asked for is honoured
 * (STATUS_IMAGE_NOT_AT_BASE away from ImageBase); the handle needs the
 * rights to map code.
 */
TEST(image_view_arguments)
{
	struct pe_options opt = { .image_base = 0x7f2300000000ull };
	int fd = ximage_file(&opt);
	PVOID base = NULL;
	SIZE_T size = 0;
	HANDLE h, weak;
	NTSTATUS st;
	char *img;

	vm_setup();
	h = ximage_section(fd);
	ASSERT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0, &size, 0, PAGE_READWRITE),
		      STATUS_SUCCESS);
	EXPECT_EQ(pv(base), opt.image_base);
	EXPECT_REGION(cp(pv(base)) + PE_TEXT_RVA, pv(base) + PE_TEXT_RVA, PAGE, MEM_COMMIT,
		      PAGE_EXECUTE_READ, pv(base), PAGE_EXECUTE_WRITECOPY, MEM_IMAGE);
	xunmap(base);
	/* A base of the caller's. */
	img = free_range(0x20000);
	img = ximage_map(h, img, &st);
	EXPECT_STATUS(st, STATUS_IMAGE_NOT_AT_BASE);
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_EXEC, img + PE_TEXT_RVA, 0), 42);
	xunmap(img);
	base = cp(opt.image_base + 0x1000);
	EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0, &size, 0, PAGE_READONLY),
		      STATUS_MAPPED_ALIGNMENT);
	base = NULL;
	EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0, &size, MEM_RESERVE,
			       PAGE_READONLY), STATUS_INVALID_PARAMETER_9);
	/* Without SECTION_MAP_EXECUTE, no code is mapped. */
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(), &weak,
					SECTION_MAP_READ | SECTION_QUERY, 0, 0), STATUS_SUCCESS);
	base = NULL;
	EXPECT_STATUS(map_view(weak, NtCurrentProcess(), &base, 0, 0, &size, 0, PAGE_READONLY),
		      STATUS_ACCESS_DENIED);
	xclose(weak);
	xclose(h);
	close(fd);
}

/*
 * NtProtectVirtualMemory makes writable image pages write-copy (a loader's
 * relocations): the writer gets a copy, other views keep the code.
 */
TEST(image_protect_is_write_copy)
{
	int fd = ximage_file(NULL);
	char *a, *b;
	HANDLE h;

	vm_setup();
	h = ximage_section(fd);
	a = ximage_map(h, NULL, NULL);
	b = ximage_map(h, NULL, NULL);
	EXPECT_EQ(xprotect(a + PE_TEXT_RVA, PAGE, PAGE_EXECUTE_READWRITE), PAGE_EXECUTE_READ);
	EXPECT_REGION(a + PE_TEXT_RVA, pv(a) + PE_TEXT_RVA, PAGE, MEM_COMMIT,
		      PAGE_EXECUTE_WRITECOPY, pv(a), PAGE_EXECUTE_WRITECOPY, MEM_IMAGE);
	/* mov eax, 43 */
	EXPECT_NO_FAULT(PROBE_WRITE, a + PE_TEXT_RVA + 1, 43);
	EXPECT_REGION(a + PE_TEXT_RVA, pv(a) + PE_TEXT_RVA, PAGE, MEM_COMMIT,
		      PAGE_EXECUTE_READWRITE, pv(a), PAGE_EXECUTE_WRITECOPY, MEM_IMAGE);
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_EXEC, a + PE_TEXT_RVA, 0), 43);
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_EXEC, b + PE_TEXT_RVA, 0), 42);
	EXPECT_EQ(xprotect(a + PE_RDATA_RVA, PAGE, PAGE_READWRITE), PAGE_READONLY);
	/* One region with .data, which is write-copy too. */
	EXPECT_REGION(a + PE_RDATA_RVA, pv(a) + PE_RDATA_RVA, 0x3000, MEM_COMMIT,
		      PAGE_WRITECOPY, pv(a), PAGE_EXECUTE_WRITECOPY, MEM_IMAGE);
	xunmap(b);
	xunmap(a);
	xclose(h);
	close(fd);
}

/* Two processes, two sections of one image file: one set of pages. */
TEST(image_pages_are_shared)
{
	int fd = ximage_file(NULL), go[2], done[2], st;
	long before, after;
	char *img, x;
	pid_t pid;
	HANDLE h;

	vm_setup();
	h = ximage_section(fd);
	img = ximage_map(h, NULL, NULL);
	for (unsigned int o = 0; o < PE_SIZE_OF_IMAGE; o += PAGE)
		(void)*(volatile char *)(img + o);
	before = module_param("resident_pages");
	ASSERT_EQ(pipe(go), 0);
	ASSERT_EQ(pipe(done), 0);
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		HANDLE ch;
		PVOID base = NULL;
		SIZE_T size = 0;
		NTSTATUS s;

		nt_setup();
		if (!NT_SUCCESS(image_section(&ch, fd, FILE_READ_DATA, SEC_IMAGE)))
			_exit(2);
		s = map_view(ch, NtCurrentProcess(), &base, 0, 0, &size, 0, PAGE_READONLY);
		if (s != STATUS_SUCCESS && s != STATUS_IMAGE_NOT_AT_BASE)
			_exit(3);
		for (unsigned int o = 0; o < PE_SIZE_OF_IMAGE; o += PAGE)
			(void)*(volatile char *)((char *)base + o);
		if (memcmp(base, "MZ", 2))
			_exit(4);
		if (write(done[1], "x", 1) != 1 || read(go[0], &x, 1) != 1)
			_exit(5);
		_exit(0);
	}
	close(done[1]);
	close(go[0]);
	ASSERT_EQ(read(done[0], &x, 1), 1);
	after = module_param("resident_pages");
	if (before >= 0)
		EXPECT_EQ(after, before);
	ASSERT_EQ(write(go[1], "x", 1), 1);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(go[1]);
	close(done[0]);
	xunmap(img);
	xclose(h);
	/* Every page goes with the last section. */
	close(fd);
}

/* NtAreMappedFilesTheSame, with Wine's conformance results. */
TEST(are_mapped_files_the_same)
{
	int fd = ximage_file(NULL), fd2;
	struct pe_options opt = { .image_base = 0x150000000ull };
	char *img, *img2, *other, *data, *pf, *priv;
	HANDLE h, h2, d, p, f;

	vm_setup();
	fd2 = ximage_file(&opt);
	h = ximage_section(fd);
	h2 = ximage_section(fd2);
	img = ximage_map(h, NULL, NULL);
	other = ximage_map(h, NULL, NULL);
	img2 = ximage_map(h2, NULL, NULL);
	ASSERT_STATUS(NtxHandleFromFd(fd, FILE_READ_DATA, &f), STATUS_SUCCESS);
	ASSERT_STATUS(NtCreateSection(&d, SECTION_ALL_ACCESS, NULL, NULL, PAGE_READONLY, SEC_COMMIT,
				      f), STATUS_SUCCESS);
	xclose(f);
	data = xmap(d, NULL, 0, 0, PAGE_READONLY);
	p = xsection(0x10000, PAGE_READWRITE, SEC_COMMIT);
	pf = xmap(p, NULL, 0, 0, PAGE_READWRITE);
	priv = xalloc(0x10000, PAGE_READWRITE);

	EXPECT_STATUS(NtAreMappedFilesTheSame(img, img + 0x2000), STATUS_SUCCESS);
	EXPECT_STATUS(NtAreMappedFilesTheSame(img, other), STATUS_SUCCESS);
	EXPECT_STATUS(NtAreMappedFilesTheSame(img, data), STATUS_SUCCESS);
	EXPECT_STATUS(NtAreMappedFilesTheSame(data, img), STATUS_NOT_SAME_DEVICE);
	EXPECT_STATUS(NtAreMappedFilesTheSame(img, img2), STATUS_NOT_SAME_DEVICE);
	EXPECT_STATUS(NtAreMappedFilesTheSame(img, pf), STATUS_NOT_SAME_DEVICE);
	EXPECT_STATUS(NtAreMappedFilesTheSame(data, data + 0x10), STATUS_SUCCESS);
	EXPECT_STATUS(NtAreMappedFilesTheSame(img, priv), STATUS_CONFLICTING_ADDRESSES);
	EXPECT_STATUS(NtAreMappedFilesTheSame(priv, img), STATUS_CONFLICTING_ADDRESSES);
	EXPECT_STATUS(NtAreMappedFilesTheSame(img, free_range(0x10000)), STATUS_INVALID_ADDRESS);
	EXPECT_STATUS(NtAreMappedFilesTheSame(NULL, img), STATUS_INVALID_ADDRESS);
	EXPECT_STATUS(NtAreMappedFilesTheSame(img, (PVOID)~0ul), STATUS_INVALID_ADDRESS);

	xrelease(priv);
	xunmap(pf);
	xclose(p);
	xunmap(data);
	xclose(d);
	xunmap(img2);
	xunmap(other);
	xunmap(img);
	xclose(h2);
	xclose(h);
	close(fd2);
	close(fd);
}
