// SPDX-License-Identifier: GPL-2.0
/*
 * NtQuerySystemInformation and NtSetSystemInformation: the classes the
 * module can answer from what it keeps (one ioctl, NTEXEC_IOC_SYSTEM_INFO).
 *
 *   SystemBasicInformation (0): the machine as NT describes it: page size,
 *	physical pages and their lowest and highest numbers, the 64 KiB
 *	allocation granularity, the user address range NT processes get, the
 *	online processors (the first 64, those an affinity may name), and the
 *	timer resolution (one scheduler tick, in 100 ns units).
 *   SystemPerformanceInformation (2): the idle time of every CPU, NT
 *	memory's faults by kind (all of them, demand-zero, transition (soft),
 *	copy-on-write, and file pages found in Linux's page cache as the cache
 *	transitions), Linux's available memory, the NT commit (total, limit,
 *	peak, shared part) and Linux's dirty page-cache pages as the cache's
 *	dirty pages, the hard faults (page reads) and the modified page
 *	writer's writes, one page per I/O. What Linux does not count for the
 *	module or does not export (I/O transfer counts, pool pages, context
 *	switches, system calls) reads 0. Three sizes, as Windows: 0x138 (NT 3.1 to
 *	6.0), 0x148 (6.1) and 0x158 (6.2 and later); a longer buffer gets the
 *	longest that fits, a shorter one STATUS_INFO_LENGTH_MISMATCH.
 *   SystemPageFileInformation (18): each paging file (its slots, those in
 *	use and the peak, in pages, and its name), chained by
 *	NextEntryOffset; none: success with nothing written.
 *   SystemMemoryListInformation (80): the page lists. Linux's free pages
 *	are NT's free list (Linux zeroes a page when it hands it out, so the
 *	zeroed list is empty); the modified and standby lists are the
 *	module's (ntmm/wsle.c), standby all at the default priority 5.
 *	Set (SeProfileSingleProcessPrivilege, CAP_SYS_ADMIN here):
 *	MemoryEmptyWorkingSets empties every NT working set,
 *	MemoryFlushModifiedList writes the modified list to the paging files
 *	(its pages go to standby), MemoryPurgeStandbyList repurposes every
 *	standby page, MemoryPurgeLowPriorityStandbyList has nothing to do
 *	(every standby page has priority 5); the accessed-bit captures are
 *	not implemented (STATUS_NOT_IMPLEMENTED).
 *   SystemMemoryUsageInformation (182): RAM, Linux's available memory, and
 *	the NT commit: its total, the part sections hold, the limit and the
 *	peak since the module was loaded.
 *
 * NtCreatePagingFile (its own ioctl) adds a paging file (ntmm/pagefile.c):
 * the name is a Linux path, absolute, in UTF-16 (2 to 128 characters, as
 * NT). Order of checks, as NT: the number of paging files, the privilege
 * (SeCreatePagefilePrivilege: CAP_SYS_ADMIN), the sizes, the name.
 *
 * Order of checks of the information classes, as NT: the buffer's alignment (NT probes it for a ULONG
 * before it looks at the class), the class (STATUS_INVALID_INFO_CLASS),
 * the length (STATUS_INFO_LENGTH_MISMATCH, with the length needed).
 */
#include <linux/bitops.h>
#include <linux/cpumask.h>
#include <linux/kernel_stat.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nls.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/tick.h>
#include <linux/uaccess.h>

#include "ntexec.h"
#include "../ntmm/mm.h"
#include "../ntmm/protect.h"

#define SystemBasicInformation		0u
#define SystemPerformanceInformation	2u
#define SystemPageFileInformation	18u
#define SystemMemoryListInformation	80u
#define SystemMemoryUsageInformation	182u

/* SYSTEM_MEMORY_LIST_COMMAND */
#define MemoryEmptyWorkingSets		2u
#define MemoryFlushModifiedList		3u
#define MemoryPurgeStandbyList		4u
#define MemoryPurgeLowPriorityStandbyList 5u
#define MemoryCommandMax		6u

/* The standby priority of every page (Windows' default, 5). */
#define NTX_STANDBY_PRIORITY		5

