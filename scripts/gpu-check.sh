#!/usr/bin/env bash
# Everything a GPU machine checks, in one run (see BENCHMARKS.md and the README's GPU
# section). Run here first:  bash scripts/gpu-pack.sh   (makes .gpu/ and dist/), then on
# the GPU machine, from the repository root, with .gpu and dist carried:
#
#   bash scripts/gpu-check.sh
#
# 1. unpacks Node;  2. builds the addon with plain CMake against python3's (CUDA) torch;
# 3. runs the CUDA tests (test/gpu/, node's test runner);  4. benchmarks every network
# against PyTorch eager on the same GPU (scripts/gpu-bench.js);  5. runs a short
# end-to-end `evolve --parallel` on the synthetic set packed by gpu-pack.sh.
# Logs and JSON go to $OUT (default /tmp/fer-ga-gpu); a short summary is printed last.
# Each stage has its own time limit so the whole run ends within 8 minutes.
# FER_GA_GPU_STAGES (default "tests bench evolve") picks stages after the build, and
# FER_GA_GPU_BENCH passes flags to gpu-bench.js (e.g. "--sizes 64 --repeats 3").
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/fer-ga-gpu}
mkdir -p "$OUT"
started=$(date +%s)
summary=()
stage() { echo; echo "== $1 (+$(( $(date +%s) - started )) s)"; }
fail() { echo "gpu-check: $1" >&2; printf '%s\n' "${summary[@]}" "FAILED: $1"; exit 1; }

stage "machine"
mkdir -p /tmp/fer-ga-node
[ -x /tmp/fer-ga-node/node ] || xz -dc .gpu/node-v20-linux-x64.xz > /tmp/fer-ga-node/node && chmod +x /tmp/fer-ga-node/node
export PATH=/tmp/fer-ga-node:/usr/local/cuda/bin:$PATH
# The PyTorch reference must be the python3 that has the CUDA torch, not /usr/bin's.
export FER_GA_PYTHON=${FER_GA_PYTHON:-$(command -v python3)} TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}
node --version || fail "the Node binary in .gpu/ does not run here"
gpu=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -1)
torch_line=$(python3 -c 'import torch, torchvision; print(f"torch {torch.__version__} (CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}), torchvision {torchvision.__version__}")')
echo "$gpu"; echo "$torch_line"; nproc
summary+=("GPU: $gpu" "$torch_line")
[ -e node_modules ] || ln -s .gpu/node_modules node_modules

stage "build the addon against python3's torch"
rm -rf build/gpu build/Release
if ! timeout 300 cmake -S . -B build/gpu -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$PWD/build/Release" -DCMAKE_CUDA_ARCHITECTURES=90 > "$OUT/cmake.log" 2>&1; then
  tail -40 "$OUT/cmake.log"; fail "cmake configure"
fi
grep -iE "torch|cuda|cudnn" "$OUT/cmake.log" | grep -v "^--.*Looking" | head -12
build_started=$(date +%s)
if ! timeout 300 cmake --build build/gpu -j "$(nproc)" > "$OUT/build.log" 2>&1; then
  grep -E "error|Error" -A4 "$OUT/build.log" | head -80; fail "build"
fi
summary+=("addon built in $(( $(date +%s) - build_started )) s")
node -e "const i=require('./dist/native').native().info(); console.log(JSON.stringify({libtorch:i.libtorch,cuda:i.cuda}))" || fail "the addon does not load"

stages=${FER_GA_GPU_STAGES:-tests bench evolve}
wants() { [[ " $stages " == *" $1 "* ]]; }

if wants tests; then
stage "CUDA tests"
if timeout 180 node --test test/gpu/ > "$OUT/tests.log" 2>&1; then
  summary+=("CUDA tests: $(grep -E '^# (pass|fail)' "$OUT/tests.log" | tr '\n' ' ')")
else
  grep -E "^not ok|error|Error|expected|actual" "$OUT/tests.log" | head -30
  summary+=("CUDA tests FAILED: $(grep -E '^# (pass|fail)' "$OUT/tests.log" | tr '\n' ' ')")
fi
fi

if wants bench; then
stage "fer-ga vs PyTorch eager, training images/s"
# shellcheck disable=SC2086 # FER_GA_GPU_BENCH is a list of flags
if ! timeout 240 node scripts/gpu-bench.js ${FER_GA_GPU_BENCH:-} --out "$OUT/gpu-bench.json" 2>&1 | tee "$OUT/gpu-bench.txt"; then
  summary+=("benchmark FAILED or cut short (see gpu-bench.txt)")
fi
fi

if wants evolve; then
stage "end-to-end evolve on the synthetic set"
evolve_started=$(date +%s)
if timeout 120 node bin/fer-ga.js evolve --dataset pack:.gpu/synthetic-48.fergapack --model googlenet --epochs 15 \
    --batch-size 32 --lr 0.001 --population 8 --generations 4 --parallel 4 --device cuda --db "$OUT/evolve.db" --json \
    > "$OUT/evolve.json" 2> "$OUT/evolve.log"; then
  summary+=("evolve: $(node -e "const r=require('$OUT/evolve.json'); console.log(\`best \${JSON.stringify(r.best.genes)} \${(100*r.best.fitness).toFixed(2)}%, \${r.trainings} trainings, \${r.evaluations} evaluations\`)") in $(( $(date +%s) - evolve_started )) s")
else
  tail -5 "$OUT/evolve.log"; summary+=("evolve FAILED (see evolve.log)")
fi
fi

echo; echo "== summary (+$(( $(date +%s) - started )) s)"
printf '%s\n' "${summary[@]}"
cat "$OUT/gpu-bench.txt" 2>/dev/null | grep -v "^PyTorch:"
