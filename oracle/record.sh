#!/bin/bash
# Records the oracle suite: every workload in oracle/workloads on each of its architectures, RUNS times, one boot
# at a time (QEMU TCG; the machine is shared), into oracle/recordings/<workload>/<arch>/run<N>/.
# The raw serial log (console.log) is dropped: every section of it is kept as its own file.
# usage: oracle/record.sh [--runs N] [--first N] [--page-state [--no-alloc-trace]] [workload-name ...]
# --page-state: record with `zonelab oracle run --page-state` into oracle/page-state/<workload>/<arch>/run<N>/ instead
# (docs/oracle.md, "The page state"); --no-alloc-trace: the step-0 page state without the per-step allocation trace
# (how the Round 10 guest-state recordings were made: docs/fidelity.md; frag-then-hugepages and pipes-unmovable
# have the trace, for the landing measure).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
Z=${ZONELAB:-$ROOT/src/ZoneLab.Cli/bin/Debug/net10.0/zonelab}
RUNS=3 FIRST=1 DEST=recordings PS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2;; --first) FIRST=$2; shift 2;;
    --page-state) DEST=page-state; PS+=(--page-state); shift;;
    --no-alloc-trace) PS+=(--no-alloc-trace); shift;;
    *) break;;
  esac
done
names=("$@")
[ ${#names[@]} -gt 0 ] || names=($(ls "$HERE/workloads" | sed 's/\.yaml$//'))
fail=0
for run in $(seq "$FIRST" "$RUNS"); do
  for n in "${names[@]}"; do
    archs=$(sed -n 's/^archs: *\[\(.*\)\]/\1/p' "$HERE/workloads/$n.yaml" | tr -d ' ' | tr , ' ')
    for arch in ${archs:-x86_64 arm64}; do
      out=$HERE/$DEST/$n/$arch/run$run
      [ -f "$out/steps.txt" ] && continue
      if "$Z" oracle run "$HERE/workloads/$n.yaml" --arch "$arch" --out "$out" "${PS[@]}"; then
        rm -f "$out/console.log"
      else
        fail=1
      fi
    done
  done
done
exit $fail
