#!/usr/bin/env bash
# Fetches llama.cpp's own tools (llama-server, llama-bench, llama-cli) as Debian unstable ships them, for machines where
# ../shared/tools/llama.cpp cannot run (it needs AVX-512) and a llama-server is wanted beside `kiln serve`.
#
#   bash benchmarks/llama-ref/debian.sh [OUT_DIR]      (default: benchmarks/llama-ref/target/debian; ~15 MB, seconds)
#
# Then, on the same file and in the same minutes as Kiln:
#   OUT_DIR/llama-bench  -m MODEL.gguf -p 64 -n 32 -t 2 -r 3
#   OUT_DIR/llama-server -m MODEL.gguf -np 8 -c 4096 -t 2 --port 8092
#
# Debian builds ggml with every x86 CPU variant as a loadable backend (as llama.cpp's own release binaries are) and
# the default options, CPU weight repacking among them; the best variant for this CPU is loaded at start (`-v` names
# it). The packages need a newer C library than this machine's Debian 12, so the wrappers run them with the C and C++
# libraries of the same Debian release, through its dynamic loader; nothing is installed on the system. ggml's
# complaint that it cannot list /usr/lib/x86_64-linux-gnu/ggml/backends0 is harmless (it finds the variants here). The package
# versions are printed: unstable moves on, so name them with the figures.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/target/debian}"
packages=(llama.cpp-tools libllama0 libggml0 libc6 libstdc++6 libgcc-s1 libgomp1 libssl3t64)
for tool in apt-get dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "debian.sh: needs $tool on the PATH" >&2; exit 1; }
done
mkdir -p "$out"
out="$(cd "$out" && pwd)"
apt="$out/apt"
mkdir -p "$apt/sources" "$apt/lists/partial" "$apt/debs"
cat > "$apt/sources/sid.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
opts=(-o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts="$apt/sources" -o Dir::State::Lists="$apt/lists"
  -o Dir::Cache::archives="$apt/debs" -o APT::Sandbox::User=root -o Debug::NoLocking=1)
apt-get "${opts[@]}" -qq update
(cd "$apt/debs" && rm -f ./*.deb && apt-get "${opts[@]}" -qq download "${packages[@]}")
rm -rf "$out/root"
for deb in "$apt/debs"/*.deb; do
  dpkg-deb -x "$deb" "$out/root"
done
lib="$out/root/usr/lib/x86_64-linux-gnu"
[ -x "$lib/ld-linux-x86-64.so.2" ] || { echo "debian.sh: no dynamic loader in $lib" >&2; exit 1; }
# ggml looks for its CPU variants next to the running executable, which is the loader here.
for backend in "$lib"/ggml/backends0/libggml-cpu-*.so; do
  ln -sf "ggml/backends0/$(basename "$backend")" "$lib/"
done
for tool in llama-server llama-bench llama-cli; do
  cat > "$out/$tool" <<EOF
#!/usr/bin/env bash
exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib:$lib/llama" "$out/root/usr/bin/$tool" "\$@"
EOF
  chmod +x "$out/$tool"
done
"$out/llama-server" --version 2>&1 | head -1
for deb in "$apt/debs"/*.deb; do
  dpkg-deb -W --showformat='${Package} ${Version}\n' "$deb"
done
echo "wrote $out/llama-server, $out/llama-bench and $out/llama-cli"
