#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The command line: bad input gets one clear line and a non-zero exit, never
# libbpf's wall of text; filters, --duration, signals and the table output.
. "$(dirname "$0")/../lib.sh"

# run_pw NAME WANT_RC PATTERN ARGS...: exit code WANT_RC, and stderr is one
# line matching PATTERN with no libbpf text in it.
run_pw() {
	local name=$1 want_rc=$2 pattern=$3 rc
	shift 3
	"$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	if [ "$rc" -ne "$want_rc" ]; then
		not_ok "$name" "exit code $rc, want $want_rc; stderr: $(cat "$WORK/err")"
	elif [ "$(wc -l <"$WORK/err")" -ne 1 ] || ! grep -q -- "$pattern" "$WORK/err"; then
		not_ok "$name" "stderr is not one line matching '$pattern': $(cat "$WORK/err")"
	elif grep -q 'libbpf:' "$WORK/err"; then
		not_ok "$name" "libbpf text leaked: $(cat "$WORK/err")"
	else
		ok "$name"
	fi
}

run_pw "unknown flag is named" 2 "unknown option '--bogus'" "$PW" trace --bogus
run_pw "missing value is named" 2 "option '--duration' needs a value" "$PW" trace --duration
run_pw "--duration 0 names the valid range" 2 "'0' is out of range: expected 1 to" "$PW" trace --duration 0
run_pw "--duration abc is rejected" 2 "invalid --duration 'abc'" "$PW" trace --duration abc
run_pw "--nice 20 names the valid range" 2 "'20' is out of range: expected 0 to 19" "$PW" trace --nice 20
run_pw "--nice -1 is rejected" 2 "invalid --nice '-1'" "$PW" trace --nice -1
run_pw "unknown event type is named" 2 "unknown event type 'exec2'" "$PW" trace --type exec,exec2
run_pw "--runtime with a slash is rejected" 2 "invalid --runtime 'a/b'" "$PW" trace --runtime a/b
run_pw "--runtime too long is rejected" 2 "invalid --runtime" "$PW" trace --runtime "$(printf 'r%.0s' $(seq 40))"
run_pw "unknown command is named" 2 "unknown command 'frobnicate'" "$PW" frobnicate
run_pw "stray argument is named" 2 "unexpected argument 'extra'" "$PW" trace extra
run_pw "ps: malformed --reserved names the input and why" 2 \
	"invalid --reserved '7-3': range ends before it starts" "$PW" ps --reserved 7-3
run_pw "ps: unknown flag is named" 2 "unknown option '--bogus'" "$PW" ps --bogus
run_pw "agent: unknown backend is named" 2 "invalid --backend 'v3'" "$PW" agent --backend v3
run_pw "agent: malformed --reserved is named" 2 "invalid --reserved '1-x'" "$PW" agent --reserved 1-x
printf '# settings\nreserved = 0\n\nhold = sometimes\n' >"$WORK/agent.conf"
run_pw "agent: a bad config line is named by file and line, and the agent does not start" 2 \
	"$WORK/agent.conf line 4: invalid --hold 'sometimes'" "$PW" agent --config "$WORK/agent.conf"
printf 'reserved = 0\nselect-everything\n' >"$WORK/agent.conf"
run_pw "agent: an unknown config setting is named" 2 \
	"$WORK/agent.conf line 2: unknown setting 'select-everything'" "$PW" agent --config "$WORK/agent.conf"
run_pw "agent: a missing --config file is refused" 2 "config file '$WORK/nope.conf' does not exist" \
	"$PW" agent --config "$WORK/nope.conf"
chmod 0666 "$WORK/agent.conf"
run_pw "agent: a config file others can write is refused" 2 "cannot use config file" \
	"$PW" agent --config "$WORK/agent.conf"
