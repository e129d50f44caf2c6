/* SPDX-License-Identifier: GPL-2.0-only */
/* What this binary is: its version, the commit it was built from, and when. */
#ifndef PW_VERSION_H
#define PW_VERSION_H

/* "0.1.0". */
const char *pw_version(void);
/* The commit, 12 hex digits, "-dirty" when the tree had changes; "unknown" outside git. */
const char *pw_commit(void);
/* The commit's date (or SOURCE_DATE_EPOCH), RFC 3339 UTC: the same source builds the same. */
const char *pw_build_date(void);

#endif /* PW_VERSION_H */
