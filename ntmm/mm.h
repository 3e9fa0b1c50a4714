/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memory manager as the layers above it (ntps/, ntexec/) see it: the
 * part of an NT process it keeps (struct mm_process, NT's MMSUPPORT), the
 * hooks it calls up through (struct mm_ops), and the Nt*VirtualMemory
 * services. Its internals are in mi.h.
 *
 * The memory manager includes nothing of the process manager or of the
 * dispatch: it knows a process as its mm_process and a thread group pid.
 */
#ifndef _NTEXEC_NTMM_MM_H
#define _NTEXEC_NTMM_MM_H

#include <linux/fs.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "../ntob/ob.h"
#include "../ntob/status.h"
#include "protect.h"

struct mm_space;
struct mm_struct;
struct pid;
struct task_struct;

/**
 * struct mm_process - the memory manager's part of an NT process
 * @tgid: the thread group (its owner holds the reference)
 * @lock: protects @space and @dead (LOCKING in ntob/ob.h)
 * @space: the NT address space of the program the process runs,
 *	referenced; NULL until a service needs one, and again after rundown.
 *	A space belongs to one Linux mm: after an execve the next service
 *	replaces it (mm_space_get()).
 * @dead: run down: no space is installed any more
 * @quota: the process's commit is charged through struct mm_ops'
 *	commit hooks (it is in a job): every space it gets from now on
 *	charges them (mm_process_charge_quota())
 * @ws_job_min: the working-set minimum its job imposes, pages (under
 *	@lock; every space it gets takes it, mm_process_set_job_ws())
 * @ws_job_max: the hard working-set maximum its job imposes, pages; 0
 *	for none
 */
struct mm_process {
	struct pid *tgid;
	spinlock_t lock;
	struct mm_space *space;
	bool dead;
	bool quota;
	unsigned long ws_job_min;
	unsigned long ws_job_max;
};

/**
 * struct mm_ops - what the memory manager asks of the layers above
 * @exception: note the NT exception behind a SIGSEGV the fault path raises
 *	on NT memory, for the current thread: @code STATUS_ACCESS_VIOLATION or
 *	STATUS_GUARD_PAGE_VIOLATION, @access 0 read, 1 write, 8 execute,
 *	@address the exact address. Called with the mmap lock (or the VMA's
 *	lock) held: it may allocate, must not take the mmap lock, adopt a
 *	process or sleep for long.
 * @stack: the current thread's NT stack, when NtCreateThreadEx made it: its
 *	reservation @bottom and its top; false for none. Same context.
 * @stack_grown: that stack is now committed down to @limit (its new
 *	StackLimit). Same context.
 * @remote_get: a service is about to be queued to run in @task
 *	(mm_run_in()): a thread held parked by a suspension must let it run,
 *	as Windows lets a debugger or a loader work on a suspended process's
 *	memory. Process context, no lock held. Return: a cookie for the two
 *	calls below (each drops what it needs of it), or NULL.
 * @remote_queued: the service is queued: a parked thread leaves its park for
 *	it. @state is the request's, zero at first; @remote_queued and
 *	@remote_done serialize on it (an exact count of queued services that
 *	have not ended, so that a thread leaves its park only for work it has).
 * @remote_done: the service ended (@ran: in the thread, which parks again if
 *	it is still suspended), or was never queued (@ran false: then
 *	@remote_queued is not called).
 * @commit_charge: a process whose commit is charged to a quota (its job,
 *	mm_process_charge_quota()) commits @pages more, @committed being its
 *	commit before, against the quota @tag the space was given
 *	(@quota_tag): STATUS_SUCCESS (charged) or STATUS_COMMITMENT_LIMIT
 *	(nothing charged). @join: the space brings @pages it had committed
 *	before: charged whatever the limits say; @tag is then the new quota
 *	and @old the one the pages were charged to before (NULL for none):
 *	only what @old did not charge is charged, and a failure means @tag
 *	does not extend @old (the space keeps @old). Called with mm_space.lock
 *	held, from services and from the fault path (under the mmap lock):
 *	it may take spinlocks and post a message (GFP_KERNEL), never a mutex
 *	of the memory manager.
 * @commit_uncharge: @pages of such a space charged to @tag leave its
 *	commit. Same context.
 * @quota_get: a space takes a reference on @mp for its charges
 * @quota_put: and drops it (no memory manager lock held)
 * @quota_tag: the quota @mp's commit goes to now, referenced (any context:
 *	under mm_process.lock too); NULL for none
 * @quota_tag_put: drop such a reference (no memory manager lock held)
 */
struct mm_ops {
	void (*exception)(u32 code, u32 access, unsigned long address);
	bool (*stack)(unsigned long *bottom, unsigned long *top);
	void (*stack_grown)(unsigned long limit);
	void *(*remote_get)(struct task_struct *task);
	void (*remote_queued)(void *cookie, u8 *state);
	void (*remote_done)(void *cookie, u8 *state, bool ran);
	ntstatus_t (*commit_charge)(struct mm_process *mp, void *tag, unsigned long pages,
				    unsigned long committed, bool join, void *old);
	void (*commit_uncharge)(struct mm_process *mp, void *tag, unsigned long pages);
	void (*quota_get)(struct mm_process *mp);
	void (*quota_put)(struct mm_process *mp);
	void *(*quota_tag)(struct mm_process *mp);
	void (*quota_tag_put)(void *tag);
};

/**
 * struct mm_counters - the module's share of a process's ProcessVmCounters
 * @committed: bytes committed
 * @peak_committed: the peak of @committed
 * @resident: bytes resident
 * @peak_resident: the peak of @resident
 * @faults: page faults the module resolved
 * @working_set: bytes in the working set (the rest of @resident is on the
 *	page lists)
 * @peak_working_set: the peak of @working_set
 */
struct mm_counters {
	unsigned long committed;
	unsigned long peak_committed;
	unsigned long resident;
	unsigned long peak_resident;
	unsigned long faults;
	unsigned long working_set;
	unsigned long peak_working_set;
};

/* NtQueryVirtualMemory's other classes, Windows' values. */
#define NT_MEMORY_WORKING_SET_INFORMATION	1u
#define NT_MEMORY_MAPPED_FILENAME_INFORMATION	2u
#define NT_MEMORY_REGION_INFORMATION		3u
#define NT_MEMORY_WORKING_SET_EX_INFORMATION	4u
#define NT_MEMORY_REGION_INFORMATION_EX		7u

/*
 * MEMORY_REGION_INFORMATION, x64 layout (phnt's names): one allocation
 * (VAD) whole. The structure grew twice (PartitionId in 19H1,
 * NodePreference in 20H1); a caller's buffer may stop after RegionSize
 * (Windows 7's version) or after any later field.
 */
struct nt_memory_region_information {
	u64 allocation_base;
	u32 allocation_protect;
	u32 region_type;
	u64 region_size;
	u64 commit_size;
	u64 partition_id;
	u64 node_preference;
};
static_assert(sizeof(struct nt_memory_region_information) == 48);
#define NT_MEMORY_REGION_INFORMATION_MIN \
	offsetof(struct nt_memory_region_information, commit_size)

/* MEMORY_REGION_INFORMATION.RegionType's bits (the ones ntexec sets). */
#define NT_REGION_PRIVATE		0x0001u
#define NT_REGION_MAPPED_DATA_FILE	0x0002u
#define NT_REGION_MAPPED_IMAGE		0x0004u
#define NT_REGION_MAPPED_PAGE_FILE	0x0008u
#define NT_REGION_MAPPED_WRITE_WATCH	0x0400u

/* MEMORY_WORKING_SET_EX_INFORMATION, x64 layout. */
struct nt_ws_ex_entry {
	u64 address;
	u64 attributes;
};
static_assert(sizeof(struct nt_ws_ex_entry) == 16);

/* QUOTA_LIMITS_EX.Flags, Windows' values. */
#define QUOTA_LIMITS_HARDWS_MIN_ENABLE	0x00000001u
#define QUOTA_LIMITS_HARDWS_MIN_DISABLE	0x00000002u
#define QUOTA_LIMITS_HARDWS_MAX_ENABLE	0x00000004u
#define QUOTA_LIMITS_HARDWS_MAX_DISABLE	0x00000008u
#define QUOTA_LIMITS_USE_DEFAULT_LIMITS	0x00000010u

/* MEMORY_BASIC_INFORMATION, x64 layout: NtQueryVirtualMemory's answer. */
struct nt_memory_basic_information {
	u64 base_address;
	u64 allocation_base;
	u32 allocation_protect;
	u16 partition_id;
	u16 pad;
	u64 region_size;
	u32 state;
	u32 protect;
	u32 type;
	u32 pad2;
};
static_assert(sizeof(struct nt_memory_basic_information) == 48);

/*
 * Where NtGetWriteWatch stores the addresses it finds: @n of them at entry
 * @index of the caller's array. Return: 0, or -EFAULT when they cannot be
 * stored (the service then fails, having reset only what was stored).
 */
typedef int (*mm_watch_store_t)(void *ctx, u64 index, const u64 *addrs,
				unsigned long n);

/* Section access rights and SEC_* attributes, Windows' values. */
#define SECTION_QUERY			0x0001u
#define SECTION_MAP_WRITE		0x0002u
#define SECTION_MAP_READ		0x0004u
#define SECTION_MAP_EXECUTE		0x0008u
#define SECTION_EXTEND_SIZE		0x0010u
#define SECTION_MAP_EXECUTE_EXPLICIT	0x0020u
#define SECTION_ALL_ACCESS		(STANDARD_RIGHTS_REQUIRED | SECTION_QUERY | \
					 SECTION_MAP_WRITE | SECTION_MAP_READ | \
					 SECTION_MAP_EXECUTE | SECTION_EXTEND_SIZE)
