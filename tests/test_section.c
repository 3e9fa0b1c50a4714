// SPDX-License-Identifier: GPL-2.0
/*
 * Sections and views backed by the paging file, and the object namespace
 * they are named in: NtCreateSection, NtOpenSection, NtMapViewOfSection,
 * NtUnmapViewOfSection, NtQuerySection, and what NtAllocateVirtualMemory,
 * NtFreeVirtualMemory, NtProtectVirtualMemory and NtQueryVirtualMemory do
 * to a view. Every effect is checked on the page tables: a write either
 * faults at the exact address or is read back through another view, in
 * this process or another.
 *
 * Expected statuses are Windows': the comments name the source where one
 * is not obvious, mostly ReactOS' API test of NtMapViewOfSection (run
 * against Windows Server 2003, modules/rostests/apitests/ntdll/
 * NtMapViewOfSection.c, "ros:" below) and Wine's conformance tests
 * (dlls/kernel32/tests/virtual.c test_CreateFileMapping_protection,
 * dlls/ntdll/tests/virtual.c).
 */
#include <stdarg.h>
#include <sys/ioctl.h>

#include "section_util.h"
#include "uapi/ntexec.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* A UTF-16 name from ASCII, formatted; the buffer is static per call site. */
struct name {
	WCHAR buf[128];
	UNICODE_STRING us;
	OBJECT_ATTRIBUTES oa;
};

static void __attribute__((format(printf, 3, 4))) make_name(struct name *n, ULONG attributes,
							     const char *fmt, ...)
{
	char ascii[128];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(ascii, sizeof(ascii), fmt, ap);
	va_end(ap);
	for (i = 0; ascii[i] && i < 127; i++)
		n->buf[i] = (WCHAR)(unsigned char)ascii[i];
	n->buf[i] = 0;
	RtlInitUnicodeString(&n->us, n->buf);
	InitializeObjectAttributes(&n->oa, &n->us, attributes, NULL, NULL);
}

static NTSTATUS create_named(HANDLE *h, struct name *n, ULONGLONG size, ULONG attributes)
{
	LARGE_INTEGER max = { .QuadPart = (LONGLONG)size };

	return NtCreateSection(h, SECTION_ALL_ACCESS, &n->oa, &max, PAGE_READWRITE, attributes,
			       NULL);
}

static VM_COUNTERS vm_counters(void)
{
	VM_COUNTERS vm;
	ULONG len;

	ASSERT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessVmCounters, &vm,
						sizeof(vm), &len), STATUS_SUCCESS);
	return vm;
}

/*
 * Another NT process that serves commands over a pipe: it opens the
 * device, then maps, reads and writes what it is told, reporting a fault
 * instead of dying of it.
 */
enum peer_op { PEER_READ, PEER_WRITE, PEER_MAP_NAMED, PEER_UNMAP, PEER_EXIT };

struct peer_cmd {
	uint32_t op;
	uint32_t protect;
	uint64_t addr;
	uint64_t value;
	char name[64];
};

struct peer_reply {
	NTSTATUS status;	/* of the service, or STATUS_ACCESS_VIOLATION on a fault */
	uint32_t pad;
	uint64_t value;
};

struct peer {
	pid_t pid;
	int to;
	int from;
};

static void peer_serve(int in, int out)
{
	struct peer_cmd c;
	struct peer_reply r;

	vm_setup();
	while (read(in, &c, sizeof(c)) == sizeof(c)) {
		long v = (long)c.value;
		struct name n;
		HANDLE h;

		memset(&r, 0, sizeof(r));
		switch (c.op) {
		case PEER_READ:
			if (probe(PROBE_READ, cp(c.addr), &v))
				r.status = STATUS_ACCESS_VIOLATION;
			r.value = (uint8_t)v;
			break;
		case PEER_WRITE:
			if (probe(PROBE_WRITE, cp(c.addr), &v))
				r.status = STATUS_ACCESS_VIOLATION;
			break;
		case PEER_MAP_NAMED: {
			PVOID base = NULL;
			SIZE_T size = 0;

			make_name(&n, 0, "%s", c.name);
			r.status = NtOpenSection(&h, SECTION_MAP_READ | SECTION_MAP_WRITE, &n.oa);
			if (!NT_SUCCESS(r.status))
				break;
			r.status = map_view(h, NtCurrentProcess(), &base, 0, 0, &size, 0,
					    c.protect);
			NtClose(h);
			r.value = pv(base);
			break;
		}
		case PEER_UNMAP:
			r.status = NtUnmapViewOfSection(NtCurrentProcess(), cp(c.addr));
			break;
		case PEER_EXIT:
			_exit(0);
		}
		if (write(out, &r, sizeof(r)) != sizeof(r))
			_exit(2);
	}
	_exit(1);
}

static struct peer peer_spawn(void)
{
	struct peer p;
	pid_t parent = getpid();
	int a[2], b[2];

	ASSERT_EQ(pipe2(a, O_CLOEXEC), 0);
	ASSERT_EQ(pipe2(b, O_CLOEXEC), 0);
	fflush(stdout);
	fflush(stderr);
	p.pid = fork();
	ASSERT_GE(p.pid, 0);
	if (!p.pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(94);
		close(a[1]);
		close(b[0]);
		peer_serve(a[0], b[1]);
	}
	close(a[0]);
	close(b[1]);
	p.to = a[1];
	p.from = b[0];
	return p;
}

static struct peer_reply peer_call(struct peer *p, enum peer_op op, uint64_t addr,
				   uint64_t value, ULONG protect, const char *name)
{
	struct peer_cmd c = { .op = op, .protect = protect, .addr = addr, .value = value };
	struct peer_reply r;

	if (name)
		snprintf(c.name, sizeof(c.name), "%s", name);
	ASSERT_EQ(write(p->to, &c, sizeof(c)), (ssize_t)sizeof(c));
	ASSERT_EQ(read(p->from, &r, sizeof(r)), (ssize_t)sizeof(r));
	return r;
}

static int peer_read(struct peer *p, const void *addr)
{
	struct peer_reply r = peer_call(p, PEER_READ, pv(addr), 0, 0, NULL);

	return r.status ? -1 : (int)r.value;
}

static NTSTATUS peer_write(struct peer *p, const void *addr, uint8_t value)
{
	return peer_call(p, PEER_WRITE, pv(addr), value, 0, NULL).status;
}

static void peer_end(struct peer *p)
{
	int st;

	if (write(p->to, &(struct peer_cmd){ .op = PEER_EXIT }, sizeof(struct peer_cmd)) < 0)
		kill(p->pid, SIGKILL);
	ASSERT_EQ(waitpid(p->pid, &st, 0), p->pid);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(p->to);
	close(p->from);
}

/* ------------------------------------------------------------------------ */
/* NtCreateSection, NtQuerySection                                          */
/* ------------------------------------------------------------------------ */

TEST(create_and_query)
{
	SECTION_BASIC_INFORMATION sbi;
	HANDLE h;

	vm_setup();
	h = xsection(0x20000, PAGE_READWRITE, SEC_COMMIT);
	sbi = xquery_section(h);
	EXPECT_EQ(pv(sbi.BaseAddress), 0);
	EXPECT_EQ(sbi.AllocationAttributes, SEC_COMMIT);
	EXPECT_EQ(sbi.MaximumSize.QuadPart, 0x20000);
	xclose(h);

	/* The size is rounded up to a page. */
	h = xsection(0x1234, PAGE_READONLY, SEC_RESERVE);
	sbi = xquery_section(h);
	EXPECT_EQ(sbi.AllocationAttributes, SEC_RESERVE);
	EXPECT_EQ(sbi.MaximumSize.QuadPart, 0x2000);
	xclose(h);
}

