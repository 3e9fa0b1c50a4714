// SPDX-License-Identifier: GPL-2.0
/*
 * NtGetContextThread and NtSetContextThread.
 *
 * Another thread is parked and held there for the operation
 * (ps_hold_parked(), ntps/state.c): its user registers are in pt_regs and
 * its FPU state in memory, and the operation goes through the kernel's own
 * regsets, as ptrace does on a stopped tracee (task_user_regset_view(),
 * regset_get(), ->set): NT_PRSTATUS for the general registers, NT_PRFPREG
 * for the FXSAVE image. Writes keep Linux's rules: code and stack
 * selectors stay the thread's, EFlags takes only the bits sigreturn lets
 * user space set, MXCSR only the bits the CPU supports, Rip must be a user
 * address.
 *
 * CONTEXT_XSTATE (a CONTEXT_EX right after the CONTEXT, its XState chunk
 * an XSAVE_AREA_HEADER and the features in the standard XSAVE layout) serves
 * XSTATE_AVX, the upper halves of YMM0-15, through the NT_X86_XSTATE
 * regset: a set reads the thread's whole XSAVE image, changes the legacy
 * area (CONTEXT_FLOATING_POINT) and the AVX feature in it and writes it
 * back, as the regset wants, so the thread's other features (PKRU,
 * AVX-512, ...) stay as they were. Other extended features are not served:
 * a get clears their Mask bits, a set ignores them.
 *
 * The calling thread reads its own state as it is in this call (its
 * registers at the system call). A set of its own context replaces the
 * return of this very call, as NT's does: it is checked here and applied
 * by a task_work (TWA_RESUME) on the way out, after the call's return value
 * is stored. Only the general registers, Rip, Rsp and EFlags: the regsets
 * refuse the calling task (FPU writes are for stopped tracees), so a set of
 * the caller's own CONTEXT_FLOATING_POINT or CONTEXT_XSTATE is answered
 * NTX_STATUS_SELF_FPU with nothing changed, after the access check: user
 * space loads its own FPU state (libntexec does, with XRSTOR, and then asks
 * again for the rest, undoing the load if that fails).
 *
 * Debug registers: Linux gives them to user space only as perf hardware
 * breakpoints owned by a tracer; the module does not manage any. Reading
 * them gives zeros; setting any enabled breakpoint (Dr7's enable bits) is
 * STATUS_NOT_SUPPORTED, and the rest of the request is not applied.
 */
#include <linux/elf.h>
#include <linux/errno.h>
#include <linux/regset.h>
#include <linux/slab.h>
#include <linux/sched/task_stack.h>
#include <linux/module.h>
#include <linux/task_work.h>
#include <linux/sizes.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/unistd.h>

#include <kunit/visibility.h>

#include "../ntob/compat.h"
#include "context.h"
#include "ps.h"

/* The EFlags bits user mode may set: sigreturn's FIX_EFLAGS. */
#define PS_USER_EFLAGS	(X86_EFLAGS_AC | X86_EFLAGS_OF | X86_EFLAGS_DF | \
			 X86_EFLAGS_TF | X86_EFLAGS_SF | X86_EFLAGS_ZF | \
			 X86_EFLAGS_AF | X86_EFLAGS_PF | X86_EFLAGS_CF | \
			 X86_EFLAGS_RF)

/* The bits of ContextFlags that ask for nothing (informational, ignored). */
#define PS_CONTEXT_IGNORED	(CONTEXT_KERNEL_DEBUGGER | CONTEXT_EXCEPTION_ACTIVE | \
				 CONTEXT_SERVICE_ACTIVE | CONTEXT_EXCEPTION_REQUEST | \
				 CONTEXT_EXCEPTION_REPORTING)

/* Dr7's local and global enable bits of the four breakpoints. */
#define PS_DR7_ENABLES		0xffull

