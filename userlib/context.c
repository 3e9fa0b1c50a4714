// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libntexec: thread contexts (NtGetContextThread, NtSetContextThread) and the
 * extended context's layout (RtlGetExtendedContextLength,
 * RtlInitializeExtendedContext, RtlLocateLegacyContext,
 * RtlLocateExtendedFeature, RtlGet/SetExtendedFeaturesMask,
 * RtlGetEnabledExtendedFeatures).
 *
 * The module gets and sets any thread's context, the caller's own included,
 * but it does not load a running thread's own FPU state: a set of the
 * caller's own CONTEXT_FLOATING_POINT or CONTEXT_XSTATE is answered
 * NTEXEC_STATUS_SELF_FPU with nothing changed (after the handle's access
 * check). This thread then loads the state itself, with XRSTOR (as ntdll's
 * own context restore does in user mode), and asks the module again for the
 * rest in the same instruction sequence; if that call fails, the previous
 * state is loaded back, so that a failed call changes nothing.
 *
 * The extended context is laid out as Windows lays it out: CONTEXT_EX right
 * after the CONTEXT, the XState chunk (XSAVE_AREA_HEADER, then the features
 * in the standard XSAVE layout less the 512 legacy bytes) at the next
 * 64-byte boundary. XSTATE_AVX is the one extended feature served.
 */
#include <cpuid.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#include "internal.h"

/* The CONTEXT_FLOATING_POINT and CONTEXT_XSTATE bits without CONTEXT_AMD64. */
#define NTX_CONTEXT_FPU_BITS	((CONTEXT_FLOATING_POINT | CONTEXT_XSTATE) & ~CONTEXT_AMD64)
/* The ContextFlags bits that ask for nothing (informational). */
#define NTX_CONTEXT_INFO_BITS	(0x04000000 | CONTEXT_EXCEPTION_ACTIVE | CONTEXT_SERVICE_ACTIVE | \
				 CONTEXT_EXCEPTION_REQUEST | CONTEXT_EXCEPTION_REPORTING)
/* The AVX feature: 16 upper halves of YMM registers. */
#define NTX_AVX_SIZE		256
/* Room for the XSAVE images this file makes: legacy, header, AVX. */
#define NTX_XSAVE_MAX		1024
#define NTX_XSAVE_BV		512

/* This CPU's XSAVE facts: whether the OS uses XSAVE, and where AVX lives. */
struct ntx_xsave_info {
	int xsave;
	uint32_t avx_offset;	/* 0: AVX not in use */
};

static void ntx_xsave_info(struct ntx_xsave_info *x)
{
	unsigned int a, b, c, d;
	uint32_t lo, hi;

	x->xsave = 0;
	x->avx_offset = 0;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
		return;
	x->xsave = 1;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	if ((lo & 6) != 6 || !(c & bit_AVX))
		return;
	if (__get_cpuid_count(0xd, XSTATE_AVX, &a, &b, &c, &d) && a == NTX_AVX_SIZE &&
	    b >= NTX_XSAVE_BV + sizeof(XSAVE_AREA_HEADER) && b + NTX_AVX_SIZE <= NTX_XSAVE_MAX)
		x->avx_offset = b;
}

static ULONG64 ntx_enabled_features(void)
{
	struct ntx_xsave_info x;

	ntx_xsave_info(&x);
	return x.avx_offset ? XSTATE_MASK_AVX : 0;
}

static int ntx_wants(ULONG flags, ULONG part)
{
	return (flags & part) == part;
}

static int ntx_context_flags_valid(ULONG flags)
{
	flags &= ~NTX_CONTEXT_INFO_BITS;
	return (flags & CONTEXT_AMD64) && !(flags & ~(CONTEXT_ALL | CONTEXT_XSTATE));
}

/* ---- the extended context's layout -------------------------------------- */

static PXSAVE_AREA_HEADER ntx_xstate_header(PCONTEXT_EX ex)
{
	return (PXSAVE_AREA_HEADER)((char *)ex + ex->XState.Offset);
}

NTX_EXPORT ULONG64 NTAPI RtlGetEnabledExtendedFeatures(ULONG64 FeatureMask)
{
	return FeatureMask & (XSTATE_MASK_LEGACY | ntx_enabled_features());
}

NTX_EXPORT NTSTATUS NTAPI RtlGetExtendedContextLength(ULONG ContextFlags, PULONG ContextLength)
{
	ULONG length = 15 + sizeof(CONTEXT) + sizeof(CONTEXT_EX);

	if (!ntx_context_flags_valid(ContextFlags))
		return STATUS_INVALID_PARAMETER;
	if (ntx_wants(ContextFlags, CONTEXT_XSTATE))
		length += 63 + sizeof(XSAVE_AREA_HEADER) +
			  (ntx_enabled_features() ? NTX_AVX_SIZE : 0);
	*ContextLength = length;
	return STATUS_SUCCESS;
}

