// A llama-bench stand-in for machines where ../shared/tools/llama.cpp cannot run (it is built for AVX-512):
// pp N and tg N, optionally after D tokens of context, the same way `kiln bench -p N -n N -d D` measures them.
//
//   bench MODEL PP TG THREADS REPS [DEPTH]
//
// Each test: one untimed warm-up, then REPS timed runs, each on an emptied KV cache (filled with DEPTH random tokens
// first, untimed). pp decodes PP random tokens in batches of 512; tg decodes TG tokens one at a time. Prints the mean
// and standard deviation of tokens per second, as llama-bench does.
#include "llama.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

static double seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Decodes n random tokens of sequence 0 from position start, in batches of at most `batch`.
static void decode(llama_context *ctx, int vocab, int n, int start, int batch) {
    for (int i = 0; i < n; i += batch) {
        int k = n - i < batch ? n - i : batch;
        llama_batch b = llama_batch_init(k, 0, 1);
        for (int j = 0; j < k; j++) {
            b.token[j] = rand() % vocab;
            b.pos[j] = start + i + j;
            b.n_seq_id[j] = 1;
            b.seq_id[j][0] = 0;
            b.logits[j] = j == k - 1;
        }
        b.n_tokens = k;
        if (llama_decode(ctx, b) != 0) {
            fprintf(stderr, "bench: llama_decode failed at position %d\n", start + i);
            exit(1);
        }
        llama_batch_free(b);
    }
    llama_synchronize(ctx);
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: bench MODEL PP TG THREADS REPS [DEPTH]\n");
        return 2;
    }
    const char *path = argv[1];
    int pp = atoi(argv[2]), tg = atoi(argv[3]), threads = atoi(argv[4]), reps = atoi(argv[5]);
    int depth = argc > 6 ? atoi(argv[6]) : 0;
    llama_backend_init();
    llama_log_set([](enum lm_ggml_log_level, const char *, void *) {}, nullptr);
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    llama_model *model = llama_model_load_from_file(path, mp);
    if (model == nullptr) {
        fprintf(stderr, "bench: cannot load %s\n", path);
        return 1;
    }
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = depth + pp + tg + 16;
    cp.n_batch = 2048;
    cp.n_ubatch = 512;
    cp.n_threads = threads;
    cp.n_threads_batch = threads;
    llama_context *ctx = llama_init_from_model(model, cp);
    int vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    for (int test = 0; test < 2; test++) {
        int n = test == 0 ? pp : tg;
        if (n == 0) {
            continue;
        }
        std::vector<double> rates;
        for (int rep = -1; rep < reps; rep++) { // rep -1: warm-up
            llama_memory_clear(llama_get_memory(ctx), true);
            if (depth > 0) {
                decode(ctx, vocab, depth, 0, 512);
            }
            double t0 = seconds();
            decode(ctx, vocab, n, depth, test == 0 ? 512 : 1);
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
    llama_free(ctx);
    llama_model_free(model);
    return 0;
}
