// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ntmem: the system's memory as NT's memory manager presents it (RAMMap's
 * summary, MemInfo): physical memory, the page lists and the commit, from
 * NtQuerySystemInformation (SystemBasicInformation,
 * SystemMemoryListInformation, SystemMemoryUsageInformation,
 * SystemPerformanceInformation for the faults). -e first
 * empties every working set (NtSetSystemInformation, MemoryEmptyWorkingSets;
 * it needs CAP_SYS_ADMIN).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <ntexec/nt.h>

#include "tool_util.h"

static void usage(FILE *f, const char *argv0)
{
	fprintf(f, "usage: %s [-e] [-j]\n"
		"  -e, --empty-working-sets  empty every NT working set first (CAP_SYS_ADMIN)\n"
		"  -j, --json                a JSON object: page_size, physical_pages,\n"
		"                            available_bytes, lists (zeroed, free, modified,\n"
		"                            standby, standby_by_priority, bad; pages),\n"
		"                            commit (committed, shared, limit, peak; bytes),\n"
		"                            faults (total, demand_zero, transition,\n"
		"                            copy_on_write, cache_transition, page_read),\n"
		"                            pagefiles ([{name, total_pages, in_use_pages,\n"
		"                            peak_pages}])\n"
		"  -h, --help                this text\n", argv0);
}

/* The paging files (SystemPageFileInformation), as text or a JSON array. */
static void paging_files(int json, unsigned long long pg)
{
	static union {
		SYSTEM_PAGEFILE_INFORMATION e;
		unsigned char raw[16 * 320];
	} buf;
	SYSTEM_PAGEFILE_INFORMATION *e;
	ULONG len = 0, off = 0;
	char name[512];
	int n = 0;

	if (NtQuerySystemInformation(SystemPageFileInformation, buf.raw, sizeof(buf.raw), &len))
		len = 0;
	if (json)
		printf(",\"pagefiles\":[");
	else
		printf("\nPaging files             MiB   in use     peak\n");
	while (len && off + sizeof(*e) <= len) {
		e = (SYSTEM_PAGEFILE_INFORMATION *)(buf.raw + off);
		utf8_of(e->PageFileName.Buffer, e->PageFileName.Length / 2, name, sizeof(name));
		if (json) {
			printf("%s{\"name\":", n ? "," : "");
			json_str(name);
			json_u64("total_pages", e->TotalSize, 1);
			json_u64("in_use_pages", e->TotalInUse, 1);
			json_u64("peak_pages", e->PeakUsage, 1);
			printf("}");
		} else {
			printf("  %-18s %8.1f %8.1f %8.1f\n", name, e->TotalSize * pg / 1048576.0,
			       e->TotalInUse * pg / 1048576.0, e->PeakUsage * pg / 1048576.0);
		}
		n++;
		if (!e->NextEntryOffset)
			break;
		off += e->NextEntryOffset;
	}
	if (json)
		printf("]");
	else if (!n)
		printf("  (none: modified private pages stay resident)\n");
}

static NTSTATUS query(SYSTEM_INFORMATION_CLASS c, void *buf, ULONG len, const char *what)
{
	NTSTATUS s = NtQuerySystemInformation(c, buf, len, NULL);

	if (s)
		fprintf(stderr, "ntmem: %s: status %#lx\n", what, (unsigned long)(ULONG)s);
	return s;
}

