#!/bin/bash
# Make a DTB for qemu-system-aarch64 -M virt: dump QEMU's own generated DTB for
# the given machine shape, decompile it, merge DT snippets, recompile.
#
# usage: mkdtb-arm64.sh --out FILE.dtb [--mem 2G] [--smp 1] [--numa "node,mem=1G node,mem=1G"]
#                 [--cpu cortex-a57] [--qemu-extra "ARGS"] [--add SNIPPET.dtsi]...
#
# A snippet is dts source merged into the tree. Either a full fragment
#   / { reserved-memory { ... }; };
# or just nodes/properties for the root (wrapped in "/ { ... };" automatically).
# Root has #address-cells = <2>, #size-cells = <2>; RAM starts at 0x40000000.
# Writes FILE.dtb, FILE.dts (merged, decompiled) and FILE.base.dts (QEMU's own).
# Boot with: boot-arm64.sh --dtb FILE.dtb (same --mem/--smp/--numa!). QEMU rewrites the
# /memory nodes and /chosen (bootargs, initrd) of a -dtb, everything else is used.
set -euo pipefail
MEM=2G SMP=1 NUMA="" CPU=cortex-a57 QEXTRA="" OUTF=""
ADDS=()
die() { echo "mkdtb-arm64.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --mem) MEM=$2; shift 2;;
    --smp) SMP=$2; shift 2;;
    --numa) NUMA=$2; shift 2;;
    --cpu) CPU=$2; shift 2;;
    --qemu-extra) QEXTRA=$2; shift 2;;
    --add) [ -f "$2" ] || die "snippet not found: $2"; ADDS+=("$2"); shift 2;;
    --out) OUTF=$2; shift 2;;
    -h|--help) sed -n '2,14p' "$0"; exit 0;;
    *) die "unknown option $1";;
  esac
done
[ -n "$OUTF" ] || die "--out FILE.dtb is required"
OUTB=${OUTF%.dtb}
mkdir -p "$(dirname "$OUTF")"
QNUMA=()
if [ -n "$NUMA" ]; then
  i=0
  for spec in $NUMA; do
    size=$(echo "$spec" | sed -n 's/.*mem=\([^,]*\).*/\1/p')
    rest=$(echo "$spec" | sed 's/^node//; s/,mem=[^,]*//')
    QNUMA+=(-object "memory-backend-ram,id=ram$i,size=$size" -numa "node,nodeid=$i,memdev=ram$i$rest")
    i=$((i+1))
  done
fi
T=$(mktemp -d /tmp/mkdtb.XXXXXX)
trap 'rm -rf "$T"' EXIT
# shellcheck disable=SC2086
qemu-system-aarch64 -machine "virt,dumpdtb=$T/qemu.dtb" -cpu "$CPU" -accel tcg -m "$MEM" -smp "$SMP" \
  "${QNUMA[@]}" -display none -monitor none -serial none $QEXTRA </dev/null >"$T/qemu.log" 2>&1 || true
[ -s "$T/qemu.dtb" ] || { cat "$T/qemu.log" >&2; die "qemu did not dump a dtb"; }
dtc -q -I dtb -O dts -o "$OUTB.base.dts" "$T/qemu.dtb"
cp "$OUTB.base.dts" "$T/merged.dts"
for s in "${ADDS[@]}"; do
  echo "/* ---- merged from $s ---- */" >> "$T/merged.dts"
  if grep -qE '^[[:space:]]*/[[:space:]]*\{' "$s"; then
    grep -v '^[[:space:]]*/dts-v1/;' "$s" >> "$T/merged.dts"
  else
    { echo "/ {"; cat "$s"; echo "};"; } >> "$T/merged.dts"
  fi
done
dtc -q -I dts -O dtb -o "$OUTB.dtb" "$T/merged.dts" || { cat -n "$T/merged.dts" | tail -40 >&2; die "dtc failed"; }
dtc -q -I dtb -O dts -o "$OUTB.dts" "$OUTB.dtb"
echo "mkdtb-arm64.sh: wrote $OUTB.dtb ($(stat -c %s "$OUTB.dtb") bytes), $OUTB.dts, $OUTB.base.dts" >&2