TEST(create_bad_arguments)
{
	LARGE_INTEGER max = { .QuadPart = 0x10000 };
	OBJECT_ATTRIBUTES oa;
	HANDLE h, process;

	vm_setup();
	/* Exactly one of SEC_COMMIT and SEC_RESERVE. */
	EXPECT_STATUS(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &max, PAGE_READWRITE, 0,
				      NULL), STATUS_INVALID_PARAMETER_6);
	EXPECT_STATUS(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &max, PAGE_READWRITE,
				      SEC_COMMIT | SEC_RESERVE, NULL), STATUS_INVALID_PARAMETER_6);
	EXPECT_STATUS(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &max, PAGE_READWRITE,
				      SEC_COMMIT | 0x100, NULL), STATUS_INVALID_PARAMETER_6);
	/* ros: PAGE_NOACCESS is no section protection. */
	EXPECT_STATUS(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &max, PAGE_NOACCESS,
				      SEC_COMMIT, NULL), STATUS_INVALID_PAGE_PROTECTION);
	EXPECT_STATUS(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &max, 0, SEC_COMMIT, NULL),
		      STATUS_INVALID_PAGE_PROTECTION);
	EXPECT_STATUS(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &max,
				      PAGE_READWRITE | PAGE_GUARD, SEC_COMMIT, NULL),
		      STATUS_INVALID_PAGE_PROTECTION);
	/* A paging-file section needs a size. */
	EXPECT_STATUS(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, NULL, PAGE_READWRITE,
				      SEC_COMMIT, NULL), STATUS_INVALID_PARAMETER_4);
	max.QuadPart = 0;
	EXPECT_STATUS(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &max, PAGE_READWRITE,
				      SEC_COMMIT, NULL), STATUS_INVALID_PARAMETER_4);
	/* ros: 128 TiB is too big; 512 GiB committed is past the commit limit. */
	max.QuadPart = 0x800000000000;
	EXPECT_STATUS(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &max, PAGE_READWRITE,
				      SEC_RESERVE, NULL), STATUS_SECTION_TOO_BIG);
	max.QuadPart = -1;
	EXPECT_STATUS(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &max, PAGE_READWRITE,
				      SEC_RESERVE, NULL), STATUS_SECTION_TOO_BIG);
	max.QuadPart = 0x8000000000;
	EXPECT_STATUS(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &max, PAGE_READWRITE,
				      SEC_COMMIT, NULL), STATUS_COMMITMENT_LIMIT);
	/* But reserving 8 GiB costs nothing (ros). */
	max.QuadPart = 0x200000000;
	ASSERT_STATUS(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &max, PAGE_READWRITE,
				      SEC_RESERVE, NULL), STATUS_SUCCESS);
	xclose(h);

	max.QuadPart = 0x10000;
	/* OBJECT_ATTRIBUTES: its Length, its attributes. */
	InitializeObjectAttributes(&oa, NULL, 0, NULL, NULL);
	oa.Length = 4;
	EXPECT_STATUS(NtCreateSection(&h, SECTION_ALL_ACCESS, &oa, &max, PAGE_READWRITE,
				      SEC_COMMIT, NULL), STATUS_INVALID_PARAMETER);
	InitializeObjectAttributes(&oa, NULL, 0x10000, NULL, NULL);
	EXPECT_STATUS(NtCreateSection(&h, SECTION_ALL_ACCESS, &oa, &max, PAGE_READWRITE,
				      SEC_COMMIT, NULL), STATUS_INVALID_PARAMETER);
	/* No such access right for a section. */
	EXPECT_STATUS(NtCreateSection(&h, 0x100000 /* SYNCHRONIZE */, NULL, &max,
				      PAGE_READWRITE, SEC_COMMIT, NULL), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtCreateSection(NULL, SECTION_ALL_ACCESS, NULL, &max, PAGE_READWRITE,
				      SEC_COMMIT, NULL), STATUS_ACCESS_VIOLATION);
	/* FileHandle must be a file. */
	process = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, getpid());
	EXPECT_STATUS(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &max, PAGE_READWRITE,
				      SEC_COMMIT, process), STATUS_OBJECT_TYPE_MISMATCH);
	EXPECT_STATUS(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &max, PAGE_READWRITE,
				      SEC_COMMIT, (HANDLE)0x7ff0), STATUS_INVALID_HANDLE);
	xclose(process);
}

TEST(query_section_arguments)
{
	unsigned char buf[128];
	SIZE_T len = NTT_POISON64;
	HANDLE h, process, weak;

	vm_setup();
	h = xsection(0x10000, PAGE_READWRITE, SEC_COMMIT);
	EXPECT_STATUS(NtQuerySection(h, SectionBasicInformation, buf, 23, &len),
		      STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_STATUS(NtQuerySection(h, SectionImageInformation, buf, sizeof(buf), &len),
		      STATUS_SECTION_NOT_IMAGE);
	EXPECT_STATUS(NtQuerySection(h, (SECTION_INFORMATION_CLASS)5, buf, sizeof(buf), &len),
		      STATUS_INVALID_INFO_CLASS);
	EXPECT_STATUS(NtQuerySection(h, SectionBasicInformation, (PVOID)8, sizeof(buf), &len),
		      STATUS_ACCESS_VIOLATION);
	process = xopen_process(PROCESS_ALL_ACCESS, getpid());
	EXPECT_STATUS(NtQuerySection(process, SectionBasicInformation, buf, sizeof(buf), &len),
		      STATUS_OBJECT_TYPE_MISMATCH);
	/* SECTION_QUERY is needed. */
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(), &weak,
					SECTION_MAP_READ, 0, 0), STATUS_SUCCESS);
	EXPECT_STATUS(NtQuerySection(weak, SectionBasicInformation, buf, sizeof(buf), &len),
		      STATUS_ACCESS_DENIED);
	xclose(weak);
	xclose(process);
	xclose(h);
}

/* ------------------------------------------------------------------------ */
/* Views                                                                    */
/* ------------------------------------------------------------------------ */

