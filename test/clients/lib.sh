# test/clients/lib.sh: what the client scripts share (sourced, not run).
#
# A scenario is a shell function run as `bash -c "set -e; FN"` under a time limit, with its
# output in $WORK/logs/NAME.log; it prints one "PASS NAME" or "FAIL NAME (last log line)".
# After each scenario the script's own `cleanup_scenario` runs (remove containers etc.),
# whether the scenario passed or not. `finish` prints "N passed, N failed".
#
# Environment: RUNTIME (absolute path of the runtime binary under test), WORK (private
# temp dir), CLIENTS_TRACE=FILE logs every runtime invocation (argv) to FILE through a
# wrapper that keeps the runtime's basename.

PASSED=0
FAILED=0
FAILED_NAMES=()
SCENARIO_TIMEOUT=${SCENARIO_TIMEOUT:-120}

# Absolute path of the runtime given as $1; with CLIENTS_TRACE a logging wrapper of the same
# basename (clients pick behaviour by the basename, e.g. podman's --log-format=json).
setup_runtime() {
  local rt=$1
  [ -n "$rt" ] || { echo "usage: $0 RUNTIME-BINARY" >&2; exit 2; }
  case "$rt" in /*) ;; */*) rt="$PWD/$rt" ;; *) rt=$(command -v "$rt" || echo "$PWD/$rt") ;; esac
  [ -x "$rt" ] || { echo "$0: $rt is not an executable runtime binary" >&2; exit 2; }
  if [ -n "${CLIENTS_TRACE:-}" ]; then
    mkdir -p "$WORK/trace"
    local w="$WORK/trace/$(basename "$rt")"
    printf '#!/bin/sh\nprintf "%%s\\n" "$(date +%%T.%%N) $*" >> %q\nexec %q "$@"\n' "$CLIENTS_TRACE" "$rt" > "$w"
    chmod +x "$w"
    rt=$w
  fi
  RUNTIME=$rt
  export RUNTIME
}

# A busybox-static rootfs tar (root-owned files) at $1.
make_rootfs_tar() {
  local out=$1 dir="$WORK/rootfs"
  rm -rf "$dir"
  bash "$CLIENTS_REPO/scripts/make-rootfs.sh" "$dir" >/dev/null
  tar --numeric-owner --owner=0 --group=0 -C "$dir" -cf "$out" .
}

# An image archive at $2 for the rootfs tar $1, named $3 (e.g. docker.io/library/runts-busybox:latest):
# an OCI image layout (index.json, oci-layout, blobs/sha256) plus docker's manifest.json,
# so both `ctr images import` and `docker load` take it.
make_image_archive() {
  local layer=$1 out=$2 name=$3 d="$WORK/oci" ldig cdig mdig lsize csize msize
  rm -rf "$d"; mkdir -p "$d/blobs/sha256"
  ldig=$(sha256sum "$layer" | cut -d' ' -f1); lsize=$(stat -c %s "$layer")
  cp "$layer" "$d/blobs/sha256/$ldig"
  printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"runts test/clients"}]}' "$ldig" > "$d/config.json"
  cdig=$(sha256sum "$d/config.json" | cut -d' ' -f1); csize=$(stat -c %s "$d/config.json")
  mv "$d/config.json" "$d/blobs/sha256/$cdig"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' "$cdig" "$csize" "$ldig" "$lsize" > "$d/manifest.tmp"
  mdig=$(sha256sum "$d/manifest.tmp" | cut -d' ' -f1); msize=$(stat -c %s "$d/manifest.tmp")
  mv "$d/manifest.tmp" "$d/blobs/sha256/$mdig"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"latest"}}]}' "$mdig" "$msize" "$name" > "$d/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' > "$d/oci-layout"
  printf '[{"Config":"blobs/sha256/%s","RepoTags":["%s"],"Layers":["blobs/sha256/%s"]}]' "$cdig" "${name#docker.io/library/}" "$ldig" > "$d/manifest.json"
  tar -C "$d" -cf "$out" index.json oci-layout manifest.json blobs
}

# scenario NAME FUNCTION: run it, print PASS/FAIL, then cleanup_scenario.
scenario() {
  local name=$1 fn=$2 log="$WORK/logs/$1.log" rc=0
  mkdir -p "$WORK/logs"
  if [ -n "${ONLY:-}" ] && ! [[ " $ONLY " == *" $name "* ]]; then return 0; fi
  timeout -k 10 "$SCENARIO_TIMEOUT" bash -c "set -eo pipefail; $fn" > "$log" 2>&1 < /dev/null || rc=$?
  if [ "$rc" = 0 ]; then
    echo "PASS $name"; PASSED=$((PASSED + 1))
  else
    [ "$rc" = 124 ] && echo "timed out after ${SCENARIO_TIMEOUT}s" >> "$log"
    echo "FAIL $name ($(grep -v '^+' "$log" | tail -n 1 | cut -c1-160))"
    FAILED=$((FAILED + 1)); FAILED_NAMES+=("$name")
    [ -n "${VERBOSE:-}" ] && sed 's/^/    | /' "$log"
  fi
  cleanup_scenario >> "$WORK/logs/cleanup.log" 2>&1 || true
}

# Assertion helpers for scenarios (fail with a message saying what differed).
want_eq() { [ "$1" = "$2" ] || { echo "expected ${3:-value} '$2', got '$1'"; return 1; }; }
want_match() { [[ "$1" =~ $2 ]] || { echo "expected ${3:-value} to match /$2/, got '$1'"; return 1; }; }
want_fail() { if "$@"; then echo "expected failure: $*"; return 1; fi; return 0; }
# Poll a command until it succeeds (up to $1 tenths of a second).
wait_for() { local n=$1; shift; while ! "$@" >/dev/null 2>&1; do n=$((n - 1)); [ $n -gt 0 ] || { echo "timed out waiting for: $*"; return 1; }; sleep 0.1; done; }

finish() {
  [ ${#FAILED_NAMES[@]} -gt 0 ] && echo "failed: ${FAILED_NAMES[*]} (logs in $WORK/logs)"
  echo "$PASSED passed, $FAILED failed"
}

export -f want_eq want_match want_fail wait_for

# SIGKILL every process whose command line (arguments joined by spaces) contains $1, and their descendants (leftovers of
# a scenario that timed out: shims, runtime processes, criu). Never matches this shell.
kill_tree_matching() {
  local pat=$1 pids=() pid more
  for pid in $(ps -eo pid=); do
    [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
    tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline" | grep -qF -- "$pat" && pids+=("$pid")
  done
  more=("${pids[@]}")
  while [ ${#more[@]} -gt 0 ]; do
    local next=()
    for pid in "${more[@]}"; do
      for c in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do pids+=("$c"); next+=("$c"); done
    done
    more=("${next[@]}")
  done
  [ ${#pids[@]} -gt 0 ] && kill -9 "${pids[@]}" 2>/dev/null
  return 0
}
