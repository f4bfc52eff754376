#!/usr/bin/env bash
# gpu-bundle/run.sh DIR: the GPU checks of docs/GPU.md, on a machine with an NVIDIA GPU,
# the CUDA driver, and the CUDA runtime, cuBLASLt and cuDNN 9 (the toolkit's, or PyTorch's
# pip wheels), but no MLIR, LLVM or oneDNN. Writes DIR/report.json and a log per check.
# Exits 0 when every check passed.
set -uo pipefail
bundle="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: run.sh DIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
python="${PYTHON:-python3}"
started=$(date +%s)
: > "$out/checks.tsv"

# --- Libraries ---------------------------------------------------------------------------
# The bundle's own (the runtime, the CUDA device, Debian's libjpeg), then the first folder
# holding each NVIDIA library: the CUDA toolkit's, then any under Python's site-packages
# (nvidia.cudnn, nvidia.cublas, nvidia.cuda_runtime, nvidia.nccl wheels).
search=(/usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/lib/x86_64-linux-gnu)
while IFS= read -r site; do
  [ -d "$site/nvidia" ] && search+=("$site/nvidia")
done < <("$python" -c 'import site, sys; print("\n".join(site.getsitepackages() + [site.getusersitepackages()]))' 2>/dev/null)
for soname in libcudart.so.13 libcublasLt.so.13 libcudnn.so.9 libnccl.so.2; do
  found=""
  for dir in "${search[@]}"; do
    found="$(find -L "$dir" -maxdepth 4 -name "$soname" 2>/dev/null | head -n 1)"
    [ -n "$found" ] && break
  done
  echo "library $soname: ${found:-not found}"
done > "$out/libraries.txt"
library_path="$bundle/lib"
while IFS= read -r line; do
  path="${line#*: }"
  [ "$path" = "not found" ] && continue
  case ":$library_path:" in
    *":$(dirname "$path"):"*) ;;
    *) library_path="$library_path:$(dirname "$path")" ;;
  esac
done < "$out/libraries.txt"
export LD_LIBRARY_PATH="$library_path${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH" >> "$out/libraries.txt"
cat "$out/libraries.txt"
ldd "$bundle/bin/simclr-gpu-tests" > "$out/ldd.txt" 2>&1
grep -E "simclr|cudart|cublas|cudnn|nccl|jpeg|not found" "$out/ldd.txt" | tee -a "$out/libraries.txt"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$out/gpu.txt" 2>&1
echo "GPU: $(cat "$out/gpu.txt")"

# --- Checks ------------------------------------------------------------------------------
# check NAME SECONDS COMMAND...: runs it (a function too) with its output in DIR/NAME.log,
# stopped after SECONDS, and records pass or fail.
check() {
  local name="$1" limit="$2"; shift 2
  local t0=$(date +%s%N)
  timeout --kill-after=10 "$limit" bash -c '"$@"' _ "$@" > "$out/$name.log" 2>&1
  local rc=$?
  [ $rc -eq 124 ] && echo "stopped after $limit s" >> "$out/$name.log"
  local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  local seconds="$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
  printf '%s\t%s\t%s\t%s\n' "$name" "$([ $rc -eq 0 ] && echo passed || echo FAILED)" "$seconds" \
    "$(tail -n 1 "$out/$name.log" | tr '\t' ' ')" >> "$out/checks.tsv"
  printf '%-28s %-7s %6.1f s  %s\n' "$name" "$([ $rc -eq 0 ] && echo passed || echo FAILED)" \
    "$seconds" "$(tail -n 1 "$out/$name.log")"
  return $rc
}

# Every GPU test: the device, cuDNN and cuBLASLt against float64 loops and the CPU runtime,
# every kernel family against the float64 reference. None may skip here.
gpu_tests() {
  SIMCLR_GPU_CASES="$bundle/cases" "$bundle/bin/simclr-gpu-tests" \
    --gtest_output="json:$out/gpu-tests.json" || return 1
  ! grep -q "SKIPPED" "$out/gpu-tests.log"
}
export -f gpu_tests
export bundle out
check gpu-tests 240 gpu_tests

