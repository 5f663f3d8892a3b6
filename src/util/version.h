/* SPDX-License-Identifier: GPL-2.0-only */
/* The version every record, report and `imaguard version` names. */
#ifndef IMAGUARD_UTIL_VERSION_H
#define IMAGUARD_UTIL_VERSION_H

#define IMAGUARD_VERSION "0.1.0"

#endif
