#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# cgroup:cgroup_mkdir / cgroup_rmdir: nested cgroups in the cpuset-bearing
# hierarchies (v1 cpuset and cgroup2), the hierarchy filter, hostile names.
. "$(dirname "$0")/../lib.sh"

V1=$(v1_cpuset_mount)
V2=$(v2_mount)
on_exit "rm_cgroup_tree '$V2/$TEST_ID'"
[ -n "$V1" ] && on_exit "rm_cgroup_tree '$V1/$TEST_ID'"

start_trace || exit 1
# Nested: $TEST_ID/a/b, made and removed in both hierarchies.
for h in $V1 $V2; do
	mkdir -p "$h/$TEST_ID/a/b"
	rmdir "$h/$TEST_ID/a/b" "$h/$TEST_ID/a"
done
# A task that enters a cgroup and exits: populated, then unpopulated.
mkdir "$V2/$TEST_ID/p"
sh -c "echo \$\$ > '$V2/$TEST_ID/p/cgroup.procs'; sleep 0.1"
sleep 0.2
rmdir "$V2/$TEST_ID/p"
stop_trace
expect "populated when a task enters" ".type == \"cgroup_populated\" and .path == \"/$TEST_ID/p\" and .populated == true"
expect "unpopulated when its last task exits" ".type == \"cgroup_populated\" and .path == \"/$TEST_ID/p\" and .populated == false"

for h in ${V1:+v1} v2; do
	if [ "$h" = v1 ]; then hid='.hierarchy != 0'; else hid='.hierarchy == 0'; fi
	expect "$h mkdir of /$TEST_ID (level 1)" \
		".type == \"cgroup_mkdir\" and $hid and .path == \"/$TEST_ID\" and .level == 1 and .cgroup_id > 0"
	expect "$h mkdir of nested /$TEST_ID/a/b (level 3)" \
		".type == \"cgroup_mkdir\" and $hid and .path == \"/$TEST_ID/a/b\" and .level == 3"
	expect "$h rmdir of nested /$TEST_ID/a/b" \
		".type == \"cgroup_rmdir\" and $hid and .path == \"/$TEST_ID/a/b\""
	expect "$h mkdir comes from the mkdir command" \
		".type == \"cgroup_mkdir\" and $hid and .path == \"/$TEST_ID/a\" and .comm == \"mkdir\" and .pid > 0 and .tid > 0"
done
if [ -n "$V1" ]; then
	expect "v1 events name the cpuset hierarchy" \
		".type == \"cgroup_mkdir\" and .path == \"/$TEST_ID\" and (.hierarchy_name | test(\"cpuset\"))"
	# The same cgroup id comes back in the rmdir of the same directory.
	mk=$(jq -r "select(.type == \"cgroup_mkdir\" and .hierarchy != 0 and .path == \"/$TEST_ID/a\") | .cgroup_id" "$TRACE_OUT")
	rm=$(jq -r "select(.type == \"cgroup_rmdir\" and .hierarchy != 0 and .path == \"/$TEST_ID/a\") | .cgroup_id" "$TRACE_OUT")
	check "v1 mkdir and rmdir carry the same cgroup id" test -n "$mk" -a "$mk" = "$rm"
fi

# Hierarchies without cpuset are filtered in the kernel unless --all-hierarchies.
OTHER=$(awk '$3 == "cgroup" && $4 !~ /cpuset/ && $4 ~ /(memory|pids|devices)/ { print $2; exit }' /proc/mounts)
if [ -n "$OTHER" ]; then
	on_exit "rmdir '$OTHER/$TEST_ID-other'"
	start_trace || exit 1
	mkdir "$OTHER/$TEST_ID-other" && rmdir "$OTHER/$TEST_ID-other"
	stop_trace
	expect_none "default trace hides hierarchies without cpuset ($OTHER)" \
		".path == \"/$TEST_ID-other\""
	start_trace --all-hierarchies || exit 1
	mkdir "$OTHER/$TEST_ID-other" && rmdir "$OTHER/$TEST_ID-other"
	stop_trace
	expect "--all-hierarchies shows $OTHER" \
		".type == \"cgroup_mkdir\" and .path == \"/$TEST_ID-other\" and .hierarchy != 0"
fi

# Hostile names: quotes, backslash, tab and carriage return, escape sequences,
# 255 bytes, invalid UTF-8. (The kernel refuses '\n' in cgroup names.)
long=$(printf 'L%.0s' $(seq 255))
names=("q\"uo\\te" $'tab\tcr\r' $'esc\e[31m' "$long" $'bad\xff\xfeutf8')
want=("q\"uo\\te" $'tab\tcr\r' $'esc\e[31m' "$long" $'bad\xef\xbf\xbd\xef\xbf\xbdutf8')
start_trace || exit 1
for n in "${names[@]}"; do
	mkdir "$V2/$TEST_ID-h" && mkdir "$V2/$TEST_ID-h/$n"
	rmdir "$V2/$TEST_ID-h/$n" "$V2/$TEST_ID-h"
