// A llama-batched-bench stand-in (see bench.cpp): P sequences, each given a prompt of PP random tokens (untimed),
// then TG decode steps of one token per sequence (P tokens per step, timed): the aggregate rate a server with P busy
// slots reaches, without its HTTP layer.
//
//   batched MODEL PP TG THREADS P REPS
#include "llama-ref.h"

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: batched MODEL PP TG THREADS P REPS\n");
        return 2;
    }
    int pp = int_arg(argv, 2, "PP", 1), tg = int_arg(argv, 3, "TG", 1), threads = int_arg(argv, 4, "THREADS", 1);
    int p = int_arg(argv, 5, "P", 1), reps = int_arg(argv, 6, "REPS", 1);
    if (pp > 512) {
        fprintf(stderr, "batched: PP must be at most 512 (one batch per prompt), found %d\n", pp);
        return 2;
    }
    Engine e = load("batched", argv[1], p * (pp + tg) + 16, p, threads);
    for (int rep = -1; rep < reps; rep++) { // rep -1: warm-up
        llama_memory_clear(llama_get_memory(e.ctx), true);
        for (int s = 0; s < p; s++) {
            llama_batch b = llama_batch_init(pp, 0, 1);
            b.n_tokens = 0;
            for (int j = 0; j < pp; j++) {
                add_random(b, e, j, s, j == pp - 1);
            }
            decode(e, b, "batched", "prompt of sequence", s);
            llama_batch_free(b);
        }
        llama_synchronize(e.ctx);
        double t0 = seconds();
        for (int i = 0; i < tg; i++) {
            llama_batch b = llama_batch_init(p, 0, 1);
            b.n_tokens = 0;
            for (int s = 0; s < p; s++) {
                add_random(b, e, pp + i, s, true);
            }
            decode(e, b, "batched", "step", i);
            llama_batch_free(b);
        }
        llama_synchronize(e.ctx);
        double dt = seconds() - t0;
        if (rep >= 0) {
            printf("P=%d tg%d aggregate t/s %.2f (%.1f ms per step)\n", p, tg, p * tg / dt, dt / tg * 1e3);
        }
    }
    unload(e);
    return 0;
}