/* Windows x64 layouts. */
struct nt_system_basic_information {
	u32 reserved;
	u32 timer_resolution;
	u32 page_size;
	u32 number_of_physical_pages;
	u32 lowest_physical_page_number;
	u32 highest_physical_page_number;
	u32 allocation_granularity;
	u32 pad0;
	u64 minimum_user_mode_address;
	u64 maximum_user_mode_address;
	u64 active_processors_affinity_mask;
	s8 number_of_processors;
	u8 pad1[7];
};
static_assert(sizeof(struct nt_system_basic_information) == 64);

struct nt_system_performance_information {
	s64 idle_process_time;
	s64 io_read_transfer_count;
	s64 io_write_transfer_count;
	s64 io_other_transfer_count;
	u32 io_read_operation_count;
	u32 io_write_operation_count;
	u32 io_other_operation_count;
	u32 available_pages;
	u32 committed_pages;
	u32 commit_limit;
	u32 peak_commitment;
	u32 page_fault_count;
	u32 copy_on_write_count;
	u32 transition_count;
	u32 cache_transition_count;
	u32 demand_zero_count;
	u32 page_read_count;
	u32 page_read_io_count;
	u32 cache_read_count;
	u32 cache_io_count;
	u32 dirty_pages_write_count;
	u32 dirty_write_io_count;
	u32 more[48];		/* mapped writes, pool, cache, TB counts: 0 here */
	u32 context_switches;
	u32 first_level_tb_fills;
	u32 second_level_tb_fills;
	u32 system_calls;
	/* 0x138: NT 3.1 to 6.0 end here. */
	u64 cc_total_dirty_pages;
	u64 cc_dirty_page_threshold;
	/* 0x148: 6.1 ends here. */
	s64 resident_available_pages;
	u64 shared_committed_pages;
};
static_assert(sizeof(struct nt_system_performance_information) == 0x158);
static_assert(offsetof(struct nt_system_performance_information, context_switches) == 0x128);

#define NTX_PERFORMANCE_V1	0x138u
#define NTX_PERFORMANCE_V2	0x148u

struct nt_system_memory_list_information {
	u64 zero_page_count;
	u64 free_page_count;
	u64 modified_page_count;
	u64 modified_no_write_page_count;
	u64 bad_page_count;
	u64 page_count_by_priority[8];
	u64 repurposed_pages_by_priority[8];
	u64 modified_page_count_page_file;
};
static_assert(sizeof(struct nt_system_memory_list_information) == 176);

struct nt_system_memory_usage_information {
	u64 total_physical_bytes;
	u64 available_bytes;
	s64 resident_available_bytes;
	u64 committed_bytes;
	u64 shared_committed_bytes;
	u64 commit_limit_bytes;
	u64 peak_commitment_bytes;
};
static_assert(sizeof(struct nt_system_memory_usage_information) == 56);

union ntx_system_info {
	struct nt_system_basic_information basic;
	struct nt_system_performance_information perf;
	struct nt_system_memory_list_information lists;
	struct nt_system_memory_usage_information usage;
};

static void ntx_basic_information(struct nt_system_basic_information *b)
{
	/* The CPUs an affinity may name: online ones, the first 64. */
	u64 mask = cpumask_bits(cpu_online_mask)[0];
	unsigned long lo = ULONG_MAX, hi = 0;
	int nid;

	for_each_online_node(nid) {
		struct pglist_data *pgdat = NODE_DATA(nid);

		if (!pgdat->node_spanned_pages)
			continue;
		lo = min(lo, pgdat->node_start_pfn);
		hi = max(hi, pgdat_end_pfn(pgdat) - 1);
	}
	b->timer_resolution = 10000000 / HZ;
	b->page_size = PAGE_SIZE;
	b->number_of_physical_pages = min_t(unsigned long, totalram_pages(), U32_MAX);
	b->lowest_physical_page_number = lo <= hi ? min_t(unsigned long, lo, U32_MAX) : 0;
	b->highest_physical_page_number = min_t(unsigned long, hi, U32_MAX);
	b->allocation_granularity = NT_ALLOCATION_GRANULARITY;
	b->minimum_user_mode_address = NT_LOWEST_USER_ADDRESS;
	b->maximum_user_mode_address = NT_HIGHEST_USER_ADDRESS;
	b->active_processors_affinity_mask = mask;
	b->number_of_processors = hweight64(mask);
}

