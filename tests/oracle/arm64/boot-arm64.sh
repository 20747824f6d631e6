#!/bin/bash
# Boot a real arm64 Linux kernel under qemu-system-aarch64 (-M virt, TCG) with a
# busybox initramfs that dumps page-allocator state, and split the serial log
# into files (same layout as ../oracle/boot.sh).
#
# usage: boot-arm64.sh --out DIR [--mem 2G] [--smp 1] [--numa "node,mem=1G node,mem=1G"]
#                [--cpu cortex-a57] [--actions FILE] [--kernel debian|PATH]
#                [--dtb FILE | --dtb-overlay SNIPPET.dtsi] [--timeout SECS]
#                [--qemu-extra "ARGS"] [--kaslr] [-- kernel cmdline args...]
# exit: 0 ok; 2 usage; 3 guest did not print the end marker; 124 timeout.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${ZONELAB_ORACLE_CACHE:-/tmp/zonelab-oracle}
MEM=2G SMP=1 NUMA="" CPU=cortex-a57 ACTIONS="" OUT="" KERNEL=debian TIMEOUT=600 QEXTRA="" KASLR=nokaslr
DTB="" OVERLAY=""
KARGS=()

die() { echo "boot-arm64.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --mem) MEM=$2; shift 2;;
    --smp) SMP=$2; shift 2;;
    --numa) NUMA=$2; shift 2;;
    --cpu) CPU=$2; shift 2;;
    --actions) ACTIONS=$2; shift 2;;
    --out) OUT=$2; shift 2;;
    --kernel) KERNEL=$2; shift 2;;
    --dtb) DTB=$2; shift 2;;
    --dtb-overlay) OVERLAY=$2; shift 2;;
    --timeout) TIMEOUT=$2; shift 2;;
    --qemu-extra) QEXTRA=$2; shift 2;;
    --kaslr) KASLR=""; shift;;
    -h|--help) sed -n '2,11p' "$0"; exit 0;;
    --) shift; KARGS=("$@"); break;;
    *) die "unknown option $1 (kernel args go after --)";;
  esac
done
[ -n "$OUT" ] || die "--out DIR is required"
[ -z "$ACTIONS" ] || [ -f "$ACTIONS" ] || die "actions file not found: $ACTIONS"
[ -z "$DTB" ] || [ -f "$DTB" ] || die "dtb not found: $DTB"
[ -z "$OVERLAY" ] || [ -f "$OVERLAY" ] || die "dtb overlay snippet not found: $OVERLAY"
[ -z "$DTB" ] || [ -z "$OVERLAY" ] || die "use --dtb or --dtb-overlay, not both"
mkdir -p "$OUT" "$CACHE"
OUT=$(cd "$OUT" && pwd)

as_root_install() { # pkg...
  [ "$(id -u)" = 0 ] || die "missing packages $*; install them (apt-get install $*)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >&2
}
command -v qemu-system-aarch64 >/dev/null || as_root_install qemu-system-arm
command -v cpio >/dev/null || as_root_install cpio
command -v dtc >/dev/null || as_root_install device-tree-compiler

# foreign-arch .deb unpacked into the cache (needs `dpkg --add-architecture arm64`)
deb_extract() { # package dest
  local pkg=$1 d=$2
  mkdir -p "$d" && (cd "$d/.." && { ls "${pkg%%:*}"_*.deb >/dev/null 2>&1 || apt-get download "$pkg" >&2; } \
    && dpkg-deb -x "$(ls "${pkg%%:*}"_*.deb | head -n1)" "$d")
}

# ---- kernel ---------------------------------------------------------------
case "$KERNEL" in
  debian)
    pkg=${ORACLE_ARM64_PKG:-linux-image-6.1.0-56-arm64-unsigned}
    d=$CACHE/debian-arm64/$pkg
    if ! ls "$d"/boot/vmlinuz-* >/dev/null 2>&1; then
      deb_extract "$pkg:arm64" "$d" && rm -rf "$d/lib" "$d/usr/share"
    fi
    # Debian's arm64 "vmlinuz" is an uncompressed Image; gunzip if a future one is not
    KIMG=$(ls "$d"/boot/vmlinuz-* | head -n1)
    if file -b "$KIMG" | grep -q gzip; then
      [ -f "$KIMG.Image" ] || gunzip -c "$KIMG" > "$KIMG.Image"; KIMG=$KIMG.Image
    fi;;
  *) [ -f "$KERNEL" ] || die "kernel image not found: $KERNEL"; KIMG=$KERNEL;;
esac

# ---- initramfs (static arm64 busybox from Debian's busybox-static:arm64) ----
BBD=$CACHE/debian-arm64/busybox-static
[ -x "$BBD/bin/busybox" ] || deb_extract busybox-static:arm64 "$BBD"
BB=$BBD/bin/busybox
KEY=$(cat "$HERE/guest/init" "$BB" | sha256sum | cut -c1-16)
BASE=$CACHE/initramfs-arm64-$KEY.cpio.gz
if [ ! -f "$BASE" ]; then
  R=$(mktemp -d /tmp/oracle-arm64-rootfs.XXXXXX)
  mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,out,etc,root}
  cp "$BB" "$R/bin/busybox"
  # the applet list comes from the host's busybox-static (same Debian version)
  # when the arm64 binary cannot run here; fall back to a fixed list.
  APPLETS=$(/bin/busybox --list 2>/dev/null || echo sh ash cat echo ls mount mkdir dmesg grep sed awk tr od find sort head tail wc dd rm sleep sync poweroff basename cut paste)
  for a in $APPLETS; do [ "$a" = busybox ] || ln -sf busybox "$R/bin/$a"; done
  install -m 755 "$HERE/guest/init" "$R/init"
  (cd "$R" && find . -print0 | cpio --null -o -H newc --owner=0:0 2>/dev/null | gzip -9) > "$BASE.tmp"
  mv "$BASE.tmp" "$BASE"; rm -rf "$R"