static double mib(unsigned long long bytes)
{
	return bytes / 1048576.0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "empty-working-sets", no_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	SYSTEM_MEMORY_USAGE_INFORMATION u;
	SYSTEM_PERFORMANCE_INFORMATION p;
	SYSTEM_MEMORY_LIST_INFORMATION l;
	SYSTEM_BASIC_INFORMATION b;
	unsigned long long standby = 0, pg;
	int json = 0, empty = 0, c, i;
	NTSTATUS s;

	while ((c = getopt_long(argc, argv, "ejh", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			empty = 1;
			break;
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
	if (optind != argc) {
		usage(stderr, argv[0]);
		return 2;
	}
	if (tool_open_device("ntmem"))
		return 1;
	if (empty) {
		ULONG cmd = MemoryEmptyWorkingSets;

		s = NtSetSystemInformation(SystemMemoryListInformation, &cmd, sizeof(cmd));
		if (s) {
			fprintf(stderr, "ntmem: emptying the working sets: status %#lx%s\n",
				(unsigned long)(ULONG)s,
				s == STATUS_PRIVILEGE_NOT_HELD ? " (needs CAP_SYS_ADMIN)" : "");
			return 1;
		}
	}
	if (query(SystemBasicInformation, &b, sizeof(b), "SystemBasicInformation") ||
	    query(SystemMemoryListInformation, &l, sizeof(l), "SystemMemoryListInformation") ||
	    query(SystemMemoryUsageInformation, &u, sizeof(u), "SystemMemoryUsageInformation") ||
	    query(SystemPerformanceInformation, &p, sizeof(p), "SystemPerformanceInformation"))
		return 1;
	for (i = 0; i < 8; i++)
		standby += l.PageCountByPriority[i];
	pg = b.PageSize;
	if (json) {
		printf("{");
		json_u64("page_size", pg, 0);
		json_u64("physical_pages", b.NumberOfPhysicalPages, 1);
		json_u64("available_bytes", u.AvailableBytes, 1);
		printf(",\"lists\":{");
		json_u64("zeroed", l.ZeroPageCount, 0);
		json_u64("free", l.FreePageCount, 1);
		json_u64("modified", l.ModifiedPageCount, 1);
		json_u64("standby", standby, 1);
		printf(",\"standby_by_priority\":[");
		for (i = 0; i < 8; i++)
			printf("%s%llu", i ? "," : "", (unsigned long long)l.PageCountByPriority[i]);
		printf("]");
		json_u64("bad", l.BadPageCount, 1);
		printf("},\"commit\":{");
		json_u64("committed", u.CommittedBytes, 0);
		json_u64("shared", u.SharedCommittedBytes, 1);
		json_u64("limit", u.CommitLimitBytes, 1);
		json_u64("peak", u.PeakCommitmentBytes, 1);
		printf("},\"faults\":{");
		json_u64("total", p.PageFaultCount, 0);
		json_u64("demand_zero", p.DemandZeroCount, 1);
		json_u64("transition", p.TransitionCount, 1);
		json_u64("copy_on_write", p.CopyOnWriteCount, 1);
		json_u64("cache_transition", p.CacheTransitionCount, 1);
		json_u64("page_read", p.PageReadCount, 1);
		printf("}");
		paging_files(1, pg);
		printf("}\n");
		return 0;
	}
	printf("Physical memory  %10.1f MiB  %10llu pages\n",
	       mib((unsigned long long)b.NumberOfPhysicalPages * pg),
	       (unsigned long long)b.NumberOfPhysicalPages);
	printf("Available        %10.1f MiB\n\n", mib(u.AvailableBytes));
	printf("Page lists             pages         MiB\n");
	printf("  Zeroed        %12llu  %10.1f\n", (unsigned long long)l.ZeroPageCount,
	       mib(l.ZeroPageCount * pg));
	printf("  Free          %12llu  %10.1f\n", (unsigned long long)l.FreePageCount,
	       mib(l.FreePageCount * pg));
	printf("  Modified      %12llu  %10.1f\n", (unsigned long long)l.ModifiedPageCount,
	       mib(l.ModifiedPageCount * pg));
	printf("  Standby       %12llu  %10.1f\n", standby, mib(standby * pg));
	for (i = 7; i >= 0; i--)
		if (l.PageCountByPriority[i])
			printf("    priority %d  %12llu\n", i,
			       (unsigned long long)l.PageCountByPriority[i]);
	printf("  Bad           %12llu\n\n", (unsigned long long)l.BadPageCount);
	printf("NT commit                MiB\n");
	printf("  Committed     %10.1f  (sections %.1f)\n", mib(u.CommittedBytes),
	       mib(u.SharedCommittedBytes));
	printf("  Limit         %10.1f\n", mib(u.CommitLimitBytes));
	printf("  Peak          %10.1f\n\n", mib(u.PeakCommitmentBytes));
	printf("NT page faults since load  %10lu\n", (unsigned long)p.PageFaultCount);
	printf("  Demand zero              %10lu\n", (unsigned long)p.DemandZeroCount);
	printf("  Transition (soft)        %10lu\n", (unsigned long)p.TransitionCount);
	printf("  Copy-on-write            %10lu\n", (unsigned long)p.CopyOnWriteCount);
	printf("  Cache transition (file)  %10lu\n", (unsigned long)p.CacheTransitionCount);
	printf("  Page read (hard)         %10lu\n", (unsigned long)p.PageReadCount);
	paging_files(0, pg);
	return 0;
}
