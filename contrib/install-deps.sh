#!/usr/bin/env bash
# Installs what ucrun needs to build and test on Debian 12, by package name.
set -euo pipefail
pkgs=(meson ninja-build pkg-config g++ git lld
      nlohmann-json3-dev libyaml-cpp-dev libseccomp-dev libmount-dev doctest-dev
      busybox-static python3 python3-pytest python3-jsonschema iproute2 time util-linux procps)
# lld links ucrun with its start path first in .text (--symbol-ordering-file,
# meson.build; the build falls back to GNU ld without it).
# useradd/groupadd, run to create the `ucrun` remap user (src/userns/default_user.cpp);
# "required" priority in Debian, named so that a minimal image does not lack it.
pkgs+=(passwd)
# newuidmap/newgidmap: rootless containers that map subordinate ids
# (src/userns/map_writer.cpp), rootless podman, and their tests.
pkgs+=(uidmap)
# YAML parser for the check of contrib/kubernetes/runtimeclass.yaml
# (tests/integration/test_engines.py).
pkgs+=(python3-yaml)
# The CRI test (tests/integration/test_cri.py) is the kubelet: it calls
# containerd's CRI gRPC API with messages protoc compiles from a .proto.
pkgs+=(python3-grpcio python3-protobuf protobuf-compiler)
# The fuzz targets (tests/fuzz/run.sh, -Dfuzz=true): clang 14 with its
# sanitizer and libFuzzer runtimes (libclang_rt.fuzzer is in
# libclang-rt-14-dev; libfuzzer-14-dev is the standalone libFuzzer).
pkgs+=(clang-14 libclang-rt-14-dev libfuzzer-14-dev)
# strace's fault injection (inject=...:delay_enter) makes a race of the
# exec path deterministic (tests/integration/test_exec.py).
pkgs+=(strace)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
# Peers the benchmark compares against, and podman (with conmon) as a real
# engine driving ucrun in tests/integration/test_engines.py; containerd (ctr
# and the io.containerd.runc.v2 shim) and docker (dockerd with ucrun in its
# "runtimes") likewise. Optional: their tests skip, saying so, without them.
# containernetworking-plugins: the CRI test's pod network (a CNI bridge).
for p in runc crun podman containerd docker.io containernetworking-plugins; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    apt-get install -y -q --no-install-recommends "$p" >/dev/null 2>&1 || true
  fi
done