/* ros Test_PageFileSection, first part, on a free range of our own. */
TEST(map_commit_section)
{
	char *at = free_range(0x40000), *p;
	PVOID base, b;
	SIZE_T size;
	HANDLE h;

	vm_setup();
	h = xsection(0x20000, PAGE_READWRITE, SEC_COMMIT);

	base = at + PAGE;
	size = PAGE;
	EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0, &size, 0, PAGE_READWRITE),
		      STATUS_MAPPED_ALIGNMENT);
	base = at;
	EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0, &size, 0,
			       PAGE_EXECUTE_READWRITE), STATUS_SECTION_PROTECTION);
	size = 2 * PAGE;
	EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, PAGE, 0, &size, MEM_COMMIT,
			       PAGE_READWRITE), STATUS_INVALID_PARAMETER_9);
	/* Nothing was left mapped by the failures. */
	EXPECT_EQ(xquery(at).State, MEM_FREE);
	EXPECT_GE(xquery(at).RegionSize, 0x40000);

	p = xmap(h, at, 0, 2 * PAGE, PAGE_READWRITE);
	EXPECT_NO_FAULT(PROBE_WRITE, p, 1);
	EXPECT_EQ(*p, 1);
	EXPECT_REGION(p, pv(p), 2 * PAGE, MEM_COMMIT, PAGE_READWRITE, pv(p), PAGE_READWRITE,
		      MEM_MAPPED);
	/* Past the view: free. */
	EXPECT_EQ(pv(xquery(p + 2 * PAGE).BaseAddress), pv(p) + 2 * PAGE);
	EXPECT_EQ(xquery(p + 2 * PAGE).State, MEM_FREE);

	/* MEM_COMMIT inside a view of a committed section: nothing to do. */
	b = p;
	size = PAGE;
	EXPECT_STATUS(vm_alloc(&b, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
	/* A view cannot be decommitted or released, only unmapped. */
	EXPECT_STATUS(vm_free(&b, &size, MEM_DECOMMIT), STATUS_UNABLE_TO_DELETE_SECTION);
	size = 0;
	EXPECT_STATUS(vm_free(&b, &size, MEM_RELEASE), STATUS_UNABLE_TO_DELETE_SECTION);
	/* ros: committing beyond the view. */
	size = 3 * PAGE;
	EXPECT_STATUS(vm_alloc(&b, &size, MEM_COMMIT, PAGE_READWRITE),
		      STATUS_CONFLICTING_ADDRESSES);
	b = p + 2 * PAGE;
	size = PAGE;
	EXPECT_STATUS(vm_alloc(&b, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_CONFLICTING_ADDRESSES);
	EXPECT_EQ(*p, 1);

	/* A second view at 64 KiB into the section. */
	b = xmap(h, at + 0x20000, 0x10000, PAGE, PAGE_READWRITE);
	EXPECT_REGION(b, pv(b), PAGE, MEM_COMMIT, PAGE_READWRITE, pv(b), PAGE_READWRITE,
		      MEM_MAPPED);
	xunmap(b);
	xunmap(p);
	EXPECT_STATUS(NtUnmapViewOfSection(NtCurrentProcess(), p), STATUS_NOT_MAPPED_VIEW);
	EXPECT_EQ(xquery(at).State, MEM_FREE);
	EXPECT_GE(xquery(at).RegionSize, 0x40000);
	EXPECT_ANY_FAULT(PROBE_READ, p);
	xclose(h);
}

TEST(map_arguments)
{
	char *priv;
	PVOID base;
	SIZE_T size;
	HANDLE h, process;

	vm_setup();
	h = xsection(0x20000, PAGE_READWRITE, SEC_COMMIT);
	base = NULL;
	size = PAGE;
	EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0x1000, &size, 0,
			       PAGE_READWRITE), STATUS_MAPPED_ALIGNMENT);
	EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0x20000, &size, 0,
			       PAGE_READWRITE), STATUS_INVALID_VIEW_SIZE);
	size = 0x20001;
	EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0, &size, 0, PAGE_READWRITE),
		      STATUS_INVALID_VIEW_SIZE);
	size = 0x10001;
	EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0x10000, &size, 0,
			       PAGE_READWRITE), STATUS_INVALID_VIEW_SIZE);
	/* ros: a view larger than the address space (Win64). */
	size = ~(SIZE_T)0;
	EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0, &size, 0, PAGE_READWRITE),
		      STATUS_INVALID_PARAMETER_3);
	size = PAGE;
	EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, 2 * PAGE, 0, &size, 0,
			       PAGE_READWRITE), STATUS_INVALID_PARAMETER_5);
	EXPECT_STATUS(NtMapViewOfSection(h, NtCurrentProcess(), &base, 0, 0, NULL, &size,
					 (SECTION_INHERIT)0, 0, PAGE_READWRITE),
		      STATUS_INVALID_PARAMETER_8);
	EXPECT_STATUS(NtMapViewOfSection(h, NtCurrentProcess(), &base, 0, 0, NULL, &size,
					 (SECTION_INHERIT)3, 0, PAGE_READWRITE),
		      STATUS_INVALID_PARAMETER_8);
	EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0, &size, 0x100,
			       PAGE_READWRITE), STATUS_INVALID_PARAMETER_9);
	/* MEM_RESERVE is for SEC_RESERVE sections only. */
	EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0, &size, MEM_RESERVE,
			       PAGE_READWRITE), STATUS_INVALID_PARAMETER_9);
	EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0, &size, 0, 0x3),
		      STATUS_INVALID_PAGE_PROTECTION);
	EXPECT_STATUS(NtMapViewOfSection(h, NtCurrentProcess(), &base, 64, 0, NULL, &size,
					 ViewShare, 0, PAGE_READWRITE),
		      STATUS_INVALID_PARAMETER_4);
	base = (PVOID)(uintptr_t)0x800000000000;
	EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0, &size, 0, PAGE_READWRITE),
		      STATUS_INVALID_PARAMETER_3);
	/* Over an allocation. */
	priv = xreserve(GRANULE, PAGE_READWRITE);
	base = priv;
	EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0, &size, 0, PAGE_READWRITE),
		      STATUS_CONFLICTING_ADDRESSES);
	EXPECT_STATUS(NtUnmapViewOfSection(NtCurrentProcess(), priv), STATUS_NOT_MAPPED_VIEW);
	xrelease(priv);
	/* Handles: the section's type first, then the process's. */
	process = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, getpid());
	base = NULL;
	EXPECT_STATUS(map_view(process, NtCurrentProcess(), &base, 0, 0, &size, 0,
			       PAGE_READWRITE), STATUS_OBJECT_TYPE_MISMATCH);
	EXPECT_STATUS(map_view(h, process, &base, 0, 0, &size, 0, PAGE_READWRITE),
		      STATUS_ACCESS_DENIED);
	EXPECT_STATUS(map_view(h, h, &base, 0, 0, &size, 0, PAGE_READWRITE),
		      STATUS_OBJECT_TYPE_MISMATCH);
	EXPECT_STATUS(NtUnmapViewOfSection(process, NULL), STATUS_ACCESS_DENIED);
	xclose(process);
	EXPECT_STATUS(NtMapViewOfSection(h, NtCurrentProcess(), NULL, 0, 0, NULL, &size,
					 ViewShare, 0, PAGE_READWRITE), STATUS_ACCESS_VIOLATION);
	/* ViewSize 0: to the end of the section; SectionOffset may be NULL. */
	base = NULL;
	size = 0;
	ASSERT_STATUS(NtMapViewOfSection(h, NtCurrentProcess(), &base, 0, 0, NULL, &size,
					 ViewUnmap, 0, PAGE_READWRITE), STATUS_SUCCESS);
	EXPECT_EQ(size, 0x20000);
	xunmap(base);
	/* MEM_TOP_DOWN puts the view above a bottom-up one. */
	{
		char *low = xmap(h, NULL, 0, 0, PAGE_READONLY);

		base = NULL;
		size = 0;
		ASSERT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0, &size, MEM_TOP_DOWN,
				       PAGE_READONLY), STATUS_SUCCESS);
		EXPECT_GT(pv(base), pv(low));
		xunmap(base);
		xunmap(low);
	}
	xclose(h);
}

TEST(two_views_share_pages)
{
	char *a, *b;
	HANDLE h;
	int i;

	vm_setup();
	h = xsection(0x40000, PAGE_READWRITE, SEC_COMMIT);
	a = xmap(h, NULL, 0, 0, PAGE_READWRITE);
	b = xmap(h, NULL, 0, 0, PAGE_READWRITE);
	ASSERT_NE(pv(a), pv(b));
	for (i = 0; i < 0x40000; i += PAGE) {
		EXPECT_EQ(b[i], 0);
		a[i] = (char)(i / PAGE + 1);
		EXPECT_EQ(b[i], (char)(i / PAGE + 1));
		b[i + 1] = 'x';
		EXPECT_EQ(a[i + 1], 'x');
	}
	/* A view at an offset sees the same pages. */
	{
		char *c = xmap(h, NULL, 0x30000, 0, PAGE_READONLY);

		EXPECT_EQ(c[0], (char)(0x30000 / PAGE + 1));
		xunmap(c);
	}
	/* The section lives on in its views after its handle is closed. */
	xclose(h);
	xunmap(a);
	EXPECT_EQ(b[0x1000], 2);
	b[0x2000] = 'y';
	EXPECT_EQ(b[0x2000], 'y');
	EXPECT_REGION(b, pv(b), 0x40000, MEM_COMMIT, PAGE_READWRITE, pv(b), PAGE_READWRITE,
		      MEM_MAPPED);
	xunmap(b);
}

