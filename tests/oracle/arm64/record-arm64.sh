#!/bin/bash
# Boot every case of cases-arm64.txt (or the names given) with boot-arm64.sh and copy what the
# differential tests read into tests/ZoneLab.Tests/Fixtures/arm64-6.1/<name>/ with a case.txt
# ("name | --arch arm64 --mem SIZE [--numa A,B] [--dtb boot.dtb] | kernel args").
# usage: record-arm64.sh [name...]      (ZONELAB_ORACLE_CACHE caches the kernel and busybox)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
FIX=$HERE/../../ZoneLab.Tests/Fixtures/arm64-6.1
RUNS=${ZONELAB_ARM64_RUNS:-/tmp/zonelab-arm64-runs}
mkdir -p "$FIX" "$RUNS"
grep -v '^#' "$HERE/cases-arm64.txt" | grep -v '^[[:space:]]*$' | while IFS='|' read -r name opts args; do
  name=$(echo "$name" | xargs); opts=$(echo "$opts" | xargs); args=$(echo "$args" | xargs)
  if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
  mem=$(echo "$opts" | sed -n 's/.*--mem \([^ ]*\).*/\1/p')
  numa=$(echo "$opts" | sed -n 's/.*--numa \([^ ]*\).*/\1/p')
  ovl=$(echo "$opts" | sed -n 's/.*--dtb-overlay \([^ ]*\).*/\1/p')
  bargs=(--out "$RUNS/$name" --mem "$mem")
  if [ -n "$numa" ]; then
    spec="" i=0
    for s in ${numa//,/ }; do
      if [ $i = 0 ]; then spec="$spec node,mem=$s,cpus=0"; else spec="$spec node,mem=$s"; fi
      i=$((i+1))
    done
    bargs+=(--numa "${spec# }")
  fi
  [ -z "$ovl" ] || bargs+=(--dtb-overlay "$HERE/dt/$ovl.dtsi")
  # shellcheck disable=SC2086
  "$HERE/boot-arm64.sh" "${bargs[@]}" -- $args </dev/null
  d=$FIX/$name
  rm -rf "$d"; mkdir -p "$d"
  for f in run-info cmdline dmesg zoneinfo memory-blocks memblock devicetree meminfo iomem; do
    [ -f "$RUNS/$name/$f.txt" ] && cp "$RUNS/$name/$f.txt" "$d/"
  done
  for f in boot.dtb boot.dts overlay.dtsi; do [ -f "$RUNS/$name/$f" ] && cp "$RUNS/$name/$f" "$d/"; done
  dtbopt=""; [ -z "$ovl" ] || dtbopt=" --dtb boot.dtb"
  printf '%-40s| --arch arm64 --mem %s%s%s | %s\n' "$name" "$mem" "${numa:+ --numa $numa}" "$dtbopt" "$args" > "$d/case.txt"
done