#define NT_SEC_FILE			0x00800000u
#define NT_SEC_IMAGE			0x01000000u
#define NT_SEC_RESERVE			0x04000000u
#define NT_SEC_COMMIT			0x08000000u
#define NT_SEC_NOCACHE			0x10000000u
#define NT_SEC_WRITECOMBINE		0x40000000u
#define NT_VIEW_SHARE			1u
#define NT_VIEW_UNMAP			2u
#define NT_SECTION_BASIC_INFORMATION	0u
#define NT_SECTION_IMAGE_INFORMATION	1u
#define NT_SECTION_IMAGE_INFORMATION_SIZE 0x40u

struct mm_segment;

/**
 * struct mm_section - a section object (ntmm/section.c)
 * @ob: object header
 * @segment: its pages, shared by every view
 * @size: bytes (SECTION_BASIC_INFORMATION's MaximumSize): page-aligned
 *	for the paging file, as asked for a file; it only grows
 *	(NtExtendSection), read with READ_ONCE()
 * @protect: SectionPageProtection
 * @attributes: SEC_COMMIT or SEC_RESERVE, with SEC_NOCACHE/WRITECOMBINE;
 *	SEC_FILE | SEC_COMMIT for a file
 */
struct mm_section {
	struct ob_object ob;
	struct mm_segment *segment;
	u64 size;
	u32 protect;
	u32 attributes;
};