TEST(read_only_views)
{
	char *rw, *ro;
	PVOID base;
	SIZE_T size;
	ULONG old;
	HANDLE h;

	vm_setup();
	h = xsection(0x20000, PAGE_READWRITE, SEC_COMMIT);
	rw = xmap(h, NULL, 0, 0, PAGE_READWRITE);
	ro = xmap(h, NULL, 0, 0, PAGE_READONLY);
	rw[PAGE + 5] = 'r';
	EXPECT_EQ(ro[PAGE + 5], 'r');
	EXPECT_FAULT(PROBE_WRITE, ro + PAGE + 7, STATUS_ACCESS_VIOLATION, 1);
	EXPECT_FAULT(PROBE_EXEC, ro, STATUS_ACCESS_VIOLATION, 8);
	EXPECT_REGION(ro, pv(ro), 0x20000, MEM_COMMIT, PAGE_READONLY, pv(ro), PAGE_READONLY,
		      MEM_MAPPED);
	/* Within the view's and the section's protection only (Wine's table). */
	base = ro;
	size = PAGE;
	EXPECT_STATUS(vm_protect(&base, &size, PAGE_READWRITE, &old), STATUS_SECTION_PROTECTION);
	EXPECT_STATUS(vm_protect(&base, &size, PAGE_EXECUTE_READ, &old),
		      STATUS_SECTION_PROTECTION);
	EXPECT_EQ(xprotect(ro, PAGE, PAGE_NOACCESS), PAGE_READONLY);
	EXPECT_FAULT(PROBE_READ, ro, STATUS_ACCESS_VIOLATION, 0);
	EXPECT_EQ(xprotect(ro, PAGE, PAGE_READONLY), PAGE_NOACCESS);
	EXPECT_EQ(ro[5], 0);
	/* Downgrading a writable view takes effect on the page tables. */
	EXPECT_EQ(xprotect(rw + PAGE, PAGE, PAGE_READONLY), PAGE_READWRITE);
	EXPECT_FAULT(PROBE_WRITE, rw + PAGE + 9, STATUS_ACCESS_VIOLATION, 1);
	EXPECT_NO_FAULT(PROBE_WRITE, rw, 'w');
	EXPECT_REGION(rw, pv(rw), PAGE, MEM_COMMIT, PAGE_READWRITE, pv(rw), PAGE_READWRITE,
		      MEM_MAPPED);
	EXPECT_REGION(rw + PAGE, pv(rw) + PAGE, PAGE, MEM_COMMIT, PAGE_READONLY, pv(rw),
		      PAGE_READWRITE, MEM_MAPPED);
	EXPECT_EQ(xprotect(rw + PAGE, PAGE, PAGE_READWRITE), PAGE_READONLY);
	EXPECT_NO_FAULT(PROBE_WRITE, rw + PAGE + 9, 'z');
	EXPECT_EQ(ro[PAGE + 9], 'z');
	/* A protection change may not leave the view. */
	base = rw + 0x10000;
	size = 0x20000;
	EXPECT_STATUS(vm_protect(&base, &size, PAGE_READONLY, &old), STATUS_CONFLICTING_ADDRESSES);
	xunmap(ro);
	xunmap(rw);

	/* A read-only section gives no writable view. */
	xclose(h);
	h = xsection(0x10000, PAGE_READONLY, SEC_COMMIT);
	base = NULL;
	size = 0;
	EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0, &size, 0, PAGE_READWRITE),
		      STATUS_SECTION_PROTECTION);
	EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0, &size, 0,
			       PAGE_EXECUTE_READ), STATUS_SECTION_PROTECTION);
	ro = xmap(h, NULL, 0, 0, PAGE_READONLY);
	EXPECT_FAULT(PROBE_WRITE, ro, STATUS_ACCESS_VIOLATION, 1);
	xunmap(ro);
	xclose(h);
}

/* The rights of the handle a view was mapped through bound it for ever. */
TEST(handle_rights_bind_views)
{
	HANDLE h, weak;
	PVOID base;
	SIZE_T size;
	ULONG old;
	char *v;

	vm_setup();
	h = xsection(0x10000, PAGE_EXECUTE_READWRITE, SEC_RESERVE);
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(), &weak,
					SECTION_MAP_READ, 0, 0), STATUS_SUCCESS);
	base = NULL;
	size = 0;
	EXPECT_STATUS(map_view(weak, NtCurrentProcess(), &base, 0, 0, &size, 0, PAGE_READWRITE),
		      STATUS_ACCESS_DENIED);
	EXPECT_STATUS(map_view(weak, NtCurrentProcess(), &base, 0, 0, &size, 0,
			       PAGE_EXECUTE_READ), STATUS_ACCESS_DENIED);
	v = xmap(weak, NULL, 0, 0, PAGE_READONLY);
	base = v;
	size = PAGE;
	/* Neither protection nor commit can raise it past SECTION_MAP_READ. */
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_READWRITE),
		      STATUS_SECTION_PROTECTION);
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_EXECUTE_READ),
		      STATUS_SECTION_PROTECTION);
	xcommit(v, PAGE, PAGE_READONLY);
	EXPECT_STATUS(vm_protect(&base, &size, PAGE_READWRITE, &old), STATUS_SECTION_PROTECTION);
	EXPECT_STATUS(vm_protect(&base, &size, PAGE_EXECUTE_READWRITE, &old),
		      STATUS_SECTION_PROTECTION);
	EXPECT_FAULT(PROBE_WRITE, v, STATUS_ACCESS_VIOLATION, 1);
	/* Write-copy needs no write right: it writes private copies. */
	EXPECT_EQ(xprotect(v, PAGE, PAGE_WRITECOPY), PAGE_READONLY);
	EXPECT_NO_FAULT(PROBE_WRITE, v, 'c');
	xunmap(v);
	xclose(weak);
	xclose(h);
}

