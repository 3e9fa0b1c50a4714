/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86_64 CONTEXT of NtGetContextThread/NtSetContextThread (Windows'
 * layout, 1232 bytes), and its conversion to and from what Linux's regsets
 * hold (struct user_regs_struct, the FXSAVE image of NT_PRFPREG).
 */
#ifndef _NTEXEC_PS_CONTEXT_H
#define _NTEXEC_PS_CONTEXT_H

#include <linux/bits.h>
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
static_assert(offsetof(struct user_i387_struct, padding) == 416);
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

/* XSAVE feature 2, the upper halves of YMM0-15 (XSTATE_AVX). */
#define PS_XSTATE_AVX			2
#define PS_XSTATE_MASK_AVX		BIT_ULL(PS_XSTATE_AVX)
/* The legacy features, x87 and SSE, which CONTEXT itself holds. */
#define PS_XSTATE_MASK_LEGACY		(BIT_ULL(0) | BIT_ULL(1))
/* XSAVE_AREA_HEADER: Mask, CompactionMask, six reserved quadwords. */
#define PS_XSAVE_HEADER_SIZE		64
/* Where the header sits in a standard-format XSAVE image. */
#define PS_XSAVE_HEADER_OFFSET		512
/* The bytes of an FXSAVE image that are state (the rest is padding). */
#define PS_FXSAVE_STATE_SIZE		416

/**
 * struct nt_context_chunk - CONTEXT_CHUNK, one part of an extended CONTEXT
 * @offset: from the CONTEXT_EX that holds the chunk (signed)
 * @length: in bytes
 */
struct nt_context_chunk {
	s32 offset;
	u32 length;
};

/**
 * struct nt_context_ex - CONTEXT_EX, right after a CONTEXT with CONTEXT_XSTATE
 * @all: the CONTEXT, the CONTEXT_EX and the XSTATE chunk together
 * @legacy: the CONTEXT
 * @xstate: the XSAVE_AREA_HEADER and, after it, the extended features in
 *	their standard (non-compacted) XSAVE layout less the legacy 512 bytes
 */
struct nt_context_ex {
	struct nt_context_chunk all;
	struct nt_context_chunk legacy;
	struct nt_context_chunk xstate;
};

static_assert(sizeof(struct nt_context_ex) == 24);

/**
 * struct ps_xstate - the XSTATE chunk's features that ntexec serves
 * @mask: XSAVE_AREA_HEADER.Mask; for a get, in: the features asked for,
 *	out: those written; for a set, the features given (an extended
 *	feature not in it is set to its initial state)
 * @ymm_high: XSTATE_AVX, the upper 128 bits of YMM0-15
 */
struct ps_xstate {
	u64 mask;
	struct nt_m128a ymm_high[16];
};

/* The AVX feature's offset in the XSTATE chunk: after the header. */
#define PS_XSTATE_AVX_OFFSET		PS_XSAVE_HEADER_SIZE
#define PS_XSTATE_AVX_END		(PS_XSTATE_AVX_OFFSET + \
					 sizeof_field(struct ps_xstate, ymm_high))

ntstatus_t ps_context_check_flags(u32 flags, bool set);
u64 ps_xstate_features(void);
void ps_xstate_from_image(struct ps_xstate *xs, const u8 *image, u32 avx_offset);
void ps_xstate_to_image(u8 *image, const struct ps_xstate *xs,
			const struct user_i387_struct *fx, u32 avx_offset);
void ps_context_from_regs(struct nt_context *ctx, u32 flags,
			  const struct user_regs_struct *regs,
			  const struct user_i387_struct *fx);
ntstatus_t ps_context_to_regs(const struct nt_context *ctx, u32 flags,
			      struct user_regs_struct *regs,
			      struct user_i387_struct *fx);
void ps_context_pending_restart(struct user_regs_struct *regs);
void ps_restart_fixup(unsigned long *ax, unsigned long orig_ax, unsigned long *ip);

#endif /* _NTEXEC_PS_CONTEXT_H */
