// A llama-batched-bench stand-in (see bench.cpp): P sequences, each given a prompt of PP random tokens (untimed),
// then TG decode steps of one token per sequence (P tokens per step, timed): the aggregate rate a server with P busy
// slots reaches, without its HTTP layer.
//
//   batched MODEL PP TG THREADS P REPS
#include "llama.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

static double seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int main(int argc, char **argv) {
    if (argc < 7) {
        fprintf(stderr, "usage: batched MODEL PP TG THREADS P REPS\n");
        return 2;
    }
    const char *path = argv[1];
    int pp = atoi(argv[2]), tg = atoi(argv[3]), threads = atoi(argv[4]), p = atoi(argv[5]), reps = atoi(argv[6]);
    llama_backend_init();
    llama_log_set([](enum lm_ggml_log_level, const char *, void *) {}, nullptr);
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    llama_model *model = llama_model_load_from_file(path, mp);
    if (model == nullptr) {
        fprintf(stderr, "batched: cannot load %s\n", path);
        return 1;
    }
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = p * (pp + tg) + 16;
    cp.n_batch = 512;
    cp.n_ubatch = 512;
    cp.n_threads = threads;
    cp.n_threads_batch = threads;
    cp.n_seq_max = p;
    cp.kv_unified = true;
    llama_context *ctx = llama_init_from_model(model, cp);
    int vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    for (int rep = -1; rep < reps; rep++) { // rep -1: warm-up
        llama_memory_clear(llama_get_memory(ctx), true);
        for (int s = 0; s < p; s++) {
            llama_batch b = llama_batch_init(pp, 0, 1);
            for (int j = 0; j < pp; j++) {
                b.token[j] = rand() % vocab;
                b.pos[j] = j;
                b.n_seq_id[j] = 1;
                b.seq_id[j][0] = s;
                b.logits[j] = j == pp - 1;
            }
            b.n_tokens = pp;
            if (llama_decode(ctx, b) != 0) {
                fprintf(stderr, "batched: prompt of sequence %d failed\n", s);
                return 1;
            }
            llama_batch_free(b);
        }
        llama_synchronize(ctx);
        double t0 = seconds();
        for (int i = 0; i < tg; i++) {
            llama_batch b = llama_batch_init(p, 0, 1);
            for (int s = 0; s < p; s++) {
                b.token[s] = rand() % vocab;
                b.pos[s] = pp + i;
                b.n_seq_id[s] = 1;
                b.seq_id[s][0] = s;
                b.logits[s] = 1;
            }
            b.n_tokens = p;
            if (llama_decode(ctx, b) != 0) {
                fprintf(stderr, "batched: step %d failed\n", i);
                return 1;
            }
            llama_batch_free(b);
        }
        llama_synchronize(ctx);
        double dt = seconds() - t0;
        if (rep >= 0) {
            printf("P=%d tg%d aggregate t/s %.2f (%.1f ms per step)\n", p, tg, p * tg / dt, dt / tg * 1e3);
        }
    }
    llama_free(ctx);
    llama_model_free(model);
    return 0;
}
