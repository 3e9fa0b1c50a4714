/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The labels of the host stub's code (ntps/stub_code.S): its offsets in the
 * page the stub maps.
 */
#ifndef _NTEXEC_PS_STUB_H
#define _NTEXEC_PS_STUB_H

#include <linux/errno.h>
#include <linux/types.h>

extern const u8 ps_stub_code[], ps_stub_exit[], ps_stub_clone[];
extern const u8 ps_stub_cloned[], ps_stub_return[], ps_stub_exited[];
extern const u8 ps_stub_code_end[];

/* ax of a thread inside a system call that has no result yet (x86 entry). */
#define PS_SYSCALL_RUNNING	((unsigned long)-ENOSYS)

#endif /* _NTEXEC_PS_STUB_H */