run_pw "restore: stray argument is named" 2 "unexpected argument 'now'" "$PW" restore now
run_pw "not root: one line, what to do" 1 "must run as root" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$PW" trace
run_pw "no BTF: names the path" 1 "no kernel BTF at '/nonexistent/btf'" "$PW" trace --btf /nonexistent/btf
run_pw "BTF that is not BTF: one line" 1 "pinwatch: " "$PW" trace --btf /etc/hostname --duration 1

"$PW" trace --btf /etc/hostname --duration 1 --verbose >/dev/null 2>"$WORK/err"
check "--verbose shows libbpf's messages" grep -q '^libbpf: ' "$WORK/err"

"$PW" trace --help >"$WORK/out" 2>&1
check "--help prints usage and examples" grep -q 'Examples:' "$WORK/out"
"$PW" version >"$WORK/out"
commit=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
check "version prints the version, the commit it was built from and when" \
	grep -Eq "^pinwatch [0-9][0-9.]* \(commit $commit(-dirty)?, built [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\)$" "$WORK/out"
"$PW" version --bogus >/dev/null 2>"$WORK/err"
rc=$?
check "version --bogus is a usage error naming it" \
	eval '[ $rc = 2 ] && grep -q "version takes no argument, got .--bogus." "$WORK/err"'

# --duration ends the trace by itself and prints the counters.
start=$(date +%s)
timeout 20 "$PW" trace --duration 1 >/dev/null 2>"$WORK/err"
rc=$?
check "--duration 1 exits 0 by itself (rc $rc)" test "$rc" -eq 0 -a $(($(date +%s) - start)) -le 10
check "counters are printed at the end" grep -q 'events seen [0-9]*, emitted [0-9]*, dropped [0-9]*' "$WORK/err"

# SIGTERM ends it cleanly too.
start_trace || exit 1
kill -TERM "$TRACE_PID"
wait "$TRACE_PID"
rc=$?
TRACE_PID=""
check "SIGTERM: exit 0 (rc $rc)" test "$rc" -eq 0
check "SIGTERM: counters printed" grep -q 'events seen' "$TRACE_ERR"

# Filters, on live events.
V2=$(v2_mount)
on_exit "rm_cgroup_tree '$V2/$TEST_ID'"
start_trace --cgroup "/$TEST_ID/keep" --type cgroup_mkdir || exit 1
mkdir -p "$V2/$TEST_ID/keep" "$V2/$TEST_ID/drop"
rmdir "$V2/$TEST_ID/keep" "$V2/$TEST_ID/drop"
stop_trace
expect "--cgroup keeps matching paths" ".path == \"/$TEST_ID/keep\" and .type == \"cgroup_mkdir\""
expect_none "--cgroup drops other paths" ".path == \"/$TEST_ID/drop\""
expect_none "--type drops other types" ".type != \"cgroup_mkdir\""

start_trace --comm mkdir || exit 1
mkdir "$V2/$TEST_ID/c1"
busybox rmdir "$V2/$TEST_ID/c1"
stop_trace
expect "--comm keeps its comm" ".path == \"/$TEST_ID/c1\" and .comm == \"mkdir\""
expect_none "--comm drops other comms" ".comm != \"mkdir\""

# The table for people: header, then one row per event.
: >"$WORK/err"
"$PW" trace --type cgroup_mkdir >"$WORK/table" 2>"$WORK/err" &
pid=$!
for _ in $(seq 100); do grep -q tracing "$WORK/err" && break; sleep 0.05; done
mkdir "$V2/$TEST_ID/tbl"
rmdir "$V2/$TEST_ID/tbl"
kill -INT $pid
wait $pid
check "table has the header" grep -q '^TIME  *EVENT  *PID COMM  *CONTAINER  *RUNTIME  *POD/CGROUP  *DETAIL$' "$WORK/table"
check "table has the mkdir row" grep -qE "^[0-9:.]{12} mkdir +[0-9]+ mkdir +- +- +/$TEST_ID/tbl +cgroup2 id=[0-9]+$" "$WORK/table"
