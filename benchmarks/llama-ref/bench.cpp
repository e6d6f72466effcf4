// A llama-bench stand-in for machines where ../shared/tools/llama.cpp cannot run (it is built for AVX-512):
// pp N and tg N, optionally after D tokens of context, the same way `kiln bench -p N -n N -d D` measures them.
//
//   bench MODEL PP TG THREADS REPS [DEPTH]
//
// Each test: one untimed warm-up, then REPS timed runs, each on an emptied KV cache (filled with DEPTH random tokens
// first, untimed). pp decodes PP random tokens in batches of 512; tg decodes TG tokens one at a time. Prints the mean
// and standard deviation of tokens per second, as llama-bench does.
#include "llama-ref.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

// Decodes n random tokens of sequence 0 from position start, in batches of at most `batch`.
static void run(const Engine &e, int n, int start, int batch) {
    for (int i = 0; i < n; i += batch) {
        int k = std::min(batch, n - i);
        llama_batch b = llama_batch_init(k, 0, 1);
        b.n_tokens = 0;
        for (int j = 0; j < k; j++) {
            add_random(b, e, start + i + j, 0, j == k - 1);
        }
        decode(e, b, "bench", "at position", start + i);
        llama_batch_free(b);
    }
    llama_synchronize(e.ctx);
}

int main(int argc, char **argv) {
    if (argc < 6 || argc > 7) {
        fprintf(stderr, "usage: bench MODEL PP TG THREADS REPS [DEPTH]\n");
        return 2;
    }
    int pp = int_arg(argv, 2, "PP", 0), tg = int_arg(argv, 3, "TG", 0);
    int threads = int_arg(argv, 4, "THREADS", 1), reps = int_arg(argv, 5, "REPS", 1);
    int depth = argc > 6 ? int_arg(argv, 6, "DEPTH", 0) : 0;
    Engine e = load("bench", argv[1], depth + pp + tg + 16, 1, threads);
    for (int test = 0; test < 2; test++) {
        int n = test == 0 ? pp : tg;
        if (n == 0) {
            continue;
        }
        std::vector<double> rates;
        for (int rep = -1; rep < reps; rep++) { // rep -1: warm-up
            llama_memory_clear(llama_get_memory(e.ctx), true);
            if (depth > 0) {
                run(e, depth, 0, 512);
            }
            double t0 = seconds();
            run(e, n, depth, test == 0 ? 512 : 1);
            double dt = seconds() - t0;
            if (rep >= 0) {
                rates.push_back(n / dt);
            }
        }
        double sum = 0, squares = 0;
        for (double r : rates) {
            sum += r;
            squares += r * r;
        }
        double mean = sum / rates.size();
        double sd = rates.size() > 1 ? std::sqrt(std::max(0.0, (squares - sum * mean) / (rates.size() - 1))) : 0;
        std::string name = (test == 0 ? "pp" : "tg") + std::to_string(n) + (depth ? " @ d" + std::to_string(depth) : "");
        printf("%s t/s %.2f ± %.2f\n", name.c_str(), mean, sd);
    }
    unload(e);
    return 0;
}