/* Idle time of the online CPUs, in 100 ns units (as /proc/stat counts it). */
static s64 ntx_idle_time(void)
{
	u64 idle, sum = 0;
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		idle = get_cpu_idle_time_us(cpu, NULL);
		if (idle == (u64)-1)	/* no NO_HZ accounting: the tick's */
			idle = div_u64(kcpustat_cpu(cpu).cpustat[CPUTIME_IDLE],
				       NSEC_PER_USEC);
		sum += idle * 10;
	}
	return sum;
}

static u32 ntx_u32(unsigned long n)
{
	return min_t(unsigned long, n, U32_MAX);
}

static void ntx_performance(struct nt_system_performance_information *p)
{
	struct mm_system_memory m;
	long avail = max(si_mem_available(), 0L);

	mm_query_system_memory(&m);
	p->idle_process_time = ntx_idle_time();
	p->available_pages = ntx_u32(avail);
	p->committed_pages = ntx_u32(m.committed);
	p->commit_limit = ntx_u32(m.commit_limit);
	p->peak_commitment = ntx_u32(m.commit_peak);
	p->page_fault_count = (u32)m.faults;
	p->copy_on_write_count = (u32)m.copy_on_write_faults;
	p->transition_count = (u32)m.transition_faults;
	p->cache_transition_count = (u32)m.file_faults;
	p->demand_zero_count = (u32)m.demand_zero_faults;
	/* One page per read and per write. */
	p->page_read_count = (u32)m.page_reads;
	p->page_read_io_count = (u32)m.page_read_ios;
	p->dirty_pages_write_count = (u32)m.pagefile_writes;
	p->dirty_write_io_count = (u32)m.pagefile_writes;
	p->cc_total_dirty_pages = global_node_page_state(NR_FILE_DIRTY);
	p->resident_available_pages = avail;
	p->shared_committed_pages = m.shared_committed;
}

static void ntx_memory_lists(struct nt_system_memory_list_information *l)
{
	struct mm_system_memory m;

	mm_query_system_memory(&m);
	l->free_page_count = global_zone_page_state(NR_FREE_PAGES);
	l->modified_page_count = m.modified;
	l->page_count_by_priority[NTX_STANDBY_PRIORITY] = m.standby;
	l->repurposed_pages_by_priority[NTX_STANDBY_PRIORITY] = m.repurposed;
	/* Modified private pages are bound for a paging file, when one exists. */
	if (m.pagefile_pages)
		l->modified_page_count_page_file = m.modified;
}

static void ntx_memory_usage(struct nt_system_memory_usage_information *u)
{
	struct mm_system_memory m;
	long avail = si_mem_available();

	mm_query_system_memory(&m);
	u->total_physical_bytes = (u64)totalram_pages() << PAGE_SHIFT;
	u->available_bytes = (u64)max(avail, 0L) << PAGE_SHIFT;
	u->resident_available_bytes = u->available_bytes;
	u->committed_bytes = (u64)m.committed << PAGE_SHIFT;
	u->shared_committed_bytes = (u64)m.shared_committed << PAGE_SHIFT;
	u->commit_limit_bytes = (u64)m.commit_limit << PAGE_SHIFT;
	u->peak_commitment_bytes = (u64)m.commit_peak << PAGE_SHIFT;
}

/* The size of a class's answer, or 0 for a class not answered. */
static u32 ntx_system_info_size(u32 info_class, bool *exact)
{
	*exact = false;
	switch (info_class) {
	case SystemBasicInformation:
		*exact = true;
		return sizeof(struct nt_system_basic_information);
	case SystemPerformanceInformation:
		return NTX_PERFORMANCE_V1;
	case SystemMemoryListInformation:
		return sizeof(struct nt_system_memory_list_information);
	case SystemMemoryUsageInformation:
		return sizeof(struct nt_system_memory_usage_information);
	}
	return 0;
}

/* SYSTEM_PAGEFILE_INFORMATION, x64; the name follows each entry. */
struct nt_system_pagefile_information {
	u32 next_entry_offset;
	u32 total_size;
	u32 total_in_use;
	u32 peak_usage;
	u16 name_length;
	u16 name_maximum_length;
	u32 pad;
	u64 name_buffer;
};
static_assert(sizeof(struct nt_system_pagefile_information) == 32);

