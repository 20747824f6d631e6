#!/usr/bin/env bash
# A real Slurm test of `zonelab sweep` on a one-node cluster made here (docs/sweeps.md, "On a cluster"):
#  1. installs Debian's slurm-wlm and munge when missing (as root), starts munged, slurmctld and slurmd with a
#     configuration generated into a temporary folder (own ports, state, logs; nothing under /etc is changed);
#  2. submits deploy/slurm/zonelab-sweep.sbatch as an array of 4 tasks, waits, merges, and requires the merged rows
#     (results.csv) to be byte-identical to the same sweep run in one process;
#  3. kill-and-retry: submits the array again into a new folder, kills one task with SIGKILL while it runs, checks the
#     merge reports missing points, resubmits that task (it resumes its shard), runs a duplicate of another task into
#     a third folder (a retried shard written twice), merges all and again requires identical rows.
# Usage: slurm-one-node.sh --zonelab "dotnet /path/zonelab.dll" [--grid FILE] [--keep]
# Exit 0 on success, 1 on a failed check, 77 when Slurm or munge cannot be installed or started here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
zonelab="" grid="$here/grid.yaml" keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --zonelab) zonelab=$2; shift 2 ;;
    --grid) grid=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 --zonelab CMD [--grid FILE] [--keep]" >&2; exit 2 ;;
  esac
done
[ -n "$zonelab" ] || { echo "give --zonelab CMD" >&2; exit 2; }
log() { echo "[slurm-test] $*" >&2; }
skip() { log "SKIP: $*"; exit 77; }
fail() { log "FAIL: $*"; exit 1; }

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || skip "slurm-wlm and munge are not installed and this is not root with apt-get"
  log "installing slurm-wlm and munge"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge) >&2 || skip "apt-get could not install slurm-wlm munge"
fi
[ "$(id -u)" = 0 ] || skip "the one-node cluster runs slurmd as root (it starts jobs as their users)"

