# Actions for boot-x86.sh / arm64/boot-arm64.sh --actions, appended by record-snapshots.sh after a heredoc that
# writes the project's snapshot script (src/ZoneLab.Core/Workloads/DeviceState/zonelab-snapshot.sh) to
# /tmp/zonelab-snapshot.sh. Puts load on the guest and takes three snapshots; every file of snapshot N is sent back
# as /out/sN.NAME (the fdt gzipped and base64-encoded: the harness carries text only).
set -u
cd /
mkdir -p /tmp /mnt/t /mnt/f
mount -t tmpfs -o nr_inodes=0 tmpfs /mnt/t   # page cache of tmpfs files: Shmem, on the anon LRU
mount -t tmpfs -o nr_inodes=0 tmpfs /mnt/f

send() { # N DIR
  for f in "$2"/*; do
    b=${f##*/}
    if [ "$b" = fdt ]; then gzip -9 -c "$f" | base64 > "/out/s$1.fdt.gz.b64"; else cat "$f" > "/out/s$1.$b"; fi
  done
  rm -rf "$2"
}
free_kb() { grep MemFree /proc/meminfo | tr -s ' ' | cut -d' ' -f2; }

# 1. load: 64 KiB tmpfs files (about a third of RAM), 4 KiB files to interleave with them, 20000 empty files
#    (dentries and shmem inodes: reclaimable and unmovable slab), and anonymous memory held by a sleeping shell
total=$(grep MemTotal /proc/meminfo | tr -s ' ' | cut -d' ' -f2)
n64=$((total / 3 / 64))
# shell builtins only in the loops (a fork costs milliseconds under TCG)
s=$(printf '%04000d' 0)
b=$s$s$s$s$s$s$s$s$s$s$s$s$s$s$s$s
i=0
while [ $i -lt $n64 ]; do
  echo "$b" > /mnt/t/big$i
  i=$((i + 1))
done
i=0
while [ $i -lt 8000 ]; do
  echo "$s" > /mnt/f/small$i
  i=$((i + 1))
done
i=0
while [ $i -lt 20000 ]; do
  : > /mnt/f/empty$i
  i=$((i + 1))
done
# (sleep must not be the subshell's last command: ash would exec it and drop the shell's memory with x)
( x=$(head -c $((total * 1024 / 8)) /dev/zero | tr '\0' a); echo "anon holder: ${#x} bytes"; sleep 100000; echo "${#x}" ) &
holder=$!
want=$((total / 8 * 9 / 10))
rss=0
while [ "${rss:-0}" -lt $want ]; do
  sleep 1
  rss=$(awk '/^VmRSS/ {print $2}' /proc/$holder/status 2>/dev/null)
  [ -n "$rss" ] || break
done
echo "anon holder RSS ${rss:-?} kB"
sleep 2
echo "after load: MemFree $(free_kb) kB"
sh /tmp/zonelab-snapshot.sh /tmp/s1 && send 1 /tmp/s1

# 2. fragment: the even-numbered 4 KiB files and the 64 KiB files numbered ...0, 3, 6, 9 deleted, anonymous memory kept
rm -f /mnt/f/small*[02468] /mnt/t/big*[0369]
sync
echo "after deleting: MemFree $(free_kb) kB"
sh /tmp/zonelab-snapshot.sh /tmp/s2 && send 2 /tmp/s2

# 3. the anonymous memory released, half the empty files deleted, caches dropped, memory compacted
kill $holder 2>/dev/null
wait $holder 2>/dev/null
rm -rf /mnt/f/empty1*
echo 3 > /proc/sys/vm/drop_caches
echo 1 > /proc/sys/vm/compact_memory 2>/dev/null
sleep 2
echo "after drop: MemFree $(free_kb) kB"
sh /tmp/zonelab-snapshot.sh /tmp/s3 && send 3 /tmp/s3
ls -la /out | head -50
