#!/usr/bin/env bash
# Kiln against llama.cpp on the same files in the same minutes: alternating rounds of llama.cpp's llama-bench and
# `./kiln bench` (same tests, threads and repetitions), then one Markdown table of the mean t/s of each and their
# ratio (of the sums over the rounds), with each round's ratio beside it. These machines are shared and their speed
# moves by tens of percent within minutes, so read the ratios of alternating rounds, never one engine's run alone.
#
#   bash benchmarks/llama-ref/compare.sh [options] MODEL.gguf...
#     -r N            rounds (default 3); each round runs llama-bench, then Kiln, on every file
#     -t N            threads (default 2)
#     -p LIST         prompt sizes (default 64,512); -p 0 for none
#     -n N            generated tokens (default 32); -n 0 for none
#     -d N            context depth before each test, as llama-bench -d (default 0)
#     --reps N        repetitions within each run, llama-bench's and kiln bench's -r (default 3)
#     --llama-bench PATH
#                     default: ../shared/tools/llama.cpp/bin/llama-bench where it runs on this CPU, else
#                     benchmarks/llama-ref/target/debian/llama-bench (bash benchmarks/llama-ref/debian.sh fetches it)
#     --variant NAME=JAVA_OPTIONS
#                     one more Kiln run per file and round with KILN_JAVA_OPTS=JAVA_OPTIONS, reported as NAME; e.g.
#                     --variant floatbatch16=-Dkiln.cpu.floatbatch=16 (float batches where they are off by default:
#                     512-bit machines), --variant integer=-Dkiln.cpu.floatbatch=off
#     --serve         also, each round and file: llama-server (beside llama-bench), then `./kiln serve`, each with
#                     -np 8 -c CTX -t N, under ServeLoad (1 and 8 clients, 64 tokens each, best of 2); rows
#                     "serve 1 client" and "serve 8 clients" (aggregate t/s), and where the replies carry timings
#                     "... (server decode)": the servers' own decode rate per request
#                     (timings.predicted_per_second). Needs the benchmarks jar
#                     (mvn -pl benchmarks -am package -DskipTests). Kiln caps -c at the model's context: give a
#                     file with at least CTX, as the README's 8k file, to compare like with like
#     --ctx CTX       the servers' -c (default 4096)
#
# Example (the rows of issue 14's table): bash benchmarks/llama-ref/compare.sh -r 3 models/tinyllama.gguf
#   and its serve rows: bash benchmarks/llama-ref/compare.sh -r 3 -p 0 -n 0 --serve models/tinyllama-8k.gguf
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rounds=3 threads=2 prompts=64,512 gen=32 depth=0 reps=3 llama="" serve=0 ctx=4096
variants=()
models=()
while [ $# -gt 0 ]; do
  case "$1" in
    -r) rounds="$2"; shift 2 ;;
    -t) threads="$2"; shift 2 ;;
    -p) prompts="$2"; shift 2 ;;
    -n) gen="$2"; shift 2 ;;
    -d) depth="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --llama-bench) llama="$2"; shift 2 ;;
    --serve) serve=1; shift ;;
    --ctx) ctx="$2"; shift 2 ;;
    --variant)
      case "$2" in
        [A-Za-z]*=*) variants+=("$2") ;;
        *) echo "compare.sh: --variant expects NAME=JAVA_OPTIONS, found '$2'" >&2; exit 2 ;;
      esac
      shift 2 ;;
    -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
    -*) echo "compare.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) models+=("$1"); shift ;;
  esac
