// SPDX-License-Identifier: GPL-2.0
/* The one definition of ntexec's tracepoints (ntob/trace.h). */
#define CREATE_TRACE_POINTS
#include "trace.h"