/* An entry and its name (128 units and a NUL at most), 8-byte aligned. */
#define NTX_PAGEFILE_ENTRY_MAX	ALIGN(32 + 2 * 129, 8)

/*
 * SystemPageFileInformation: an entry per paging file (slots, those in
 * use, the peak, all in pages), each followed by its name in UTF-16 with
 * a NUL, entries chained by NextEntryOffset (0 on the last). No paging
 * file: nothing, STATUS_SUCCESS with a length of 0.
 */
static ntstatus_t ntx_pagefile_information(u32 length, void __user *buffer, u32 *return_length)
{
	struct nt_system_pagefile_information *e, *prev = NULL;
	struct mm_pagefile_info *pi;
	ntstatus_t status = STATUS_SUCCESS;
	u32 off = 0, size;
	unsigned int i;
	u8 *out;
	int n;

	pi = kmalloc(sizeof(*pi), GFP_KERNEL);
	out = kzalloc(16 * NTX_PAGEFILE_ENTRY_MAX, GFP_KERNEL);
	if (!pi || !out) {
		status = STATUS_NO_MEMORY;
		goto out;
	}
	for (i = 0; i < 16 && mm_pagefile_info(i, pi); i++) {
		e = (void *)(out + off);
		n = utf8s_to_utf16s(pi->name, strlen(pi->name), UTF16_LITTLE_ENDIAN,
				    (wchar_t *)(e + 1), 128);
		n = max(n, 0);
		e->total_size = min_t(unsigned long, pi->pages, U32_MAX);
		e->total_in_use = min_t(unsigned long, pi->used, U32_MAX);
		e->peak_usage = min_t(unsigned long, pi->peak, U32_MAX);
		e->name_length = n * 2;
		e->name_maximum_length = n * 2 + 2;
		e->name_buffer = (u64)(unsigned long)buffer + off + sizeof(*e);
		if (prev)
			prev->next_entry_offset = (u8 *)e - (u8 *)prev;
		prev = e;
		off += ALIGN(sizeof(*e) + n * 2 + 2, 8);
	}
	size = off;
	*return_length = size;
	if (length < size)
		status = STATUS_INFO_LENGTH_MISMATCH;
	else if (copy_to_user(buffer, out, size))
		status = STATUS_ACCESS_VIOLATION;
out:
	kfree(out);
	kfree(pi);
	return status;
}

static ntstatus_t ntx_query_system(u32 info_class, u32 length, void __user *buffer,
				   u32 *return_length)
{
	union ntx_system_info info = {};
	bool exact;
	u32 size;

	if (length && !IS_ALIGNED((unsigned long)buffer, sizeof(u32)))
		return STATUS_DATATYPE_MISALIGNMENT;
	if (info_class == SystemPageFileInformation)
		return ntx_pagefile_information(length, buffer, return_length);
	size = ntx_system_info_size(info_class, &exact);
	if (!size)
		return STATUS_INVALID_INFO_CLASS;
	if (exact ? length != size : length < size) {
		if (info_class == SystemPerformanceInformation)
			size = sizeof(info.perf);
		*return_length = size;
		return STATUS_INFO_LENGTH_MISMATCH;
	}
	switch (info_class) {
	case SystemBasicInformation:
		ntx_basic_information(&info.basic);
		break;
	case SystemPerformanceInformation:
		/* The longest of the three that fits. */
		if (length >= sizeof(info.perf))
			size = sizeof(info.perf);
		else if (length >= NTX_PERFORMANCE_V2)
			size = NTX_PERFORMANCE_V2;
		ntx_performance(&info.perf);
		break;
	case SystemMemoryListInformation:
		ntx_memory_lists(&info.lists);
		break;
	default:
		ntx_memory_usage(&info.usage);
		break;
	}
	if (copy_to_user(buffer, &info, size))
		return STATUS_ACCESS_VIOLATION;
	*return_length = size;
	return STATUS_SUCCESS;
}