/* ros Test_PageFileSection, SEC_RESERVE part. */
TEST(reserve_section_commit)
{
	char *a, *b;
	PVOID base;
	SIZE_T size;
	HANDLE h;

	vm_setup();
	h = xsection(0x20000, PAGE_READWRITE, SEC_RESERVE);
	base = NULL;
	size = PAGE;
	EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, PAGE, 0, &size, MEM_RESERVE,
			       PAGE_READWRITE), STATUS_INVALID_PARAMETER_9);
	EXPECT_STATUS(map_view(h, NtCurrentProcess(), &base, PAGE, 0, &size, MEM_COMMIT,
			       PAGE_READWRITE), STATUS_INVALID_PARAMETER_9);
	/* Map two pages, commit one. */
	size = 2 * PAGE;
	ASSERT_STATUS(map_view(h, NtCurrentProcess(), &base, PAGE, 0, &size, 0, PAGE_READWRITE),
		      STATUS_SUCCESS);
	a = base;
	EXPECT_NO_FAULT(PROBE_WRITE, a, 1);
	EXPECT_FAULT(PROBE_WRITE, a + PAGE + 3, STATUS_ACCESS_VIOLATION, 1);
	EXPECT_REGION(a, pv(a), PAGE, MEM_COMMIT, PAGE_READWRITE, pv(a), PAGE_READWRITE,
		      MEM_MAPPED);
	EXPECT_REGION(a + PAGE, pv(a) + PAGE, PAGE, MEM_RESERVE, 0, pv(a), PAGE_READWRITE,
		      MEM_MAPPED);
	/* A second view of the same two pages; commit the second in it. */
	base = NULL;
	ASSERT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0, &size, 0, PAGE_READWRITE),
		      STATUS_SUCCESS);
	b = base;
	EXPECT_EQ(b[0], 1);
	xcommit(b + PAGE, PAGE, PAGE_READONLY);
	xcommit(b + PAGE, PAGE, PAGE_READONLY);		/* again: fine */
	/* Committed in the section: the first view may write it now. */
	EXPECT_NO_FAULT(PROBE_WRITE, a + PAGE, 2);
	EXPECT_EQ(b[PAGE], 2);
	EXPECT_FAULT(PROBE_WRITE, b + PAGE, STATUS_ACCESS_VIOLATION, 1);
	EXPECT_REGION(a, pv(a), 2 * PAGE, MEM_COMMIT, PAGE_READWRITE, pv(a), PAGE_READWRITE,
		      MEM_MAPPED);
	EXPECT_REGION(b + PAGE, pv(b) + PAGE, PAGE, MEM_COMMIT, PAGE_READONLY, pv(b),
		      PAGE_READWRITE, MEM_MAPPED);
	xunmap(a);
	xunmap(b);
	/* MEM_RESERVE with no CommitSize: a view that commits nothing. */
	base = NULL;
	size = 0;
	ASSERT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0, &size, MEM_RESERVE,
			       PAGE_READWRITE), STATUS_SUCCESS);
	a = base;
	EXPECT_EQ(a[PAGE], 2);
	EXPECT_REGION(a, pv(a), 2 * PAGE, MEM_COMMIT, PAGE_READWRITE, pv(a), PAGE_READWRITE,
		      MEM_MAPPED);
	EXPECT_REGION(a + 2 * PAGE, pv(a) + 2 * PAGE, 0x20000 - 2 * PAGE, MEM_RESERVE, 0, pv(a),
		      PAGE_READWRITE, MEM_MAPPED);
	xunmap(a);
	xclose(h);
}

/* ros: a PAGE_NOACCESS view of an 8 GiB reserved section. */
TEST(noaccess_view_commit)
{
	PVOID base, b;
	SIZE_T size;
	ULONG old;
	HANDLE h;
	char *v;

	vm_setup();
	h = xsection(0x200000000, PAGE_READWRITE, SEC_RESERVE);
	base = NULL;
	size = 0;
	ASSERT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0, &size, 0, PAGE_READWRITE),
		      STATUS_SUCCESS);
	EXPECT_EQ(size, 0x200000000);
	xunmap(base);
	base = NULL;
	size = 0x20000000;
	ASSERT_STATUS(map_view(h, NtCurrentProcess(), &base, 0, 0, &size, 0, PAGE_NOACCESS),
		      STATUS_SUCCESS);
	v = base;
	b = v;
	size = PAGE;
	EXPECT_STATUS(vm_protect(&b, &size, PAGE_READWRITE, &old), STATUS_SECTION_PROTECTION);
	EXPECT_STATUS(vm_protect(&b, &size, PAGE_READONLY, &old), STATUS_SECTION_PROTECTION);
	EXPECT_FAULT(PROBE_READ, v, STATUS_ACCESS_VIOLATION, 0);
	xcommit(v, PAGE, PAGE_READONLY);
	xcommit(v, PAGE, PAGE_READONLY);
	EXPECT_NO_FAULT(PROBE_READ, v, 0);
	EXPECT_FAULT(PROBE_WRITE, v, STATUS_ACCESS_VIOLATION, 1);
	xcommit(v, PAGE, PAGE_READWRITE);
	EXPECT_NO_FAULT(PROBE_WRITE, v, 1);
	EXPECT_REGION(v, pv(v), PAGE, MEM_COMMIT, PAGE_READWRITE, pv(v), PAGE_NOACCESS,
		      MEM_MAPPED);
	EXPECT_REGION(v + PAGE, pv(v) + PAGE, 0x20000000 - PAGE, MEM_RESERVE, 0, pv(v),
		      PAGE_NOACCESS, MEM_MAPPED);
	/*
	 * Windows Server 2003 lets MEM_COMMIT make such a page executable in a
	 * section that is not (ros); the module keeps a view within what its
	 * section and handle allow.
	 */
	b = v;
	size = PAGE;
	EXPECT_STATUS(vm_alloc(&b, &size, MEM_COMMIT, PAGE_EXECUTE_READWRITE),
		      STATUS_SECTION_PROTECTION);
	EXPECT_STATUS(vm_alloc(&b, &size, MEM_COMMIT, PAGE_WRITECOPY),
		      STATUS_INVALID_PAGE_PROTECTION);
	xunmap(v);
	xclose(h);
}

TEST(write_copy_views)
{
	VM_COUNTERS before, after;
	char *rw, *wc, *x;
	HANDLE h;

	vm_setup();
	h = xsection(0x10000, PAGE_READWRITE, SEC_COMMIT);
	rw = xmap(h, NULL, 0, 0, PAGE_READWRITE);
	wc = xmap(h, NULL, 0, 0, PAGE_WRITECOPY);
	EXPECT_REGION(wc, pv(wc), 0x10000, MEM_COMMIT, PAGE_WRITECOPY, pv(wc), PAGE_WRITECOPY,
		      MEM_MAPPED);
	/* Until it writes, a write-copy view sees the section. */
	rw[PAGE] = 'a';
	EXPECT_EQ(wc[PAGE], 'a');
	before = vm_counters();
	EXPECT_NO_FAULT(PROBE_WRITE, wc + PAGE + 1, 'b');
	after = vm_counters();
	/* The copy is the process's own, charged to it. */
	EXPECT_EQ(after.PagefileUsage, before.PagefileUsage + PAGE);
	EXPECT_EQ(wc[PAGE], 'a');
	EXPECT_EQ(wc[PAGE + 1], 'b');
	EXPECT_EQ(rw[PAGE + 1], 0);
	rw[PAGE] = 'c';
	EXPECT_EQ(wc[PAGE], 'a');
	EXPECT_EQ(wc[2 * PAGE], 0);
	rw[2 * PAGE] = 'd';
	EXPECT_EQ(wc[2 * PAGE], 'd');
	EXPECT_REGION(wc, pv(wc), PAGE, MEM_COMMIT, PAGE_WRITECOPY, pv(wc), PAGE_WRITECOPY,
		      MEM_MAPPED);
	EXPECT_REGION(wc + PAGE, pv(wc) + PAGE, PAGE, MEM_COMMIT, PAGE_READWRITE, pv(wc),
		      PAGE_WRITECOPY, MEM_MAPPED);
	EXPECT_REGION(wc + 2 * PAGE, pv(wc) + 2 * PAGE, 0x10000 - 2 * PAGE, MEM_COMMIT,
		      PAGE_WRITECOPY, pv(wc), PAGE_WRITECOPY, MEM_MAPPED);
	/* A write through NtWriteVirtualMemory copies too. */
	{
		SIZE_T done = 0;
		char c = 'e';

		ASSERT_STATUS(NtWriteVirtualMemory(NtCurrentProcess(), wc + 3 * PAGE, &c, 1,
						   &done), STATUS_SUCCESS);
		EXPECT_EQ(wc[3 * PAGE], 'e');
		EXPECT_EQ(rw[3 * PAGE], 0);
	}
	/* Unmapping gives the copies' charge back. */
	xunmap(wc);
	after = vm_counters();
	EXPECT_EQ(after.PagefileUsage, before.PagefileUsage);
	xunmap(rw);
	xclose(h);

	/* PAGE_EXECUTE_WRITECOPY: the copy reports PAGE_EXECUTE_READWRITE and runs. */
	h = xsection(0x10000, PAGE_EXECUTE_READWRITE, SEC_COMMIT);
	rw = xmap(h, NULL, 0, 0, PAGE_EXECUTE_READWRITE);
	memcpy(rw, code_ret42, sizeof(code_ret42));
	x = xmap(h, NULL, 0, 0, PAGE_EXECUTE_WRITECOPY);
	EXPECT_EQ(expect_no_fault(__LINE__, PROBE_EXEC, x, 0), 42);
	x[1] = 7;	/* mov eax, 7 */
	EXPECT_EQ(expect_no_fault(__LINE__, PROBE_EXEC, x, 0), 7);
	EXPECT_EQ(expect_no_fault(__LINE__, PROBE_EXEC, rw, 0), 42);
	EXPECT_REGION(x, pv(x), PAGE, MEM_COMMIT, PAGE_EXECUTE_READWRITE, pv(x),
		      PAGE_EXECUTE_WRITECOPY, MEM_MAPPED);
	xunmap(x);
	xunmap(rw);
	xclose(h);
}

