#!/bin/bash
# Boot every case of cases-x86.txt (or only the names given; shell globs work,
# e.g. 'x1*') and record the results as differential-test fixtures in
#   tests/ZoneLab.Tests/Fixtures/x86_64-6.1/<name>/
# keeping cmdline.txt dmesg.txt zoneinfo.txt meminfo.txt memory-blocks.txt
# run-info.txt (absolute paths reduced to file names) and case.txt (the case line).
# At most 2 boots run at once (ZONELAB_ORACLE_JOBS=1 for one at a time).
#
# usage: record-fixtures.sh [--list] [name|glob ...]
# env:   ZONELAB_ORACLE_CASES (default: cases-x86.txt beside this script)
#        ZONELAB_ORACLE_FIXTURES (default: tests/ZoneLab.Tests/Fixtures/x86_64-6.1)
#        ZONELAB_ORACLE_TIMEOUT (seconds per boot, default 300), ZONELAB_ORACLE_CACHE
# exit:  0 all recorded; 1 some case failed (its old fixture is left as it was); 2 usage.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CASES=${ZONELAB_ORACLE_CASES:-$HERE/cases-x86.txt}
FIX=${ZONELAB_ORACLE_FIXTURES:-$ROOT/tests/ZoneLab.Tests/Fixtures/x86_64-6.1}
JOBS=${ZONELAB_ORACLE_JOBS:-2}
TIMEOUT=${ZONELAB_ORACLE_TIMEOUT:-300}
KEEP=(cmdline.txt dmesg.txt zoneinfo.txt meminfo.txt memory-blocks.txt run-info.txt)
NONEMPTY=(zoneinfo.txt dmesg.txt memory-blocks.txt cmdline.txt meminfo.txt)

die() { echo "record-fixtures.sh: $*" >&2; exit 2; }
[[ "$JOBS" =~ ^[12]$ ]] || die "ZONELAB_ORACLE_JOBS must be 1 or 2"
[ -f "$CASES" ] || die "cases file not found: $CASES"

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }

# ---- read the cases -----------------------------------------------------------
NAMES=() LINES=()
declare -A SEEN=()
n=0
while IFS= read -r line || [ -n "$line" ]; do
  n=$((n + 1))
  t=$(trim "$line")
  [ -z "$t" ] || [ "${t:0:1}" = "#" ] && continue
  [ "$(tr -cd '|' <<<"$t" | wc -c)" = 2 ] || die "$CASES:$n: expected 'name | options | kernel args'"
  name=$(trim "${t%%|*}")
  [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "$CASES:$n: bad case name '$name'"
  [ -z "${SEEN[$name]:-}" ] || die "$CASES:$n: duplicate case name '$name'"
  SEEN[$name]=1
  NAMES+=("$name") LINES+=("$t")
done < "$CASES"

if [ "${1:-}" = --list ]; then printf '%s\n' "${NAMES[@]}"; exit 0; fi
case "${1:-}" in -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0;; esac

SEL=()
if [ $# -eq 0 ]; then
  SEL=("${!NAMES[@]}")
else
  for pat in "$@"; do
    hit=0
    for i in "${!NAMES[@]}"; do
      # shellcheck disable=SC2053
      if [[ "${NAMES[$i]}" == $pat ]]; then
        [[ " ${SEL[*]:-} " == *" $i "* ]] || SEL+=("$i")
        hit=1
      fi
    done
    [ $hit = 1 ] || die "no case matches '$pat' (see --list)"
  done
fi

WORK=$(mktemp -d /tmp/zonelab-record.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$FIX"

# ---- one case -------------------------------------------------------------------
run_case() { # index
  local i=$1 name=${NAMES[$1]} line=${LINES[$1]} rest opts kargs out rc f
  rest=${line#*|}
  opts=$(trim "${rest%%|*}")
  kargs=$(trim "${rest#*|}")
  local -a O K
  read -ra O <<<"$opts"
  read -ra K <<<"$kargs"
  out=$WORK/$name
  "$HERE/boot-x86.sh" --out "$out" --timeout "$TIMEOUT" "${O[@]}" -- "${K[@]}" >"$WORK/$name.log" 2>&1
  rc=$?
  if [ $rc = 0 ]; then
    for f in "${NONEMPTY[@]}"; do
      [ -s "$out/$f" ] || { echo "record-fixtures.sh: $name: $f is empty" >>"$WORK/$name.log"; rc=4; }
    done
  fi
  if [ $rc = 0 ]; then
    rm -rf "$FIX/$name.new" && mkdir -p "$FIX/$name.new"
    for f in "${KEEP[@]}"; do cp "$out/$f" "$FIX/$name.new/$f"; done
    # absolute paths (cache, scratch dir) -> bare file names
    sed -E "s#(^|[ =:'])/[^ ':]*/#\1#g" "$out/run-info.txt" >"$FIX/$name.new/run-info.txt"
    printf '%s\n' "$line" >"$FIX/$name.new/case.txt"
    rm -rf "$FIX/$name" && mv "$FIX/$name.new" "$FIX/$name"
  fi
  local wall
  wall=$(sed -n 's/^wall_seconds: //p' "$out/run-info.txt" 2>/dev/null)
  echo "$rc ${wall:-?}" >"$WORK/$name.rc"
  if [ $rc = 0 ]; then
    printf '%-58s ok    %6ss\n' "$name" "$wall"
  else
    printf '%-58s FAIL  exit %s\n' "$name" "$rc"
    sed 's/^/    /' "$WORK/$name.log" | tail -n 40
  fi
}

# ---- run, at most $JOBS at once ----------------------------------------------------
T0=$(date +%s)
echo "recording ${#SEL[@]} case(s) into $FIX ($JOBS at a time)"
running=0
for i in "${SEL[@]}"; do
  if [ $running -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
  run_case "$i" &
  running=$((running + 1))
done
wait

fail=() total=0
for i in "${SEL[@]}"; do
  name=${NAMES[$i]}
  read -r rc wall <"$WORK/$name.rc" 2>/dev/null || rc=99
  [ "$rc" = 0 ] || fail+=("$name")
done
echo "done: $(( ${#SEL[@]} - ${#fail[@]} ))/${#SEL[@]} recorded in $(( $(date +%s) - T0 ))s"
if [ ${#fail[@]} -gt 0 ]; then
  echo "FAILED: ${fail[*]}" >&2
  exit 1
fi