fi
INITRD=$BASE
if [ -n "$ACTIONS" ]; then # second archive appended: the kernel unpacks both
  R=$(mktemp -d /tmp/oracle-arm64-act.XXXXXX)
  install -m 755 "$ACTIONS" "$R/actions.sh"
  INITRD=$OUT/.initrd.cpio.gz
  { cat "$BASE"; (cd "$R" && echo actions.sh | cpio -o -H newc --owner=0:0 2>/dev/null | gzip -9); } > "$INITRD"
  rm -rf "$R"
fi

# ---- machine / NUMA ----------------------------------------------------------
QMACH=(-machine virt -cpu "$CPU" -accel tcg -m "$MEM" -smp "$SMP")
QNUMA=()
if [ -n "$NUMA" ]; then
  i=0
  for spec in $NUMA; do # node,mem=SIZE[,cpus=A-B]
    size=$(echo "$spec" | sed -n 's/.*mem=\([^,]*\).*/\1/p')
    [ -n "$size" ] || die "--numa entry needs mem=SIZE: $spec"
    rest=$(echo "$spec" | sed 's/^node//; s/,mem=[^,]*//')
    QNUMA+=(-object "memory-backend-ram,id=ram$i,size=$size" -numa "node,nodeid=$i,memdev=ram$i$rest")
    i=$((i+1))
  done
fi

# ---- device tree ------------------------------------------------------------
QDTB=()
if [ -n "$OVERLAY" ]; then
  # shellcheck disable=SC2086
  "$HERE/mkdtb-arm64.sh" --out "$OUT/boot.dtb" --mem "$MEM" --smp "$SMP" --cpu "$CPU" \
    ${NUMA:+--numa "$NUMA"} ${QEXTRA:+--qemu-extra "$QEXTRA"} --add "$OVERLAY" >&2
  cp "$OVERLAY" "$OUT/overlay.dtsi"
  QDTB=(-dtb "$OUT/boot.dtb")
elif [ -n "$DTB" ]; then
  cp "$DTB" "$OUT/boot.dtb"
  dtc -q -I dtb -O dts -o "$OUT/boot.dts" "$OUT/boot.dtb" || true
  QDTB=(-dtb "$OUT/boot.dtb")
fi

CMDLINE="console=ttyAMA0 panic=-1 $KASLR ${KARGS[*]:-}"
LOG=$OUT/console.log
rm -f "$LOG" "$OUT"/*.txt
# shellcheck disable=SC2206
QCMD=(qemu-system-aarch64 "${QMACH[@]}" "${QNUMA[@]}" "${QDTB[@]}"
      -kernel "$KIMG" -initrd "$INITRD" -append "$CMDLINE"
      -display none -monitor none -serial "file:$LOG" -no-reboot $QEXTRA)
T0=$(date +%s.%N)
set +e
timeout --foreground -k 10 "$TIMEOUT" "${QCMD[@]}" </dev/null >"$OUT/qemu.stderr" 2>&1
RC=$?
set -e
T1=$(date +%s.%N)
WALL=$(echo "$T1 - $T0" | bc)
rm -f "$OUT/.initrd.cpio.gz"

# ---- split sections ---------------------------------------------------------
tr -d '\r' < "$LOG" | awk -v out="$OUT" '
  /^@@ORACLE-BEGIN .*@@$/ { n=$0; sub(/^@@ORACLE-BEGIN /,"",n); sub(/@@$/,"",n);
      if (n ~ /^file:/) { f=out "/" substr(n,6) } else { f=out "/" n ".txt" }
      printf "" > f; cur=f; next }
  /^@@ORACLE-END .*@@$/ { if (cur!="") close(cur); cur=""; next }
  cur!="" { print >> cur }'
[ -s "$OUT/memory-blocks.txt" ] && ln -sf memory-blocks.txt "$OUT/memory.txt" 2>/dev/null || true

{
  echo "kernel: $KIMG"
  echo "cmdline: $CMDLINE"
  echo "qemu: ${QCMD[*]}"
  echo "qemu_exit: $RC"
  echo "wall_seconds: $WALL"
} > "$OUT/run-info.txt"

if [ $RC = 124 ] || [ $RC = 137 ]; then
  echo "boot-arm64.sh: TIMEOUT after ${TIMEOUT}s; guest log in $LOG" >&2; exit 124
fi
if ! tr -d '\r' < "$LOG" | grep -q '^@@ORACLE-DONE@@$'; then
  echo "boot-arm64.sh: guest did not print the end marker (qemu exit $RC); last lines of $LOG:" >&2
  tr -d '\r' < "$LOG" | tail -n 25 >&2
  exit 3
fi
echo "boot-arm64.sh: ok in ${WALL}s -> $OUT" >&2
