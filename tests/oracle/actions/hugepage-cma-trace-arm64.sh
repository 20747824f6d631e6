#!/bin/sh
# Actions script for the arm64 oracle (QEMU virt, Debian's stock arm64 6.1, CONFIG_CMA=y): record a kmem + cma
# ftrace of a different workload from cma-trace-arm64.sh, with the other trace output options, and leave it in
# /out/trace.txt.
#
#   tests/oracle/arm64/boot-arm64.sh --out /tmp/hc --mem 512M --smp 2 \
#       --actions tests/oracle/actions/hugepage-cma-trace-arm64.sh -- cma=256M
#
# Output options: options/record-tgid on (a "(TGID)" column after TASK-PID) and options/irq-info off (no
# irqs-off/need-resched/preempt-depth flags column): print_event_info()/trace_print_context() in their other layout.
#
# Workload: with cma=256M on 512 MiB the default CMA area ("reserved") holds more than half the free pages, so
# __rmqueue() (mm/page_alloc.c) serves movable requests from MIGRATE_CMA first (mm_page_alloc_zone_locked
# migratetype=4). Traced: 24 MiB of tmpfs page cache, 24 PMD-size (2 MiB, order 9) huge pages through
# /proc/sys/vm/nr_hugepages (alloc_buddy_huge_page(): mm_page_alloc order=9, never from CMA since hugetlb pages
# are not movable here), a little fork churn, then the huge pages and the file freed and the caches dropped.
# No driver calls cma_alloc() here, so no cma:* lines are expected; the events are enabled anyway.
EMPTY_DD_MB=24
HUGE=24
MAX_LINES=60000
T=/sys/kernel/tracing
mount -t tracefs nodev $T 2>/dev/null
[ -e $T/trace ] || { echo "no tracefs at $T"; exit 1; }
echo 0 > $T/tracing_on
echo 8192 > $T/buffer_size_kb
echo 1 > $T/options/record-tgid
echo 0 > $T/options/irq-info
for e in kmem/mm_page_alloc kmem/mm_page_free kmem/mm_page_free_batched kmem/mm_page_alloc_zone_locked \
         kmem/mm_page_pcpu_drain kmem/mm_page_alloc_extfrag \
         cma/cma_alloc_start cma/cma_alloc_finish cma/cma_alloc_busy_retry cma/cma_release; do
  echo 1 > $T/events/$e/enable || { echo "cannot enable $e"; exit 1; }
done
grep -E 'MemFree|CmaTotal|CmaFree' /proc/meminfo
mkdir -p /mnt/t
mount -t tmpfs tmpfs /mnt/t
echo > $T/trace
echo 1 > $T/tracing_on
dd if=/dev/zero of=/mnt/t/a bs=64k count=$((EMPTY_DD_MB * 16)) 2>&1
grep -E 'MemFree|CmaFree' /proc/meminfo
echo $HUGE > /proc/sys/vm/nr_hugepages; echo "asked $HUGE: nr_hugepages=$(cat /proc/sys/vm/nr_hugepages)"
i=0
while [ $i -lt 5 ]; do
  ls /proc > /dev/null
  i=$((i + 1))
done
echo 0 > /proc/sys/vm/nr_hugepages
rm -f /mnt/t/a
echo 3 > /proc/sys/vm/drop_caches
echo 0 > $T/tracing_on

for c in $T/per_cpu/cpu*; do
  echo "== $(basename $c) stats"
  cat $c/stats
done
grep -E 'MemFree|CmaTotal|CmaFree|Hugetlb' /proc/meminfo
cat $T/trace > /tmp/trace.txt
lines=$(wc -l < /tmp/trace.txt)
echo "trace lines: $lines"
for e in mm_page_alloc mm_page_free mm_page_free_batched mm_page_alloc_zone_locked mm_page_pcpu_drain \
         mm_page_alloc_extfrag cma_alloc_start cma_alloc_finish cma_alloc_busy_retry cma_release; do
  echo "$e: $(grep -c " $e: " /tmp/trace.txt)"
done
if [ "$lines" -gt $MAX_LINES ]; then
  echo "trace not sent back: more than MAX_LINES=$MAX_LINES lines"
  exit 3
fi
mv /tmp/trace.txt /out/trace.txt
