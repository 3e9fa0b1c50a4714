// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ntvad: a process's address space as NT sees it (VMMap- or !vad-like),
 * through NtQueryVirtualMemory alone: MemoryBasicInformation walked from 0
 * to the top of user space, regions grouped by allocation (one VAD each),
 * MemoryWorkingSetExInformation for the committed pages (how many are in
 * the working set, how many locked), MemoryRegionInformationEx for the
 * allocation's write-watch flag and MemoryMappedFilenameInformation for a
 * view's file. Totals by type.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ntexec/nt.h>

#include "tool_util.h"

#define TOP		0x7FFFFFFF0000ull
#define EX_BATCH	512

struct totals {
	unsigned long long reserved, committed, ws, locked, vads;
};

/* The types in order, for the totals. */
static const char *const type_names[] = { "private", "mapped", "image", "other" };

static int type_index(ULONG type)
{
	switch (type) {
	case MEM_PRIVATE:
		return 0;
	case MEM_MAPPED:
		return 1;
	case MEM_IMAGE:
		return 2;
	default:
		return 3;
	}
}

static const char *protect_name(ULONG p, char *buf, size_t cap)
{
	static const struct { ULONG v; const char *n; } base[] = {
		{ PAGE_NOACCESS, "PAGE_NOACCESS" }, { PAGE_READONLY, "PAGE_READONLY" },
		{ PAGE_READWRITE, "PAGE_READWRITE" }, { PAGE_WRITECOPY, "PAGE_WRITECOPY" },
		{ PAGE_EXECUTE, "PAGE_EXECUTE" }, { PAGE_EXECUTE_READ, "PAGE_EXECUTE_READ" },
		{ PAGE_EXECUTE_READWRITE, "PAGE_EXECUTE_READWRITE" },
		{ PAGE_EXECUTE_WRITECOPY, "PAGE_EXECUTE_WRITECOPY" },
	};
	const char *n = NULL;
	size_t i;

	if (!p)
		return "0";
	for (i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		if ((p & 0xff) == base[i].v)
			n = base[i].n;
	if (!n) {
		snprintf(buf, cap, "%#lx", (unsigned long)p);
		return buf;
	}
	snprintf(buf, cap, "%s%s%s%s", n, p & PAGE_GUARD ? "|PAGE_GUARD" : "",
		 p & PAGE_NOCACHE ? "|PAGE_NOCACHE" : "",
		 p & PAGE_WRITECOMBINE ? "|PAGE_WRITECOMBINE" : "");
	return buf;
}

/* Pages of [base, base + size) in the working set, and locked ones. */
static void ws_pages(HANDLE h, ULONG_PTR base, SIZE_T size, unsigned long long *ws,
		     unsigned long long *locked)
{
	static MEMORY_WORKING_SET_EX_INFORMATION ex[EX_BATCH];
	SIZE_T pages = size / 4096, done = 0;

	while (done < pages) {
		SIZE_T n = pages - done < EX_BATCH ? pages - done : EX_BATCH, i;

		for (i = 0; i < n; i++)
			ex[i].VirtualAddress = (PVOID)(base + (done + i) * 4096);
		if (NtQueryVirtualMemory(h, NULL, MemoryWorkingSetExInformation, ex,
					 n * sizeof(ex[0]), NULL))
			return;
		for (i = 0; i < n; i++) {
			if (!ex[i].VirtualAttributes.Valid)
				continue;
			(*ws)++;
			*locked += ex[i].VirtualAttributes.Locked;
		}
		done += n;
	}
}

struct vad {
	ULONG_PTR base, end;
	char file[4096];
	ULONG type, alloc_protect;
	unsigned long long reserved, committed, ws, locked;
	int nregions;
	int write_watch;	/* -1: the query failed */
};

/* Whether the allocation at @base was reserved with MEM_WRITE_WATCH; -1 unknown. */
static int write_watch_of(HANDLE h, ULONG_PTR base)
{
	MEMORY_REGION_INFORMATION mri;

	if (NtQueryVirtualMemory(h, (PVOID)base, MemoryRegionInformationEx, &mri, sizeof(mri),
				 NULL))
		return -1;
	return mri.MappedWriteWatch;
}

/* The file mapped at @base, or "" (private memory, a pagefile view). */
static void file_of(HANDLE h, ULONG_PTR base, char *out, size_t cap)
{
	static union {
		UNICODE_STRING us;
		unsigned char raw[sizeof(UNICODE_STRING) + 8192];
	} buf;

	out[0] = '\0';
	if (NtQueryVirtualMemory(h, (PVOID)base, MemoryMappedFilenameInformation, &buf,
				 sizeof(buf), NULL))
		return;
	utf8_of(buf.us.Buffer, buf.us.Length / sizeof(WCHAR), out, cap);
}

static void print_vad(const struct vad *v, int json, int *first, struct totals *tot)
{
	char pb[64];

	tot[type_index(v->type)].ws += v->ws * 4096;
	tot[type_index(v->type)].locked += v->locked * 4096;

	if (json) {
		printf("%s{\"base\":\"%#lx\"", *first ? "" : ",\n", (unsigned long)v->base);
		*first = 0;
		json_u64("size", v->end - v->base, 1);
		printf(",\"type\":\"%s\",\"allocation_protection\":\"%s\"",
		       type_names[type_index(v->type)], protect_name(v->alloc_protect, pb, sizeof(pb)));
		json_u64("reserved", v->reserved, 1);
		json_u64("committed", v->committed, 1);
		json_u64("working_set", v->ws * 4096, 1);
		json_u64("locked", v->locked * 4096, 1);
		json_u64("regions", v->nregions, 1);
		printf(",\"write_watch\":%s", v->write_watch < 0 ? "null" :
		       v->write_watch ? "true" : "false");
		printf(",\"file\":");
		if (v->file[0])
			json_str(v->file);
		else
			printf("null");
		printf("}");
	} else {
		printf("%016lx-%016lx %-7s %12llu %12llu %12llu %10llu %4d %-2s  %-22s %s\n",
		       (unsigned long)v->base, (unsigned long)v->end,
		       type_names[type_index(v->type)], v->committed, v->reserved,
		       v->ws * 4096, v->locked * 4096, v->nregions,
		       v->write_watch < 0 ? "?" : v->write_watch ? "ww" : "-",
		       protect_name(v->alloc_protect, pb, sizeof(pb)), v->file);
	}
}

static void usage(FILE *f, const char *argv0)
{
	fprintf(f, "usage: %s [-j] PID\n"
		"  -j, --json   a JSON object: pid, vads (base, size, type, allocation_protection,\n"
		"               reserved, committed, working_set, locked, regions, write_watch,\n"
		"               file), totals by type\n"
		"  -h, --help   this text\n", argv0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct totals tot[4];
	struct vad v = { 0 };
	OBJECT_ATTRIBUTES oa;
	CLIENT_ID cid = { 0 };
	unsigned long long addr = 0;
	int json = 0, first = 1, c, i;
	unsigned long pid;
	NTSTATUS s;
	char *end;
	HANDLE h;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr, argv[0]);
		return 2;
	}
	pid = strtoul(argv[optind], &end, 10);
	if (*end || !pid) {
		usage(stderr, argv[0]);
		return 2;
	}
	if (tool_open_device("ntvad"))
		return 1;
	InitializeObjectAttributes(&oa, NULL, 0, NULL, NULL);
	cid.UniqueProcess = (HANDLE)(uintptr_t)pid;
	s = NtOpenProcess(&h, PROCESS_QUERY_INFORMATION, &oa, &cid);
	if (s) {
		fprintf(stderr, "ntvad: cannot open process %lu: status %#lx\n", pid,
			(unsigned long)(ULONG)s);
		return 1;
	}
	memset(tot, 0, sizeof(tot));
	if (json)
		printf("{\"pid\":%lu,\"vads\":[\n", pid);
	else
		printf("%-33s %-7s %12s %12s %12s %10s %4s %-2s  %s\n", "RANGE", "TYPE",
		       "COMMITTED", "RESERVED", "WS", "LOCKED", "RGNS", "WW",
		       "ALLOCATION PROTECTION  FILE");
	while (addr < TOP) {
		MEMORY_BASIC_INFORMATION mbi;
		ULONG_PTR ab;

		s = NtQueryVirtualMemory(h, (PVOID)(uintptr_t)addr, MemoryBasicInformation, &mbi,
					 sizeof(mbi), NULL);
		if (s || !mbi.RegionSize)
			break;
		addr = (ULONG_PTR)mbi.BaseAddress + mbi.RegionSize;
		if (mbi.State == MEM_FREE)
			continue;
		ab = (ULONG_PTR)mbi.AllocationBase;
		if (v.nregions && v.base != ab) {
			print_vad(&v, json, &first, tot);
			memset(&v, 0, sizeof(v));
		}
		if (!v.nregions) {
			v.base = ab;
			v.type = mbi.Type;
			v.alloc_protect = mbi.AllocationProtect;
			v.write_watch = write_watch_of(h, ab);
			if (mbi.Type != MEM_PRIVATE)
				file_of(h, ab, v.file, sizeof(v.file));
		}
		v.end = (ULONG_PTR)mbi.BaseAddress + mbi.RegionSize;
		v.nregions++;
		if (mbi.State == MEM_COMMIT) {
			v.committed += mbi.RegionSize;
			ws_pages(h, (ULONG_PTR)mbi.BaseAddress, mbi.RegionSize, &v.ws, &v.locked);
		} else {
			v.reserved += mbi.RegionSize;
		}
		i = type_index(v.type);
		tot[i].reserved += mbi.State == MEM_COMMIT ? 0 : mbi.RegionSize;
		tot[i].committed += mbi.State == MEM_COMMIT ? mbi.RegionSize : 0;
		if (v.nregions == 1)
			tot[i].vads++;
	}
	if (v.nregions)
		print_vad(&v, json, &first, tot);
	NtClose(h);
	if (json) {
		printf("%s],\"totals\":{", first ? "" : "\n");
		for (i = 0; i < 4; i++) {
			printf("%s\"%s\":{", i ? "," : "", type_names[i]);
			json_u64("vads", tot[i].vads, 0);
			json_u64("reserved", tot[i].reserved, 1);
			json_u64("committed", tot[i].committed, 1);
			json_u64("working_set", tot[i].ws, 1);
			json_u64("locked", tot[i].locked, 1);
			printf("}");
		}
		printf("}}\n");
	} else {
		printf("\n%-7s %6s %12s %12s %12s %10s\n", "TOTAL", "VADS", "COMMITTED",
		       "RESERVED", "WS", "LOCKED");
		for (i = 0; i < 4; i++)
			printf("%-7s %6llu %12llu %12llu %12llu %10llu\n", type_names[i],
			       tot[i].vads, tot[i].committed, tot[i].reserved, tot[i].ws,
			       tot[i].locked);
	}
	return 0;
}