done
[ ${#models[@]} -gt 0 ] || { echo "compare.sh: name at least one MODEL.gguf (see --help)" >&2; exit 2; }
for n in "$rounds" "$threads" "$gen" "$depth" "$reps" "$ctx"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "compare.sh: expected a whole number, found '$n'" >&2; exit 2; }
done
[[ "$prompts" =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "compare.sh: -p expects sizes like 64,512, found '$prompts'" >&2; exit 2; }
for m in "${models[@]}"; do
  [ -r "$m" ] || { echo "compare.sh: cannot read model file '$m'" >&2; exit 2; }
done

if [ -z "$llama" ]; then
  shared="$root/../shared/tools/llama.cpp/bin/llama-bench"
  if [ -x "$shared" ] && "$shared" --help >/dev/null 2>&1; then
    llama="$shared"
  elif [ -x "$here/target/debian/llama-bench" ]; then
    llama="$here/target/debian/llama-bench"
  else
    echo "compare.sh: no llama-bench that runs here: the shared build refuses this CPU and" \
      "$here/target/debian/llama-bench is missing (bash benchmarks/llama-ref/debian.sh fetches it), or pass --llama-bench" >&2
    exit 2
  fi
fi
[ -x "$llama" ] || { echo "compare.sh: --llama-bench '$llama' is not an executable" >&2; exit 2; }
if [ "$serve" = 1 ]; then
  server="$(dirname "$llama")/llama-server"
  [ -x "$server" ] || { echo "compare.sh: --serve needs llama-server beside llama-bench, found no '$server'" >&2; exit 2; }
  jar="$root/benchmarks/target/benchmarks.jar"
  [ -r "$jar" ] || { echo "compare.sh: --serve needs $jar (mvn -pl benchmarks -am package -DskipTests)" >&2; exit 2; }
  . "$root/scripts/jdk.sh"
  kiln_select_jdk || exit 2
fi

out="$(mktemp -d)"
server_pid=""
trap '[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null; rm -rf "$out"' EXIT

# serves with "$@" on port $1 until /health answers 200, runs ServeLoad, stops the server; prints "key,test,t/s" lines
# for key $2 (ServeLoad's lines: "URL  N client(s):  R tokens/s aggregate ...")
serve_load() {
  local port="$1" key="$2"; shift 2
  if curl -s "http://127.0.0.1:$port/health" > /dev/null 2>&1; then
    echo "compare.sh: something already answers on port $port (a server left from an earlier run?); stop it first" >&2
    exit 1
  fi
  "$@" --port "$port" > "$out/server.log" 2>&1 &
  server_pid=$!
  local waited=0
  until curl -sf "http://127.0.0.1:$port/health" > /dev/null 2>&1; do
    kill -0 "$server_pid" 2>/dev/null || { echo "compare.sh: the server exited before it was ready: $*" >&2; tail -5 "$out/server.log" >&2; exit 1; }
    [ "$waited" -lt 600 ] || { echo "compare.sh: the server was not ready after 600 s: $*" >&2; exit 1; }
    sleep 1; waited=$((waited + 1))
  done
  "$JAVA_HOME/bin/java" -cp "$jar" dev.kiln.bench.ServeLoad "http://127.0.0.1:$port" 1,8 64 2 > "$out/serve.txt" \
    || { echo "compare.sh: ServeLoad failed against $*" >&2; exit 1; }
  kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""
  awk -v key="$key" '{
      name = "serve " $2 " client" ($2 == 1 ? "" : "s"); seen = 0
      for (i = 2; i <= NF; i++) {
        if ($i == "tokens/s" && $(i - 1) ~ /^[0-9.]+$/ && !seen) { print key "," name "," $(i - 1); seen = 1 }
        if ($i == "decode" && $(i + 1) == "tokens/s") print key "," name " (server decode)," $(i - 1)
      }
    }' "$out/serve.txt"
}
tests=(-p "$prompts" -n "$gen" -t "$threads" -r "$reps")
benches=1 # -p 0 -n 0: no llama-bench or kiln bench runs (with --serve, the servers alone)
[[ ! "$prompts" =~ ^0(,0)*$ || "$gen" != 0 ]] || benches=0
[ "$benches" = 1 ] || [ "$serve" = 1 ] || { echo "compare.sh: -p 0 -n 0 without --serve leaves nothing to run" >&2; exit 2; }
[ "$depth" = 0 ] || tests+=(-d "$depth")
echo "compare.sh: $llama against $root/kiln, $rounds rounds, ${tests[*]}" >&2
for r in $(seq 1 "$rounds"); do
  for i in "${!models[@]}"; do
    m="${models[$i]}"
    echo "compare.sh: round $r, $(basename "$m"), $(date +%T)" >&2
    if [ "$benches" = 1 ]; then
      "$llama" -m "$m" "${tests[@]}" -o csv 2>/dev/null > "$out/llama.cpp,$i,$r.csv" \
        || { echo "compare.sh: $llama failed on $m" >&2; exit 1; }
      KILN_JAVA_OPTS="${KILN_JAVA_OPTS:-}" "$root/kiln" bench -m "$m" "${tests[@]}" -o csv 2>/dev/null > "$out/Kiln,$i,$r.csv" \
        || { echo "compare.sh: kiln bench failed on $m" >&2; exit 1; }
      for v in ${variants[@]+"${variants[@]}"}; do
        KILN_JAVA_OPTS="${v#*=}" "$root/kiln" bench -m "$m" "${tests[@]}" -o csv 2>/dev/null > "$out/${v%%=*},$i,$r.csv" \
          || { echo "compare.sh: kiln bench with ${v#*=} failed on $m" >&2; exit 1; }
      done
    fi
    if [ "$serve" = 1 ]; then
      serve_load 18091 "llama.cpp,$i,$r" "$server" -m "$m" -np 8 -c "$ctx" -t "$threads" >> "$out/serve.lines"
      serve_load 18092 "Kiln,$i,$r" "$root/kiln" serve -m "$m" -np 8 -c "$ctx" -t "$threads" >> "$out/serve.lines"
    fi
  done
done

engines="llama.cpp Kiln"
for v in ${variants[@]+"${variants[@]}"}; do engines="$engines ${v%%=*}"; done
names=""
for m in "${models[@]}"; do names="$names$(basename "$m")|"; done
# one line per result: engine, file index, round, test, t/s (columns found by name: llama-bench and kiln bench share them)
shopt -s nullglob
{ for f in "$out"/*.csv; do
  base="$(basename "$f" .csv)"
  awk -v key="$base" -F, '
    NR == 1 { for (i = 1; i <= NF; i++) { gsub(/"/, "", $i); col[$i] = i }; next }
    {
      for (i = 1; i <= NF; i++) gsub(/"/, "", $i)
      p = $col["n_prompt"]; g = $col["n_gen"]; d = $col["n_depth"]
      test = (p > 0 ? "pp" p : "tg" g) (d > 0 ? " @ d" d : "")
      print key "," test "," $col["avg_ts"]
    }' "$f"
done; [ ! -r "$out/serve.lines" ] || cat "$out/serve.lines"; } | sort -t, -k2,2n -k4,4V -k3,3n | awk -F, -v engines="$engines" -v names="$names" -v rounds="$rounds" '
  BEGIN { ne = split(engines, eng, " "); split(names, file, "|") }
  {
    k = $2 SUBSEP $4; if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
    ts[$1, $2, $4, $3] = $5
  }
  END {
    printf "| file | test | llama.cpp t/s"
    for (e = 2; e <= ne; e++) printf " | %s t/s | %s / llama.cpp | rounds", eng[e], eng[e]
    printf " |\n|---|---|---:"
    for (e = 2; e <= ne; e++) printf "|---:|---:|---"
    printf "|\n"
    for (j = 1; j <= nk; j++) {
      split(order[j], kv, SUBSEP); fi = kv[1]; t = kv[2]
      base = 0; nb = 0
      for (r = 1; r <= rounds; r++) if (ts["llama.cpp", fi, t, r] > 0) { base += ts["llama.cpp", fi, t, r]; nb++ }
      printf "| %s | %s | %s", file[fi + 1], t, (nb > 0 ? sprintf("%.2f", base / nb) : "-")
      for (e = 2; e <= ne; e++) {
        # means over the rounds that measured the engine; the ratio over the rounds that measured both (a server
        # reply without timings leaves a round out of its "server decode" row)
        sum = 0; n = 0; both = 0; bothBase = 0; per = ""
        for (r = 1; r <= rounds; r++) {
          v = ts[eng[e], fi, t, r]; l = ts["llama.cpp", fi, t, r]
          if (v > 0) { sum += v; n++ }
          if (v > 0 && l > 0) { both += v; bothBase += l }
          per = per (r > 1 ? ", " : "") (l > 0 && v > 0 ? sprintf("%.2f", v / l) : "-")
        }
        printf " | %s | %s | %s", (n > 0 ? sprintf("%.2f", sum / n) : "-"), \
          (bothBase > 0 ? sprintf("%.2f", both / bothBase) : "-"), per
      }
      printf " |\n"
    }
  }'