/* ------------------------------------------------------------------------ */
/* Names                                                                    */
/* ------------------------------------------------------------------------ */

TEST(named_sections)
{
	struct name n, m;
	HANDLE h, h2, process;
	char *a, *b;

	vm_setup();
	make_name(&n, 0, "\\BaseNamedObjects\\ntexec-test-%d", getpid());
	ASSERT_STATUS(create_named(&h, &n, 0x10000, SEC_COMMIT), STATUS_SUCCESS);
	EXPECT_STATUS(create_named(&h2, &n, 0x10000, SEC_COMMIT), STATUS_OBJECT_NAME_COLLISION);
	/* OBJ_OPENIF: the existing section, with a success that says so. */
	n.oa.Attributes = OBJ_OPENIF;
	h2 = NULL;
	ASSERT_STATUS(create_named(&h2, &n, 0x20000, SEC_COMMIT), STATUS_OBJECT_NAME_EXISTS);
	ASSERT_NE(hv(h2), 0);
	ASSERT_NE(hv(h2), hv(h));
	EXPECT_EQ(xquery_section(h2).MaximumSize.QuadPart, 0x10000);
	a = xmap(h, NULL, 0, 0, PAGE_READWRITE);
	b = xmap(h2, NULL, 0, 0, PAGE_READWRITE);
	a[0] = 'n';
	EXPECT_EQ(b[0], 'n');
	xunmap(b);
	xclose(h2);

	/* NtOpenSection, exact and case-insensitive. */
	ASSERT_STATUS(NtOpenSection(&h2, SECTION_MAP_READ, &n.oa), STATUS_SUCCESS);
	xclose(h2);
	make_name(&m, 0, "\\BASENAMEDOBJECTS\\NTEXEC-TEST-%d", getpid());
	EXPECT_STATUS(NtOpenSection(&h2, SECTION_MAP_READ, &m.oa), STATUS_OBJECT_PATH_NOT_FOUND);
	make_name(&m, 0, "\\BaseNamedObjects\\NTEXEC-TEST-%d", getpid());
	EXPECT_STATUS(NtOpenSection(&h2, SECTION_MAP_READ, &m.oa), STATUS_OBJECT_NAME_NOT_FOUND);
	m.oa.Attributes = OBJ_CASE_INSENSITIVE;
	ASSERT_STATUS(NtOpenSection(&h2, SECTION_MAP_READ, &m.oa), STATUS_SUCCESS);
	b = xmap(h2, NULL, 0, 0, PAGE_READONLY);
	EXPECT_EQ(b[0], 'n');
	xunmap(b);
	/* The handle has the access asked, no more. */
	b = NULL;
	{
		PVOID base = NULL;
		SIZE_T size = 0;

		EXPECT_STATUS(map_view(h2, NtCurrentProcess(), &base, 0, 0, &size, 0,
				       PAGE_READWRITE), STATUS_ACCESS_DENIED);
	}
	xclose(h2);
	m.oa.Attributes = OBJ_CASE_INSENSITIVE | OBJ_OPENIF;
	EXPECT_STATUS(create_named(&h2, &m, 0x10000, SEC_COMMIT), STATUS_OBJECT_NAME_EXISTS);
	xclose(h2);

	/* Bad names. */
	make_name(&m, 0, "BaseNamedObjects\\x");
	EXPECT_STATUS(NtOpenSection(&h2, SECTION_MAP_READ, &m.oa), STATUS_OBJECT_PATH_SYNTAX_BAD);
	EXPECT_STATUS(create_named(&h2, &m, 0x10000, SEC_COMMIT), STATUS_OBJECT_PATH_SYNTAX_BAD);
	make_name(&m, 0, "\\Sessions\\x");
	EXPECT_STATUS(NtOpenSection(&h2, SECTION_MAP_READ, &m.oa), STATUS_OBJECT_PATH_NOT_FOUND);
	make_name(&m, 0, "\\BaseNamedObjects\\a\\b");
	EXPECT_STATUS(create_named(&h2, &m, 0x10000, SEC_COMMIT), STATUS_OBJECT_PATH_NOT_FOUND);
	make_name(&m, 0, "\\BaseNamedObjects\\");
	EXPECT_STATUS(create_named(&h2, &m, 0x10000, SEC_COMMIT), STATUS_OBJECT_NAME_INVALID);
	make_name(&m, 0, "\\");
	EXPECT_STATUS(NtOpenSection(&h2, SECTION_MAP_READ, &m.oa), STATUS_OBJECT_NAME_INVALID);
	make_name(&m, 0, "\\BaseNamedObjects\\odd");
	m.us.Length = 7;
	EXPECT_STATUS(NtOpenSection(&h2, SECTION_MAP_READ, &m.oa), STATUS_OBJECT_NAME_INVALID);
	m.us.Length = 0;
	EXPECT_STATUS(NtOpenSection(&h2, SECTION_MAP_READ, &m.oa), STATUS_OBJECT_PATH_SYNTAX_BAD);
	EXPECT_STATUS(NtOpenSection(&h2, SECTION_MAP_READ, NULL), STATUS_ACCESS_VIOLATION);
	/* RootDirectory must be a directory; no handle is one. */
	process = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, getpid());
	make_name(&m, 0, "x");
	m.oa.RootDirectory = process;
	EXPECT_STATUS(NtOpenSection(&h2, SECTION_MAP_READ, &m.oa), STATUS_OBJECT_TYPE_MISMATCH);
	m.oa.RootDirectory = (HANDLE)0x7ff0;
	EXPECT_STATUS(NtOpenSection(&h2, SECTION_MAP_READ, &m.oa), STATUS_INVALID_HANDLE);
	xclose(process);
	/* A name in user memory that is not there. */
	make_name(&m, 0, "\\BaseNamedObjects\\x");
	m.us.Buffer = (PWSTR)(uintptr_t)8;
	EXPECT_STATUS(NtOpenSection(&h2, SECTION_MAP_READ, &m.oa), STATUS_ACCESS_VIOLATION);

	/* The name goes with the last handle, though a view keeps the section. */
	xclose(h);
	EXPECT_STATUS(NtOpenSection(&h2, SECTION_MAP_READ, &n.oa), STATUS_OBJECT_NAME_NOT_FOUND);
	EXPECT_EQ(a[0], 'n');
	n.oa.Attributes = 0;
	ASSERT_STATUS(create_named(&h, &n, 0x10000, SEC_COMMIT), STATUS_SUCCESS);
	b = xmap(h, NULL, 0, 0, PAGE_READONLY);
	EXPECT_EQ(b[0], 0);	/* a new section */
	xunmap(b);
	xunmap(a);
	xclose(h);
}

