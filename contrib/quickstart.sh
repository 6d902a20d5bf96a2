#!/usr/bin/env bash
# Quick start, as root on Debian 12: installs what is missing, builds ucrun,
# makes a busybox bundle and runs it in a user namespace, the way Docker's
# --userns-remap=default does: container root is an unprivileged host uid
# range (dockremap's from /etc/subuid when it exists, else 100000:65536), so
# a host directory owned by root shows as nobody inside and refuses writes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash contrib/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
UCRUN=$PWD/build/src/cli/ucrun

range() {  # <file>: "start size" of dockremap's range, or the default
  local line
  line=$(grep -E '^dockremap:' "$1" 2>/dev/null | head -1 || true)
  if [ -n "$line" ]; then echo "$line" | awk -F: '{print $2, $3}'; else echo "100000 65536"; fi
}
read -r UID0 USIZE < <(range /etc/subuid)
read -r GID0 GSIZE < <(range /etc/subgid)

DEMO=$(mktemp -d /tmp/ucrun-demo.XXXXXX)
chmod 755 "$DEMO"
trap '"$UCRUN" --root "$DEMO/state" delete --force demo >/dev/null 2>&1 || true; rm -rf "$DEMO"' EXIT
mkdir -p "$DEMO/rootfs"/{bin,proc,dev,sys,tmp,etc,hostdir}
cp /bin/busybox "$DEMO/rootfs/bin/"
for a in sh id cat ls touch echo stat; do ln -s busybox "$DEMO/rootfs/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$DEMO/rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$DEMO/rootfs/etc/group"
mkdir -p "$DEMO/host-etc" && echo "owned by host root" >"$DEMO/host-etc/secret" && chmod 755 "$DEMO/host-etc"

"$UCRUN" spec --bundle "$DEMO"
/usr/bin/python3 - "$DEMO/config.json" "$UID0" "$USIZE" "$GID0" "$GSIZE" "$DEMO/host-etc" <<'PY'
import json, sys
path, uid0, usize, gid0, gsize, hostdir = sys.argv[1:]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c",
    "echo '$ id'; id; echo '$ cat /proc/self/uid_map'; cat /proc/self/uid_map; "
    "echo '$ ls -ln /hostdir'; ls -ln /hostdir; echo '$ touch /hostdir/x'; touch /hostdir/x 2>&1; ls -lnd /hostdir; true"]
c["linux"]["namespaces"].append({"type": "user"})
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": int(uid0), "size": int(usize)}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": int(gid0), "size": int(gsize)}]
c["mounts"].append({"destination": "/hostdir", "type": "bind", "source": hostdir, "options": ["rbind", "rw"]})
json.dump(c, open(path, "w"), indent=2)
PY
echo "== ucrun $("$UCRUN" --version | head -1 | cut -d' ' -f3): container root is host uid $UID0 =="
"$UCRUN" --root "$DEMO/state" run --bundle "$DEMO" demo
