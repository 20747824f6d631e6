#!/bin/bash
# Records the device-snapshot fixtures (tests/ZoneLab.Tests/Fixtures/snapshot/): boots Debian's 6.1 kernels with
# tests/oracle/actions/snapshot-load.sh, which loads the guest and runs the project's snapshot script three times.
#
# usage: tests/oracle/record-snapshots.sh [x86|arm64]...     (default: both)
# One boot per architecture. Each snapshot lands in Fixtures/snapshot/<arch-case>/sN/ with the guest's file names.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SCRIPT=$ROOT/src/ZoneLab.Core/Workloads/DeviceState/zonelab-snapshot.sh
FIX=${ZONELAB_SNAPSHOT_FIXTURES:-$ROOT/tests/ZoneLab.Tests/Fixtures/snapshot}
WORK=${ZONELAB_SNAPSHOT_WORK:-/tmp/zonelab-snapshots}
mkdir -p "$WORK"

actions() { # the snapshot script as a heredoc, then the load
  echo "mkdir -p /tmp; cat > /tmp/zonelab-snapshot.sh <<'ZONELAB_SNAPSHOT_EOF'"
  cat "$SCRIPT"
  echo "ZONELAB_SNAPSHOT_EOF"
  cat "$HERE/actions/snapshot-load.sh"
}

split() { # CASE OUTDIR FILESDIR
  local name=$1 out=$2 files=$3 n f b
  for n in 1 2 3; do
    ls "$files"/s$n.* >/dev/null 2>&1 || { echo "record-snapshots: snapshot $n missing in $files" >&2; return 1; }
  done
  rm -rf "${FIX:?}/$name.tmp" && mkdir -p "$FIX/$name.tmp"
  for n in 1 2 3; do
    mkdir -p "$FIX/$name.tmp/s$n"
    for f in "$files"/s$n.*; do
      b=${f##*/s$n.}
      if [ "$b" = fdt.gz.b64 ]; then base64 -d "$f" | gunzip -c > "$FIX/$name.tmp/s$n/fdt"; else cp "$f" "$FIX/$name.tmp/s$n/$b"; fi
    done
  done
  sed "s#$ROOT/##g; s#$WORK/##g" "$out/run-info.txt" > "$FIX/$name.tmp/run-info.txt"
  cp "$out/actions.txt" "$FIX/$name.tmp/actions.txt" 2>/dev/null || true
  rm -rf "${FIX:?}/$name" && mv "$FIX/$name.tmp" "$FIX/$name"
  echo "record-snapshots: $FIX/$name" >&2
}

ARCHES=("$@"); [ ${#ARCHES[@]} -gt 0 ] || ARCHES=(x86 arm64)
for a in "${ARCHES[@]}"; do
  act=$WORK/actions-$a.sh
  actions > "$act"
  case $a in
    x86)
      out=$WORK/x86_64-512M
      "$HERE/boot-x86.sh" --out "$out" --mem 512M --timeout 900 --actions "$act"
      split x86_64-6.1-512M "$out" "$out/out";;
    arm64)
      out=$WORK/arm64-768M
      "$HERE/arm64/boot-arm64.sh" --out "$out" --mem 768M --timeout 900 --actions "$act" -- cma=64M
      split arm64-6.1-768M-cma64M "$out" "$out";;
    *) echo "record-snapshots: unknown arch $a (x86 or arm64)" >&2; exit 2;;
  esac
done
