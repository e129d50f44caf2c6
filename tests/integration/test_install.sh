#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# What make install and deploy/ ship: installed where PREFIX and DESTDIR say
# and removed again by make uninstall; a man page that renders clean and
# names every option the binary takes; bash completion that completes
# commands, options (from the binary's own --help) and their values; a
# systemd unit that systemd-analyze accepts; Kubernetes manifests whose
# capabilities are the unit's, with the journal on the host and an example
# pod that is Guaranteed and opted in.
. "$(dirname "$0")/../lib.sh"
require_basics
PY=/usr/bin/python3
for tool in groff man systemd-analyze "$PY"; do
	command -v "$tool" >/dev/null ||
		{ not_ok "install: $tool is installed (scripts/install-deps.sh --with-tests)"; exit 1; }
done

DEST="$WORK/root"
make -s -C "$ROOT" install DESTDIR="$DEST" PREFIX=/usr >"$WORK/install.out" 2>&1
rc=$?
check "make install DESTDIR PREFIX=/usr succeeds" test "$rc" = 0
for f in usr/sbin/pinwatch usr/share/man/man8/pinwatch.8 \
	usr/share/bash-completion/completions/pinwatch usr/lib/systemd/system/pinwatch-agent.service; do
	check "installed: /$f" test -s "$DEST/$f"
done
check "the installed binary runs" eval '"$DEST/usr/sbin/pinwatch" version | grep -q .'
check "the binary is executable, the rest is not" \
	test "$(stat -c %a "$DEST/usr/sbin/pinwatch" "$DEST/usr/share/man/man8/pinwatch.8")" = "755
644"

# The man page: renders without a groff warning, and every option of every
# command's --help is in it (the two cannot drift apart).
MAN="$DEST/usr/share/man/man8/pinwatch.8"
check "man page renders without warnings (groff -ww, man --warnings)" \
	eval '[ -z "$(groff -man -ww -z "$MAN" 2>&1)$(MANWIDTH=80 man --warnings -l "$MAN" 2>&1 >/dev/null)" ]'
options_of() {
	"$PW" "$1" --help | grep -oE -- '(^|[ ,])--[a-z][a-z-]*' | tr -d ' ,' | sort -u
}
missing=""
for cmd in trace ps agent restore noise; do
	for opt in $(options_of $cmd); do
		grep -q -- "${opt//-/\\\\-}" "$MAN" || missing="$missing $cmd $opt,"
	done
done
check "man page documents every option of every command${missing:+ (missing:$missing)}" test -z "$missing"

# Bash completion, as bash calls it.
complete_line() {
	bash -c '
		. "$1"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_pinwatch
		printf "%s\n" "${COMPREPLY[@]}"
	' _ "$DEST/usr/share/bash-completion/completions/pinwatch" "$@" | sort | tr '\n' ' '
}
export PATH="$DEST/usr/sbin:$PATH"
check "completion: commands" test "$(complete_line pinwatch a)" = "agent "
check "completion: an agent option" test "$(complete_line pinwatch agent --ho)" = "--hold "
check "completion: its values" test "$(complete_line pinwatch agent --hold a)" = "always auto "
check "completion: the last element of a --type list" \
	test "$(complete_line pinwatch trace --type exec,cp)" = "exec,cpuset_write "
# The event types completed are those the binary knows (its --type error lists them).
types_known=$("$DEST/usr/sbin/pinwatch" trace --type bogus 2>&1 | sed -n 's/.*expected one of //p' |
	tr -d ',' | tr ' ' '\n' | sort | tr '\n' ' ')
check "completion: --type offers every event type the binary knows ($types_known)" \
	test "$(complete_line pinwatch trace --type "")" = "$types_known"
missing=""
for cmd in trace ps agent restore noise; do
	got=" $(complete_line pinwatch "$cmd" --)"
	for opt in $(options_of $cmd); do
		[[ $got == *" $opt "* ]] || missing="$missing $cmd $opt,"
	done
