#!/usr/bin/env bash
# scripts/soak.sh [DIR] [KILLS] [STEPS]: the kill soak of docs/RELIABILITY.md. A pretraining
# run of STEPS steps (default 200) with a checkpoint every 10 is killed with SIGKILL KILLS
# times (default 20; fewer if the run ends first) and resumed after each: at random
# moments, and every other time in the middle of a checkpoint write (the new file written,
# not yet renamed into place: the SIMCLR_KILL_BEFORE_RENAME hook). Its final checkpoint must be bitwise the one of a run
# never interrupted. Uses the built tools (scripts/build.sh) and the tiny test network on
# synthetic images; prints one line per kill and exits non-zero on any difference.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-$root/build/soak}"
kills="${2:-20}"
steps="${3:-200}"
bin="${SIMCLR_BIN:-$root/build/bin}"
rm -rf "$dir" && mkdir -p "$dir"
/usr/bin/python3 "$root/test/Runtime/make_idx.py" "$dir/data" > /dev/null
"$bin/simclrc" "$root/test/Runtime/Inputs/tiny-pretrain.yaml" --emit=executable -o "$dir/pretrain"
run() { "$dir/pretrain" --data="$dir/data" --steps="$steps" --checkpoint-every=10 "$@"; }

run --checkpoint="$dir/whole.safetensors" > /dev/null
ckpt="$dir/soaked.safetensors"
step_of() { # the step a checkpoint is at (0: none)
  [ -f "$ckpt" ] || { echo 0; return; }
  /usr/bin/python3 -c "import sys; sys.path.insert(0, '$root/test/lib'); import safetensors_io as s; print(s.read_metadata('$ckpt')['step'])"
}
RANDOM=1 # the same soak every time
made=0
for kill in $(seq 1 "$kills"); do
  at="$(step_of)"
  [ "$at" -ge "$steps" ] && break
  resume=()
  [ "$at" -gt 0 ] && resume=(--resume="$ckpt")
  if (( kill % 2 == 0 )); then
    # In the middle of the first, second or third checkpoint write from here.
    write=$((1 + RANDOM % 3))
    how="during checkpoint write $write"
    SIMCLR_KILL_BEFORE_RENAME=$write run --checkpoint="$ckpt" "${resume[@]}" > /dev/null || true
  else
    # Start-up takes 0.3 to 1 s here (less with the kernel cache warm), then a step about
    # 15 ms: a kill within [0.3, 1.3) s lands in start-up or in the first steps, before a
    # short run (the test's 60 steps) can end.
    ms=$((300 + RANDOM % 1000))
    delay="$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
    how="after ${delay} s"
    "$dir/pretrain" --data="$dir/data" --steps="$steps" --checkpoint-every=10 \
      --checkpoint="$ckpt" "${resume[@]}" > /dev/null &
    pid=$!
    sleep "$delay"
    kill -KILL "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
  fi
  made=$kill
  echo "kill $kill ($how): resumed from step $at, now at step $(step_of)"
done
at="$(step_of)"
if [ "$at" -lt "$steps" ]; then
  resume=()
  [ "$at" -gt 0 ] && resume=(--resume="$ckpt")
  run --checkpoint="$ckpt" "${resume[@]}" > /dev/null
fi
rm -f "$dir"/*.tmp-*
if cmp "$dir/whole.safetensors" "$ckpt"; then
  echo "soak: $made kills, final checkpoint bitwise equal to the uninterrupted run's"
else
  echo "soak: the final checkpoint differs from the uninterrupted run's" >&2
  exit 1
fi
