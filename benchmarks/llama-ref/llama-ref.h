// What bench.cpp and batched.cpp share: their integer arguments, loading a model on the CPU, timing, and filling a
// batch.
#pragma once

#include "llama.h"

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>

inline double seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// argv[i] as an integer of at least `min`; otherwise exits with status 2, naming the argument.
inline int int_arg(char **argv, int i, const char *name, int min) {
    char *end = nullptr;
    errno = 0;
    long v = strtol(argv[i], &end, 10);
    if (errno != 0 || end == argv[i] || *end != '\0' || v < min || v > INT_MAX) {
        fprintf(stderr, "%s: %s must be an integer >= %d, found '%s'\n", argv[0], name, min, argv[i]);
        exit(2);
    }
    return (int) v;
}

struct Engine {
    llama_model *model;
    llama_context *ctx;
    int vocab;
};

// The model at `path` on the CPU, with a context of n_ctx cells shared by n_seq sequences, batches of up to 512
// tokens, on `threads` threads; exits with status 1 naming the file if it cannot be loaded.
inline Engine load(const char *program, const char *path, int n_ctx, int n_seq, int threads) {
    llama_backend_init();
    llama_log_set([](enum lm_ggml_log_level, const char *, void *) {}, nullptr);
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    llama_model *model = llama_model_load_from_file(path, mp);
    if (model == nullptr) {
        fprintf(stderr, "%s: cannot load %s\n", program, path);
        exit(1);
    }
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = n_ctx;
    cp.n_batch = 512;
    cp.n_ubatch = 512;
    cp.n_threads = threads;
    cp.n_threads_batch = threads;
    cp.n_seq_max = n_seq;
    cp.kv_unified = true;
    llama_context *ctx = llama_init_from_model(model, cp);
    if (ctx == nullptr) {
        fprintf(stderr, "%s: cannot create a context of %d cells for %s\n", program, n_ctx, path);
        exit(1);
    }
    return {model, ctx, llama_vocab_n_tokens(llama_model_get_vocab(model))};
}

inline void unload(Engine &e) {
    llama_free(e.ctx);
    llama_model_free(e.model);
}

// Appends a random token at position `pos` of sequence `seq` to b.
inline void add_random(llama_batch &b, const Engine &e, int pos, int seq, bool logits) {
    int i = b.n_tokens++;
    b.token[i] = rand() % e.vocab;
    b.pos[i] = pos;
    b.n_seq_id[i] = 1;
    b.seq_id[i][0] = seq;
    b.logits[i] = logits;
}

// Decodes b; exits with status 1 naming `what` if llama.cpp refuses it.
inline void decode(const Engine &e, llama_batch &b, const char *program, const char *what, int at) {
    if (llama_decode(e.ctx, b) != 0) {
        fprintf(stderr, "%s: llama_decode failed (%s %d)\n", program, what, at);
        exit(1);
    }
}