done
check "completion: every option of every command${missing:+ (missing:$missing)}" test -z "$missing"

# The unit, as systemd reads it (its binary where the unit says).
UNIT="$DEST/usr/lib/systemd/system/pinwatch-agent.service"
check "unit: runs the installed binary's agent" grep -qx 'ExecStart=/usr/sbin/pinwatch agent' "$UNIT"
sed "s|^ExecStart=/usr/sbin/|ExecStart=$DEST/usr/sbin/|" "$UNIT" >"$WORK/pinwatch-agent.service"
out=$(systemd-analyze verify --man=no --recursive-errors=no "$WORK/pinwatch-agent.service" 2>&1)
check "unit: systemd-analyze verify accepts it${out:+ ($out)}" test -z "$out"
check "unit: restarts on failure, keeps its journal directory across restarts" \
	eval 'grep -qx Restart=on-failure "$UNIT" && grep -qx RuntimeDirectory=pinwatch "$UNIT" &&
		grep -qx RuntimeDirectoryPreserve=yes "$UNIT"'
unit_caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" | tr ' ' '\n' | sed 's/^CAP_//' | sort | tr '\n' ' ')

# The Kubernetes manifests.
"$PY" - "$ROOT/deploy/kubernetes/pinwatch-agent.yaml" "$ROOT/deploy/kubernetes/example-pod.yaml" \
	>"$WORK/k8s.out" 2>&1 <<'EOF'
import sys, yaml
ds = yaml.safe_load(open(sys.argv[1]))
pod = yaml.safe_load(open(sys.argv[2]))
spec = ds["spec"]["template"]["spec"]
c = spec["containers"][0]
mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
vols = {v["name"]: v["hostPath"]["path"] for v in spec["volumes"]}
print("kind", ds["kind"])
print("hostPID", spec.get("hostPID"))
print("privileged", c["securityContext"].get("privileged"))
print("caps", " ".join(sorted(c["securityContext"]["capabilities"]["add"])) + " ")
print("drop", " ".join(c["securityContext"]["capabilities"]["drop"]))
print("journal", vols[mounts["/run/pinwatch"]["name"]])
print("cgroup", vols[mounts["/sys/fs/cgroup"]["name"]], mounts["/sys/fs/cgroup"].get("readOnly", False))
print("scrape", "prometheus.io/scrape" in (ds["spec"]["template"]["metadata"].get("annotations") or {}),
      " ".join(c["args"]))
res = pod["spec"]["containers"][0]["resources"]
print("guaranteed", res["requests"] == res["limits"] and float(res["limits"]["cpu"]).is_integer())
print("opt-in", pod["metadata"]["annotations"]["cpu-load-balancing.crio.io"])
EOF
check "manifests parse" test $? = 0
k8s() { sed -n "s/^$1 //p" "$WORK/k8s.out"; }
check "DaemonSet: host PID namespace, not privileged, every capability dropped but its own" \
	test "$(k8s kind) $(k8s hostPID) $(k8s privileged) $(k8s drop)" = "DaemonSet True False ALL"
check "DaemonSet: the unit's capabilities, no more ($(k8s caps))" test "$(k8s caps)" = "$unit_caps"
check "DaemonSet: the journal on the host, the cgroup tree writable" \
	test "$(k8s journal) $(k8s cgroup)" = "/run/pinwatch /sys/fs/cgroup False"
check "DaemonSet: metrics on the pod's loopback only, no scrape annotation for a port no one else reaches" \
	test "$(k8s scrape)" = "False agent --metrics 127.0.0.1:9477"
check "example pod: Guaranteed with whole CPUs, opted in" \
	test "$(k8s guaranteed) $(k8s opt-in)" = "True disable"

make -s -C "$ROOT" uninstall DESTDIR="$DEST" PREFIX=/usr >/dev/null
check "make uninstall leaves no file behind" test -z "$(find "$DEST" -type f)"
