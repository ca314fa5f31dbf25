#!/usr/bin/env bash
# make-bundle.sh DIR [args...]: an OCI bundle with a busybox-static rootfs and a
# config.json from `runts spec` (args replace process.args).
set -euo pipefail
dir=$1; shift
root="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$dir/rootfs"/{bin,sbin,etc,proc,sys,dev,tmp,root,home/user}
cp /bin/busybox "$dir/rootfs/bin/busybox"
for a in $("$dir/rootfs/bin/busybox" --list); do
  [ -e "$dir/rootfs/bin/$a" ] || ln -s busybox "$dir/rootfs/bin/$a"
done
cat > "$dir/rootfs/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PW
cat > "$dir/rootfs/etc/group" <<'GR'
root:x:0:
daemon:x:1:
wheel:x:10:user
audio:x:29:user,daemon
user:x:1000:
nogroup:x:65534:
GR
chmod 1777 "$dir/rootfs/tmp"
rm -f "$dir/config.json"
"$root/bin/runts" spec --bundle "$dir"
if [ $# -gt 0 ]; then
  node -e '
    const fs = require("fs"); const f = process.argv[1];
    const s = JSON.parse(fs.readFileSync(f, "utf8")); s.process.args = process.argv.slice(2); s.process.terminal = false;
    fs.writeFileSync(f, JSON.stringify(s, null, 2));' "$dir/config.json" "$@"
fi
