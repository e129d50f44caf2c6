#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# docs/ARCHITECTURE.md's table of user/ files is the dependency order: each
# file includes only the headers of files in its own row or in rows above
# it (bpf/'s shared ABI aside), and every user/ file is in the table. So the
# table stays true, and nothing reaches up a layer without the table saying so.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$ROOT" || exit 1

# "name row" for every file the table names, rows counted from the top.
rows=$(awk -F'|' '
	/^\| layer \| file \| job \|/ { table = 1; next }
	table && !/^\|/ { exit }
	table && /^\| ---/ { next }
	table {
		row++
		n = split($3, parts, "`")
		for (i = 2; i <= n; i += 2) {
			name = parts[i]
			sub(/\.[ch]$/, "", name)
			print name, row
		}
	}' docs/ARCHITECTURE.md)

if [ "$(wc -l <<<"$rows")" -lt 40 ]; then
	echo "not ok - docs/ARCHITECTURE.md's layer table is read ($(wc -l <<<"$rows") files found)"
	exit 0
fi

row_of() { awk -v n="$1" '$1 == n { print $2; exit }' <<<"$rows"; }

unlisted=() up=()
for f in user/*.c user/*.h; do
	name=$(basename "$f")
	name=${name%.*}
	row=$(row_of "$name")
	if [ -z "$row" ]; then
		unlisted+=("$f")
		continue
	fi
	for inc in $(sed -n 's/^#include "\([a-z_]*\)\.h".*/\1/p' "$f"); do
		[ "$inc" = "$name" ] && continue
		[ -e "bpf/$inc.h" ] && [ ! -e "user/$inc.h" ] && continue
		inc_row=$(row_of "$inc")
		if [ -z "$inc_row" ]; then
			unlisted+=("$inc.h (included by $f)")
		elif [ "$inc_row" -gt "$row" ]; then
			up+=("$f includes $inc.h, a row below it in the table")
		fi
	done
done

if [ ${#unlisted[@]} -eq 0 ]; then
	echo "ok - every user/ file is in docs/ARCHITECTURE.md's layer table"
else
	echo "not ok - every user/ file is in docs/ARCHITECTURE.md's layer table"
	printf '# not in it: %s\n' "${unlisted[@]}"
fi
if [ ${#up[@]} -eq 0 ]; then
	echo "ok - no user/ file includes a file the layer table puts below it"
else
	echo "not ok - no user/ file includes a file the layer table puts below it"
	printf '# %s\n' "${up[@]}"
fi