static ntstatus_t ntx_set_system(u32 info_class, u32 length, void __user *buffer)
{
	u32 command;

	if (length && !IS_ALIGNED((unsigned long)buffer, sizeof(u32)))
		return STATUS_DATATYPE_MISALIGNMENT;
	if (info_class != SystemMemoryListInformation)
		return STATUS_INVALID_INFO_CLASS;
	if (length != sizeof(command))
		return STATUS_INFO_LENGTH_MISMATCH;
	if (get_user(command, (u32 __user *)buffer))
		return STATUS_ACCESS_VIOLATION;
	if (command >= MemoryCommandMax)
		return STATUS_INVALID_PARAMETER;
	if (!capable(CAP_SYS_ADMIN))
		return STATUS_PRIVILEGE_NOT_HELD;
	switch (command) {
	case MemoryEmptyWorkingSets:
		return mm_empty_working_sets();
	case MemoryFlushModifiedList:
		return mm_flush_modified_list();
	case MemoryPurgeStandbyList:
		return mm_purge_standby_list();
	case MemoryPurgeLowPriorityStandbyList:
		/* Every standby page has priority 5: none is low. */
		return STATUS_SUCCESS;
	}
	return STATUS_NOT_IMPLEMENTED;
}

long ntexec_ioctl_system_info(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_system_info args;
	void __user *buffer;
	ntstatus_t status;
	u32 ret_len = 0;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.flags & ~NTEXEC_SYSTEM_INFO_FLAGS)
		return -EINVAL;
	buffer = u64_to_user_ptr(args.buffer);
	if (args.flags & NTEXEC_SYSTEM_INFO_SET) {
		if (args.return_length)
			return -EINVAL;
		return ntx_status(ntx_set_system(args.info_class, args.length, buffer));
	}
	status = ntx_query_system(args.info_class, args.length, buffer, &ret_len);
	args.return_length = ret_len;
	return ntx_out(argp, &args, sizeof(args), status,
		       status == STATUS_INFO_LENGTH_MISMATCH);
}

/* Longest name NtCreatePagingFile takes, in UTF-16 units (NT's 128). */
#define NTX_PAGEFILE_NAME_MAX	128

static ntstatus_t ntx_create_paging_file(const struct ntexec_create_paging_file *a)
{
	u16 name[NTX_PAGEFILE_NAME_MAX];
	unsigned int units = a->name_length / 2, i;
	ntstatus_t status;
	char *path;
	int n;

	/* The count, the privilege and the sizes first: checked again later. */
	status = mm_create_paging_file(NULL, a->minimum_size, a->maximum_size);
	if (status != STATUS_OBJECT_NAME_INVALID)
		return status;
	if (!a->name_length || a->name_length % 2 || units > NTX_PAGEFILE_NAME_MAX)
		return STATUS_OBJECT_NAME_INVALID;
	if (copy_from_user(name, u64_to_user_ptr(a->name), a->name_length))
		return STATUS_ACCESS_VIOLATION;
	/* Absolute; no NUL; surrogates only in pairs (none dropped). */
	if (name[0] != '/')
		return STATUS_OBJECT_NAME_INVALID;
	for (i = 0; i < units; i++) {
		if (!name[i] || (name[i] >= 0xdc00 && name[i] <= 0xdfff))
			return STATUS_OBJECT_NAME_INVALID;
		if (name[i] >= 0xd800 && name[i] <= 0xdbff) {
			if (i + 1 == units || name[i + 1] < 0xdc00 || name[i + 1] > 0xdfff)
				return STATUS_OBJECT_NAME_INVALID;
			i++;
		}
	}
	/* At most 3 bytes a unit (a surrogate pair: 4 for two), and a NUL. */
	path = kmalloc(3 * NTX_PAGEFILE_NAME_MAX + 1, GFP_KERNEL);
	if (!path)
		return STATUS_NO_MEMORY;
	n = utf16s_to_utf8s((wchar_t *)name, units, UTF16_LITTLE_ENDIAN, path,
			    3 * NTX_PAGEFILE_NAME_MAX);
	path[max(n, 0)] = 0;
	status = STATUS_OBJECT_NAME_INVALID;
	if (n > 0)
		status = mm_create_paging_file(path, a->minimum_size, a->maximum_size);
	kfree(path);
	return status;
}

long ntexec_ioctl_create_paging_file(struct ntexec_file *nf, void __user *argp)
{
	struct ntexec_create_paging_file args;

	if (NTX_COPY_IN(args, argp))
		return -EFAULT;
	if (args.flags || args.pad)
		return -EINVAL;
	return ntx_status(ntx_create_paging_file(&args));
}
