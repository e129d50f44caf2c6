# SPDX-License-Identifier: GPL-2.0-only
# Shared by the benchmark sections: statistics over repeated runs, and the
# cgroup mount to work in. Every section restores what it changes.

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PW=${PW:-$ROOT/build/pinwatch}

# median / minimum / maximum of the numbers on stdin.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
minimum() { sort -g | head -n 1; }
maximum() { sort -g | tail -n 1; }
# "median (min-max)" of the numbers given as arguments.
stats() {
	local nums
	nums=$(printf '%s\n' "$@")
	echo "$(median <<<"$nums") ($(minimum <<<"$nums")-$(maximum <<<"$nums"))"
}

# The mount that carries cpusets: v1 cpuset where there is one, else cgroup2.
cpuset_mount() {
	awk '$3 == "cgroup" && $4 ~ /(^|,)cpuset(,|$)/ { print $2; exit }' /proc/mounts |
		grep . || awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts
}

# Remove a cgroup tree, deepest first.
rm_cgroups() {
	[ -d "$1" ] && find "$1" -depth -type d -exec rmdir {} + 2>/dev/null
	true
}

# CPU time (user + system) of a process so far, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
