// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libntexec: NtxStatusName, from a table generated out of <ntexec/nt.h>
 * at build time (build/userlib/status_names.h).
 */
#include <stdio.h>

#include "internal.h"

static const struct {
	NTSTATUS status;
	const char *name;
} ntx_status_names[] = {
	/* Aliases (STATUS_WAIT_0 == STATUS_SUCCESS) resolve to the first name. */
	{ STATUS_SUCCESS, "STATUS_SUCCESS" },
#include "status_names.h"
};

NTX_EXPORT const char *NtxStatusName(NTSTATUS Status)
{
	static __thread char unknown[24];
	size_t i;

	for (i = 0; i < sizeof(ntx_status_names) / sizeof(ntx_status_names[0]); i++)
		if (ntx_status_names[i].status == Status)
			return ntx_status_names[i].name;
	snprintf(unknown, sizeof(unknown), "0x%08X", (unsigned int)Status);
	return unknown;
}
