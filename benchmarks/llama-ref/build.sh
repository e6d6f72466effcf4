#!/usr/bin/env bash
# Builds llama.cpp for THIS machine's CPU (-march=native) and two small benchmark programs against it, for machines
# where ../shared/tools/llama.cpp cannot run (that build needs AVX-512 and refuses elsewhere with exit status 3).
#
#   bash benchmarks/llama-ref/build.sh [OUT_DIR]      (default: benchmarks/llama-ref/target; about 5 minutes, 2 cores)
#
# Then, on the same file and in the same minutes as `./kiln bench`:
#   OUT_DIR/bench   MODEL.gguf 64 32 2 3            # pp64 and tg32, 2 threads, 3 runs (like llama-bench -p 64 -n 32)
#   OUT_DIR/bench   MODEL.gguf 0 32 2 2 2048        # tg32 after 2048 tokens of context (llama-bench -d 2048)
#   OUT_DIR/batched MODEL.gguf 128 32 2 8 2         # 8 sequences decoding together (llama-batched-bench -npl 8)
#
# The source is llama.cpp build b10256 (commit 6c8dcaa) as the npm package llama.rn 0.12.9 bundles it (MIT), checked
# against the package's published sha256 below; the package registry is reachable from these machines, GitHub is not.
# It is built without llamafile's sgemm (the package leaves it out), which llama.cpp uses for some F16/F32 and Q8_0
# products, not for the K-quant products that dominate a Q4_K_M file. It is not the ../shared build (3f545bec).
# It is built with the CPU weight repacking that llama.cpp's CMake build turns on by default (GGML_CPU_REPACK; the
# package needs LM_GGML_USE_CPU_REPACK for it): until 2026-12-07 this script left it out, and that build's prompts ran
# at two thirds of a default build's (pp64 on the tinyllama Q4_K_M file, 2 threads, AMD Zen 3: 54.7-57.2 against
# 84.6-85.1 t/s; decode alike). Figures measured against it before that date understate llama.cpp's prompt speed.
# Llama.cpp's own llama-server, llama-bench and llama-cli: debian.sh beside this script.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/target}"
version=0.12.9
sha256=7069fbf1db95f07cfd9bfbbd0d160be5c0d329c5985868e00c3248338598bca5

for tool in npm g++ gcc make tar sha256sum; do
  command -v "$tool" >/dev/null || { echo "build.sh: needs $tool on the PATH" >&2; exit 1; }
done
mkdir -p "$out"
cd "$out"
if [ ! -d src/cpp ]; then
  npm pack --silent "llama.rn@$version" >/dev/null
  echo "$sha256  llama.rn-$version.tgz" | sha256sum -c --quiet \
    || { echo "build.sh: llama.rn-$version.tgz does not have the expected sha256" >&2; exit 1; }
  rm -rf src && mkdir src
  tar xzf "llama.rn-$version.tgz" -C src --strip-components=1 package/cpp
fi

s=src/cpp
# The CPU backend and llama itself; llama.rn prefixes ggml's symbols (LM_GGML_*, lm_ggml_*).
sources=("$s"/ggml.c "$s"/ggml-alloc.c "$s"/ggml-quants.c "$s"/ggml-cpu/ggml-cpu.c "$s"/ggml-cpu/quants.c
  "$s"/ggml-cpu/arch/x86/quants.c "$s"/ggml-backend.cpp "$s"/ggml-backend-reg.cpp "$s"/ggml-backend-dl.cpp
  "$s"/ggml-backend-meta.cpp "$s"/ggml-threading.cpp "$s"/ggml-opt.cpp "$s"/gguf.cpp "$s"/ggml-cpu/*.cpp
  "$s"/ggml-cpu/arch/x86/repack.cpp "$s"/ggml-cpu/arch/x86/cpu-feats.cpp "$s"/llama*.cpp "$s"/models/*.cpp
  "$s"/unicode.cpp "$s"/unicode-data.cpp)
flags="-O3 -march=native -DNDEBUG -DLM_GGML_USE_CPU -DLM_GGML_USE_CPU_REPACK -D_GNU_SOURCE -I$s -I$s/ggml-cpu"
# objects built with other flags (an older version of this script) are built again
if [ "$(cat obj/flags 2>/dev/null)" != "$flags" ]; then
  rm -rf obj bench batched
  mkdir -p obj
  echo "$flags" > obj/flags
fi
{
  echo "objects ="
  for f in "${sources[@]}"; do
    o="obj/${f#"$s"/}.o"
    echo "objects += $o"
    if [[ "$f" == *.c ]]; then
      printf '%s: %s\n\t@mkdir -p $(dir $@) && gcc -std=gnu11 %s -c $< -o $@\n' "$o" "$f" "$flags"
    else
      printf '%s: %s\n\t@mkdir -p $(dir $@) && g++ -std=gnu++17 %s -c $< -o $@\n' "$o" "$f" "$flags"
    fi
  done
  for p in bench batched; do
    printf '%s: $(objects) %s %s\n\tg++ -std=gnu++17 %s -o $@ $(objects) %s -lpthread -lm\n' \
      "$p" "$here/$p.cpp" "$here/llama-ref.h" "$flags" "$here/$p.cpp"
  done
} > Makefile
make -s -j"$(nproc)" bench batched
echo "built $out/bench and $out/batched (llama.cpp b10256 via llama.rn $version, -march=native, CPU repacking)"
