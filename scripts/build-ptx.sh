#!/usr/bin/env bash
# Compiles the CUDA C kernels (kernels-cuda/src/main/cuda/*.cu) to PTX and writes them, ready to commit, to
# kernels-cuda/src/main/resources/ptx/<name>.ptx (or to the folder given as $1). Needs nvcc and ptxas; the normal build
# needs neither, because the PTX is committed.
#
# nvcc 13 writes `.version 9.0`, which CUDA 12 drivers refuse. The PTX targets sm_75 (the oldest GPU we support) and
# its header is rewritten to the lowest PTX ISA version that ptxas accepts for sm_75, sm_86, sm_89 and sm_90, so the
# same text loads on CUDA 12 and 13 drivers. No cubins are produced. The output depends only on the sources and the
# nvcc version (the build-ID comment lines are dropped), so a test can check the committed PTX is a fresh compile.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/kernels-cuda/src/main/cuda"
out="${1:-$root/kernels-cuda/src/main/resources/ptx}"
for tool in nvcc ptxas; do
  command -v "$tool" >/dev/null || { echo "build-ptx: $tool not found on PATH (install the CUDA toolkit)" >&2; exit 1; }
done
mkdir -p "$out"
versions="6.4 6.5 7.0 7.1 7.2 7.3 7.4 7.5 7.6 7.7 7.8 8.0"
archs="${PTX_CHECK_ARCHS:-sm_75 sm_86 sm_89 sm_90}"   # PtxTest passes sm_75 only: it checks all four itself
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
for cu in "$src"/*.cu; do
  name="$(basename "$cu" .cu)"
  nvcc -ptx -arch=compute_75 -O3 -std=c++17 -I"$src" "$cu" -o "$tmp/$name.raw.ptx"
  chosen=""
  for v in $versions; do
    # header rewrite; the comment lines naming the compiler build are dropped so the output is reproducible
    sed -e "s/^\.version [0-9.]*\$/.version $v/" -e '/^\/\/ Compiler Build ID/d' "$tmp/$name.raw.ptx" > "$tmp/$name.ptx"
    ok=1
    for a in $archs; do ptxas -O0 -arch="$a" "$tmp/$name.ptx" -o /dev/null 2>/dev/null || { ok=0; break; }; done
    if [ "$ok" = 1 ]; then chosen="$v"; break; fi
  done
  [ -n "$chosen" ] || { echo "build-ptx: $name.ptx does not assemble with any PTX ISA version <= 8.0 ($versions)" >&2; exit 1; }
  cp "$tmp/$name.ptx" "$out/$name.ptx"
  echo "build-ptx: $name.ptx (.version $chosen, $(grep -c '^\.visible \.entry' "$out/$name.ptx") kernels)"
done