TEST(named_section_shared_across_processes)
{
	struct peer p = peer_spawn();
	struct peer_reply r;
	char path[64], *v;
	struct name n;
	HANDLE h;

	vm_setup();
	snprintf(path, sizeof(path), "\\BaseNamedObjects\\ntexec-share-%d", getpid());
	make_name(&n, 0, "%s", path);
	ASSERT_STATUS(create_named(&h, &n, 0x20000, SEC_COMMIT), STATUS_SUCCESS);
	v = xmap(h, NULL, 0, 0, PAGE_READWRITE);
	r = peer_call(&p, PEER_MAP_NAMED, 0, 0, PAGE_READWRITE, path);
	ASSERT_STATUS(r.status, STATUS_SUCCESS);
	for (int i = 0; i < 0x20000; i += PAGE) {
		v[i] = (char)(i / PAGE + 10);
		EXPECT_EQ(peer_read(&p, cp(r.value + i)), i / PAGE + 10);
		EXPECT_STATUS(peer_write(&p, cp(r.value + i + 1), (uint8_t)(i / PAGE + 50)),
			      STATUS_SUCCESS);
		EXPECT_EQ(v[i + 1], (char)(i / PAGE + 50));
	}
	/* The other's view goes; ours stays. */
	ASSERT_STATUS(peer_call(&p, PEER_UNMAP, r.value, 0, 0, NULL).status, STATUS_SUCCESS);
	EXPECT_EQ(peer_read(&p, cp(r.value)), -1);
	EXPECT_EQ(v[1], 50);
	peer_end(&p);
	xunmap(v);
	xclose(h);
}

/* Names are per user: the default DACL of an NT object is its creator's. */
TEST(names_are_per_user)
{
	struct name n;
	HANDLE h, h2;
	pid_t pid;
	int st;

	vm_setup();
	if (ntt_unprivileged())
		SKIP("needs root to become another user");
	make_name(&n, 0, "\\BaseNamedObjects\\ntexec-root-%d", getpid());
	ASSERT_STATUS(create_named(&h, &n, 0x10000, SEC_COMMIT), STATUS_SUCCESS);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		int bad = 0;

		if (setgid(65534) || setuid(65534))
			_exit(10);
		NtxInitialize();
		if (NtOpenSection(&h2, SECTION_MAP_READ, &n.oa) != STATUS_ACCESS_DENIED)
			bad |= 1;
		n.oa.Attributes = OBJ_OPENIF;
		if (create_named(&h2, &n, 0x10000, SEC_COMMIT) != STATUS_ACCESS_DENIED)
			bad |= 2;
		n.oa.Attributes = 0;
		if (create_named(&h2, &n, 0x10000, SEC_COMMIT) != STATUS_OBJECT_NAME_COLLISION)
			bad |= 4;
		_exit(bad);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 0);
	xclose(h);
}

/* ------------------------------------------------------------------------ */
/* Views in other processes                                                 */
/* ------------------------------------------------------------------------ */

TEST(map_view_into_another_process)
{
	struct peer p = peer_spawn();
	HANDLE h, process;
	PVOID base = NULL;
	SIZE_T size = 0;
	char *mine;

	vm_setup();
	/* The peer is an NT process once it has served a command. */
	EXPECT_EQ(peer_read(&p, cp(0x10000)), -1);
	process = xopen_process(PROCESS_VM_OPERATION | PROCESS_QUERY_INFORMATION, p.pid);
	h = xsection(0x30000, PAGE_READWRITE, SEC_COMMIT);
	mine = xmap(h, NULL, 0, 0, PAGE_READWRITE);
	ASSERT_STATUS(map_view(h, process, &base, 0, 0x10000, &size, 0, PAGE_READONLY),
		      STATUS_SUCCESS);
	EXPECT_EQ(size, 0x20000);
	{
		MEMORY_BASIC_INFORMATION mbi;
		SIZE_T len;

		ASSERT_STATUS(NtQueryVirtualMemory(process, base, MemoryBasicInformation, &mbi,
						   sizeof(mbi), &len), STATUS_SUCCESS);
		EXPECT_EQ(pv(mbi.AllocationBase), pv(base));
		EXPECT_EQ(mbi.RegionSize, 0x20000);
		EXPECT_EQ(mbi.Type, MEM_MAPPED);
		EXPECT_EQ(mbi.Protect, PAGE_READONLY);
	}
	mine[0x10000] = 'p';
	EXPECT_EQ(peer_read(&p, base), 'p');
	/* Read-only there: its write faults. */
	EXPECT_STATUS(peer_write(&p, base, 'q'), STATUS_ACCESS_VIOLATION);
	EXPECT_EQ(mine[0x10000], 'p');
	/* Freeing it is refused there too; unmapping works from here. */
	{
		PVOID b = base;
		SIZE_T s = 0;

		EXPECT_STATUS(NtFreeVirtualMemory(process, &b, &s, MEM_RELEASE),
			      STATUS_UNABLE_TO_DELETE_SECTION);
	}
	EXPECT_STATUS(NtUnmapViewOfSection(process, (char *)base + 0x1234), STATUS_SUCCESS);
	EXPECT_EQ(peer_read(&p, base), -1);
	EXPECT_STATUS(NtUnmapViewOfSection(process, base), STATUS_NOT_MAPPED_VIEW);
	peer_end(&p);
	/* A view into a process that has exited. */
	base = NULL;
	size = 0;
	EXPECT_STATUS(map_view(h, process, &base, 0, 0, &size, 0, PAGE_READONLY),
		      STATUS_PROCESS_IS_TERMINATING);
	xclose(process);
	xunmap(mine);
	xclose(h);
}

/* Eight processes share a 64 MiB section: 64 MiB of pages, not 512. */
TEST_TIMEOUT(shared_pages_are_counted_once, 600)
{
	const SIZE_T size = 64 * MIB;
	long resident0, resident1, committed0;
	struct name n;
	char path[64];
	HANDLE h;
	pid_t kids[8];
	int sync[2], i, st;
	char c;

	vm_setup();
	resident0 = module_param("resident_pages");
	committed0 = module_param("committed_pages");
	ASSERT_GE(resident0, 0);
	snprintf(path, sizeof(path), "\\BaseNamedObjects\\ntexec-8x64-%d", getpid());
	make_name(&n, 0, "%s", path);
	ASSERT_STATUS(create_named(&h, &n, size, SEC_COMMIT), STATUS_SUCCESS);
	EXPECT_EQ(module_param("committed_pages"), committed0 + (long)(size / PAGE));
	ASSERT_EQ(pipe(sync), 0);
	for (i = 0; i < 8; i++) {
		fflush(stdout);
		fflush(stderr);
		kids[i] = fork();
		ASSERT_GE(kids[i], 0);
		if (!kids[i]) {
			PVOID base = NULL;
			SIZE_T sz = 0;
			HANDLE s;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			NtxInitialize();
			if (NtOpenSection(&s, SECTION_MAP_READ | SECTION_MAP_WRITE, &n.oa) ||
			    map_view(s, NtCurrentProcess(), &base, 0, 0, &sz, 0, PAGE_READWRITE))
				_exit(1);
			for (SIZE_T off = 0; off < sz; off += PAGE)
				((volatile char *)base)[off + i] = (char)i;
			if (write(sync[1], "k", 1) != 1)
				_exit(2);
			pause();
			_exit(0);
		}
	}
	for (i = 0; i < 8; i++)
		ASSERT_EQ(read(sync[0], &c, 1), 1);
	resident1 = module_param("resident_pages");
	printf("# 8 processes x 64 MiB view: resident_pages %ld -> %ld (+%ld MiB)\n",
	       resident0, resident1, (resident1 - resident0) * (long)PAGE / (long)MIB);
	EXPECT_GE(resident1 - resident0, (long)(size / PAGE));
	EXPECT_LE(resident1 - resident0, (long)(size / PAGE) + 256);
	/* Every process wrote its byte into the same pages. */
	{
		char *v = xmap(h, NULL, 0, 0, PAGE_READONLY);

		for (SIZE_T off = 0; off < size; off += 997 * PAGE)
			for (i = 0; i < 8; i++)
				EXPECT_EQ(v[off + i], (char)i);
		xunmap(v);
	}
	for (i = 0; i < 8; i++) {
		kill(kids[i], SIGKILL);
		ASSERT_EQ(waitpid(kids[i], &st, 0), kids[i]);
	}
	xclose(h);
	/* Killed mappers and a closed handle leave nothing behind. */
	EXPECT_EQ(settle_param("resident_pages", resident0), resident0);
	EXPECT_EQ(settle_param("committed_pages", committed0), committed0);
}