NTX_EXPORT NTSTATUS NTAPI RtlInitializeExtendedContext(PVOID Context, ULONG ContextFlags,
						       PCONTEXT_EX *ContextEx)
{
	PCONTEXT ctx = (PCONTEXT)(((uintptr_t)Context + 15) & ~(uintptr_t)15);
	PCONTEXT_EX ex = (PCONTEXT_EX)(ctx + 1);
	char *end = (char *)(ex + 1);

	if (!ntx_context_flags_valid(ContextFlags))
		return STATUS_INVALID_PARAMETER;
	ctx->ContextFlags = ContextFlags;
	ex->Legacy.Offset = -(LONG)sizeof(CONTEXT);
	ex->Legacy.Length = sizeof(CONTEXT);
	ex->XState.Offset = sizeof(CONTEXT_EX);
	ex->XState.Length = 0;
	if (ntx_wants(ContextFlags, CONTEXT_XSTATE)) {
		char *hdr = (char *)(((uintptr_t)end + 63) & ~(uintptr_t)63);

		ex->XState.Offset = (LONG)(hdr - (char *)ex);
		ex->XState.Length = sizeof(XSAVE_AREA_HEADER) +
				    (ntx_enabled_features() ? NTX_AVX_SIZE : 0);
		memset(hdr, 0, sizeof(XSAVE_AREA_HEADER));
		end = hdr + ex->XState.Length;
	}
	ex->All.Offset = -(LONG)sizeof(CONTEXT);
	ex->All.Length = (ULONG)(end - (char *)ctx);
	*ContextEx = ex;
	return STATUS_SUCCESS;
}

NTX_EXPORT PCONTEXT NTAPI RtlLocateLegacyContext(PCONTEXT_EX ContextEx, PULONG Length)
{
	if (Length)
		*Length = ContextEx->Legacy.Length;
	return (PCONTEXT)((char *)ContextEx + ContextEx->Legacy.Offset);
}

NTX_EXPORT PVOID NTAPI RtlLocateExtendedFeature(PCONTEXT_EX ContextEx, ULONG FeatureId,
						PULONG Length)
{
	if (FeatureId != XSTATE_AVX || !ntx_enabled_features())
		return NULL;
	if (Length)
		*Length = NTX_AVX_SIZE;
	if (ContextEx->XState.Length < sizeof(XSAVE_AREA_HEADER) + NTX_AVX_SIZE)
		return NULL;
	return (char *)ntx_xstate_header(ContextEx) + sizeof(XSAVE_AREA_HEADER);
}

NTX_EXPORT ULONG64 NTAPI RtlGetExtendedFeaturesMask(PCONTEXT_EX ContextEx)
{
	return ntx_xstate_header(ContextEx)->Mask & ~XSTATE_MASK_LEGACY;
}

NTX_EXPORT VOID NTAPI RtlSetExtendedFeaturesMask(PCONTEXT_EX ContextEx, ULONG64 FeatureMask)
{
	ntx_xstate_header(ContextEx)->Mask = RtlGetEnabledExtendedFeatures(FeatureMask) &
					     ~XSTATE_MASK_LEGACY;
}

/* ---- NtGetContextThread, NtSetContextThread ----------------------------- */

/* The module probes the CONTEXT (alignment, then access) as NT does. */
NTX_EXPORT NTSTATUS NTAPI NtGetContextThread(HANDLE ThreadHandle, PCONTEXT ThreadContext)
{
	struct ntexec_context args = {
		.thread = (uint64_t)(uintptr_t)ThreadHandle,
		.context = (uint64_t)(uintptr_t)ThreadContext,
	};

	return ntx_ioctl(NTEXEC_IOC_GET_CONTEXT, &args);
}

/*
 * Load @new (the features in @rfbm), issue the set of the rest, and load
 * @old back if it failed: one sequence, so that no compiled code runs (and
 * touches vector registers) between the load and the call. A set that
 * moves Rip does not come back here. Return: the ioctl's raw result.
 */
static long ntx_load_and_set(int fd, struct ntexec_context *args, uint64_t rfbm,
			     const unsigned char *new, const unsigned char *old)
{
	register long ret __asm__("r8");

	__asm__ volatile("mov %k[rfbm], %%eax\n\t"
			 "xor %%edx, %%edx\n\t"
			 "xrstor64 (%[new])\n\t"
			 "mov %[nr], %%eax\n\t"
			 "mov %[args], %%rdx\n\t"
			 "syscall\n\t"
			 "mov %%rax, %%r8\n\t"
			 "test %%rax, %%rax\n\t"
			 "jz 1f\n\t"
			 "mov %k[rfbm], %%eax\n\t"
			 "xor %%edx, %%edx\n\t"
			 "xrstor64 (%[old])\n"
			 "1:"
			 : "=&r"(ret)
			 : [rfbm] "r"(rfbm), [new] "r"(new), [old] "r"(old),
			   [nr] "i"(SYS_ioctl), [args] "r"(args), "D"((long)fd),
			   "S"((unsigned long)NTEXEC_IOC_SET_CONTEXT)
			 : "rax", "rcx", "rdx", "r11", "memory");
	return ret;
}

