#!/bin/bash
# One `zonelab oracle run` boot (docs/oracle.md): a real kernel under QEMU TCG runs a workload's steps with the
# static helper zlguest and prints the page allocator's state before and after every step.
#
# usage: oracle-run.sh --arch x86_64|arm64 --out DIR --steps FILE [--events FILE] [--mem SIZE] [--numa A,B,...]
#                      [--smp N] [--disk SIZE] [--swap SIZE] [--kernel-package NAME | --kernel IMAGE [--initrd FILE]]
#                      [--timeout SECS] [--page-state [--no-alloc-trace | --drain-trace]] [-- kernel args...]
#
# DIR receives console.log, run-info.txt and one file per guest section (cmdline.txt dmesg.txt memory-blocks.txt
# swaps.txt mounts.txt stepN.{buddyinfo,pagetypeinfo,vmstat,meminfo,zoneinfo,trace}.txt) and steps.txt (the step
# results: "N KIND ns=... rc=... [readback=...]").
# Exit: 0 ok; 2 usage, setup or a missing package (one line on stderr); 3 the kernel did not boot or the workload
# did not finish (reason on stderr); 124 timeout.
# Environment: ZONELAB_ORACLE_CACHE (default /tmp/zonelab-oracle) caches packages, helper builds and initramfs bases.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${ZONELAB_ORACLE_CACHE:-/tmp/zonelab-oracle}
ARCH="" OUT="" STEPS="" EVENTS="" MEM=512M NUMA="" SMP=1 DISK="" SWAP="" KPKG="" KIMAGE="" KINITRD="" TIMEOUT=900 ICOUNT=""
KARGS=() PAGESTATE="" NOTRACE="" DRAINTRACE=""

die() { echo "oracle-run.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --arch|--out|--steps|--events|--mem|--numa|--smp|--disk|--swap|--kernel-package|--kernel|--initrd|--timeout|--icount)
      [ $# -ge 2 ] || die "$1 needs a value"
      case "$1" in
        --arch) ARCH=$2;; --out) OUT=$2;; --steps) STEPS=$2;; --events) EVENTS=$2;; --mem) MEM=$2;;
        --numa) NUMA=$2;; --smp) SMP=$2;; --disk) DISK=$2;; --swap) SWAP=$2;; --kernel-package) KPKG=$2;;
        --kernel) KIMAGE=$2;; --initrd) KINITRD=$2;; --timeout) TIMEOUT=$2;; --icount) ICOUNT=$2;;
      esac
      shift 2;;
    --page-state) PAGESTATE=1; shift;;   # zlpagestate.h: kpageflags, pageblocks and the allocation trace
    --no-alloc-trace) NOTRACE=1; shift;; # with --page-state: no trace instance (its ring buffer eats the small holes)
    --drain-trace) DRAINTRACE=1; shift;; # with --page-state: also kmem:mm_page_pcpu_drain (stepN.drains.txt)
    --) shift; KARGS=("$@"); break;;
    *) die "unknown option '$1'";;
  esac
done
case "$ARCH" in x86_64|arm64) ;; *) die "--arch must be x86_64 or arm64, not '$ARCH'";; esac
[ -n "$OUT" ] || die "--out DIR is required"
[ -z "$NOTRACE" ] || [ -n "$PAGESTATE" ] || die "--no-alloc-trace goes with --page-state"
[ -z "$DRAINTRACE" ] || { [ -n "$PAGESTATE" ] && [ -z "$NOTRACE" ]; } || die "--drain-trace goes with --page-state and the allocation trace"
[ -f "$STEPS" ] || die "--steps: file not found: $STEPS"
[ -z "$KIMAGE" ] || [ -f "$KIMAGE" ] || die "--kernel: file not found: $KIMAGE"
[ -z "$KINITRD" ] || [ -f "$KINITRD" ] || die "--initrd: file not found: $KINITRD"
[ -z "$KPKG" ] || [ -z "$KIMAGE" ] || die "use --kernel-package or --kernel, not both"
[[ "$SMP" =~ ^[1-9][0-9]*$ ]] || die "--smp must be a positive integer"
[ -z "$ICOUNT" ] || [[ "$ICOUNT" =~ ^([0-9]|10)$ ]] || die "--icount must be a shift from 0 to 10"
mkdir -p "$OUT" "$CACHE"
OUT=$(cd "$OUT" && pwd)

if [ "$ARCH" = x86_64 ]; then
  QEMU=qemu-system-x86_64 QPKG=qemu-system-x86 CC=gcc CCPKG=gcc DEBARCH=amd64 CONSOLE=ttyS0
else
  QEMU=qemu-system-aarch64 QPKG=qemu-system-arm CC=aarch64-linux-gnu-gcc CCPKG=gcc-aarch64-linux-gnu DEBARCH=arm64 CONSOLE=ttyAMA0
