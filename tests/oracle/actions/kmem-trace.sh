#!/bin/sh
# boot-x86.sh --actions: record a kmem page-allocator ftrace of a workload that allocates,
# frees and fragments, and leave it in /out/trace.txt (plus the ring buffer statistics).
#
#   tests/oracle/boot-x86.sh --out /tmp/kt --mem 256M --smp 2 \
#       --actions tests/oracle/actions/kmem-trace.sh
#
# Events (include/trace/events/kmem.h of 6.1): mm_page_alloc, mm_page_free, mm_page_free_batched,
# mm_page_alloc_zone_locked, mm_page_pcpu_drain, mm_page_alloc_extfrag. Debian's stock 6.1 has
# CONFIG_CMA unset, so there are no cma:* events here.
#
# Phase A (not traced) fills most free memory with 4 KiB tmpfs files and frees every other one,
# so that movable pageblocks are full of order-0 holes. Phase B (traced) then grows unmovable
# slab (empty files: shmem inodes and dentries), streams a little page cache, forks, and frees
# everything: unmovable allocations must fall back into the fragmented movable blocks
# (mm_page_alloc_extfrag with fragmenting=1), and a tenth of phase A is freed: frees of pages allocated before
# tracing started. Knobs: KEEP_FREE_KB (phase A stops there), EMPTY_FILES, DD_KB, FORKS; a trace of
# more than MAX_LINES lines is not sent back (the serial console moves about 80 KB/s).
KEEP_FREE_KB=32768
EMPTY_FILES=40000
DD_KB=2048
FORKS=10
MAX_LINES=40000

mem_free_kb() {
  while read -r k v _; do
    [ "$k" = MemFree: ] && { echo "$v"; return; }
  done < /proc/meminfo
}

T=/sys/kernel/tracing
mount -t tracefs nodev $T 2>/dev/null
[ -e $T/trace ] || { echo "no tracefs at $T"; exit 1; }

echo 0 > $T/tracing_on
echo 16384 > $T/buffer_size_kb          # per cpu; the workload below stays well inside it
echo nop > $T/current_tracer
for e in mm_page_alloc mm_page_free mm_page_free_batched mm_page_alloc_zone_locked \
         mm_page_pcpu_drain mm_page_alloc_extfrag; do
  echo 1 > $T/events/kmem/$e/enable || { echo "cannot enable kmem:$e"; exit 1; }
done

mkdir -p /mnt/t /mnt/e
mount -t tmpfs -o size=90% tmpfs /mnt/t
mount -t tmpfs -o nr_inodes=0 tmpfs /mnt/e   # default nr_inodes (half the RAM pages) is too few

# Phase A: fill with 4 KiB files until MemFree < KEEP_FREE_KB, then free every other one.
page=$(printf '%4095s' x)
n=0
while :; do
  j=0
  while [ $j -lt 256 ]; do
    echo "$page" > /mnt/t/a$n
    n=$((n + 1)); j=$((j + 1))
  done
  [ "$(mem_free_kb)" -lt $KEEP_FREE_KB ] && break
done
rm -f /mnt/t/a*[02468]      # one process: busybox rm is no shell builtin, and forks are costly
echo "phase A: $n files of 4 KiB written, the even-numbered removed; MemFree $(mem_free_kb) kB"
cat /proc/buddyinfo

# Phase B, traced.
echo > $T/trace
echo "tracing from: $(cat /proc/uptime)"
echo 1 > $T/tracing_on

# B1. unmovable slab growth: empty files are a shmem inode and a dentry each, no data page
i=0
while [ $i -lt $EMPTY_FILES ]; do
  : > /mnt/e/e$i
  i=$((i + 1))
done
# B2. streaming page cache into tmpfs (movable order-0, pcp refills and drains)
dd if=/dev/zero of=/mnt/e/big bs=4k count=$((DD_KB / 4)) 2>&1
# B3. fork+exec churn: page tables, kernel stacks, anonymous pages
i=0
while [ $i -lt $FORKS ]; do
  ls /proc > /dev/null
  i=$((i + 1))
done
# B4. free: half the empty files, a fifth of phase A's remaining pages (allocated untraced), then
#     drop the clean caches
rm -f /mnt/e/e*[02468] /mnt/e/big /mnt/t/a*1
echo 3 > /proc/sys/vm/drop_caches

echo 0 > $T/tracing_on
echo "tracing until: $(cat /proc/uptime)"
for c in $T/per_cpu/cpu*; do
  echo "== $(basename $c) stats"
  cat $c/stats
done
cat $T/trace > /tmp/trace.txt
lines=$(wc -l < /tmp/trace.txt)
echo "trace lines: $lines"
for e in mm_page_alloc mm_page_free mm_page_free_batched mm_page_alloc_zone_locked \
         mm_page_pcpu_drain mm_page_alloc_extfrag; do
  echo "$e: $(grep -c " $e: " /tmp/trace.txt)"
done
if [ "$lines" -gt $MAX_LINES ]; then
  echo "trace not sent back: more than MAX_LINES=$MAX_LINES lines"
  exit 3
fi
mv /tmp/trace.txt /out/trace.txt
