#!/bin/sh
# zonelab-snapshot: collect a Linux device's page-allocator state for `zonelab run|compare|replay|proc --from DIR`.
#
#   sh zonelab-snapshot.sh [DIR]    write the files into DIR (default: ./zonelab-snapshot)
#   sh zonelab-snapshot.sh -        write them as a tar archive to stdout (sh zonelab-snapshot.sh - > snap.tar)
#
# Needs a POSIX or busybox sh with cat, cmp, grep, uname (tar for "-"). Run it as root: /proc/pagetypeinfo is
# readable by root only since 5.4, /proc/iomem shows zero addresses to others, and dmesg may be restricted.
# Files: zoneinfo buddyinfo pagetypeinfo meminfo vmstat dmesg cmdline version uname-r uname-m [iomem] [fdt]
# and snapshot.txt (what was collected and how). A file the kernel does not have is left out and listed there.
# Free lists change all the time: buddyinfo, pagetypeinfo and zoneinfo are read back to back and read again until
# buddyinfo did not change while they were read, so the three describe one moment.

set -u
PATH=$PATH:/bin:/sbin:/usr/bin:/usr/sbin:/system/bin
to=${1:-zonelab-snapshot}
if [ "$to" = "-" ]; then
  D=$(mktemp -d "${TMPDIR:-/tmp}/zonelab-snapshot.XXXXXX" 2>/dev/null) || {
    D=${TMPDIR:-/tmp}/zonelab-snapshot.$$; mkdir -p "$D" || exit 1; }
else
  D=$to
  mkdir -p "$D" || { echo "zonelab-snapshot: cannot create $D" >&2; exit 1; }
fi
notes=""
note() { notes="$notes$*
"; }

# copy /proc/FILE (or another path) to $D/NAME when it exists and reads without error
grab() { # SRC NAME
  if [ -r "$1" ] && cat "$1" > "$D/$2" 2>/dev/null && [ -s "$D/$2" ]; then return 0; fi
  rm -f "$D/$2"; note "missing: $2 ($1 not readable)"; return 1
}

# One moment of the free lists: buddyinfo, pagetypeinfo, zoneinfo, then buddyinfo again; retry while it moved.
tries=0
while :; do
  tries=$((tries + 1))
  cat /proc/buddyinfo > "$D/buddyinfo" 2>/dev/null
  [ -r /proc/pagetypeinfo ] && cat /proc/pagetypeinfo > "$D/pagetypeinfo" 2>/dev/null
  cat /proc/zoneinfo > "$D/zoneinfo" 2>/dev/null
  cat /proc/buddyinfo > "$D/.buddyinfo.again" 2>/dev/null
  if cmp -s "$D/buddyinfo" "$D/.buddyinfo.again"; then break; fi
  if [ $tries -ge 50 ]; then note "free lists still moving after $tries reads: buddyinfo and pagetypeinfo may disagree"; break; fi
done
rm -f "$D/.buddyinfo.again"
for f in buddyinfo pagetypeinfo zoneinfo; do
  [ -s "$D/$f" ] || { rm -f "$D/$f"; note "missing: $f (/proc/$f not readable)"; }
done
grab /proc/meminfo meminfo
grab /proc/vmstat vmstat
grab /proc/cmdline cmdline
grab /proc/version version
uname -r > "$D/uname-r" 2>/dev/null || rm -f "$D/uname-r"
uname -m > "$D/uname-m" 2>/dev/null || rm -f "$D/uname-m"

# /proc/iomem: to non-root readers every address reads 0; such a copy is useless
if grab /proc/iomem iomem && ! grep -q '[1-9a-f]' "$D/iomem"; then
  rm -f "$D/iomem"; note "missing: iomem (addresses hidden: not root)"
fi

# The device tree the kernel booted with (arm, arm64, riscv, ...): the raw blob
[ -e /sys/firmware/fdt ] && grab /sys/firmware/fdt fdt

# The boot log: the whole ring buffer (busybox dmesg reads 16 KiB unless given -s). After a long uptime the boot
# lines may have rotated out; then a copy saved at boot, if the system keeps one.
{ dmesg -s 8388608 2>/dev/null || dmesg 2>/dev/null; } > "$D/dmesg"
if ! grep -q -e 'Zone ranges' -e 'Linux version' "$D/dmesg" 2>/dev/null; then
  for f in /var/log/dmesg /var/log/dmesg.0 /var/log/boot.log; do
    if [ -r "$f" ] && grep -q 'Zone ranges' "$f"; then cat "$f" > "$D/dmesg"; note "dmesg: from $f (ring buffer had no boot lines)"; break; fi
  done
fi
[ -s "$D/dmesg" ] || { rm -f "$D/dmesg"; note "missing: dmesg (not readable: dmesg_restrict?)"; }

{
  echo "zonelab-snapshot 1"
  echo "date: $(date -u '+%Y-%m-%dT%H:%M:%SZ' 2>/dev/null)"
  echo "reads: $tries"
  echo "files: $(cd "$D" && ls | grep -v '^snapshot.txt$' | tr '\n' ' ')"
  printf '%s' "$notes"
} > "$D/snapshot.txt"

if [ "$to" = "-" ]; then
  (cd "$D" && tar -cf - .)
  rc=$?
  rm -rf "$D"
  exit $rc
fi
echo "zonelab-snapshot: wrote $D ($(ls "$D" | wc -l) files)" >&2
