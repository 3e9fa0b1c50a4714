// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ntps: the processes as NT sees them (pslist-like), through the Nt* calls
 * alone: NtGetNextProcess, NtQueryInformationProcess, NtGetNextThread,
 * NtQueryInformationThread, NtIsProcessInJob. What the caller may not query shows as "-"
 * (null in JSON).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ntexec/nt.h>

#include "tool_util.h"

struct proc {
	unsigned long pid, parent;
	long threads, handles;
	long long commit, ws, peak_ws, faults;
	int job;	/* in a job: 1, not: 0, unknown: -1 */
	char image[4096];
};

static void image_of(HANDLE h, char *out, size_t cap)
{
	union {
		UNICODE_STRING us;
		unsigned char raw[sizeof(UNICODE_STRING) + 8192];
	} buf;
	ULONG len = 0;

	out[0] = '\0';
	if (NtQueryInformationProcess(h, ProcessImageFileName, &buf, sizeof(buf), &len))
		return;
	utf8_of(buf.us.Buffer, buf.us.Length / sizeof(WCHAR), out, cap);
}

static void json_num(const char *key, long long v, int last)
{
	if (v < 0)
		printf("\"%s\":null%s", key, last ? "" : ",");
	else
		printf("\"%s\":%lld%s", key, v, last ? "" : ",");
}

static void text_num(long long v, int width)
{
	if (v < 0)
		printf(" %*s", width, "-");
	else
		printf(" %*lld", width, v);
}

