#!/bin/bash
# Boot Debian's stock 6.1 kernel under QEMU (TCG) with a tiny busybox initramfs
# that prints the boot memory layout, and split the serial log into files.
#
# usage: boot-x86.sh --out DIR [--mem SIZE] [--machine pc|q35] [--numa "SIZE,SIZE,..."]
#                    [--smp N] [--timeout SECS] [--actions FILE] [-- kernel args...]
#
#   --mem SIZE      guest RAM, QEMU syntax (2G, 3584M; a bare number is MiB). Default 2G,
#                   or the sum of the --numa sizes when only --numa is given.
#   --machine M     pc (i440fx, default) or q35.
#   --numa LIST     one NUMA node per comma-separated SIZE (suffix K/M/G/T required),
#                   node N = -object memory-backend-ram,id=ramN,size=SIZE -numa node,nodeid=N,memdev=ramN.
#                   The sizes must add up to --mem.
#   --smp N         vCPUs (default 1).
#   --timeout SECS  kill QEMU after SECS (default 300; a boot takes 6-20 s).
#   --actions FILE  a busybox sh script, copied into the initramfs as /actions.sh and run by
#                   the guest after the first dump (which then also has pagetypeinfo and
#                   vmstat), with /out/ an empty directory. Its stdout+stderr become
#                   actions.txt, its exit status actions-status.txt; then the guest dumps
#                   zoneinfo, buddyinfo, pagetypeinfo, meminfo and vmstat again as
#                   NAME.after.txt, and sends every regular file the script left in /out/
#                   back as DIR/out/NAME (text files: they travel over the serial console).
#   -- ARGS         appended to the kernel command line, which always starts
#                   "console=ttyS0 panic=-1 nokaslr".
#
# Writes DIR/cmdline.txt zoneinfo.txt meminfo.txt buddyinfo.txt memory-blocks.txt
# dmesg.txt run-info.txt, plus console.log (raw serial) and qemu.stderr; with --actions also
# pagetypeinfo.txt vmstat.txt actions.txt actions-status.txt *.after.txt and out/.
# Exit: 0 ok; 2 usage or setup error; 3 guest did not finish (panic, bad option...);
#       4 a section is missing or empty; 124 timeout.
#
# Environment: ZONELAB_ORACLE_CACHE (default /tmp/zonelab-oracle) caches the kernel
# package and the initramfs; ZONELAB_ORACLE_KERNEL_PKG overrides the kernel package.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${ZONELAB_ORACLE_CACHE:-/tmp/zonelab-oracle}
KPKG=${ZONELAB_ORACLE_KERNEL_PKG:-linux-image-6.1.0-56-amd64-unsigned}
BASE_CMDLINE="console=ttyS0 panic=-1 nokaslr"
OUT="" MEM="" MACHINE=pc NUMA="" SMP=1 TIMEOUT=300 ACTIONS=""
KARGS=()

die() { echo "boot-x86.sh: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --out|--mem|--machine|--numa|--smp|--timeout|--actions)
      [ $# -ge 2 ] || die "$1 needs a value"
      case "$1" in
        --out) OUT=$2;; --mem) MEM=$2;; --machine) MACHINE=$2;;
        --numa) NUMA=$2;; --smp) SMP=$2;; --timeout) TIMEOUT=$2;; --actions) ACTIONS=$2;;
      esac
      shift 2;;
    -h|--help) usage; exit 0;;
    --) shift; KARGS=("$@"); break;;
    *) die "unknown option '$1' (kernel args go after --; see --help)";;
  esac
done
[ -n "$OUT" ] || die "--out DIR is required (see --help)"
case "$MACHINE" in pc|q35) ;; *) die "--machine must be pc or q35, not '$MACHINE'";; esac
[[ "$SMP" =~ ^[1-9][0-9]*$ ]] || die "--smp must be a positive integer, not '$SMP'"
[[ "$TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die "--timeout must be a positive number of seconds, not '$TIMEOUT'"
if [ -n "$ACTIONS" ]; then
  [ -f "$ACTIONS" ] || die "--actions: file not found: $ACTIONS"
  ACTIONS=$(cd "$(dirname "$ACTIONS")" && pwd)/$(basename "$ACTIONS")
fi

# size_bytes SIZE DEFAULT_UNIT -> bytes (integer K/M/G/T suffixes, binary, like QEMU)
size_bytes() {
  local s=$1 unit=$2 n suf
  [[ "$s" =~ ^([0-9]+)([kKmMgGtT]?)[bB]?$ ]] || return 1
  n=${BASH_REMATCH[1]} suf=${BASH_REMATCH[2]:-$unit}
  case "$suf" in
    k|K) echo $((n << 10));; m|M) echo $((n << 20));;
    g|G) echo $((n << 30));; t|T) echo $((n << 40));; B) echo "$n";;
  esac
}

