// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ntmon: ntexec's event stream (<ntexec/events.h>), human-readable or as
 * JSON lines, filtered by process id and event type.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ntexec/events.h>

#include "tool_util.h"

static const struct {
	const char *name;
	ULONG group;
} groups[] = {
	{ "process", NTX_EVENT_GROUP_PROCESS },
	{ "thread", NTX_EVENT_GROUP_THREAD },
	{ "image", NTX_EVENT_GROUP_IMAGE },
	{ "job", NTX_EVENT_GROUP_JOB },
	{ "memory", NTX_EVENT_GROUP_MEMORY },
};

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [OPTIONS]\n"
		"Print ntexec's events (NT processes and threads created and exited, image\n"
		"views, job messages, commit-limit hits, working-set trims) as they happen.\n"
		"\n"
		"  -t, --type LIST     groups to show, comma-separated: process, thread,\n"
		"                      image, job, memory (default: all)\n"
		"  -p, --pid PID       only events about process PID\n"
		"  -n, --count N       stop after N events\n"
		"  -T, --timeout MS    stop when no event came for MS milliseconds\n"
		"  -j, --json          one JSON object per line\n"
		"  -m, --multicast     join the multicast groups (needs CAP_NET_ADMIN;\n"
		"                      ids of the initial pid namespace)\n"
		"  -v, --verbose       say on stderr when listening starts\n"
		"  -h, --help          this text\n"
		"\n"
		"Without -m an unprivileged user sees the events of processes it could\n"
		"ptrace-read by credentials, in its pid namespace. Exit status: 0, 1 on an\n"
		"error, 2 on a usage error.\n",
		argv0);
}

static ULONG event_pid(const NTX_EVENT *e)
{
	switch (e->Type) {
	case NtxEventProcessCreate: return e->u.ProcessCreate.ProcessId;
	case NtxEventProcessExit: return e->u.ProcessExit.ProcessId;
	case NtxEventThreadCreate: return e->u.ThreadCreate.ProcessId;
	case NtxEventThreadExit: return e->u.ThreadExit.ProcessId;
	case NtxEventImageMap:
	case NtxEventImageUnmap: return e->u.Image.ProcessId;
	case NtxEventJob: return e->u.Job.ProcessId;
	case NtxEventCommitLimit: return e->u.CommitLimit.ProcessId;
	case NtxEventWorkingSetTrim: return e->u.WorkingSetTrim.ProcessId;
	}
	return 0;
}

static void print_json(const NTX_EVENT *e)
{
	switch (e->Type) {
	case NtxEventProcessCreate:
		printf("{\"type\":\"process_create\",\"pid\":%u,\"parent\":%u,\"creator_pid\":%u,"
		       "\"creator_tid\":%u,\"time\":%lld,\"image\":",
		       e->u.ProcessCreate.ProcessId, e->u.ProcessCreate.ParentProcessId,
		       e->u.ProcessCreate.CreatorProcessId, e->u.ProcessCreate.CreatorThreadId,
		       (long long)e->u.ProcessCreate.CreateTime);
		json_str(e->u.ProcessCreate.ImageName);
		break;
	case NtxEventProcessExit:
		printf("{\"type\":\"process_exit\",\"pid\":%u,\"status\":%u,\"time\":%lld",
		       e->u.ProcessExit.ProcessId, (unsigned int)e->u.ProcessExit.ExitStatus,
		       (long long)e->u.ProcessExit.ExitTime);
		break;
	case NtxEventThreadCreate:
		printf("{\"type\":\"thread_create\",\"pid\":%u,\"tid\":%u,\"creator_pid\":%u,"
		       "\"creator_tid\":%u,\"time\":%lld",
		       e->u.ThreadCreate.ProcessId, e->u.ThreadCreate.ThreadId,
		       e->u.ThreadCreate.CreatorProcessId, e->u.ThreadCreate.CreatorThreadId,
		       (long long)e->u.ThreadCreate.CreateTime);
		break;
	case NtxEventThreadExit:
		printf("{\"type\":\"thread_exit\",\"pid\":%u,\"tid\":%u,\"status\":%u,\"time\":%lld",
		       e->u.ThreadExit.ProcessId, e->u.ThreadExit.ThreadId,
		       (unsigned int)e->u.ThreadExit.ExitStatus, (long long)e->u.ThreadExit.ExitTime);
		break;
	case NtxEventImageMap:
	case NtxEventImageUnmap:
		printf("{\"type\":\"%s\",\"pid\":%u,\"base\":%llu,\"size\":%llu,\"image\":",
		       e->Type == NtxEventImageMap ? "image_map" : "image_unmap",
		       e->u.Image.ProcessId, (unsigned long long)e->u.Image.Base,
		       (unsigned long long)e->u.Image.Size);
		json_str(e->u.Image.ImageName);
		break;
	case NtxEventJob:
		printf("{\"type\":\"job\",\"message\":%u,\"pid\":%u,\"key\":%llu",
		       e->u.Job.Message, e->u.Job.ProcessId,
		       (unsigned long long)e->u.Job.CompletionKey);
		break;
	case NtxEventCommitLimit:
		printf("{\"type\":\"commit_limit\",\"pid\":%u,\"size\":%llu",
		       e->u.CommitLimit.ProcessId, (unsigned long long)e->u.CommitLimit.Size);
		break;
	case NtxEventWorkingSetTrim:
		printf("{\"type\":\"ws_trim\",\"pid\":%u,\"trimmed\":%llu,\"working_set\":%llu",
		       e->u.WorkingSetTrim.ProcessId,
		       (unsigned long long)e->u.WorkingSetTrim.TrimmedSize,
		       (unsigned long long)e->u.WorkingSetTrim.WorkingSetSize);
		break;
	}
	printf(",\"dropped\":%u}\n", e->Dropped);
}