/**
 * ps_context_check_flags() - validate ContextFlags
 * @flags: the caller's ContextFlags
 * @set: for NtSetContextThread
 *
 * Return: STATUS_SUCCESS; STATUS_INVALID_PARAMETER when CONTEXT_AMD64 is
 * missing or an unknown bit is set.
 */
ntstatus_t ps_context_check_flags(u32 flags, bool set)
{
	flags &= ~PS_CONTEXT_IGNORED;
	if (!(flags & CONTEXT_AMD64) || (flags & ~(CONTEXT_ALL | CONTEXT_XSTATE)))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(ps_context_check_flags);

/**
 * ps_xstate_features() - the XSTATE features ntexec serves on this CPU
 *
 * Return: XSTATE_MASK_AVX when the CPU and the kernel use AVX, else 0.
 */
u64 ps_xstate_features(void)
{
	return cpu_feature_enabled(X86_FEATURE_AVX) ? PS_XSTATE_MASK_AVX : 0;
}
EXPORT_SYMBOL_IF_KUNIT(ps_xstate_features);

/* The AVX feature's offset in a standard-format XSAVE image (CPUID 0xD). */
static u32 ps_xsave_avx_offset(void)
{
	static u32 offset;
	u32 eax, ebx, ecx, edx, off = READ_ONCE(offset);

	if (!off) {
		cpuid_count(0xd, PS_XSTATE_AVX, &eax, &ebx, &ecx, &edx);
		off = eax == sizeof_field(struct ps_xstate, ymm_high) ? ebx : 0;
		WRITE_ONCE(offset, off);
	}
	return off;
}

static u64 *ps_xstate_bv(u8 *image)
{
	return (u64 *)(image + PS_XSAVE_HEADER_OFFSET);
}

/**
 * ps_xstate_from_image() - fill the XSTATE features asked for from an image
 * @xs: in: @xs->mask the features asked for; out: the ones served, filled
 * @image: the thread's standard-format XSAVE image (NT_X86_XSTATE)
 * @avx_offset: the AVX feature's offset in @image
 *
 * A feature in its initial state (its XSTATE_BV bit clear) reads as zeros.
 */
void ps_xstate_from_image(struct ps_xstate *xs, const u8 *image, u32 avx_offset)
{
	u64 bv = *ps_xstate_bv((u8 *)image);

	xs->mask &= ps_xstate_features();
	if (!(xs->mask & PS_XSTATE_MASK_AVX))
		return;
	if (bv & PS_XSTATE_MASK_AVX)
		memcpy(xs->ymm_high, image + avx_offset, sizeof(xs->ymm_high));
	else
		memset(xs->ymm_high, 0, sizeof(xs->ymm_high));
}
EXPORT_SYMBOL_IF_KUNIT(ps_xstate_from_image);

/**
 * ps_xstate_to_image() - apply a CONTEXT's FPU parts to an XSAVE image
 * @image: the thread's standard-format XSAVE image, changed in place
 * @xs: the XSTATE features given, or NULL to leave them
 * @fx: the new FXSAVE image (ps_context_to_regs()), or NULL to leave the
 *	legacy area; its padding (the kernel's software bytes) is not copied
 * @avx_offset: the AVX feature's offset in @image
 *
 * An extended feature that @xs leaves out of its mask is put in its
 * initial state, as Windows does.
 */
void ps_xstate_to_image(u8 *image, const struct ps_xstate *xs,
			const struct user_i387_struct *fx, u32 avx_offset)
{
	u64 *bv = ps_xstate_bv(image);

	if (fx) {
		memcpy(image, fx, PS_FXSAVE_STATE_SIZE);
		*bv |= PS_XSTATE_MASK_LEGACY;
	}
	if (!xs || !(ps_xstate_features() & PS_XSTATE_MASK_AVX))
		return;
	if (xs->mask & PS_XSTATE_MASK_AVX) {
		memcpy(image + avx_offset, xs->ymm_high, sizeof(xs->ymm_high));
		*bv |= PS_XSTATE_MASK_AVX;
	} else {
		memset(image + avx_offset, 0, sizeof(xs->ymm_high));
		*bv &= ~PS_XSTATE_MASK_AVX;
	}
}
EXPORT_SYMBOL_IF_KUNIT(ps_xstate_to_image);

static bool ps_wants(u32 flags, u32 part)
{
	return (flags & part) == part;
}

/**
 * ps_context_from_regs() - fill a CONTEXT from a thread's registers
 * @ctx: the CONTEXT; the parts @flags names are written
 * @flags: checked ContextFlags
 * @regs: the general registers (NT_PRSTATUS)
 * @fx: the FXSAVE image (NT_PRFPREG); only read for CONTEXT_FLOATING_POINT
 */
void ps_context_from_regs(struct nt_context *ctx, u32 flags,
			  const struct user_regs_struct *regs,
			  const struct user_i387_struct *fx)
{
	if (ps_wants(flags, CONTEXT_CONTROL)) {
		ctx->seg_cs = regs->cs;
		ctx->seg_ss = regs->ss;
		ctx->eflags = regs->flags;
		ctx->rsp = regs->sp;
		ctx->rip = regs->ip;
	}
	if (ps_wants(flags, CONTEXT_INTEGER)) {
		ctx->rax = regs->ax;
		ctx->rcx = regs->cx;
		ctx->rdx = regs->dx;
		ctx->rbx = regs->bx;
		ctx->rbp = regs->bp;
		ctx->rsi = regs->si;
		ctx->rdi = regs->di;
		ctx->r8 = regs->r8;
		ctx->r9 = regs->r9;
		ctx->r10 = regs->r10;
		ctx->r11 = regs->r11;
		ctx->r12 = regs->r12;
		ctx->r13 = regs->r13;
		ctx->r14 = regs->r14;
		ctx->r15 = regs->r15;
	}
	if (ps_wants(flags, CONTEXT_SEGMENTS)) {
		ctx->seg_ds = regs->ds;
		ctx->seg_es = regs->es;
		ctx->seg_fs = regs->fs;
		ctx->seg_gs = regs->gs;
	}
	if (ps_wants(flags, CONTEXT_FLOATING_POINT)) {
		ctx->flt_save = *fx;
		ctx->mx_csr = fx->mxcsr;
	}
	if (ps_wants(flags, CONTEXT_DEBUG_REGISTERS)) {
		ctx->dr0 = 0;
		ctx->dr1 = 0;
		ctx->dr2 = 0;
		ctx->dr3 = 0;
		ctx->dr6 = 0;
		ctx->dr7 = 0;
	}
}
EXPORT_SYMBOL_IF_KUNIT(ps_context_from_regs);

/**
 * ps_context_to_regs() - apply a CONTEXT to a thread's registers
 * @ctx: the CONTEXT
 * @flags: checked ContextFlags
 * @regs: in: the thread's general registers; out: with the CONTEXT's
 * @fx: in: the thread's FXSAVE image; out: with the CONTEXT's (only for
 *	CONTEXT_FLOATING_POINT)
 *
 * Selectors stay the thread's (CONTEXT_SEGMENTS and SegCs/SegSs are
 * ignored, as Windows sanitizes them to the user selectors); EFlags
 * changes only in PS_USER_EFLAGS; MXCSR keeps to the thread's MXCSR mask
 * (the FXSAVE image's MxCsr_Mask stays the thread's). orig_ax becomes -1:
 * the thread resumes exactly in the state given, no system call restart.
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_PARAMETER for a Rip outside user
 * space, STATUS_NOT_SUPPORTED for an enabled debug breakpoint; on failure
 * nothing is written.
 */
ntstatus_t ps_context_to_regs(const struct nt_context *ctx, u32 flags,
			      struct user_regs_struct *regs,
			      struct user_i387_struct *fx)
{
	u32 mask;

	if (ps_wants(flags, CONTEXT_CONTROL) && ctx->rip >= TASK_SIZE_MAX)
		return STATUS_INVALID_PARAMETER;
	if (ps_wants(flags, CONTEXT_DEBUG_REGISTERS) && (ctx->dr7 & PS_DR7_ENABLES))
		return STATUS_NOT_SUPPORTED;

	if (ps_wants(flags, CONTEXT_CONTROL)) {
		regs->flags = (regs->flags & ~(u64)PS_USER_EFLAGS) |
			      (ctx->eflags & PS_USER_EFLAGS);
		regs->sp = ctx->rsp;
		regs->ip = ctx->rip;
	}
	if (ps_wants(flags, CONTEXT_INTEGER)) {
		regs->ax = ctx->rax;
		regs->cx = ctx->rcx;
		regs->dx = ctx->rdx;
		regs->bx = ctx->rbx;
		regs->bp = ctx->rbp;
		regs->si = ctx->rsi;
		regs->di = ctx->rdi;
		regs->r8 = ctx->r8;
		regs->r9 = ctx->r9;
		regs->r10 = ctx->r10;
		regs->r11 = ctx->r11;
		regs->r12 = ctx->r12;
		regs->r13 = ctx->r13;
		regs->r14 = ctx->r14;
		regs->r15 = ctx->r15;
	}
	regs->orig_ax = -1;
	if (ps_wants(flags, CONTEXT_FLOATING_POINT)) {
		/* 0: a CPU without the mask field; its default, DAZ excluded. */
		mask = fx->mxcsr_mask ?: 0xffbf;
		*fx = (struct user_i387_struct) {
			.cwd = ctx->flt_save.cwd,
			.swd = ctx->flt_save.swd,
			.twd = ctx->flt_save.twd,
			.fop = ctx->flt_save.fop,
			.rip = ctx->flt_save.rip,
			.rdp = ctx->flt_save.rdp,
			.mxcsr = ctx->mx_csr & mask,
			.mxcsr_mask = mask,
		};
		memcpy(fx->st_space, ctx->flt_save.st_space, sizeof(fx->st_space));
		memcpy(fx->xmm_space, ctx->flt_save.xmm_space, sizeof(fx->xmm_space));
	}
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(ps_context_to_regs);

/**
 * ps_context_pending_restart() - the state a parked thread will resume in
 * @regs: a parked thread's general registers
 *
 * A thread parked on its way out of an interrupted system call still has
 * -ERESTART* in ax: the kernel's restart fix-up runs after the park
 * (ntps/state.c). Apply it here, as the signal code will (there is no
 * signal handler to run, so every restart code restarts), so that a get
 * shows and a set starts from where the thread will really resume.
 */
void ps_context_pending_restart(struct user_regs_struct *regs)
{
	ps_restart_fixup(&regs->ax, regs->orig_ax, &regs->ip);
}
EXPORT_SYMBOL_IF_KUNIT(ps_context_pending_restart);

/**
 * ps_restart_fixup() - the restart fix-up of an interrupted system call
 * @ax: the thread's ax
 * @orig_ax: its orig_ax (the system call, or -1)
 * @ip: its ip
 *
 * What the signal code does when no handler runs: ax back to the call's
 * number and ip back on the syscall instruction (ps_context_pending_restart()).
 */
void ps_restart_fixup(unsigned long *ax, unsigned long orig_ax, unsigned long *ip)
{
	if ((long)orig_ax < 0)
		return;
	switch ((long)*ax) {
	case -ERESTARTNOHAND:
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
		*ax = orig_ax;
		*ip -= 2;
		break;
	case -ERESTART_RESTARTBLOCK:
		*ax = __NR_restart_syscall;
		*ip -= 2;
		break;
	}
}

static const struct user_regset *ps_regset(struct task_struct *task,
					   unsigned int note, unsigned int size)
{
	const struct user_regset_view *view = task_user_regset_view(task);
	int i;

	for (i = 0; i < view->n; i++) {
		const struct user_regset *rs = &view->regsets[i];

		if (rs->core_note_type == note)
			return rs->n * rs->size == size ? rs : NULL;
	}
	return NULL;
}

/*
 * Read a thread's registers (the caller's own, or a held parked one's).
 * Return: STATUS_SUCCESS, or STATUS_NOT_SUPPORTED for a thread whose
 * regsets are not x86_64's (a 32-bit task).
 */
static ntstatus_t ps_read_regs(struct task_struct *task, bool fp,
			       struct user_regs_struct *regs,
			       struct user_i387_struct *fx)
{
	const struct user_regset *gp, *fpr;

	gp = ps_regset(task, NT_PRSTATUS, sizeof(*regs));
	fpr = ps_regset(task, NT_PRFPREG, sizeof(*fx));
	if (!gp || !fpr)
		return STATUS_NOT_SUPPORTED;
	if (regset_get(task, gp, sizeof(*regs), regs) != sizeof(*regs))
		return STATUS_UNSUCCESSFUL;
	if (fp && regset_get(task, fpr, sizeof(*fx), fx) != sizeof(*fx))
		return STATUS_UNSUCCESSFUL;
	return STATUS_SUCCESS;
}

/*
 * Write a held parked thread's registers: the general ones up to (not
 * including) fs_base, which CONTEXT does not have, so the bases stay
 * as they are; the FXSAVE image when @fp.
 */
static ntstatus_t ps_write_regs(struct task_struct *task, bool fp,
				const struct user_regs_struct *regs,
				const struct user_i387_struct *fx)
{
	const struct user_regset *gp, *fpr;

	gp = ps_regset(task, NT_PRSTATUS, sizeof(*regs));
	fpr = ps_regset(task, NT_PRFPREG, sizeof(*fx));
	if (!gp || !fpr)
		return STATUS_NOT_SUPPORTED;
	if (gp->set(task, gp, 0, offsetof(struct user_regs_struct, fs_base), regs, NULL))
		return STATUS_INVALID_PARAMETER;
	if (fp && fpr->set(task, fpr, 0, sizeof(*fx), fx, NULL))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

/* The largest XSAVE image taken (AMX's tile data makes one over 11 KiB). */
#define PS_XSAVE_MAX		SZ_64K

/*
 * A thread's whole standard-format XSAVE image (NT_X86_XSTATE), as the
 * regset gives it and, for a set, wants it back. Return: the image
 * (kvfree() it) and its size, or NULL when the thread has no usable one.
 */
static u8 *ps_read_xstate(struct task_struct *task, const struct user_regset **rsp,
			  unsigned int *sizep)
{
	const struct user_regset_view *view = task_user_regset_view(task);
	const struct user_regset *rs = NULL;
	unsigned int size;
	u8 *image;
	int i;

	for (i = 0; i < view->n; i++) {
		if (view->regsets[i].core_note_type == NT_X86_XSTATE) {
			rs = &view->regsets[i];
			break;
		}
	}
	if (!rs || !rs->n || rs->size != sizeof(u64) || rs->n > PS_XSAVE_MAX / sizeof(u64))
		return NULL;
	size = rs->n * rs->size;
	if (size < ps_xsave_avx_offset() + sizeof_field(struct ps_xstate, ymm_high))
		return NULL;
	image = kvzalloc(size, GFP_KERNEL);
	if (!image)
		return NULL;
	if (regset_get(task, rs, size, image) != size) {
		kvfree(image);
		return NULL;
	}
	*rsp = rs;
	*sizep = size;
	return image;
}

/* Whether an operation touches the XSAVE image: AVX asked for and served. */
static bool ps_xstate_wanted(u32 flags, const struct ps_xstate *xs)
{
	return xs && ps_wants(flags, CONTEXT_XSTATE) && ps_xstate_features() &&
	       ps_xsave_avx_offset();
}

/* Get: fill @xs from the thread's image (the thread held, or the caller). */
static ntstatus_t ps_get_xstate(struct task_struct *task, struct ps_xstate *xs)
{
	const struct user_regset *rs;
	unsigned int size;
	u8 *image;

	if (!(xs->mask & ps_xstate_features())) {
		xs->mask = 0;
		return STATUS_SUCCESS;
	}
	image = ps_read_xstate(task, &rs, &size);
	if (!image)
		return STATUS_NO_MEMORY;
	ps_xstate_from_image(xs, image, ps_xsave_avx_offset());
	kvfree(image);
	return STATUS_SUCCESS;
}

/* Set: the legacy area (@fx, or NULL) and @xs into a held thread's image. */
static ntstatus_t ps_set_xstate(struct task_struct *task, const struct ps_xstate *xs,
				const struct user_i387_struct *fx)
{
	const struct user_regset *rs;
	unsigned int size;
	ntstatus_t status = STATUS_SUCCESS;
	u8 *image;

	image = ps_read_xstate(task, &rs, &size);
	if (!image)
		return STATUS_NO_MEMORY;
	ps_xstate_to_image(image, xs, fx, ps_xsave_avx_offset());
	if (rs->set(task, rs, 0, size, image, NULL))
		status = STATUS_INVALID_PARAMETER;
	kvfree(image);
	return status;
}

/* The register images of one operation: too big for the stack together. */
struct ps_regs {
	struct user_regs_struct regs;
	struct user_i387_struct fx;
};

/**
 * ps_get_context() - NtGetContextThread
 * @caller: the calling process
 * @handle: the thread (THREAD_GET_CONTEXT)
 * @ctx: in: ContextFlags; out: the parts it names
 * @xs: for CONTEXT_XSTATE, the XSTATE chunk's features (in: the mask
 *	asked for; out: the mask served and the features), else NULL
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_PARAMETER for the flags,
 * STATUS_THREAD_IS_TERMINATING, STATUS_ACCESS_DENIED for a kernel-owned
 * thread, NTX_STATUS_RESTART, or the handle's failure.
 */
ntstatus_t ps_get_context(struct ps_process *caller, u64 handle,
			  struct nt_context *ctx, struct ps_xstate *xs)
{
	u32 flags = ctx->context_flags;
	struct ps_thread *thread;
	struct task_struct *task;
	struct ps_regs *r;
	ntstatus_t status;
	bool fp, held = false;

	status = ps_context_check_flags(flags, false);
	if (status)
		return status;
	fp = ps_wants(flags, CONTEXT_FLOATING_POINT);
	if (xs && !ps_xstate_wanted(flags, xs))
		xs->mask = 0;
	status = ps_reference_thread_mm(caller, handle, THREAD_GET_CONTEXT, &thread);
	if (status)
		return status;
	task = thread->task;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		status = STATUS_NO_MEMORY;
		goto out;
	}
	if (task->flags & NTX_PF_WORKERS) {
		status = STATUS_ACCESS_DENIED;
		goto out_free;
	}
	if (task != current) {
		status = ps_hold_parked(thread);
		if (status)
			goto out_free;
		held = true;
	}
	status = ps_read_regs(task, fp, &r->regs, &r->fx);
	if (!status && xs && xs->mask)
		status = ps_get_xstate(task, xs);
	if (held) {
		ps_release_parked(thread);
		ps_context_pending_restart(&r->regs);
	}
	if (!status)
		ps_context_from_regs(ctx, flags, &r->regs, &r->fx);
out_free:
	kfree(r);
out:
	ps_dereference_thread(thread);
	return status;
}

/* The calling thread's own new context, applied on its way out. */
struct ps_self_context {
	struct callback_head work;
	struct ps_regs r;
};

static void ps_self_context_work(struct callback_head *work)
{
	struct ps_self_context *s = container_of(work, struct ps_self_context, work);
	const struct user_regs_struct *u = &s->r.regs;
	struct pt_regs *regs = task_pt_regs(current);

	if (!(current->flags & PF_EXITING)) {
		regs->r15 = u->r15;
		regs->r14 = u->r14;
		regs->r13 = u->r13;
		regs->r12 = u->r12;
		regs->bp = u->bp;
		regs->bx = u->bx;
		regs->r11 = u->r11;
		regs->r10 = u->r10;
		regs->r9 = u->r9;
		regs->r8 = u->r8;
		regs->ax = u->ax;
		regs->cx = u->cx;
		regs->dx = u->dx;
		regs->si = u->si;
		regs->di = u->di;
		regs->ip = u->ip;
		regs->flags = u->flags;
		regs->sp = u->sp;
		regs->orig_ax = -1;
	}
	kfree(s);
	module_put(THIS_MODULE);
}

/*
 * Set the caller's own context: converted now against its registers as
 * they are (so that a bad context fails the call), written on its way out.
 */
static ntstatus_t ps_set_own_context(const struct nt_context *ctx, u32 flags, bool fpu)
{
	struct ps_self_context *s;
	ntstatus_t status;

	if (fpu)
		return NTX_STATUS_SELF_FPU;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return STATUS_NO_MEMORY;
	status = ps_read_regs(current, false, &s->r.regs, &s->r.fx);
	if (!status)
		status = ps_context_to_regs(ctx, flags, &s->r.regs, &s->r.fx);
	if (status) {
		kfree(s);
		return status;
	}
	/* The call's own return is what the new context replaces. */
	if (!ps_wants(flags, CONTEXT_INTEGER))
		s->r.regs.ax = (u32)STATUS_SUCCESS;
	__module_get(THIS_MODULE);
	init_task_work(&s->work, ps_self_context_work);
	if (task_work_add(current, &s->work, TWA_RESUME)) {
		module_put(THIS_MODULE);
		kfree(s);
		return STATUS_THREAD_IS_TERMINATING;
	}
	return STATUS_SUCCESS;
}

/**
 * ps_set_context() - NtSetContextThread
 * @caller: the calling process
 * @handle: the thread (THREAD_SET_CONTEXT)
 * @ctx: the context; ContextFlags names the parts to set
 * @xs: for CONTEXT_XSTATE, the XSTATE chunk's features, else NULL
 *
 * The thread resumes (when its suspend count allows) at the new Rip with
 * the new registers.
 *
 * Return: as ps_get_context(), and STATUS_INVALID_PARAMETER for a kernel
 * Rip, STATUS_NOT_SUPPORTED for an enabled debug breakpoint,
 * NTX_STATUS_SELF_FPU for the caller's own FPU state.
 */
ntstatus_t ps_set_context(struct ps_process *caller, u64 handle,
			  const struct nt_context *ctx, const struct ps_xstate *xs)
{
	u32 flags = ctx->context_flags;
	struct ps_thread *thread;
	struct task_struct *task;
	struct ps_regs *r;
	ntstatus_t status;
	bool fp;

	status = ps_context_check_flags(flags, true);
	if (status)
		return status;
	fp = ps_wants(flags, CONTEXT_FLOATING_POINT);
	if (!ps_xstate_wanted(flags, xs))
		xs = NULL;
	status = ps_reference_thread_mm(caller, handle, THREAD_SET_CONTEXT, &thread);
	if (status)
		return status;
	task = thread->task;
	if (task->flags & NTX_PF_WORKERS) {
		status = STATUS_ACCESS_DENIED;
		goto out;
	}
	if (task == current) {
		status = ps_set_own_context(ctx, flags, fp || xs);
		goto out;
	}
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		status = STATUS_NO_MEMORY;
		goto out;
	}
	status = ps_hold_parked(thread);
	if (!status) {
		status = ps_read_regs(task, fp, &r->regs, &r->fx);
		if (!status) {
			ps_context_pending_restart(&r->regs);
			status = ps_context_to_regs(ctx, flags, &r->regs, &r->fx);
		}
		/* The FPU first: the only part that can still be refused. */
		if (!status && xs)
			status = ps_set_xstate(task, xs, fp ? &r->fx : NULL);
		if (!status)
			status = ps_write_regs(task, fp && !xs, &r->regs, &r->fx);
		ps_release_parked(thread);
	}
	kfree(r);
out:
	ps_dereference_thread(thread);
	return status;
}
