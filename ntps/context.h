/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86_64 CONTEXT of NtGetContextThread/NtSetContextThread (Windows'
 * layout, 1232 bytes), and its conversion to and from what Linux's regsets
 * hold (struct user_regs_struct, the FXSAVE image of NT_PRFPREG).
 */
#ifndef _NTEXEC_PS_CONTEXT_H
#define _NTEXEC_PS_CONTEXT_H

#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <asm/user.h>

#include "../ntob/status.h"

#define CONTEXT_AMD64			0x00100000u
#define CONTEXT_CONTROL			(CONTEXT_AMD64 | 0x00000001u)
#define CONTEXT_INTEGER			(CONTEXT_AMD64 | 0x00000002u)
#define CONTEXT_SEGMENTS		(CONTEXT_AMD64 | 0x00000004u)
#define CONTEXT_FLOATING_POINT		(CONTEXT_AMD64 | 0x00000008u)
#define CONTEXT_DEBUG_REGISTERS		(CONTEXT_AMD64 | 0x00000010u)
#define CONTEXT_FULL			(CONTEXT_CONTROL | CONTEXT_INTEGER | \
					 CONTEXT_FLOATING_POINT)
#define CONTEXT_ALL			(CONTEXT_CONTROL | CONTEXT_INTEGER | \
					 CONTEXT_SEGMENTS | CONTEXT_FLOATING_POINT | \
					 CONTEXT_DEBUG_REGISTERS)
#define CONTEXT_XSTATE			(CONTEXT_AMD64 | 0x00000040u)
#define CONTEXT_KERNEL_DEBUGGER		0x04000000u
#define CONTEXT_EXCEPTION_ACTIVE	0x08000000u
#define CONTEXT_SERVICE_ACTIVE		0x10000000u
#define CONTEXT_EXCEPTION_REQUEST	0x40000000u
#define CONTEXT_EXCEPTION_REPORTING	0x80000000u

/* CONTEXT must be 16-byte aligned (CONTEXT_ALIGN on AMD64). */
#define PS_CONTEXT_ALIGN		16

struct nt_m128a {
	u64 low;
	s64 high;
};

/**
 * struct nt_context - Windows' x86_64 CONTEXT
 *
 * FltSave is the FXSAVE image (XMM_SAVE_AREA32), which is Linux's
 * struct user_i387_struct byte for byte.
 */
struct nt_context {
	u64 p_home[6];
	u32 context_flags;
	u32 mx_csr;
	u16 seg_cs, seg_ds, seg_es, seg_fs, seg_gs, seg_ss;
	u32 eflags;
	u64 dr0, dr1, dr2, dr3, dr6, dr7;
	u64 rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rip;
	struct user_i387_struct flt_save;
	struct nt_m128a vector_register[26];
	u64 vector_control;
	u64 debug_control;
	u64 last_branch_to_rip;
	u64 last_branch_from_rip;
	u64 last_exception_to_rip;
	u64 last_exception_from_rip;
} __aligned(16);

static_assert(sizeof(struct user_i387_struct) == 512);
static_assert(sizeof(struct nt_context) == 1232);
static_assert(offsetof(struct nt_context, context_flags) == 0x30);
static_assert(offsetof(struct nt_context, seg_cs) == 0x38);
static_assert(offsetof(struct nt_context, eflags) == 0x44);
static_assert(offsetof(struct nt_context, dr0) == 0x48);
static_assert(offsetof(struct nt_context, rax) == 0x78);
static_assert(offsetof(struct nt_context, rip) == 0xF8);
static_assert(offsetof(struct nt_context, flt_save) == 0x100);
static_assert(offsetof(struct nt_context, vector_register) == 0x300);
static_assert(offsetof(struct nt_context, last_exception_from_rip) == 0x4C8);

ntstatus_t ps_context_check_flags(u32 flags, bool set);
void ps_context_from_regs(struct nt_context *ctx, u32 flags,
			  const struct user_regs_struct *regs,
			  const struct user_i387_struct *fx);
ntstatus_t ps_context_to_regs(const struct nt_context *ctx, u32 flags,
			      struct user_regs_struct *regs,
			      struct user_i387_struct *fx);
void ps_context_pending_restart(struct user_regs_struct *regs);
void ps_restart_fixup(unsigned long *ax, unsigned long orig_ax, unsigned long *ip);

#endif /* _NTEXEC_PS_CONTEXT_H */
