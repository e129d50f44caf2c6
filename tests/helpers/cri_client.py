#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""A CRI client that drives a runtime's socket the way kubelet does.

Debian 12 has no crictl; python3-grpcio has. The few CRI v1 messages kubelet
sends to start and remove a pod are encoded here by hand (field numbers from
k8s.io/cri-api's api.proto, package runtime.v1), so no protoc nor generated
code is needed: gRPC carries the bytes.

Usage:
  cri_client.py SOCKET version
  cri_client.py SOCKET start-pod POD_JSON      prints "POD_ID CONTAINER_ID..."
  cri_client.py SOCKET update CONTAINER_ID CPUS    the CPU manager's cpuset change
  cri_client.py SOCKET remove-pod POD_ID CONTAINER_ID...

POD_JSON: {"name", "namespace", "uid", "cgroup_parent", "log_directory",
"annotations": {...}, "containers": [{"name", "image", "args": [...],
"cpuset_cpus", "cpu_quota", "cpu_period", "cpu_shares", "annotations"}]}.
The pod shares the node's network, pid and IPC namespaces are its own, as
for a hostNetwork pod (no CNI plugin is needed).
"""
import json
import sys

import grpc

SERVICE = "/runtime.v1.RuntimeService/"
TIMEOUT_S = 60
NAMESPACE_MODE_POD, NAMESPACE_MODE_CONTAINER, NAMESPACE_MODE_NODE = 0, 1, 2


def varint(n):
    if n < 0:
        n += 1 << 64  # proto3 int64: two's complement, ten bytes
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def key(number, wire_type):
    return varint(number << 3 | wire_type)


def integer(number, value):
    return key(number, 0) + varint(value) if value else b""


def string(number, value):
    data = value.encode() if isinstance(value, str) else value
    return key(number, 2) + varint(len(data)) + data


def message(number, body):
    return string(number, body)


def string_map(number, entries):
    return b"".join(message(number, string(1, k) + string(2, v)) for k, v in sorted(entries.items()))


def fields(data):
    """Top-level fields of a message: {number: [value, ...]} (bytes or int)."""
    out, i = {}, 0
    while i < len(data):
        tag, i = read_varint(data, i)
        number, wire_type = tag >> 3, tag & 7
        if wire_type == 0:
            value, i = read_varint(data, i)
        elif wire_type == 2:
            length, i = read_varint(data, i)
            value, i = data[i:i + length], i + length
        elif wire_type == 1:
            value, i = data[i:i + 8], i + 8
        elif wire_type == 5:
            value, i = data[i:i + 4], i + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire_type} in a reply")
        out.setdefault(number, []).append(value)
    return out


def read_varint(data, i):
    shift = value = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i
        shift += 7


def first_string(reply, number, what):
    values = fields(reply).get(number)
    if not values:
        raise ValueError(f"the runtime's reply has no {what}")
    return values[0].decode()


def call(channel, method, request):
    return channel.unary_unary(SERVICE + method)(request, timeout=TIMEOUT_S)


def pod_sandbox_config(pod):
    metadata = string(1, pod["name"]) + string(2, pod["uid"]) + string(3, pod["namespace"])
    namespaces = (integer(1, NAMESPACE_MODE_NODE) + integer(2, NAMESPACE_MODE_CONTAINER)
                  + integer(3, NAMESPACE_MODE_POD))
    security = message(1, namespaces)
    linux = string(1, pod["cgroup_parent"]) + message(2, security)
    return (message(1, metadata) + string(3, pod["log_directory"])
            + string_map(7, pod.get("annotations", {})) + message(8, linux))


def container_config(container):
    resources = (integer(1, container.get("cpu_period", 0)) + integer(2, container.get("cpu_quota", 0))
                 + integer(3, container.get("cpu_shares", 0))
                 + string(6, container.get("cpuset_cpus", "")))
    namespaces = (integer(1, NAMESPACE_MODE_NODE) + integer(2, NAMESPACE_MODE_CONTAINER)
                  + integer(3, NAMESPACE_MODE_POD))
    security = message(3, namespaces)
    linux = message(1, resources) + message(2, security)
    return (message(1, string(1, container["name"])) + message(2, string(1, container["image"]))
            + b"".join(string(4, arg) for arg in container.get("args", []))
            + string_map(10, container.get("annotations", {}))
            + string(11, container["name"] + "/0.log") + message(15, linux))


def start_pod(channel, pod):
    sandbox = pod_sandbox_config(pod)
    pod_id = first_string(call(channel, "RunPodSandbox", message(1, sandbox)), 1, "pod_sandbox_id")
    ids = [pod_id]
    for container in pod["containers"]:
        request = string(1, pod_id) + message(2, container_config(container)) + message(3, sandbox)
        container_id = first_string(call(channel, "CreateContainer", request), 1, "container_id")
        call(channel, "StartContainer", string(1, container_id))
        ids.append(container_id)
    print(" ".join(ids))


def update_cpuset(channel, container_id, cpus):
    # As kubelet's CPU manager reconciles: the cpuset alone.
    call(channel, "UpdateContainerResources", string(1, container_id) + message(2, string(6, cpus)))


def remove_pod(channel, pod_id, container_ids):
    # kubelet's order: each container stopped, the sandbox stopped, then removed.
    for container_id in container_ids:
        call(channel, "StopContainer", string(1, container_id) + integer(2, 1))
        call(channel, "RemoveContainer", string(1, container_id))
    call(channel, "StopPodSandbox", string(1, pod_id))
    call(channel, "RemovePodSandbox", string(1, pod_id))


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    socket, command, args = argv[1], argv[2], argv[3:]
    with grpc.insecure_channel("unix://" + socket) as channel:
        try:
            if command == "version":
                reply = fields(call(channel, "Version", string(1, "v1")))
                print(" ".join(v[0].decode() for n, v in sorted(reply.items()) if n in (2, 3, 4)))
            elif command == "start-pod" and len(args) == 1:
                start_pod(channel, json.loads(args[0]))
            elif command == "update" and len(args) == 2:
                update_cpuset(channel, args[0], args[1])
            elif command == "remove-pod" and args:
                remove_pod(channel, args[0], args[1:])
            else:
                print(f"cri_client: unknown command or arguments: {' '.join(argv[2:])}", file=sys.stderr)
                return 2
        except grpc.RpcError as error:
            print(f"cri_client: {command} on {socket}: {error.code().name}: {error.details()}",
                  file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
