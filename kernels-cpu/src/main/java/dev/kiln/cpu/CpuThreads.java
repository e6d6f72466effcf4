package dev.kiln.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A dedicated pool of daemon threads for the CPU kernels (never the common pool, so kernels cannot be starved or
 * starve other work), sized by {@code --threads}. {@link #parallelFor} splits a range into one contiguous part per
 * thread, runs part 0 on the calling thread and waits for the rest. A call allocates nothing: the task and range are
 * published through a generation counter that parked workers watch.
 *
 * <p>One {@code parallelFor} runs at a time (calls from different threads are serialised). A task that calls
 * {@code parallelFor} itself gets its range run inline on its own thread instead of deadlocking.
 */
public final class CpuThreads implements AutoCloseable {
    /** Spin iterations before a waiting thread parks: short waits (one matmul) stay off the scheduler. */
    private static final int SPINS = 20_000;

    private final int threads;
    private final Thread[] workers; // [threads - 1]
    private final AtomicInteger pending = new AtomicInteger();
    private final Object callLock = new Object();

    private volatile int generation;
    private volatile boolean closed;
    private volatile Thread caller;
    private final ThreadLocal<Boolean> inside = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private RangeTask task; // published by the volatile write of generation
    private int count;
    private RuntimeException failure;
    private Error error;

    public CpuThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: expected at least 1, found " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int part = i + 1;
            Thread t = new Thread(() -> workLoop(part), "kiln-cpu-" + part);
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code task} over {@code [0, count)}, split into one contiguous range per thread; returns when all are done. */
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
            this.task = task;
            this.count = count;
            this.failure = null;
            this.error = null;
            this.caller = Thread.currentThread();
            pending.set(workers.length);
            generation = generation + 1;
            for (Thread w : workers) {
                LockSupport.unpark(w);
            }
            RuntimeException own = null;
            inside.set(Boolean.TRUE);
            try {
                task.run(0, count / threads);
            } catch (RuntimeException e) {
                own = e;
            } finally {
                inside.set(Boolean.FALSE);
            }
            for (int spins = 0; pending.get() != 0; spins++) {
                if (spins < SPINS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            this.task = null;
            if (own != null) {
                throw own;
            }
            if (error != null) {
                throw error;
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    private void workLoop(int part) {
        inside.set(Boolean.TRUE);
        int seen = 0;
        int spins = 0;
        while (!closed) {
            int g = generation;
            if (g == seen) {
                if (spins++ < SPINS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
                continue;
            }
            seen = g;
            spins = 0;
            int n = count;
            try {
                task.run((int) ((long) n * part / threads), (int) ((long) n * (part + 1) / threads));
            } catch (RuntimeException e) {
                synchronized (this) {
                    failure = e;
                }
            } catch (Error e) {
                synchronized (this) {
                    error = e;
                }
            }
            if (pending.decrementAndGet() == 0) {
                LockSupport.unpark(caller);
            }
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