done
on_exit "rm_cgroup_tree '$V2/$TEST_ID-h'"
stop_trace
for i in "${!names[@]}"; do
	w=$(jq -Rn --arg p "/$TEST_ID-h/${want[$i]}" '$p')
	expect "hostile name #$i comes back exactly in JSON" \
		".type == \"cgroup_mkdir\" and .path == $w"
done
check "every JSON line parses" json_lines_valid "$TRACE_OUT"
check "no raw control byte reaches the JSON output" \
	bash -c "! LC_ALL=C grep -q \$'[\\x01-\\x09\\x0b-\\x1f]' '$TRACE_OUT'"

# Paths the kernel side cannot carry whole keep their end (the container's own
# name), never their start, in mkdir and cpuset write events alike.
use_cpuset_hierarchy
n200=$(printf 'n%.0s' $(seq 200))
deep="/$TEST_ID-long/a$n200/b$n200/c$n200"
deep16="/$TEST_ID-deep$(printf '/d%s' $(seq 18))"
on_exit "rm_cgroup_tree '$H/$TEST_ID-long'"
on_exit "rm_cgroup_tree '$H/$TEST_ID-deep'"
start_trace || exit 1
mkdir -p "$H$deep" "$H$deep16"
# v1 (the root has cpuset files): each level needs its parent's CPUs and memory nodes.
[ -f "$H/cpuset.mems" ] && for d in "$TEST_ID-long" "$TEST_ID-long/a$n200" "$TEST_ID-long/a$n200/b$n200"; do
	cat "$H/cpuset.mems" >"$H/$d/cpuset.mems"
	cat "$H/cpuset.cpus" >"$H/$d/cpuset.cpus"
done
[ -f "$H$deep/cpuset.mems" ] && [ -z "$(cat "$H$deep/cpuset.mems")" ] && cat "$H/cpuset.mems" >"$H$deep/cpuset.mems"
enable_cpuset_below "$H/$TEST_ID-long" && enable_cpuset_below "$H/$TEST_ID-long/a$n200" &&
	enable_cpuset_below "$H/$TEST_ID-long/a$n200/b$n200"
"$HELPERS/cpuset_write" write "$H$deep/cpuset.cpus" "0" >/dev/null
stop_trace
rm_cgroup_tree "$H/$TEST_ID-long"
rm_cgroup_tree "$H/$TEST_ID-deep"
expect "a path over 511 bytes keeps its deepest levels in mkdir events" \
	".type == \"cgroup_mkdir\" and .path_truncated and (.path | endswith(\"/b$n200/c$n200\")) and (.path | length) <= 511"
expect "a path over 511 bytes keeps its deepest levels in cpuset writes" \
	".type == \"cpuset_write\" and .path_truncated and (.path | endswith(\"/c$n200\"))"
expect "a path over 16 levels keeps the deepest 16" \
	".type == \"cgroup_mkdir\" and .level == 19 and .path_truncated and .path == \"$(printf '/d%s' $(seq 3 18))\""

# A reader that falls behind loses events (the kernel side never waits for
# it), and its stream says so: "lost" records, in order, whose counts add up
# to the closing counters' drops.
on_exit "rm_cgroup_tree '$H/$TEST_ID-storm'"
mkdir "$H/$TEST_ID-storm"
start_trace --type cgroup_mkdir,cgroup_rmdir || exit 1
kill -STOP "$TRACE_PID"
# 80,000 records of ~130 bytes (cut after their paths): more than the 4 MiB ring buffer holds.
"$HELPERS/cgroup_churn" "$H/$TEST_ID-storm" 40000 >/dev/null
kill -CONT "$TRACE_PID"
sleep 1
stop_trace
dropped=$(jq -s 'map(select(.type == "counters"))[0].dropped' "$TRACE_OUT")
said=$(jq -s 'map(select(.type == "lost") | .count) | add' "$TRACE_OUT")
check "slow reader: events were lost ($dropped)" test "$dropped" -gt 0
check "slow reader: the stream says so, and the lost records add up ($said of $dropped)" test "$said" = "$dropped"
check "slow reader: seen = emitted + dropped" \
	test "$(jq -s 'map(select(.type == "counters"))[0] | .seen == .emitted + .dropped' "$TRACE_OUT")" = true
check "slow reader: the counters record is the last line" \
	test "$(tail -n 1 "$TRACE_OUT" | jq '.type == "counters"')" = true