/*
 * The caller's own FPU part: the module has checked the handle (the
 * caller's own thread, THREAD_SET_CONTEXT) and the CONTEXT_EX.
 */
static NTSTATUS ntx_set_own_context(HANDLE thread, const CONTEXT *context)
{
	unsigned char old[NTX_XSAVE_MAX] __attribute__((aligned(64)));
	unsigned char new[NTX_XSAVE_MAX] __attribute__((aligned(64)));
	CONTEXT copy;
	struct ntexec_context args = {
		.thread = (uint64_t)(uintptr_t)thread,
		.context = (uint64_t)(uintptr_t)&copy,
	};
	ULONG flags = context->ContextFlags;
	struct ntx_xsave_info x;
	uint64_t rfbm = 0, *bv;
	int fd = ntx_fd();
	long ret;

	if (fd < 0)
		return ntx_errno_status(errno);
	ntx_xsave_info(&x);
	if (!x.xsave)
		return STATUS_NOT_SUPPORTED;
	if (ntx_wants(flags, CONTEXT_FLOATING_POINT))
		rfbm |= XSTATE_MASK_LEGACY;
	if (ntx_wants(flags, CONTEXT_XSTATE) && x.avx_offset)
		rfbm |= XSTATE_MASK_AVX;

	/* The state as it is, for the undo and for what the set leaves. */
	memset(old, 0, sizeof(old));
	__asm__ volatile("xsave64 %0" : "+m"(old) : "a"((uint32_t)rfbm), "d"(0));
	memcpy(new, old, sizeof(new));
	bv = (uint64_t *)(new + NTX_XSAVE_BV);
	if (rfbm & XSTATE_MASK_LEGACY) {
		const XMM_SAVE_AREA32 *cur = (const XMM_SAVE_AREA32 *)old;
		XMM_SAVE_AREA32 *fx = (XMM_SAVE_AREA32 *)new;
		ULONG mask = cur->MxCsr_Mask ? cur->MxCsr_Mask : 0xffbf;

		memcpy(fx, &context->FltSave, offsetof(XMM_SAVE_AREA32, Reserved4));
		fx->MxCsr = context->MxCsr & mask;
		fx->MxCsr_Mask = cur->MxCsr_Mask;
		*bv |= XSTATE_MASK_LEGACY;
	}
	if (rfbm & XSTATE_MASK_AVX) {
		PCONTEXT_EX ex = (PCONTEXT_EX)(context + 1);
		PXSAVE_AREA_HEADER hdr;

		if (ex->XState.Length < sizeof(*hdr))
			return STATUS_INVALID_PARAMETER;
		hdr = ntx_xstate_header(ex);
		if (hdr->Mask & XSTATE_MASK_AVX) {
			if (ex->XState.Length < sizeof(*hdr) + NTX_AVX_SIZE)
				return STATUS_INVALID_PARAMETER;
			memcpy(new + x.avx_offset, hdr + 1, NTX_AVX_SIZE);
			*bv |= XSTATE_MASK_AVX;
		} else {
			*bv &= ~XSTATE_MASK_AVX;
		}
	}

	/*
	 * The rest, without the FPU parts. A set that leaves Rip returns the
	 * new Rax as the call's value: the module gets 0 for it, so that
	 * success is told from failure, and the value is returned here.
	 */
	memcpy(&copy, context, sizeof(copy));
	copy.ContextFlags &= ~NTX_CONTEXT_FPU_BITS;
	if (!ntx_wants(flags, CONTEXT_CONTROL))
		copy.Rax = 0;
	ret = ntx_load_and_set(fd, &args, rfbm, new, old);
	if (ret < 0 && ret > -4096)
		return ntx_errno_status((int)-ret);
	if (ret)
		return (NTSTATUS)ret;
	return ntx_wants(flags, CONTEXT_INTEGER) ? (NTSTATUS)context->Rax : STATUS_SUCCESS;
}

/* The module probes the CONTEXT (alignment, then access) as NT does. */
NTX_EXPORT NTSTATUS NTAPI NtSetContextThread(HANDLE ThreadHandle, PCONTEXT ThreadContext)
{
	struct ntexec_context args = {
		.thread = (uint64_t)(uintptr_t)ThreadHandle,
		.context = (uint64_t)(uintptr_t)ThreadContext,
	};
	NTSTATUS status;

	status = ntx_ioctl(NTEXEC_IOC_SET_CONTEXT, &args);
	if (status != (NTSTATUS)NTEXEC_STATUS_SELF_FPU)
		return status;
	return ntx_set_own_context(ThreadHandle, ThreadContext);
}
