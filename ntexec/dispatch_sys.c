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
 *   SystemMemoryListInformation (80): the page lists. Linux's free pages
 *	are NT's free list (Linux zeroes a page when it hands it out, so the
 *	zeroed list is empty); the modified and standby lists are the
 *	module's (ntmm/wsle.c), standby all at the default priority 5.
 *	Set: MemoryEmptyWorkingSets empties every NT working set; it needs
 *	SeProfileSingleProcessPrivilege, CAP_SYS_ADMIN here. The other
 *	commands (accessed-bit capture, flushing and purging lists) are not
 *	implemented yet (STATUS_NOT_IMPLEMENTED).
 *   SystemMemoryUsageInformation (182): RAM, Linux's available memory, and
 *	the NT commit: its total, the part sections hold, the limit and the
 *	peak since the module was loaded.
 *
 * Order of checks, as NT: the buffer's alignment (NT probes it for a ULONG
 * before it looks at the class), the class (STATUS_INVALID_INFO_CLASS),
 * the length (STATUS_INFO_LENGTH_MISMATCH, with the length needed).
 */
#include <linux/bitops.h>
#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/uaccess.h>

#include "ntexec.h"
#include "../ntmm/mm.h"
#include "../ntmm/protect.h"

#define SystemBasicInformation		0u
#define SystemMemoryListInformation	80u
#define SystemMemoryUsageInformation	182u

/* SYSTEM_MEMORY_LIST_COMMAND */
#define MemoryEmptyWorkingSets		2u
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

static void ntx_memory_lists(struct nt_system_memory_list_information *l)
{
	struct mm_system_memory m;

	mm_query_system_memory(&m);
	l->free_page_count = global_zone_page_state(NR_FREE_PAGES);
	l->modified_page_count = m.modified;
	l->page_count_by_priority[NTX_STANDBY_PRIORITY] = m.standby;
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
	case SystemMemoryListInformation:
		return sizeof(struct nt_system_memory_list_information);
	case SystemMemoryUsageInformation:
		return sizeof(struct nt_system_memory_usage_information);
	}
	return 0;
}

static ntstatus_t ntx_query_system(u32 info_class, u32 length, void __user *buffer,
				   u32 *return_length)
{
	union ntx_system_info info = {};
	bool exact;
	u32 size;

	if (length && !IS_ALIGNED((unsigned long)buffer, sizeof(u32)))
		return STATUS_DATATYPE_MISALIGNMENT;
	size = ntx_system_info_size(info_class, &exact);
	if (!size)
		return STATUS_INVALID_INFO_CLASS;
	if (exact ? length != size : length < size) {
		*return_length = size;
		return STATUS_INFO_LENGTH_MISMATCH;
	}
	switch (info_class) {
	case SystemBasicInformation:
		ntx_basic_information(&info.basic);
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
	if (command != MemoryEmptyWorkingSets)
		return STATUS_NOT_IMPLEMENTED;
	return mm_empty_working_sets();
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