static void print_text(const NTX_EVENT *e)
{
	if (e->Dropped)
		printf("(%u events lost)\n", e->Dropped);
	switch (e->Type) {
	case NtxEventProcessCreate:
		printf("process %u created (parent %u, by %u/%u) %s\n",
		       e->u.ProcessCreate.ProcessId, e->u.ProcessCreate.ParentProcessId,
		       e->u.ProcessCreate.CreatorProcessId, e->u.ProcessCreate.CreatorThreadId,
		       e->u.ProcessCreate.ImageName);
		break;
	case NtxEventProcessExit:
		printf("process %u exited: %s\n", e->u.ProcessExit.ProcessId,
		       NtxStatusName(e->u.ProcessExit.ExitStatus));
		break;
	case NtxEventThreadCreate:
		printf("thread %u/%u created (by %u/%u)\n", e->u.ThreadCreate.ProcessId,
		       e->u.ThreadCreate.ThreadId, e->u.ThreadCreate.CreatorProcessId,
		       e->u.ThreadCreate.CreatorThreadId);
		break;
	case NtxEventThreadExit:
		printf("thread %u/%u exited: %s\n", e->u.ThreadExit.ProcessId,
		       e->u.ThreadExit.ThreadId, NtxStatusName(e->u.ThreadExit.ExitStatus));
		break;
	case NtxEventImageMap:
		printf("process %u mapped %s at 0x%llx (0x%llx bytes)\n", e->u.Image.ProcessId,
		       e->u.Image.ImageName, (unsigned long long)e->u.Image.Base,
		       (unsigned long long)e->u.Image.Size);
		break;
	case NtxEventImageUnmap:
		printf("process %u unmapped %s at 0x%llx\n", e->u.Image.ProcessId,
		       e->u.Image.ImageName, (unsigned long long)e->u.Image.Base);
		break;
	case NtxEventJob:
		printf("job message %u (key 0x%llx) process %u\n", e->u.Job.Message,
		       (unsigned long long)e->u.Job.CompletionKey, e->u.Job.ProcessId);
		break;
	case NtxEventCommitLimit:
		printf("process %u hit the commit limit (0x%llx bytes refused)\n",
		       e->u.CommitLimit.ProcessId, (unsigned long long)e->u.CommitLimit.Size);
		break;
	case NtxEventWorkingSetTrim:
		printf("process %u working set trimmed by %llu bytes (%llu left)\n",
		       e->u.WorkingSetTrim.ProcessId,
		       (unsigned long long)e->u.WorkingSetTrim.TrimmedSize,
		       (unsigned long long)e->u.WorkingSetTrim.WorkingSetSize);
		break;
	}
}

static int parse_types(char *list, ULONG *mask)
{
	char *tok, *save = NULL;
	size_t i;

	*mask = 0;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
			if (!strcmp(tok, groups[i].name))
				break;
		if (i == sizeof(groups) / sizeof(groups[0]))
			return -1;
		*mask |= groups[i].group;
	}
	return *mask ? 0 : -1;
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || end == s || *end || *out > max || s[0] == '-' ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "pid", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "multicast", no_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long pid = 0, count = 0, timeout = 0;
	ULONG mask = NTX_EVENT_GROUP_ALL, flags = 0;
	int json = 0, have_timeout = 0, verbose = 0, opt;
	NTX_EVENT_HANDLE *h;
	NTX_EVENT *e;
	NTSTATUS s;

	while ((opt = getopt_long(argc, argv, "t:p:n:T:jmvh", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			if (parse_types(optarg, &mask)) {
				fprintf(stderr, "ntmon: bad --type list: %s\n", optarg);
				return 2;
			}
			break;
		case 'p':
			if (parse_ulong(optarg, 0x7fffffff, &pid) || !pid) {
				fprintf(stderr, "ntmon: bad --pid: %s\n", optarg);
				return 2;
			}
			break;
		case 'n':
			if (parse_ulong(optarg, ~0UL, &count) || !count) {
				fprintf(stderr, "ntmon: bad --count: %s\n", optarg);
				return 2;
			}
			break;
		case 'T':
			if (parse_ulong(optarg, 0x7fffffff, &timeout)) {
				fprintf(stderr, "ntmon: bad --timeout: %s\n", optarg);
				return 2;
			}
			have_timeout = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'm':
			flags |= NTX_EVENT_OPEN_MULTICAST;
			break;
		case 'v':
			verbose = 1;
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
	e = malloc(sizeof(*e));
	if (!e)
		return 1;
	s = NtxEventOpen(mask, flags, &h);
	if (s) {
		fprintf(stderr, "ntmon: cannot listen: %s%s\n", NtxStatusName(s),
			s == STATUS_NO_SUCH_DEVICE ? " (is ntexec.ko loaded?)" : "");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (verbose)
		fprintf(stderr, "ntmon: listening\n");
	for (;;) {
		s = NtxEventNext(h, e, have_timeout ? (int)timeout : -1);
		if (s == STATUS_TIMEOUT)
			break;
		if (s) {
			fprintf(stderr, "ntmon: %s\n", NtxStatusName(s));
			NtxEventClose(h);
			return 1;
		}
		if (pid && event_pid(e) != pid)
			continue;
		if (json)
			print_json(e);
		else
			print_text(e);
		if (count && !--count)
			break;
	}
	NtxEventClose(h);
	free(e);
	return 0;
}
