#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""An OCI runtime config for one container of a DaemonSet, made the way
kubelet and containerd's CRI plugin make it from the pod spec, for runc to
run on this machine (tests/integration/test_deploy_daemonset.sh).

From the manifest: the container's args (after the image's ENTRYPOINT, in
place of its CMD), runAsUser, the capabilities (drop ALL, then add), no new
privileges (allowPrivilegeEscalation: false), the read-only root, the seccomp
profile (only Unconfined is supported here: anything else is an error, so
the test cannot pass with a profile it did not apply), hostPID, and every
volumeMount with its hostPath, readOnly and mountPropagation. From
containerd: its default mounts and, for a container that is not privileged,
its masked and read-only paths, a read-only /sys, and a network namespace
of the pod's own. What the pod spec says and this does not know fails.

Usage: oci_from_podspec.py MANIFEST CONTAINER IMAGE_CONFIG ROOTFS CGROUPS_PATH OUT [NETNS]
  IMAGE_CONFIG: {"entrypoint": [...], "cmd": [...]} of the image.
  NETNS: the pod sandbox's network namespace (a path), as kubelet's pause
  container holds it; without it, a new one.
"""
import json
import sys

import yaml

# containerd 1.6 pkg/oci defaults and its CRI plugin's for a container that
# is not privileged (WithMounts, WithDefaultUnixDevices, masked paths).
DEFAULT_MOUNTS = [
    {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
]
MASKED_PATHS = ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"]
READONLY_PATHS = ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
PROPAGATION = {None: "rprivate", "None": "rprivate", "HostToContainer": "rslave", "Bidirectional": "rshared"}
KNOWN_SECURITY = {"runAsUser", "privileged", "allowPrivilegeEscalation", "readOnlyRootFilesystem",
                  "capabilities", "seccompProfile"}


def quantity(q):
    """Bytes of a Kubernetes memory quantity ("64Mi", "1G", "1048576")."""
    units = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "K": 10**3, "M": 10**6, "G": 10**9}
    for suffix, mult in units.items():
        if str(q).endswith(suffix):
            return int(str(q)[: -len(suffix)]) * mult
    return int(q)


def fail(msg):
    sys.exit(f"oci_from_podspec: {msg}")


def main(manifest, name, image_config, rootfs, cgroups_path, out, netns=None):
    doc = yaml.safe_load(open(manifest))
    pod = doc["spec"]["template"]["spec"]
    image = json.load(open(image_config))
    matches = [c for c in pod["containers"] if c["name"] == name]
    if len(matches) != 1:
        fail(f"no container {name!r} in {manifest}")
    c = matches[0]
    sc = c.get("securityContext", {})
    unknown = set(sc) - KNOWN_SECURITY
    if unknown:
        fail(f"securityContext fields this generator does not apply: {sorted(unknown)}")
    if sc.get("privileged"):
        fail("a privileged container is not what the manifest should ship")
    if sc.get("seccompProfile", {}).get("type") != "Unconfined":
        fail("only seccompProfile Unconfined is reproduced here")
    caps = sc.get("capabilities", {})
    if caps.get("drop") != ["ALL"]:
        fail("capabilities: expected drop: [ALL]")
    cap_list = ["CAP_" + cap for cap in caps.get("add", [])]

    args = image.get("entrypoint", []) + (c.get("args") or image.get("cmd", []))
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    mounts = list(DEFAULT_MOUNTS)
    for m in c.get("volumeMounts", []):
        v = volumes.get(m["name"])
        if not v or "hostPath" not in v:
            fail(f"volumeMount {m['name']!r}: only hostPath volumes are reproduced")
        prop = PROPAGATION.get(m.get("mountPropagation"))
        if prop is None:
            fail(f"volumeMount {m['name']!r}: unknown mountPropagation")
        # A mount over a default one replaces it, as in containerd.
        mounts = [x for x in mounts if x["destination"] != m["mountPath"]]
        mounts.append({
            "destination": m["mountPath"], "type": "bind", "source": v["hostPath"]["path"],
            "options": ["rbind", prop, "ro" if m.get("readOnly") else "rw"],
        })

    resources = {"devices": [{"allow": False, "access": "rwm"}]}
    limit = c.get("resources", {}).get("limits", {}).get("memory")
    if limit:
        resources["memory"] = {"limit": quantity(limit)}
    namespaces = [{"type": t} for t in ("ipc", "uts", "mount")]
    if pod.get("hostNetwork"):
        pass
    elif netns:
        namespaces.append({"type": "network", "path": netns})
    else:
        namespaces.append({"type": "network"})
    if not pod.get("hostPID"):
        namespaces.append({"type": "pid"})
    config = {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": sc.get("runAsUser", 0), "gid": 0},
            "args": args,
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "cwd": "/",
            "capabilities": {k: cap_list for k in ("bounding", "effective", "permitted")},
            "noNewPrivileges": sc.get("allowPrivilegeEscalation") is False,
        },
        "root": {"path": rootfs, "readonly": bool(sc.get("readOnlyRootFilesystem"))},
        "hostname": "pinwatch-agent",
        "mounts": mounts,
        "linux": {
            "cgroupsPath": cgroups_path,
            "namespaces": namespaces,
            "maskedPaths": MASKED_PATHS,
            "readonlyPaths": READONLY_PATHS,
            "resources": resources,
        },
    }
    with open(out, "w") as f:
        json.dump(config, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) not in (7, 8):
        sys.exit(__doc__)
    main(*sys.argv[1:])