# ---- memory / NUMA ----------------------------------------------------------
QNUMA=()
if [ -n "$NUMA" ]; then
  total=0 i=0
  IFS=, read -ra NODES <<<"$NUMA"
  [ ${#NODES[@]} -ge 1 ] || die "--numa needs at least one size"
  for sz in "${NODES[@]}"; do
    [[ "$sz" =~ [kKmMgGtT]$ ]] || die "--numa size '$sz' needs a K/M/G/T suffix"
    b=$(size_bytes "$sz" B) || die "bad --numa size '$sz'"
    [ "$b" -gt 0 ] || die "--numa size '$sz' must be > 0"
    total=$((total + b))
    QNUMA+=(-object "memory-backend-ram,id=ram$i,size=$sz" -numa "node,nodeid=$i,memdev=ram$i")
    i=$((i + 1))
  done
  if [ -z "$MEM" ]; then
    MEM="$((total >> 20))M"
  else
    m=$(size_bytes "$MEM" M) || die "bad --mem size '$MEM'"
    [ "$m" = "$total" ] || die "--numa sizes add up to $((total >> 20)) MiB but --mem is $MEM ($((m >> 20)) MiB)"
  fi
fi
MEM=${MEM:-2G}
MEMB=$(size_bytes "$MEM" M) || die "bad --mem size '$MEM' (use e.g. 2G or 3584M)"
[ "$MEMB" -ge $((64 << 20)) ] || die "--mem $MEM is too small (at least 64M)"

# ---- host tools ---------------------------------------------------------------
need_pkgs=()
command -v qemu-system-x86_64 >/dev/null || need_pkgs+=(qemu-system-x86)
dpkg -s busybox-static >/dev/null 2>&1 || need_pkgs+=(busybox-static)
command -v cpio >/dev/null || need_pkgs+=(cpio)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing packages: ${need_pkgs[*]} (apt-get install ${need_pkgs[*]})"
  echo "boot-x86.sh: installing ${need_pkgs[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${need_pkgs[@]}" >&2 \
    || { apt-get update >&2 && apt-get install -y --no-install-recommends "${need_pkgs[@]}" >&2; } \
    || die "could not install ${need_pkgs[*]}"
fi
BB=/bin/busybox
[ -x "$BB" ] || die "$BB (package busybox-static) not found"

mkdir -p "$CACHE" "$OUT"
OUT=$(cd "$OUT" && pwd)

# ---- kernel (cached; a lock keeps parallel boots from downloading twice) -----
KDIR=$CACHE/kernel/$KPKG
exec 9>"$CACHE/.lock"
flock 9
if ! ls "$KDIR"/boot/vmlinuz-* >/dev/null 2>&1; then
  mkdir -p "$CACHE/deb"
  if ! ls "$CACHE/deb/${KPKG}"_*.deb >/dev/null 2>&1; then
    echo "boot-x86.sh: downloading $KPKG (once, ~70 MB)" >&2
    (cd "$CACHE/deb" && { apt-get download -o APT::Sandbox::User=root "$KPKG" >&2 \
      || { apt-get update >&2 && apt-get download -o APT::Sandbox::User=root "$KPKG" >&2; }; }) \
      || die "apt-get download $KPKG failed"
  fi
  DEB=$(ls "$CACHE/deb/${KPKG}"_*.deb | head -n1)
  rm -rf "$KDIR.tmp" && mkdir -p "$KDIR.tmp"
  dpkg-deb -x "$DEB" "$KDIR.tmp" || die "dpkg-deb -x $DEB failed"
  rm -rf "$KDIR.tmp/lib" "$KDIR.tmp/usr"        # modules are not needed
  dpkg-deb -f "$DEB" Package Version > "$KDIR.tmp/package.txt"
  rm -rf "$KDIR" && mv "$KDIR.tmp" "$KDIR"
fi
KIMG=$(ls "$KDIR"/boot/vmlinuz-* | head -n1)
KVER=$(awk '/^Version:/{print $2}' "$KDIR/package.txt" 2>/dev/null || true)

# ---- initramfs (cached by hash of guest/init + busybox [+ actions]) -----------
KEY=$(cat "$HERE/guest/init" "$BB" ${ACTIONS:+"$ACTIONS"} | sha256sum | cut -c1-16)
INITRD=$CACHE/initramfs-$KEY.cpio.gz
if [ ! -f "$INITRD" ]; then
  R=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp}
  cp "$BB" "$R/bin/busybox"
  for a in $("$BB" --list); do [ "$a" = busybox ] || ln -sf busybox "$R/bin/$a"; done
  install -m 755 "$HERE/guest/init" "$R/init"
  [ -z "$ACTIONS" ] || install -m 755 "$ACTIONS" "$R/actions.sh"
  (cd "$R" && find . -print0 | cpio --null -o -H newc --owner=0:0 2>/dev/null | gzip -9) > "$INITRD.tmp"
  mv "$INITRD.tmp" "$INITRD"
  rm -rf "$R"
fi
flock -u 9

# ---- boot ---------------------------------------------------------------------
CMDLINE=$BASE_CMDLINE
[ ${#KARGS[@]} -gt 0 ] && CMDLINE="$CMDLINE ${KARGS[*]}"
LOG=$OUT/console.log
rm -f "$LOG" "$OUT/qemu.stderr" "$OUT"/{cmdline,zoneinfo,meminfo,buddyinfo,memory-blocks,dmesg,run-info}.txt
if [ -n "$ACTIONS" ]; then
  rm -rf "$OUT/out" "$OUT"/{pagetypeinfo,vmstat,actions,actions-status}.txt "$OUT"/*.after.txt
fi
QCMD=(qemu-system-x86_64 -machine "$MACHINE" -accel tcg -m "$MEM" -smp "$SMP" "${QNUMA[@]}"
      -kernel "$KIMG" -initrd "$INITRD" -append "$CMDLINE"
      -display none -monitor none -serial "file:$LOG" -no-reboot)

quote() { # print argv shell-quoted only where needed
  local a out=""
  for a in "$@"; do
    if [[ "$a" =~ ^[A-Za-z0-9_.,:=/+@%-]+$ ]]; then out+="$a "; else out+="'${a//\'/\'\\\'\'}' "; fi
  done
  echo "${out% }"
}

T0=$(date +%s.%N)
set +e
timeout -k 10 "$TIMEOUT" "${QCMD[@]}" </dev/null >"$OUT/qemu.stderr" 2>&1
RC=$?
set -e
T1=$(date +%s.%N)
WALL=$(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f", b - a }')

# ---- split the serial log -----------------------------------------------------
[ -f "$LOG" ] || : > "$LOG"
tr -d '\r' < "$LOG" | awk -v out="$OUT" '
  /^@@ZL-BEGIN [a-z.-]+@@$/ { n = $2; sub(/@@$/, "", n); cur = out "/" n ".txt"; printf "" > cur; next }
  /^@@ZL-END [a-z.-]+@@$/   { if (cur != "") close(cur); cur = ""; next }
  /^@@ZL-FILE [A-Za-z0-9._-]+@@$/ { n = $2; sub(/@@$/, "", n); system("mkdir -p \"" out "/out\"")
                               cur = out "/out/" n; printf "" > cur; next }
  /^@@ZL-EOF [A-Za-z0-9._-]+@@$/  { if (cur != "") close(cur); cur = ""; next }
  cur != ""                { print >> cur }'

{
  echo "kernel_package: $KPKG ${KVER:-?}"
  echo "kernel_image: $KIMG"
  echo "initramfs: $INITRD"
  echo "machine: $MACHINE"
  echo "mem: $MEM"
  echo "numa: ${NUMA:-none}"
  echo "smp: $SMP"
  echo "cmdline: $CMDLINE"
  [ -z "$ACTIONS" ] || echo "actions: $(basename "$ACTIONS") sha256 $(sha256sum < "$ACTIONS" | cut -c1-16)"
  echo "qemu: $(quote "${QCMD[@]}")"
  echo "qemu_version: $(qemu-system-x86_64 --version | head -n1)"
  echo "qemu_exit: $RC"
  echo "wall_seconds: $WALL"
} > "$OUT/run-info.txt"

if [ $RC = 124 ] || [ $RC = 137 ]; then
  echo "boot-x86.sh: TIMEOUT after ${TIMEOUT}s (raise --timeout); serial log: $LOG" >&2
  exit 124
fi
if ! tr -d '\r' < "$LOG" | grep -q '^@@ZL-DONE@@$'; then
  echo "boot-x86.sh: the guest did not finish (qemu exit $RC). qemu stderr:" >&2
  sed 's/^/  /' "$OUT/qemu.stderr" >&2
  echo "last serial lines ($LOG):" >&2
  tr -d '\r' < "$LOG" | tail -n 25 | sed 's/^/  /' >&2
  exit 3
fi
missing=()
for f in cmdline zoneinfo meminfo buddyinfo memory-blocks dmesg; do
  [ -s "$OUT/$f.txt" ] || missing+=("$f.txt")
done
if [ -n "$ACTIONS" ]; then
  for f in pagetypeinfo actions-status zoneinfo.after buddyinfo.after pagetypeinfo.after; do
    [ -s "$OUT/$f.txt" ] || missing+=("$f.txt")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "boot-x86.sh: missing or empty output: ${missing[*]} (serial log: $LOG)" >&2
  exit 4
fi
echo "boot-x86.sh: ok in ${WALL}s -> $OUT" >&2
