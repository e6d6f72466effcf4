package dev.kiln.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A dedicated pool of daemon threads for the CPU kernels (never the common pool, so kernels cannot be starved or
 * starve other work), sized by {@code --threads}. {@link #parallelFor} cuts a range into chunks that the calling
 * thread and the workers claim from one shared counter until none is left, then waits for the chunks still running.
 * Each claim takes {@link #chunk a share of what is left}, so chunks shrink to single indices at the end and the
 * threads finish together. The caller never waits for a worker that has not started:
 * on a loaded machine a descheduled worker simply claims nothing and the others do its share (a fixed split made
 * {@code -t 2} slower than {@code -t 1} there). A call allocates nothing: the task and range are published through a
 * generation counter that spinning (then parked) workers watch.
 *
 * <p>One {@code parallelFor} runs at a time (calls from different threads are serialised). A task that calls
 * {@code parallelFor} itself gets its range run inline on its own thread instead of deadlocking.
 */
public final class CpuThreads implements AutoCloseable {
    /**
     * Spin iterations (with a yield every {@link #YIELD_EVERY}) before a waiting thread parks: a short wait (one
     * matmul) costs no wake-up.
     */
    private static final int SPINS = 20_000;
    /**
     * A spinning thread yields its CPU once per this many spins (~6 us): the scheduler sometimes runs the caller and a
     * worker on one core (on this project's 2-vCPU machines in 19-26% of the samples taken from {@code /proc} during a
     * decode; llama.cpp's two threads in none), and a thread spinning there takes its time slice away from the one it
     * waits for. With the yield that fell to 7-10%, and tg128 on the tinyllama Q4_K_M file rose from 37.4 to 41.0 t/s
     * (means of three alternating rounds; pp64 95.6 against 92.7, within the noise). Alone on a core, a yield returns
     * at once (~0.5 us).
     */
    private static final int YIELD_EVERY = 256;

    /** A claim takes the indices left divided by this many per thread (at least one). */
    static final int SHARES_PER_THREAD = 2;

    private final int threads;
    private final Thread[] workers; // [threads - 1]
    private final Object callLock = new Object();
    /** (generation &lt;&lt; 32) | next unclaimed index of the current call. */
    private final AtomicLong claim = new AtomicLong();
    /** Indices finished in the current call. */
    private final AtomicInteger done = new AtomicInteger();

    private volatile int generation;
    /** (generation &lt;&lt; 32) | count of the current call; written before {@link #claim} and {@link #generation}. */
    private volatile long job;
    private volatile boolean closed;
    private volatile Thread caller;
    private final ThreadLocal<Boolean> inside = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private RangeTask task; // published by the volatile writes of job and claim
    private RuntimeException failure;
    private Error error;

    public CpuThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: expected at least 1, found " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::workLoop, "kiln-cpu-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code task} over {@code [0, count)} in chunks spread over the threads; returns when all are done. */
    public void parallelFor(int count, RangeTask task) {
        if (count < 0) {
            throw new IllegalArgumentException("count: expected >= 0, found " + count);
        }
        if (closed) {
            throw new IllegalStateException("CpuThreads is closed");
        }
        if (threads == 1 || count <= 1 || inside.get()) {
            task.run(0, count);
            return;
        }
        synchronized (callLock) {
            int g = generation + 1;
            this.task = task;
            this.failure = null;
            this.error = null;
            this.caller = Thread.currentThread();
            done.set(0);
            job = ((long) g << 32) | count;
            claim.set((long) g << 32);
            generation = g;
            for (Thread w : workers) {
                LockSupport.unpark(w);
            }
            inside.set(Boolean.TRUE);
            try {
                work(g, count);
            } finally {
                inside.set(Boolean.FALSE);
            }
            for (int spins = 0; done.get() != count; spins++) {
                if (spins < SPINS) {
                    pause(spins);
                } else {
                    LockSupport.park(this);
                }
            }
            this.task = null;
            if (error != null) {
                throw error;
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    /**
     * Claims and runs chunks of call {@code g} (of {@code count} indices) until none is left. A successful claim
     * proves call {@code g} is still running (its caller waits for the claimed indices), so the task read after it
     * is that call's.
     */
    private void work(int g, int count) {
        while (true) {
            long v = claim.get();
            int start = (int) v;
            if ((int) (v >>> 32) != g || start >= count) {
                return;
            }
            int c = chunk(count - start, threads);
            if (!claim.compareAndSet(v, v + c)) {
                continue;
            }
            RangeTask t = task;
            int end = Math.min(count, start + c);
            try {
                t.run(start, end);
            } catch (RuntimeException e) {
                synchronized (this) {
                    failure = e;
                }
            } catch (Error e) {
                synchronized (this) {
                    error = e;
                }
            } finally {
                if (done.addAndGet(end - start) == count) {
                    Thread c0 = caller;
                    if (c0 != Thread.currentThread()) {
                        LockSupport.unpark(c0);
                    }
                }
            }
        }
    }

    /**
     * The size of the next claim with {@code left} indices left: {@code left / (threads · SHARES_PER_THREAD)}, at
     * least one ("guided" scheduling). The first claims are large and cheap, the last ones single indices, so no
     * thread is left holding a big chunk when the others run out. Chunks of a fixed eighth of a thread's share left
     * up to that much work on one thread at the end: a batched matmul's chunk of pairs (11 pairs, ~1.4 ms at 64
     * tokens) was a tenth of the call. Two threads, Zen 3, Q4_K 5632 x 2048 at 64 tokens through this pool (medians
     * of 12 alternating rounds in one process): 64.4 against 63.3 G multiply-adds/s, 2048 x 2048 65.6 against 63.4
     * (two processes side by side, one thread each, ran at 33-35 each); decode equal (47.8 against 47.6).
     */
    static int chunk(int left, int threads) {
        return Math.max(1, left / (threads * SHARES_PER_THREAD));
    }

    /** One step of a busy wait: a spin-wait hint, or every {@link #YIELD_EVERY} steps a yield. */
    private static void pause(int spins) {
        if (spins % YIELD_EVERY == YIELD_EVERY - 1) {
            Thread.yield();
        } else {
            Thread.onSpinWait();
        }
    }

    private void workLoop() {
        inside.set(Boolean.TRUE);
        int seen = 0;
        int spins = 0;
        while (!closed) {
            if (generation == seen) {
                if (spins++ < SPINS) {
                    pause(spins);
                } else {
                    LockSupport.park(this);
                }
                continue;
            }
            long j = job;
            seen = (int) (j >>> 32);
            spins = 0;
            work(seen, (int) j);
        }
    }

    /** Stops the workers; further calls to {@link #parallelFor} fail. */
    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
