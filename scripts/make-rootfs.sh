#!/usr/bin/env bash
# make-rootfs.sh DIR: a busybox-static root filesystem with /etc/passwd and /etc/group.
set -euo pipefail
r=$1
mkdir -p "$r"/{bin,sbin,etc,proc,sys,dev,tmp,root,home/user}
cp /bin/busybox "$r/bin/busybox"
for a in $("$r/bin/busybox" --list); do
  [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
done
cat > "$r/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PW
cat > "$r/etc/group" <<'GR'
root:x:0:
daemon:x:1:
wheel:x:10:user
audio:x:29:user,daemon
user:x:1000:
nogroup:x:65534:
GR
chmod 1777 "$r/tmp"
