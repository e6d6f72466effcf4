#!/usr/bin/env bash
# Builds dist/gpu-bundle/: everything the GPU machine needs to run Kiln's CUDA checks in ONE call, since that machine
# has no Java and no Maven. Contents: a jlink'ed JDK 25 runtime (stripped), the jars of kernels-cuda and its
# dependencies plus the test classes (dev.kiln.cuda.GpuCheck), and run.sh. Must stay under 64 MiB (the device tool's
# carry limit); the script fails if it does not.
#
# On the GPU session (device tool), from the repository root, with the test data next to the checkout or in shared/:
#   run(command="bash dist/gpu-bundle/run.sh", carry=["dist/gpu-bundle"], timeout_s=540)
# run.sh writes its logs to $OUT (env.txt, gpu-check.txt).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/jdk.sh"
kiln_select_jdk || exit 1
kiln_maven_opts
out="$root/dist/gpu-bundle"
rm -rf "$out"
mkdir -p "$out/lib"
cd "$root"

echo "gpu-bundle: building the CLI and kernels-cuda (and what they need)"
mvn -q -o -pl cli,kernels-cuda -am package -DskipTests >/dev/null
# cli's package step gathers the CLI with every runtime jar (both backends included) in cli/target/lib
cp "$root"/cli/target/lib/*.jar "$out/lib/"
cp "$root"/gguf/target/gguf-*-tests.jar "$out/lib/"   # TestData.readFloats
(cd "$root/kernels-cuda/target/test-classes" && "$JAVA_HOME/bin/jar" cf "$out/lib/kernels-cuda-gpu-check.jar" .)
# the PTX compiler and NVRTC natives (24 MB) are only for the CI check
natives=$(ls "$out"/lib/jcuda-natives-*.jar)
zip -q -d "$natives" 'lib/libJNvPTXCompiler-*' 'lib/libJNvrtc-*' >/dev/null || true

echo "gpu-bundle: jlink runtime"
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,jdk.unsupported,jdk.incubator.vector,java.management \
  --strip-debug --no-man-pages --no-header-files --compress=zip-9 --output "$out/jre" >/dev/null

cat > "$out/run.sh" <<'RUN'
#!/usr/bin/env bash
# Runs Kiln's GPU checks on the device machine; logs go to $OUT (or ./gpu-out when OUT is unset).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${OUT:-$PWD/gpu-out}"; mkdir -p "$OUT"
data="${1:-}"
for d in "${KILN_TESTDATA:-}" "$PWD/shared/testdata" "$PWD/../shared/testdata" "$here/../../../shared/testdata"; do
  [ -z "$data" ] && [ -n "$d" ] && [ -d "$d/synthetic" ] && data="$d"
done 2>/dev/null
{
  echo "== date"; date -u
  echo "== uname"; uname -a
  echo "== nvidia-smi"; nvidia-smi 2>&1 || echo "nvidia-smi missing"
  echo "== driver libraries"; ls -l /usr/lib/x86_64-linux-gnu/libcuda.so* /usr/lib64/libcuda.so* 2>/dev/null; ldconfig -p 2>/dev/null | grep -E "libcuda|libcublas" 
  echo "== java"; "$here/jre/bin/java" -version 2>&1
  echo "== testdata"; echo "${data:-none found}"
  echo "== bundle"; du -sh "$here" "$here/jre" "$here/lib"
} > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"
java=("$here/jre/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m
      -Djava.io.tmpdir="${TMPDIR:-/tmp}" -cp "$here/lib/*")
start=$SECONDS
"${java[@]}" dev.kiln.cuda.GpuCheck ${data:+"$data"} 2>&1 | tee "$OUT/gpu-check.txt"
rc=${PIPESTATUS[0]}
# kiln bench tables (issue 8) on the synthetic models GpuCheck wrote, while time is left (device calls end at 600 s)
for shape in ${KILN_BENCH_SHAPES-mistral-7b-v0.3 qwen3-8b}; do
  [ $((SECONDS - start)) -lt "${KILN_BENCH_UNTIL_S:-420}" ] || { echo "bench $shape: skipped, out of time" | tee -a "$OUT/bench.md"; continue; }
  model="${TMPDIR:-/tmp}/kiln-synth/$shape.Q4_K_M.gguf"
  [ -f "$model" ] || "${java[@]}" dev.kiln.cli.Main synth --shape "$shape" --type Q4_K_M -o "$model" 2>&1 | tail -2
  { echo "## $shape Q4_K_M"; "${java[@]}" dev.kiln.cli.Main bench -m "$model" -p 512 -n 128 -ngl 99 -r 2 -w 1 2>&1; } | tee -a "$OUT/bench.md"
done
exit "$rc"
RUN
chmod +x "$out/run.sh"

size=$(du -sm "$out" | cut -f1)
echo "gpu-bundle: $out ($size MiB: jre $(du -sm "$out/jre" | cut -f1) MiB, lib $(du -sm "$out/lib" | cut -f1) MiB)"
if [ "$size" -ge 64 ]; then
  echo "gpu-bundle: larger than the 64 MiB carry limit" >&2
  exit 1
fi
