#!/bin/sh
# The fuzzing campaign (README.md here): builds the driver, runs COUNT cases from FIRST in a loop that restarts the
# driver after a hang or a runaway (the stuck thread cannot be stopped in-process), with a 3 GB managed-heap cap.
# usage: tests/ZoneLab.Fuzz/run.sh OUT_DIR [COUNT] [SEED]
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:?OUT_DIR}; count=${2:-3000}; seed=${3:-1}
mkdir -p "$out"
dotnet build -c Release "$here" -o "$out/bin" >/dev/null
next=$(cat "$out/next" 2>/dev/null || echo 0)
end=$((next + count))
while [ "$next" -lt "$end" ]; do
  DOTNET_GCHeapHardLimit=0xC0000000 timeout 3600 dotnet "$out/bin/zonelab-fuzz.dll" "$root" "$out" "$next" $((end - next)) "$seed" || true
  n=$(cat "$out/next" 2>/dev/null || echo "$end")
  [ "$n" -le "$next" ] && n=$((next + 1))   # a crash of the driver itself: skip that case
  next=$n
done
echo "cases: $(wc -l < "$out/log.tsv"); failures: $(ls "$out/failures" | wc -l) distinct"