/* Many processes map, write and unmap one section while others die. */
TEST_TIMEOUT(map_unmap_stress, 600)
{
	long resident0, committed0;
	struct name n;
	HANDLE h;
	pid_t kids[12];
	int i, st, failures = 0;

	vm_setup();
	resident0 = module_param("resident_pages");
	committed0 = module_param("committed_pages");
	make_name(&n, 0, "\\BaseNamedObjects\\ntexec-stress-%d", getpid());
	ASSERT_STATUS(create_named(&h, &n, 0x100000, SEC_RESERVE), STATUS_SUCCESS);
	for (i = 0; i < 12; i++) {
		fflush(stdout);
		fflush(stderr);
		kids[i] = fork();
		ASSERT_GE(kids[i], 0);
		if (!kids[i]) {
			uint64_t seed = ntt_seed() + (uint64_t)i * 7919;
			HANDLE s;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			NtxInitialize();
			if (NtOpenSection(&s, SECTION_MAP_READ | SECTION_MAP_WRITE, &n.oa))
				_exit(1);
			for (int it = 0; it < 150; it++) {
				ULONGLONG off = (ntt_rand(&seed) % 16) * GRANULE;
				PVOID base = NULL;
				SIZE_T sz = GRANULE;
				volatile uint32_t *w;

				if (map_view(s, NtCurrentProcess(), &base, GRANULE, off, &sz, 0,
					     PAGE_READWRITE))
					_exit(2);
				w = (volatile uint32_t *)base + (ntt_rand(&seed) % 1024) * 4;
				*w = (uint32_t)(off + it);
				if (*w != (uint32_t)(off + it))
					_exit(3);
				if (NtUnmapViewOfSection(NtCurrentProcess(), base))
					_exit(4);
			}
			_exit(0);
		}
	}
	/* Kill a third of them while they work. */
	sleep_ms(200);
	for (i = 0; i < 12; i += 3)
		kill(kids[i], SIGKILL);
	for (i = 0; i < 12; i++) {
		ASSERT_EQ(waitpid(kids[i], &st, 0), kids[i]);
		if (i % 3 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
			fprintf(stderr, "# worker %d: status %#x\n", i, st);
			failures++;
		}
	}
	EXPECT_EQ(failures, 0);
	xclose(h);
	EXPECT_EQ(settle_param("resident_pages", resident0), resident0);
	EXPECT_EQ(settle_param("committed_pages", committed0), committed0);
}

/* A process that exits with views mapped gives everything back. */
TEST(exit_releases_views)
{
	long resident0, committed0;
	HANDLE h;
	pid_t pid;
	int st;

	vm_setup();
	resident0 = module_param("resident_pages");
	committed0 = module_param("committed_pages");
	h = xsection(0x100000, PAGE_READWRITE, SEC_COMMIT);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		HANDLE s = xsection(0x40000, PAGE_READWRITE, SEC_COMMIT);
		char *a = xmap(s, NULL, 0, 0, PAGE_READWRITE);
		char *b = xmap(s, NULL, 0, 0, PAGE_WRITECOPY);

		memset(a, 1, 0x40000);
		memset(b, 2, 0x40000);
		_exit(a[5] == 1 && b[5] == 2 ? 0 : 1);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* Our own section is all that is left. */
	EXPECT_EQ(settle_param("committed_pages", committed0 + 256), committed0 + 256);
	EXPECT_EQ(settle_param("resident_pages", resident0), resident0);
	xclose(h);
	EXPECT_EQ(module_param("committed_pages"), committed0);
}

/* A fork()ed child does not inherit views (VM_DONTCOPY), nor does exec. */
TEST(fork_does_not_copy_views)
{
	HANDLE h;
	char *v;
	pid_t pid;
	int st;

	vm_setup();
	h = xsection(0x10000, PAGE_READWRITE, SEC_COMMIT);
	v = xmap(h, NULL, 0, 0, PAGE_READWRITE);
	v[0] = 'f';
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		long x = 0;

		catch_faults();
		_exit(probe(PROBE_READ, v, &x) ? 0 : 1);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EXPECT_EQ(v[0], 'f');
	xunmap(v);
	xclose(h);
}

/* Raw ioctls: what the transport refuses. */
TEST(raw_ioctl_checks)
{
	struct ntexec_create_section cs;
	struct ntexec_open_object oo;
	struct ntexec_map_view mv;
	int fd;

	vm_setup();
	fd = NtxDeviceFd();
	ASSERT_GE(fd, 0);
	memset(&cs, 0, sizeof(cs));
	cs.access = SECTION_ALL_ACCESS;
	cs.maximum_size = 0x10000;
	cs.protect = PAGE_READWRITE;
	cs.allocation_attributes = SEC_COMMIT;
	cs.pad = 1;
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_CREATE_SECTION, &cs), -1);
	EXPECT_EQ(errno, EINVAL);
	cs.pad = 0;
	/* A name in kernel memory, a huge one, an odd one. */
	cs.name = 0xffffffff81000000ull;
	cs.name_length = 64;
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_CREATE_SECTION, &cs), -1);
	EXPECT_EQ(errno, EFAULT);
	cs.name_length = 0x10000;
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_CREATE_SECTION, &cs), (int)STATUS_OBJECT_NAME_INVALID);
	cs.name_length = 3;
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_CREATE_SECTION, &cs), (int)STATUS_OBJECT_NAME_INVALID);
	memset(&oo, 0, sizeof(oo));
	oo.pad = 1;
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_OPEN_SECTION, &oo), -1);
	EXPECT_EQ(errno, EINVAL);
	memset(&mv, 0, sizeof(mv));
	mv.pad = 1;
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_MAP_VIEW, &mv), -1);
	EXPECT_EQ(errno, EINVAL);
	/* The handshake names the feature and the ioctls. */
	{
		struct ntexec_version ver = { .api = NTEXEC_API_VERSION };

		ASSERT_EQ(ioctl(fd, NTEXEC_IOC_VERSION, &ver), 0);
		EXPECT_TRUE(ver.features & NTEXEC_FEATURE_SECTIONS);
		for (int nr = 26; nr <= 30; nr++)
			EXPECT_TRUE(ver.ioctls & (1ull << nr));
	}
}