fi
KPKG=${KPKG:-linux-image-6.1.0-56-$DEBARCH-unsigned}

# ---- host tools (installed with apt-get when run as root) -------------------------------------------------
need=()
command -v "$QEMU" >/dev/null || need+=("$QPKG")
command -v cpio >/dev/null || need+=(cpio)
command -v "$CC" >/dev/null || need+=("$CCPKG")
# gcc -static needs the C library's headers and libc.a, which the compiler packages only recommend (so
# --no-install-recommends, or a compiler installed that way earlier, leaves them out: "stdio.h: No such file")
if [ "$ARCH" = x86_64 ]; then
  dpkg -s libc6-dev >/dev/null 2>&1 || need+=(libc6-dev)
else
  dpkg -s libc6-dev-arm64-cross >/dev/null 2>&1 || need+=(libc6-dev-arm64-cross)
fi
command -v depmod >/dev/null || need+=(kmod)
{ [ -z "$DISK" ] || command -v mkfs.ext4 >/dev/null; } || need+=(e2fsprogs)
{ [ -z "$SWAP" ] || command -v mkswap >/dev/null; } || need+=(util-linux)
# the host's busybox on both architectures: it is x86_64's guest busybox, and it lists the applets to link for either
# (the arm64 binary from busybox-static:arm64 cannot run here; both are built from Debian's one configuration)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing host packages: ${need[*]} (apt-get install ${need[*]})"
  echo "oracle-run.sh: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y --no-install-recommends "${need[@]}" >&2 \
    || { apt-get update >&2 && apt-get install -y --no-install-recommends "${need[@]}" >&2; }; } \
    || die "could not install ${need[*]}"
fi

exec 9>"$CACHE/.lock"
flock 9
# a foreign-architecture package: `dpkg --add-architecture arm64` once, then apt-get download
fetch_deb() { # pkg[:arch] -> prints the .deb path
  local pkg=$1 name=${1%%:*} d=$CACHE/deb
  mkdir -p "$d"
  if ! ls "$d/${name}"_*.deb >/dev/null 2>&1; then
    echo "oracle-run.sh: downloading $pkg (once)" >&2
    if [[ "$pkg" == *:arm64 ]] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
      [ "$(id -u)" = 0 ] || die "package $pkg needs 'dpkg --add-architecture arm64 && apt-get update' (as root)"
      dpkg --add-architecture arm64 && apt-get update >&2 || die "could not add the arm64 architecture"
    fi
    (cd "$d" && { apt-get download -o APT::Sandbox::User=root "$pkg" >&2 \
      || { apt-get update >&2 && apt-get download -o APT::Sandbox::User=root "$pkg" >&2; }; }) \
      || die "missing package: apt-get download $pkg failed (is the name right?)"
  fi
  ls "$d/${name}"_*.deb | head -n1
}

