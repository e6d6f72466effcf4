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

echo "gpu-bundle: building kernels-cuda (and what it needs)"
mvn -q -o -pl kernels-cuda -am package -DskipTests >/dev/null
mvn -q -o -pl kernels-cuda dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$out/lib" >/dev/null
mvn -q -o dependency:copy -Dartifact=org.slf4j:slf4j-simple:2.0.17 -DoutputDirectory="$out/lib" >/dev/null
# the reactor's fresh jars win over whatever another build left in ~/.m2
for m in gguf core kernels-cpu kernels-cuda; do
  rm -f "$out"/lib/"$m"-*.jar
  cp "$root/$m"/target/"$m"-*.jar "$out/lib/" 2>/dev/null || true
done
rm -f "$out"/lib/kernels-cuda-*-tests.jar
(cd "$root/kernels-cuda/target/test-classes" && "$JAVA_HOME/bin/jar" cf "$out/lib/kernels-cuda-gpu-check.jar" .)
# JUnit is not needed to run GpuCheck; the PTX compiler native (24 MB) is only for the CI check
rm -f "$out"/lib/junit-*.jar "$out"/lib/opentest4j-*.jar "$out"/lib/apiguardian-*.jar
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
"$here/jre/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m -Djava.io.tmpdir="${TMPDIR:-/tmp}" \
  -cp "$here/lib/*" dev.kiln.cuda.GpuCheck ${data:+"$data"} 2>&1 | tee "$OUT/gpu-check.txt"
exit "${PIPESTATUS[0]}"
RUN
chmod +x "$out/run.sh"

size=$(du -sm "$out" | cut -f1)
echo "gpu-bundle: $out ($size MiB: jre $(du -sm "$out/jre" | cut -f1) MiB, lib $(du -sm "$out/lib" | cut -f1) MiB)"
if [ "$size" -ge 64 ]; then
  echo "gpu-bundle: larger than the 64 MiB carry limit" >&2
  exit 1
fi