# Whole steps of every stage against one CPU step on the same inputs and variables (the
# float64 reference's step arbitrates where they differ).
for inputs in "$bundle"/steps/*.inputs.safetensors; do
  stage="$(basename "$inputs" .inputs.safetensors)"
  check "step-$stage-run" 90 "$bundle/bin/$stage" --seed=1 \
    --inputs="$bundle/steps/$stage.inputs.safetensors" \
    --outputs="$out/$stage.gpu-results.safetensors" \
    --save="$out/$stage.gpu-variables.safetensors"
  check "step-$stage" 60 "$python" "$bundle/scripts/check_steps.py" step \
    "$bundle/steps/$stage.cpu-results.safetensors" "$out/$stage.gpu-results.safetensors" \
    "$bundle/steps/$stage.cpu-variables.safetensors" "$out/$stage.gpu-variables.safetensors" \
    "$out/step-$stage.json" \
    "$bundle/steps/$stage.f64-results.safetensors" "$bundle/steps/$stage.f64-variables.safetensors"
done

# 300 pretraining steps on the Fashion-MNIST subset, the kNN monitor at the end; then the
# other stages from its checkpoint, each evaluated on the test subset.
data="$bundle/data/fashion-mnist"
check pretrain-300 240 "$bundle/bin/pretrain" --data="$data" --steps=300 --seed=1 \
  --log="$out/pretrain-300.jsonl" --save="$out/pretrained.safetensors" --knn
check pretrain-300-falling 60 "$python" "$bundle/scripts/check_steps.py" falling \
  "$out/pretrain-300.jsonl" "$out/pretrain-300-falling.json"
# The same 300 steps issued anew each time, for the time a CUDA graph saves.
check pretrain-300-no-graph 240 "$bundle/bin/pretrain" --data="$data" --steps=300 --seed=1 \
  --no-cuda-graph
check finetune-100 120 "$bundle/bin/finetune" --data="$data" --steps=100 --seed=1 \
  --init="$out/pretrained.safetensors" --save="$out/finetuned.safetensors" \
  --log="$out/finetune-100.jsonl" --eval
check distill-100 120 "$bundle/bin/distill" --data="$data" --steps=100 --seed=1 \
  --teacher="$out/finetuned.safetensors" --log="$out/distill-100.jsonl" --eval
check linear-eval-100 120 "$bundle/bin/linear_eval" --data="$data" --steps=100 --seed=1 \
  --init="$out/pretrained.safetensors" --log="$out/linear-eval-100.jsonl" --eval

# The same run twice gives the same checkpoint; a run killed after step 15 and resumed
# ends with the checkpoint of one never interrupted.
check pretrain-30-full 90 "$bundle/bin/pretrain" --data="$data" --steps=30 --seed=2 \
  --checkpoint="$out/full.safetensors" --checkpoint-every=10
check pretrain-30-again 90 "$bundle/bin/pretrain" --data="$data" --steps=30 --seed=2 \
  --checkpoint="$out/again.safetensors" --checkpoint-every=10
check deterministic 60 "$python" "$bundle/scripts/check_steps.py" same \
  "$out/full.safetensors" "$out/again.safetensors"
# Steps replayed from a CUDA graph (the default) against steps issued anew: the same bits.
check pretrain-30-no-graph 90 "$bundle/bin/pretrain" --data="$data" --steps=30 --seed=2 \
  --checkpoint="$out/eager.safetensors" --checkpoint-every=10 --no-cuda-graph
graph_equals_eager() {
  if grep -h "could not be captured as a CUDA graph" "$out"/pretrain-30-full.log; then
    return 1 # no graph was replayed: nothing to compare
  fi
  "$python" "$bundle/scripts/check_steps.py" same "$out/full.safetensors" "$out/eager.safetensors"
}
export -f graph_equals_eager
export python
check graph-equals-eager 60 graph_equals_eager
killed() {
  SIMCLR_KILL_AFTER_STEP=15 "$bundle/bin/pretrain" --data="$data" --steps=30 --seed=2 \
    --checkpoint="$out/part.safetensors" --checkpoint-every=10
  [ $? -eq 137 ]
}
export -f killed
export data
check pretrain-30-killed 90 killed
check pretrain-30-resumed 90 "$bundle/bin/pretrain" --data="$data" --steps=30 --seed=2 \
  --resume="$out/part.safetensors" --checkpoint="$out/part.safetensors" --checkpoint-every=10
check resumed-bitwise 60 "$python" "$bundle/scripts/check_steps.py" same \
  "$out/full.safetensors" "$out/part.safetensors"

speed() { grep -o '[0-9.]* images/s' "$out/$1.log" 2>/dev/null | tail -n 1; }
echo "pretraining throughput: $(speed pretrain-300) replaying CUDA graphs, $(speed pretrain-300-no-graph) without" | tee "$out/speed.txt"

# --- Benchmark ---------------------------------------------------------------------------
# The compiled pretraining step (simclr-step-bench: synthetic batch left on the GPU, CUDA
# graphs) against PyTorch's on the same network, batch and data (bench_pytorch.py: eager,
# with autocast and channels_last in bf16, and torch.compile of the whole step): ResNet-50
# 1x at 256 images (512 views) of 224 px, and the Fashion-MNIST step, each in f32 and
# bf16 (ours also in bf16 with NCHW activations, against the compiler's NHWC). The table goes to DIR/bench.txt (docs/GPU.md, "Benchmark"). SIMCLR_BENCH=0 skips
# it, SIMCLR_BENCH_COMPILE=0 skips torch.compile; SIMCLR_BENCH_STEPS sets the timed steps
# (default 20).
if [ "${SIMCLR_BENCH:-1}" != 0 ] && [ -d "$bundle/bench" ]; then
  mkdir -p "$out/bench"
  bench_steps="${SIMCLR_BENCH_STEPS:-20}"
  # The compiled step and PyTorch eager first, torch.compile (minutes of compiling) last.
  bench_pytorch() { # MODE MODEL PRECISION LIMIT
    check "bench-pytorch-$1-$2-$3" "$4" "$python" "$bundle/scripts/bench_pytorch.py" \
      --description "$bundle/bench/$2.yaml" --declarations "$bundle/bench/$2.mlir" \
      --batch "$(cat "$bundle/bench/$2.batch")" --precision "$3" --mode "$1" \
      --steps "$bench_steps" --warmup 5 --device cuda \
      --reference "$bundle/scripts/simclr_reference.py" \
      --json "$out/bench/pytorch-$1-$2-$3.json"
  }
  for model in r50 fmnist; do
    for precision in bf16 f32; do
      check "bench-simclr-$model-$precision" 300 "$bundle/bin/simclr-step-bench" \
        "$bundle/bench/$model.$precision.sclm" --steps="$bench_steps" --warmup=5 \
        --json="$out/bench/simclr-$model-$precision.json"
      bench_pytorch eager "$model" "$precision" 300
    done
    # The bf16 step compiled with NCHW activations: what the compiler's NHWC choice buys.
    check "bench-simclr-$model-bf16-nchw" 300 "$bundle/bin/simclr-step-bench" \
      "$bundle/bench/$model.bf16-nchw.sclm" --steps="$bench_steps" --warmup=5 \
      --json="$out/bench/simclr-$model-bf16-nchw.json"
  done
  if [ "${SIMCLR_BENCH_COMPILE:-1}" != 0 ]; then
    for model in r50 fmnist; do
      for precision in bf16 f32; do
        bench_pytorch compile "$model" "$precision" 400
      done
    done
  fi
  "$python" "$bundle/scripts/bench_table.py" "$out" | tee "$out/bench.txt"
  # Whether the loader limits training: the same Fashion-MNIST step fed by the data
  # pipeline (pretrain-300, images/s) and on a batch left on the GPU (views/s / 2).
  synthetic="$("$python" -c 'import json, sys; print("%.0f images/s" % (json.load(open(sys.argv[1]))["views_per_second"] / 2))' "$out/bench/simclr-fmnist-f32.json" 2>/dev/null)"
  echo "Fashion-MNIST pretraining, f32: $(speed pretrain-300) fed by the loader, ${synthetic:-?} on a batch left on the GPU" | tee -a "$out/speed.txt"
fi

# --- Report ------------------------------------------------------------------------------
"$python" - "$out" "$bundle" "$started" <<'PY'
import json, os, sys, time
out, bundle, started = sys.argv[1], sys.argv[2], int(sys.argv[3])
checks = []
for line in open(os.path.join(out, "checks.tsv")):
    name, status, seconds, last = (line.rstrip("\n").split("\t") + [""] * 4)[:4]
    checks.append({"name": name, "passed": status == "passed",
                   "seconds": float(seconds or 0), "last_line": last})
report = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
          "speed": open(os.path.join(out, "speed.txt")).read().strip(),
          "bench": json.load(open(os.path.join(out, "bench.json")))
          if os.path.exists(os.path.join(out, "bench.json")) else None,
          "gpu": open(os.path.join(out, "gpu.txt")).read().strip(),
          "libraries": open(os.path.join(out, "libraries.txt")).read().splitlines(),
          "bundle": open(os.path.join(bundle, "MANIFEST.txt")).read().splitlines()
          if os.path.exists(os.path.join(bundle, "MANIFEST.txt")) else [],
          "seconds": int(time.time()) - started,
          "passed": all(c["passed"] for c in checks) and bool(checks),
          "checks": checks}
for name in ("gpu-tests.json",) + tuple(f for f in sorted(os.listdir(out))
                                        if f.startswith("step-") and f.endswith(".json")):
    path = os.path.join(out, name)
    if os.path.exists(path):
        try:
            report[name] = json.load(open(path))
        except ValueError:
            pass
json.dump(report, open(os.path.join(out, "report.json"), "w"), indent=1, default=str)
failed = [c["name"] for c in checks if not c["passed"]]
print(f"{len(checks) - len(failed)}/{len(checks)} checks passed in {report['seconds']} s"
      + (f"; failed: {', '.join(failed)}" if failed else ""))
sys.exit(0 if report["passed"] else 1)
PY