# ---- kernel and its modules ---------------------------------------------------------------------------
MODS=()
if [ -z "$KIMAGE" ]; then
  PKGARG=$KPKG; [ "$ARCH" = arm64 ] && PKGARG="$KPKG:arm64"
  KDIR=$CACHE/kernel/$KPKG
  # .with-modules marks an extraction made here: tests/oracle's boot scripts share the folder and drop the modules
  # (a layout boot needs none), and a workload's disk would then fail in the guest ("mount /dev/vda (ext4)")
  if ! ls "$KDIR"/boot/vmlinuz-* >/dev/null 2>&1 || [ ! -e "$KDIR/.with-modules" ]; then
    DEB=$(fetch_deb "$PKGARG")
    rm -rf "$KDIR.tmp" && mkdir -p "$KDIR.tmp"
    dpkg-deb -x "$DEB" "$KDIR.tmp" || die "dpkg-deb -x $DEB failed"
    rm -rf "$KDIR.tmp/usr"
    dpkg-deb -f "$DEB" Package Version > "$KDIR.tmp/package.txt"
    for v in "$KDIR.tmp"/lib/modules/*; do [ -d "$v" ] && depmod -b "$KDIR.tmp" "$(basename "$v")"; done
    touch "$KDIR.tmp/.with-modules"
    rm -rf "$KDIR" && mv "$KDIR.tmp" "$KDIR"
  fi
  KIMAGE=$(ls "$KDIR"/boot/vmlinuz-* | head -n1 || true)
  if file -b "$KIMAGE" | grep -q gzip; then
    [ -f "$KIMAGE.Image" ] || gunzip -c "$KIMAGE" > "$KIMAGE.Image"; KIMAGE=$KIMAGE.Image
  fi
  KVER=$(awk '/^Version:/{print $2}' "$KDIR/package.txt")
  MODDIR=$(ls -d "$KDIR"/lib/modules/* 2>/dev/null | head -n1 || true)
  # the block device and file system drivers (modules in Debian's kernels) in dependency order
  if [ -n "$MODDIR" ] && { [ -n "$DISK" ] || [ -n "$SWAP" ]; }; then
    declare -A seen=()
    add_mod() { # relative path in modules.dep
      local m=$1 dep
      [ -z "${seen[$m]:-}" ] || return 0
      seen[$m]=1
      for dep in $(awk -v m="$m:" '$1 == m { for (i = 2; i <= NF; i++) print $i }' "$MODDIR/modules.dep"); do add_mod "$dep"; done
      MODS+=("$m")
    }
    want=(virtio_pci virtio_blk)
    [ -z "$DISK" ] || want+=(crc32c_generic ext4)
    for w in "${want[@]}"; do
      p=$(awk -F: -v w="/$w.ko" 'substr($1, length($1) - length(w) + 1) == w { print $1; exit }' "$MODDIR/modules.dep")
      [ -n "$p" ] && add_mod "$p"   # absent: built in
    done
  fi
else
  KVER="(user image)"
  KPKG="(none)"
fi

# ---- zlguest, built static for the guest (cached by source hash) ------------------------------------------
HKEY=$( (cat "$HERE/zlguest.c" "$HERE"/*.h; echo "$CC") | sha256sum | cut -c1-16)
HELPER=$CACHE/zlguest-$ARCH-$HKEY
if [ ! -x "$HELPER" ]; then
  "$CC" -static -O2 -o "$HELPER.tmp" "$HERE/zlguest.c" || die "could not build zlguest with $CC -static"
  mv "$HELPER.tmp" "$HELPER"
fi

# ---- busybox -------------------------------------------------------------------------------------------
if [ "$ARCH" = x86_64 ]; then
  BB=/bin/busybox
else
  BBD=$CACHE/busybox-arm64
  if [ ! -x "$BBD/bin/busybox" ]; then
    DEB=$(fetch_deb busybox-static:arm64); rm -rf "$BBD"; mkdir -p "$BBD"; dpkg-deb -x "$DEB" "$BBD"
  fi
  BB=$BBD/bin/busybox
fi
[ -x "$BB" ] || die "busybox not found at $BB"
flock -u 9

# ---- initramfs: busybox, zlguest, init, modules, steps ------------------------------------------------------
WORK=$(mktemp -d "$OUT/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
R=$WORK/root
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,zl,lib/modules/zl}
cp "$BB" "$R/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$R/bin/$a"; done
install -m 755 "$HERE/init" "$R/init"
install -m 755 "$HELPER" "$R/zl/zlguest"
cp "$STEPS" "$R/zl/steps.txt"
[ -z "$EVENTS" ] || cp "$EVENTS" "$R/zl/events.txt"
[ -z "$DISK" ] || : > "$R/zl/disk"
[ -z "$SWAP" ] || : > "$R/zl/swap"
[ -z "$PAGESTATE" ] || : > "$R/zl/page-state"
[ -z "$NOTRACE" ] || : > "$R/zl/no-alloc-trace"
[ -z "$DRAINTRACE" ] || : > "$R/zl/drain-trace"
for m in "${MODS[@]}"; do cp "$MODDIR/$m" "$R/lib/modules/zl/"; basename "$m" >> "$R/lib/modules/zl/list.txt"; done
INITRD=$WORK/initrd.cpio.gz
{
  [ -z "$KINITRD" ] || cat "$KINITRD"
  (cd "$R" && find . -print0 | cpio --null -o -H newc --owner=0:0 2>/dev/null | gzip -1)
} > "$INITRD"

QDISK=()
if [ -n "$DISK" ]; then
  truncate -s "$DISK" "$WORK/disk.img" && mkfs.ext4 -q -F "$WORK/disk.img" >/dev/null || die "could not make the ext4 image ($DISK)"
  QDISK+=(-drive "file=$WORK/disk.img,if=none,id=d0,format=raw,cache=unsafe" -device virtio-blk-pci,drive=d0)
fi
if [ -n "$SWAP" ]; then
  [ -n "$DISK" ] || die "--swap needs --disk (swap is the second virtio disk, /dev/vdb)"
  fallocate -l "$SWAP" "$WORK/swap.img" && chmod 600 "$WORK/swap.img" && mkswap "$WORK/swap.img" >/dev/null || die "could not make the swap image ($SWAP)"
  QDISK+=(-drive "file=$WORK/swap.img,if=none,id=d1,format=raw,cache=unsafe" -device virtio-blk-pci,drive=d1)
fi

QNUMA=()
if [ -n "$NUMA" ]; then
  i=0
  IFS=, read -ra NODES <<<"$NUMA"
  for sz in "${NODES[@]}"; do
    QNUMA+=(-object "memory-backend-ram,id=ram$i,size=$sz" -numa "node,nodeid=$i,memdev=ram$i")
    i=$((i + 1))
  done
fi

CMDLINE="console=$CONSOLE panic=-1 nokaslr ${KARGS[*]:-}"
CMDLINE=${CMDLINE% }
if [ "$ARCH" = x86_64 ]; then
  QM=(-machine pc -accel tcg)
else
  QM=(-machine virt -cpu cortex-a57 -accel tcg)
fi
# -icount: the guest clock counts instructions (2^shift ns each), so zlguest's step times measure the work done, not
# the shared host's load; sleep=on lets an idle guest skip ahead in virtual time
[ -z "$ICOUNT" ] || QM+=(-icount "shift=$ICOUNT,sleep=on")
LOG=$OUT/console.log
# -nic none: the guest has no network, and QEMU's default NIC (e1000 on pc, virtio-net on virt) needs an iPXE option
# ROM from a package the emulator only recommends; without it QEMU exits 1 before the kernel prints a line
QCMD=("$QEMU" "${QM[@]}" -m "$MEM" -smp "$SMP" "${QNUMA[@]}" -kernel "$KIMAGE" -initrd "$INITRD" -append "$CMDLINE"
      "${QDISK[@]}" -nic none -display none -monitor none -serial "file:$LOG" -no-reboot)
T0=$(date +%s.%N)
set +e
timeout -k 10 "$TIMEOUT" "${QCMD[@]}" </dev/null >"$OUT/qemu.stderr" 2>&1
RC=$?
set -e
WALL=$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

tr -d '\r' < "$LOG" | awk -v out="$OUT" '
  /^@@ZL-BEGIN [A-Za-z0-9.-]+@@$/ { n = $2; sub(/@@$/, "", n); cur = out "/" n ".txt"; printf "" > cur; next }
  /^@@ZL-END [A-Za-z0-9.-]+@@$/   { if (cur != "") close(cur); cur = ""; next }
  /^@@ZL-STEP [0-9]+ /           { s = $0; sub(/^@@ZL-STEP /, "", s); sub(/ *@@$/, "", s); print s > (out "/steps.txt"); next }
  cur != ""                      { print >> cur }'

{
  echo "arch: $ARCH"
  echo "kernel_package: $KPKG $KVER"
  echo "kernel_image: $(basename "$KIMAGE")"
  echo "modules: ${MODS[*]##*/}"
  echo "mem: $MEM"
  echo "numa: ${NUMA:-none}"
  echo "smp: $SMP"
  echo "disk: ${DISK:-none}"
  echo "swap: ${SWAP:-none}"
  [ -z "$PAGESTATE" ] || echo "page_state: yes"
  [ -z "$NOTRACE" ] || echo "alloc_trace: no"
  [ -z "$DRAINTRACE" ] || echo "drain_trace: yes"
  # zlpagestate.h: the tries it took to read step 0 as one still moment (buddyinfo and pagetypeinfo the same
  # before and after kpageflags), and the time it waited between them
  if [ -n "$PAGESTATE" ]; then
    ps=$(tr -d '\r' < "$LOG" | sed -n 's/^@@ZL-PAGESTATE tries=\([0-9]*\) waited_ms=\([0-9]*\) .*@@$/\1 \2/p' | head -n1 || true)
    [ -z "$ps" ] || { echo "page_state_tries: ${ps% *}"; echo "page_state_waited_ms: ${ps#* }"; }
  fi
  echo "cmdline: $CMDLINE"
  echo "qemu_version: $("$QEMU" --version | head -n1)"
  echo "qemu_exit: $RC"
  echo "wall_seconds: $WALL"
  [ -z "$ICOUNT" ] || echo "icount: shift=$ICOUNT"
} > "$OUT/run-info.txt"

if [ $RC = 124 ] || [ $RC = 137 ]; then
  echo "oracle-run.sh: the guest did not finish within ${TIMEOUT}s (serial log $LOG)" >&2
  exit 124
fi
if ! tr -d '\r' < "$LOG" | grep -q '^@@ZL-DONE@@$'; then
  why=$(tr -d '\r' < "$LOG" | sed -n 's/^@@ZL-FAILED \(.*\)@@$/\1/p' | head -n1 || true)
  if [ -n "$why" ]; then
    echo "oracle-run.sh: the workload failed in the guest: $why" >&2
  elif ! tr -d '\r' < "$LOG" | grep -q '^@@ZL-START@@$'; then
    echo "oracle-run.sh: the kernel did not boot (qemu exit $RC; last console line: $(tr -d '\r' < "$LOG" | grep -v '^$' | tail -n1 | cut -c1-160))" >&2
  else
    echo "oracle-run.sh: the guest stopped before the end of the workload (qemu exit $RC; see $LOG)" >&2
  fi
  exit 3
fi
echo "oracle-run.sh: ok in ${WALL}s" >&2