work=$(mktemp -d /tmp/zonelab-slurm.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for f in slurmd slurmctld munged; do
    [ -f "$work/$f.pid" ] && kill "$(cat "$work/$f.pid")" 2>/dev/null || true
  done
  sleep 1
  if [ "$keep" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# munge with its own key and socket
dd if=/dev/urandom of="$work/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge.key"
mkdir -p "$work/munge"
munged --force --key-file="$work/munge.key" --socket="$work/munge/munge.socket" --pid-file="$work/munged.pid" \
  --log-file="$work/munged.log" --seed-file="$work/munge.seed" || skip "munged did not start: $(cat "$work/munged.log" 2>/dev/null)"

host=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/MemTotal/ {print int($2/1024/2)}' /proc/meminfo)
# ports from the pid so that two runs (or another Slurm) do not collide
base=$((20000 + ($$ % 20000)))
mkdir -p "$work/state" "$work/spool"
: > "$work/plugstack.conf"
cat > "$work/slurm.conf" <<CONF
ClusterName=zonelab-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$((base + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
PlugStackConfig=$work/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
MaxArraySize=1000
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF="$work/slurm.conf"
slurmctld -c || skip "slurmctld did not start: $(tail -5 "$work/slurmctld.log" 2>/dev/null)"
slurmd || skip "slurmd did not start: $(tail -5 "$work/slurmd.log" 2>/dev/null)"
for _ in $(seq 60); do
  state=$(timeout 5 sinfo -h -N -o %t 2>/dev/null | head -1 || true)
  case "$state" in idle*|mix*|alloc*) break ;; esac
  sleep 1
done
case "$state" in idle*|mix*|alloc*) log "one-node cluster up: $host, $cpus CPUs" ;; *) skip "the node did not come up (state '$state'): $(tail -5 "$work/slurmctld.log")" ;; esac

sbatch_script="$repo/deploy/slurm/zonelab-sweep.sbatch"
submit() { # OUT ARRAY -> job id
  sbatch --parsable --array="$2" --cpus-per-task=1 --output="$work/task-%A_%a.out" \
    --export=ALL,GRID="$grid",OUT="$1",SHARDS=4,ZONELAB="$zonelab" "$sbatch_script"
}
wait_job() { # JOBID: until no task of it is queued or running
  for _ in $(seq 600); do
    [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return 0
    sleep 1
  done
  fail "job $1 did not finish in 10 minutes"
}

# the reference: the same sweep in one process
$zonelab sweep "$grid" --out "$work/single" >/dev/null 2>"$work/single.err" || fail "single-process sweep: $(cat "$work/single.err")"

# 1. an array of 4 tasks, merged
jid=$(submit "$work/array" 0-3)
log "submitted job array $jid (4 tasks)"
wait_job "$jid"
n=$(ls -d "$work/array"/shard-*-of-0004 2>/dev/null | wc -l)
[ "$n" = 4 ] || fail "expected 4 shard folders, found $n: $(cat "$work"/task-*.out)"
$zonelab sweep merge "$work/array" --out "$work/merged" 2>"$work/merge.err" || fail "merge: $(cat "$work/merge.err")"
cmp "$work/single/results.csv" "$work/merged/results.csv" || fail "merged rows differ from the single-process rows"
cmp "$work/single/results.parquet" "$work/merged/results.parquet" || fail "merged Parquet differs from the single-process Parquet"
log "array of 4: merged rows equal the single-process rows ($(($(wc -l < "$work/merged/results.csv") - 1)) rows)"

# 2. a task killed with SIGKILL, then retried; another task written twice
jid=$(submit "$work/retry" 0-3)
victim=""
for _ in $(seq 300); do # the first task seen running gets killed once it has recorded a point
  for t in 0 1 2 3; do
    d="$work/retry/shard-000$t-of-0004"
    if [ -n "$(ls "$d/parts" 2>/dev/null)" ] && squeue -h -j "${jid}_$t" -t R 2>/dev/null | grep -q .; then
      victim=$t; break 2
    fi
  done
  sleep 0.2
done
if [ -n "$victim" ]; then
  scancel --signal=KILL --full "${jid}_$victim" || true
  log "killed task $victim of job $jid with SIGKILL"
fi
wait_job "$jid"
if [ -n "$victim" ]; then
  set +e
  $zonelab sweep merge "$work/retry" --out "$work/retry-partial" 2>"$work/partial.err"
  rc=$?
  set -e
  if [ "$rc" = 0 ]; then
    log "task $victim finished before the kill took effect; the merge is complete anyway"
  else
    [ "$rc" = 3 ] && grep -q "points missing" "$work/partial.err" || fail "merge of the killed array: exit $rc, $(cat "$work/partial.err")"
    log "merge lists the killed shard's missing points: $(grep missing "$work/partial.err")"
  fi
  jid2=$(submit "$work/retry" "$victim")
  wait_job "$jid2"
else
  log "no task could be caught running (too fast); the retry is tested by resubmitting task 1 alone"
  victim=1
fi
jid3=$(submit "$work/retry-dup" "$(( (victim + 1) % 4 ))")
wait_job "$jid3"
$zonelab sweep merge "$work/retry" "$work/retry-dup" --out "$work/retry-merged" 2>"$work/retry-merge.err" || fail "merge after retry: $(cat "$work/retry-merge.err")"
# the duplicate task wrote its shard's 3 points (12 points, 4 shards) a second time; nothing else may be doubled
grep -q "merged 5 folders: 12/12 points, 3 duplicates dropped" "$work/retry-merge.err" || fail "expected 5 shard folders and 3 duplicates: $(cat "$work/retry-merge.err")"
cmp "$work/single/results.csv" "$work/retry-merged/results.csv" || fail "rows after kill and retry differ from the single-process rows"
log "killed and retried: merged rows equal the single-process rows; $(grep -o '[0-9]* duplicates dropped' "$work/retry-merge.err")"
echo "slurm one-node test passed"