/* SECTION_BASIC_INFORMATION, x64 layout. */
struct nt_section_basic_information {
	u64 base_address;
	u32 allocation_attributes;
	u32 pad;
	u64 maximum_size;
};
static_assert(sizeof(struct nt_section_basic_information) == 24);

/**
 * struct mm_view_args - NtMapViewOfSection's arguments, captured
 * @base: in/out: *BaseAddress (0: the memory manager chooses)
 * @zero_bits: ZeroBits
 * @commit_size: CommitSize
 * @offset: in/out: *SectionOffset
 * @size: in/out: *ViewSize (0: to the end of the section)
 * @inherit: InheritDisposition (ViewShare, ViewUnmap)
 * @type: AllocationType (MEM_TOP_DOWN, MEM_RESERVE)
 * @protect: Win32Protect
 */
struct mm_view_args {
	u64 base;
	u64 zero_bits;
	u64 commit_size;
	u64 offset;
	u64 size;
	u32 inherit;
	u32 type;
	u32 protect;
};

extern const struct ob_type mm_section_type;

struct file *mm_alloc_file(const char *name, const struct file_operations *fops,
			   int flags);

int mm_init(const struct mm_ops *ops);
void mm_exit(void);

/**
 * struct mm_system_memory - the system's memory as the memory manager keeps
 *	it, in pages (SystemMemoryListInformation, SystemMemoryUsageInformation)
 * @standby: on the standby list
 * @modified: on the modified list
 * @committed: NT commit, private memory and sections
 * @commit_peak: the highest @committed since the module was loaded
 * @commit_limit: the limit it is charged against
 * @shared_committed: the part of @committed that sections hold
 * @faults: faults of NT memory since load, of every kind (refused ones too)
 * @demand_zero_faults: those that took a new zero page
 * @transition_faults: those that brought a trimmed page back (soft faults)
 * @file_faults: those that took a file's page from the page cache
 * @copy_on_write_faults: those that gave a write-copy page its copy
 * @page_reads: pages read back from a paging file (with the clusters)
 * @page_read_ios: hard faults: the reads that brought them
 * @pagefile_writes: pages the modified page writer wrote
 * @repurposed: standby pages freed
 * @pagefile_pages: the paging files' slots
 */
