/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ntexec's tracepoints (system "ntexec"): readable in tracefs
 * (events/ntexec/) and with `perf trace -e 'ntexec:*'`. Defined once, in
 * ntob/trace.c; any layer may include this header (it includes nothing of
 * the module's), and a disabled tracepoint costs a static branch.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ntexec

#if !defined(_NTEXEC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _NTEXEC_TRACE_H

#include <linux/tracepoint.h>

/* The kinds of a fault on NT memory (ntexec_fault's kind). */
#define NTX_FAULT_DEMAND_ZERO		0	/* a new zero page */
#define NTX_FAULT_SOFT			1	/* a page that exists, mapped again */
#define NTX_FAULT_FILE			2	/* a file's page, from the page cache */
#define NTX_FAULT_COPY_ON_WRITE		3	/* a write-copy page got its copy */
#define NTX_FAULT_GUARD			4	/* a guard page: STATUS_GUARD_PAGE_VIOLATION */
#define NTX_FAULT_ACCESS_VIOLATION	5	/* refused: STATUS_ACCESS_VIOLATION */
#define NTX_FAULT_WRITE			6	/* a write to a page mapped read-only */
#define NTX_FAULT_STACK_GROWTH		7	/* a stack's guard page moved down */
#define NTX_FAULT_HARD			8	/* read back from a paging file */
#define NTX_FAULT_KINDS			9

#define ntx_show_fault_kind(kind)					\
	__print_symbolic(kind,						\
			 { NTX_FAULT_DEMAND_ZERO, "demand-zero" },	\
			 { NTX_FAULT_SOFT, "soft" },			\
			 { NTX_FAULT_FILE, "file" },			\
			 { NTX_FAULT_COPY_ON_WRITE, "copy-on-write" },	\
			 { NTX_FAULT_GUARD, "guard" },			\
			 { NTX_FAULT_ACCESS_VIOLATION, "access-violation" }, \
			 { NTX_FAULT_WRITE, "write" },			\
			 { NTX_FAULT_STACK_GROWTH, "stack-growth" },	\
			 { NTX_FAULT_HARD, "hard" })

DECLARE_EVENT_CLASS(ntexec_vad_class,
	TP_PROTO(const void *tree, unsigned long start, unsigned long end, u32 type),
	TP_ARGS(tree, start, end, type),
	TP_STRUCT__entry(
		__field(const void *, tree)
		__field(unsigned long, start)
		__field(unsigned long, end)
		__field(u32, type)
	),
	TP_fast_assign(
		__entry->tree = tree;
		__entry->start = start;
		__entry->end = end;
		__entry->type = type;
	),
	TP_printk("tree=%p start=0x%lx end=0x%lx type=0x%x",
		  __entry->tree, __entry->start, __entry->end, __entry->type)
);

DEFINE_EVENT(ntexec_vad_class, ntexec_vad_insert,
	TP_PROTO(const void *tree, unsigned long start, unsigned long end, u32 type),
	TP_ARGS(tree, start, end, type));

DEFINE_EVENT(ntexec_vad_class, ntexec_vad_remove,
	TP_PROTO(const void *tree, unsigned long start, unsigned long end, u32 type),
	TP_ARGS(tree, start, end, type));

TRACE_EVENT(ntexec_vad_split,
	TP_PROTO(const void *tree, unsigned long start, unsigned long at, unsigned long end),
	TP_ARGS(tree, start, at, end),
	TP_STRUCT__entry(
		__field(const void *, tree)
		__field(unsigned long, start)
		__field(unsigned long, at)
		__field(unsigned long, end)
	),
	TP_fast_assign(
		__entry->tree = tree;
		__entry->start = start;
		__entry->at = at;
		__entry->end = end;
	),
	TP_printk("tree=%p start=0x%lx at=0x%lx end=0x%lx",
		  __entry->tree, __entry->start, __entry->at, __entry->end)
);

TRACE_EVENT(ntexec_fault,
	TP_PROTO(unsigned long address, unsigned int kind, unsigned int access, u16 state),
	TP_ARGS(address, kind, access, state),
	TP_STRUCT__entry(
		__field(unsigned long, address)
		__field(unsigned int, kind)
		__field(unsigned int, access)
		__field(u16, state)
	),
	TP_fast_assign(
		__entry->address = address;
		__entry->kind = kind;
		__entry->access = access;
		__entry->state = state;
	),
	TP_printk("address=0x%lx kind=%s access=%u state=0x%x",
		  __entry->address, ntx_show_fault_kind(__entry->kind),
		  __entry->access, __entry->state)
);

TRACE_EVENT(ntexec_protect,
	TP_PROTO(unsigned long start, unsigned long end, u32 old_protect, u32 protect),
	TP_ARGS(start, end, old_protect, protect),
	TP_STRUCT__entry(
		__field(unsigned long, start)
		__field(unsigned long, end)
		__field(u32, old_protect)
		__field(u32, protect)
	),
	TP_fast_assign(
		__entry->start = start;
		__entry->end = end;
		__entry->old_protect = old_protect;
		__entry->protect = protect;
	),
	TP_printk("start=0x%lx end=0x%lx old=0x%x new=0x%x",
		  __entry->start, __entry->end, __entry->old_protect, __entry->protect)
);

/*
 * Pages trimmed from a working set (onto the modified list, or freed for
 * MEM_RESET), by whoever trimmed: the process itself, another one through
 * ProcessQuotaLimits, the balance set manager, a hard maximum. @tree names
 * the space as the VAD events do.
 */
TRACE_EVENT(ntexec_ws_trim,
	TP_PROTO(const void *tree, unsigned long trimmed, unsigned long working_set,
		 unsigned int min_age),
	TP_ARGS(tree, trimmed, working_set, min_age),
	TP_STRUCT__entry(
		__field(const void *, tree)
		__field(unsigned long, trimmed)
		__field(unsigned long, working_set)
		__field(unsigned int, min_age)
	),
	TP_fast_assign(
		__entry->tree = tree;
		__entry->trimmed = trimmed;
		__entry->working_set = working_set;
		__entry->min_age = min_age;
	),
	TP_printk("tree=%p trimmed=%lu ws=%lu min_age=%u", __entry->tree,
		  __entry->trimmed, __entry->working_set, __entry->min_age)
);

/*
 * Where a page of a working set is (ntexec_page_list's from and to), with
 * the values of Windows' MMLISTS: the working set (ActiveAndValid), a page
 * list, or given back (freed).
 */
#define NTX_PAGE_LIST_FREE		1	/* given back to Linux */
#define NTX_PAGE_LIST_STANDBY		2
#define NTX_PAGE_LIST_MODIFIED		3
#define NTX_PAGE_LIST_ACTIVE		6	/* in the working set */

#define ntx_show_page_list(list)					\
	__print_symbolic(list,						\
			 { NTX_PAGE_LIST_FREE, "free" },		\
			 { NTX_PAGE_LIST_STANDBY, "standby" },		\
			 { NTX_PAGE_LIST_MODIFIED, "modified" },	\
			 { NTX_PAGE_LIST_ACTIVE, "active" })

/*
 * A page moved between a working set and the page lists: trimmed (active to
 * modified, or freed when MEM_RESET let its contents go), faulted back
 * (a list to active: a soft fault), or freed off a list (decommitted,
 * released, discarded by MEM_RESET).
 */
TRACE_EVENT(ntexec_page_list,
	TP_PROTO(const void *tree, unsigned long address, unsigned int from,
		 unsigned int to),
	TP_ARGS(tree, address, from, to),
	TP_STRUCT__entry(
		__field(const void *, tree)
		__field(unsigned long, address)
		__field(unsigned int, from)
		__field(unsigned int, to)
	),
	TP_fast_assign(
		__entry->tree = tree;
		__entry->address = address;
		__entry->from = from;
		__entry->to = to;
	),
	TP_printk("tree=%p address=0x%lx from=%s to=%s", __entry->tree,
		  __entry->address, ntx_show_page_list(__entry->from),
		  ntx_show_page_list(__entry->to))
);

TRACE_EVENT(ntexec_remote_start,
	TP_PROTO(pid_t target, const void *fn),
	TP_ARGS(target, fn),
	TP_STRUCT__entry(
		__field(pid_t, target)
		__field(const void *, fn)
	),
	TP_fast_assign(
		__entry->target = target;
		__entry->fn = fn;
	),
	TP_printk("target=%d fn=%ps", __entry->target, __entry->fn)
);

TRACE_EVENT(ntexec_remote_end,
	TP_PROTO(pid_t target, const void *fn, u32 status),
	TP_ARGS(target, fn, status),
	TP_STRUCT__entry(
		__field(pid_t, target)
		__field(const void *, fn)
		__field(u32, status)
	),
	TP_fast_assign(
		__entry->target = target;
		__entry->fn = fn;
		__entry->status = status;
	),
	TP_printk("target=%d fn=%ps status=0x%08x", __entry->target,
		  __entry->fn, __entry->status)
);

TRACE_EVENT(ntexec_handle_create,
	TP_PROTO(const void *table, u64 handle, const void *object, u32 access),
	TP_ARGS(table, handle, object, access),
	TP_STRUCT__entry(
		__field(const void *, table)
		__field(u64, handle)
		__field(const void *, object)
		__field(u32, access)
	),
	TP_fast_assign(
		__entry->table = table;
		__entry->handle = handle;
		__entry->object = object;
		__entry->access = access;
	),
	TP_printk("table=%p handle=0x%llx object=%p access=0x%x", __entry->table,
		  __entry->handle, __entry->object, __entry->access)
);

TRACE_EVENT(ntexec_handle_close,
	TP_PROTO(const void *table, u64 handle),
	TP_ARGS(table, handle),
	TP_STRUCT__entry(
		__field(const void *, table)
		__field(u64, handle)
	),
	TP_fast_assign(
		__entry->table = table;
		__entry->handle = handle;
	),
	TP_printk("table=%p handle=0x%llx", __entry->table, __entry->handle)
);

TRACE_EVENT(ntexec_wait_begin,
	TP_PROTO(u32 count, bool wait_all, bool alertable, bool infinite),
	TP_ARGS(count, wait_all, alertable, infinite),
	TP_STRUCT__entry(
		__field(u32, count)
		__field(bool, wait_all)
		__field(bool, alertable)
		__field(bool, infinite)
	),
	TP_fast_assign(
		__entry->count = count;
		__entry->wait_all = wait_all;
		__entry->alertable = alertable;
		__entry->infinite = infinite;
	),
	TP_printk("count=%u wait_all=%d alertable=%d infinite=%d", __entry->count,
		  __entry->wait_all, __entry->alertable, __entry->infinite)
);

TRACE_EVENT(ntexec_wait_end,
	TP_PROTO(u32 status),
	TP_ARGS(status),
	TP_STRUCT__entry(
		__field(u32, status)
	),
	TP_fast_assign(
		__entry->status = status;
	),
	TP_printk("status=0x%08x", __entry->status)
);

#endif /* _NTEXEC_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH ntob
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