/* The threads of @h, one line each (-t). */
static void list_threads(HANDLE h, int json, int *first)
{
	HANDLE t = NULL, next;

	while (!NtGetNextThread(h, t, THREAD_QUERY_LIMITED_INFORMATION | THREAD_QUERY_INFORMATION,
				0, 0, &next) ||
	       !NtGetNextThread(h, t, THREAD_QUERY_LIMITED_INFORMATION, 0, 0, &next)) {
		THREAD_BASIC_INFORMATION tbi;
		ULONG terminated = 0, suspend = 0;
		long long tid = -1, prio = -1, susp = -1, term = -1;

		if (t)
			NtClose(t);
		t = next;
		if (!NtQueryInformationThread(t, ThreadBasicInformation, &tbi, sizeof(tbi), NULL)) {
			tid = (long long)(uintptr_t)tbi.ClientId.UniqueThread;
			prio = tbi.Priority;
		}
		if (!NtQueryInformationThread(t, ThreadIsTerminated, &terminated,
					      sizeof(terminated), NULL))
			term = terminated;
		if (!NtQueryInformationThread(t, ThreadSuspendCount, &suspend, sizeof(suspend),
					      NULL))
			susp = suspend;
		if (json) {
			printf("%s{", *first ? "" : ",\n");
			*first = 0;
			json_num("tid", tid, 0);
			json_num("priority", prio, 0);
			printf("\"state\":%s,", term < 0 ? "null" : term ? "\"terminated\"" :
			       "\"running\"");
			json_num("suspend_count", susp, 1);
			printf("}");
		} else {
			printf("    thread");
			text_num(tid, 7);
			printf("  priority");
			text_num(prio, 3);
			printf("  %-10s suspend", term < 0 ? "-" : term ? "terminated" : "running");
			text_num(susp, 3);
			printf("\n");
		}
	}
	if (t)
		NtClose(t);
}

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [-t] [-j] [-p PID]\n"
		"List the processes as NT sees them: id, parent, threads, handles, commit,\n"
		"working set and its peak (bytes), page faults, image (and, in JSON,\n"
		"whether it is in a job). What the caller may not query shows as - (null\n"
		"in JSON).\n"
		"\n"
		"  -t, --threads    list each process's threads (id, priority, state,\n"
		"                   suspend count)\n"
		"  -p, --pid PID    only process PID\n"
		"  -j, --json       a JSON array, one object per process (\"threads\" is the\n"
		"                   count; with -t, \"thread_list\" holds the threads)\n"
		"  -h, --help       this text\n",
		argv0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "threads", no_argument, NULL, 't' },
		{ "pid", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int threads = 0, json = 0, first = 1, opt;
	unsigned long only = 0;
	HANDLE h = NULL, next;
	struct proc *p;
	char *end;

	while ((opt = getopt_long(argc, argv, "tp:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			threads = 1;
			break;
		case 'p':
			only = strtoul(optarg, &end, 10);
			if (*end || !only || optarg[0] == '-' || only > 0x7fffffff) {
				fprintf(stderr, "ntps: bad --pid: %s\n", optarg);
				return 2;
			}
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
	if (tool_open_device("ntps"))
		return 1;
	p = malloc(sizeof(*p));
	if (!p)
		return 1;
	if (json)
		printf("[\n");
	else
		printf("%7s %7s %7s %7s %12s %12s %12s %9s  %s\n", "PID", "PPID", "THREADS",
		       "HANDLES", "COMMIT", "WS", "PEAK_WS", "FAULTS", "IMAGE");
	while (!NtGetNextProcess(h, MAXIMUM_ALLOWED, 0, 0, &next)) {
		PROCESS_BASIC_INFORMATION pbi;
		VM_COUNTERS vm;
		ULONG hc;
		HANDLE t = NULL, tn;

		if (h)
			NtClose(h);
		h = next;
		memset(p, 0, sizeof(*p));
		p->threads = p->handles = -1;
		p->commit = p->ws = p->peak_ws = p->faults = -1;
		if (NtQueryInformationProcess(h, ProcessBasicInformation, &pbi, sizeof(pbi), NULL))
			continue;
		p->pid = (unsigned long)(uintptr_t)pbi.UniqueProcessId;
		p->parent = (unsigned long)(uintptr_t)pbi.InheritedFromUniqueProcessId;
		if (only && p->pid != only)
			continue;
		if (!NtQueryInformationProcess(h, ProcessHandleCount, &hc, sizeof(hc), NULL))
			p->handles = hc;
		if (!NtQueryInformationProcess(h, ProcessVmCounters, &vm, sizeof(vm), NULL)) {
			p->commit = (long long)vm.PagefileUsage;
			p->ws = (long long)vm.WorkingSetSize;
			p->peak_ws = (long long)vm.PeakWorkingSetSize;
			p->faults = vm.PageFaultCount;
		}
		p->threads = 0;
		while (!NtGetNextThread(h, t, THREAD_QUERY_LIMITED_INFORMATION, 0, 0, &tn)) {
			if (t)
				NtClose(t);
			t = tn;
			p->threads++;
		}
		if (t)
			NtClose(t);
		image_of(h, p->image, sizeof(p->image));
		switch (NtIsProcessInJob(h, NULL)) {
		case STATUS_PROCESS_IN_JOB:
			p->job = 1;
			break;
		case STATUS_PROCESS_NOT_IN_JOB:
			p->job = 0;
			break;
		default:
			p->job = -1;
		}

		if (json) {
			printf("%s{", first ? "" : ",\n");
			first = 0;
			json_num("pid", p->pid, 0);
			json_num("parent", p->parent, 0);
			json_num("threads", p->threads, 0);
			json_num("handles", p->handles, 0);
			json_num("commit", p->commit, 0);
			json_num("working_set", p->ws, 0);
			json_num("peak_working_set", p->peak_ws, 0);
			json_num("page_faults", p->faults, 0);
			printf("\"job\":%s,\"image\":",
			       p->job < 0 ? "null" : p->job ? "true" : "false");
			json_str(p->image);
			if (threads) {
				int tfirst = 1;

				printf(",\"thread_list\":[");
				list_threads(h, 1, &tfirst);
				printf("]");
			}
			printf("}");
		} else {
			printf("%7lu %7lu", p->pid, p->parent);
			text_num(p->threads, 7);
			text_num(p->handles, 7);
			text_num(p->commit, 12);
			text_num(p->ws, 12);
			text_num(p->peak_ws, 12);
			text_num(p->faults, 9);
			printf("  %s\n", p->image[0] ? p->image : "-");
			if (threads)
				list_threads(h, 0, &first);
		}
	}
	if (h)
		NtClose(h);
	if (json)
		printf("%s]\n", first ? "" : "\n");
	free(p);
	return 0;
}