struct mm_system_memory {
	unsigned long standby;
	unsigned long modified;
	unsigned long committed;
	unsigned long commit_peak;
	unsigned long commit_limit;
	unsigned long shared_committed;
	unsigned long faults;
	unsigned long demand_zero_faults;
	unsigned long transition_faults;
	unsigned long file_faults;
	unsigned long copy_on_write_faults;
	unsigned long page_reads;
	unsigned long page_read_ios;
	unsigned long pagefile_writes;
	unsigned long repurposed;
	unsigned long pagefile_pages;
};

void mm_query_system_memory(struct mm_system_memory *m);
ntstatus_t mm_empty_working_sets(void);
ntstatus_t mm_flush_modified_list(void);
ntstatus_t mm_purge_standby_list(void);
ntstatus_t mm_create_paging_file(const char *path, u64 minimum, u64 maximum);

/**
 * struct mm_pagefile_info - a paging file as SystemPageFileInformation
 *	describes it
 * @pages: its slots
 * @used: slots in use
 * @peak: the most ever in use
 * @name: the Linux path it was created with, UTF-8
 */
struct mm_pagefile_info {
	unsigned long pages;
	unsigned long used;
	unsigned long peak;
	char name[3 * 128 + 1];
};

bool mm_pagefile_info(unsigned int i, struct mm_pagefile_info *info);

void mm_process_init(struct mm_process *mp, struct pid *tgid);
void mm_process_rundown(struct mm_process *mp);
void mm_process_counters(struct mm_process *mp, struct mm_counters *c);
void mm_process_charge_quota(struct mm_process *mp);

/*
 * The services. Each acts on @mm, the address space of the process the
 * caller's rights hold for (ps_reference_process_mm()), and on nothing
 * else. They return an NTSTATUS, or NTX_STATUS_RESTART when a signal
 * interrupted them before anything changed. Only the copies touch the
 * caller's memory (by design: that is what they do).
 */
ntstatus_t mm_allocate_virtual(struct mm_process *mp, struct mm_struct *mm,
			       u64 *base, u64 *size, u64 zero_bits, u32 type,
			       u32 protect);
