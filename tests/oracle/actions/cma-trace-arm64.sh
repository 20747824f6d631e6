#!/bin/sh
# Actions script for the arm64 oracle (QEMU virt, Debian's stock arm64 6.1, which has CONFIG_CMA=y): record a
# kmem + cma ftrace of gigantic pages taken from a hugetlb_cma area, and leave it in /out/trace.txt.
#
#   tests/oracle/arm64/boot-arm64.sh --out /tmp/ct --mem 2G \
#       --actions tests/oracle/actions/cma-trace-arm64.sh -- hugetlb_cma=1G
#
# (6.1 reserves hugetlb_cma only when it holds a PUD-size page: "hugetlb_cma: cma area should be at least
# 1024 MiB" otherwise; the 1 GiB area then serves the 32 MiB gigantic pages too.)
#
# With 4 KiB pages, arm64's 32 MiB contiguous-PMD huge pages are gigantic (order 13 > MAX_ORDER - 1), so
# alloc_gigantic_page() (mm/hugetlb.c) calls cma_alloc() on the hugetlb_cma area (cma:cma_alloc_start,
# cma_alloc_finish); when the area is full cma_alloc_finish reports a NULL page and the page comes from
# alloc_contig_pages() instead. Freeing one calls cma_release(), whose free_contig_range() traces one
# mm_page_free per page (8192 lines for 32 MiB) before cma:cma_release.
T=/sys/kernel/tracing
H=/sys/kernel/mm/hugepages/hugepages-32768kB
mount -t tracefs nodev $T 2>/dev/null
[ -e $T/trace ] || { echo "no tracefs at $T"; exit 1; }
[ -d $H ] || { echo "no 32 MiB huge pages ($H)"; exit 1; }
echo 0 > $T/tracing_on
echo 8192 > $T/buffer_size_kb
for e in kmem/mm_page_alloc kmem/mm_page_free kmem/mm_page_free_batched kmem/mm_page_alloc_zone_locked \
         kmem/mm_page_pcpu_drain kmem/mm_page_alloc_extfrag \
         cma/cma_alloc_start cma/cma_alloc_finish cma/cma_alloc_busy_retry cma/cma_release; do
  echo 1 > $T/events/$e/enable || { echo "cannot enable $e"; exit 1; }
done

# Movable page cache first, some of which lands in the CMA areas and has to be migrated out.
mkdir -p /mnt/t
mount -t tmpfs tmpfs /mnt/t
echo > $T/trace
echo 1 > $T/tracing_on
dd if=/dev/zero of=/mnt/t/a bs=64k count=128 2>&1
echo 2 > $H/nr_hugepages; echo "asked 2: nr_hugepages=$(cat $H/nr_hugepages)"
echo 1 > $H/nr_hugepages; echo "asked 1: nr_hugepages=$(cat $H/nr_hugepages)"
# 1 GiB of CMA holds 32 pages of 32 MiB: 31 more fit, the last 2 of 34 fail in cma_alloc() and come from
# alloc_contig_pages().
echo 34 > $H/nr_hugepages; echo "asked 34: nr_hugepages=$(cat $H/nr_hugepages)"
rm -f /mnt/t/a
echo 0 > $T/tracing_on

for c in $T/per_cpu/cpu*; do
  echo "== $(basename $c) stats"
  cat $c/stats
done
grep -E 'CmaTotal|CmaFree|Hugetlb' /proc/meminfo
cat $T/trace > /out/trace.txt
echo "trace lines: $(wc -l < /out/trace.txt)"
for e in mm_page_alloc mm_page_free mm_page_free_batched mm_page_alloc_zone_locked mm_page_pcpu_drain \
         mm_page_alloc_extfrag cma_alloc_start cma_alloc_finish cma_alloc_busy_retry cma_release; do
  echo "$e: $(grep -c " $e: " /out/trace.txt)"
done