ntstatus_t mm_free_virtual(struct mm_process *mp, struct mm_struct *mm,
			   u64 *base, u64 *size, u32 type);
ntstatus_t mm_protect_virtual(struct mm_process *mp, struct mm_struct *mm,
			      u64 *base, u64 *size, u32 protect, u32 *old_protect);
ntstatus_t mm_query_mapped_file(struct mm_process *mp, struct mm_struct *mm,
				u64 address, struct file **file);
ntstatus_t mm_query_virtual(struct mm_process *mp, struct mm_struct *mm,
			    u64 address, u32 info_class, u64 length,
			    struct nt_memory_basic_information *mbi,
			    u64 *return_length);
ntstatus_t mm_query_region(struct mm_process *mp, struct mm_struct *mm,
			   u64 address, struct nt_memory_region_information *info);
ntstatus_t mm_lock_virtual(struct mm_process *mp, struct mm_struct *mm,
			   u64 *base, u64 *size, u32 map_type, bool lock);
ntstatus_t mm_flush_virtual(struct mm_process *mp, struct mm_struct *mm,
			    u64 *base, u64 *size);
ntstatus_t mm_copy_virtual(struct mm_process *mp, struct mm_struct *mm,
			   u64 address, void __user *buffer, u64 size, bool write,
			   u64 *done);
ntstatus_t mm_get_write_watch(struct mm_process *mp, struct mm_struct *mm,
			      u32 flags, u64 base, u64 size, u64 capacity,
			      mm_watch_store_t store, void *ctx, u64 *count);
ntstatus_t mm_reset_write_watch(struct mm_process *mp, struct mm_struct *mm,
				u64 base, u64 size);

/* Working sets (wsle.c). */
ntstatus_t mm_query_working_set(struct mm_process *mp, struct mm_struct *mm,
				u64 capacity, mm_watch_store_t store, void *ctx,
				u64 *count);
ntstatus_t mm_query_working_set_ex(struct mm_process *mp, struct mm_struct *mm,
				   struct nt_ws_ex_entry *entries, unsigned long n);
ntstatus_t mm_set_working_set(struct mm_process *mp, struct mm_struct *mm,
			      u64 min_bytes, u64 max_bytes, u32 flags,
			      bool increase_ok);
void mm_query_working_set_limits(struct mm_process *mp, u64 *min, u64 *max,
				 u32 *flags);
ntstatus_t mm_job_ws_pages(u64 min_bytes, u64 max_bytes, unsigned long *min,
			   unsigned long *max);
void mm_process_set_job_ws(struct mm_process *mp, unsigned long min, unsigned long max);

/* Sections and views (section.c, view.c). */
ntstatus_t mm_create_section(u64 size, u32 protect, u32 attributes,
			     struct mm_section **out);
ntstatus_t mm_create_file_section(struct file *file, u32 file_access, u64 size,
				  u32 protect, u32 attributes,
				  struct mm_section **out);
ntstatus_t mm_extend_section(struct mm_section *section, u64 *size);
ntstatus_t mm_create_image_section(struct file *file, u32 file_access, u32 protect,
				   u32 attributes, struct mm_section **out);
struct nt_section_image_information;
ntstatus_t mm_query_image(struct mm_section *section,
			  struct nt_section_image_information *info);
ntstatus_t mm_same_file(struct mm_process *mp, struct mm_struct *mm, u64 image,
			u64 other);
void mm_query_section(struct mm_section *section,
		      struct nt_section_basic_information *info);
ntstatus_t mm_map_view(struct mm_process *mp, struct mm_struct *mm,
		       struct mm_section *section, u32 access,
		       struct mm_view_args *args);
ntstatus_t mm_unmap_view(struct mm_process *mp, struct mm_struct *mm, u64 base);

#endif /* _NTEXEC_NTMM_MM_H */
