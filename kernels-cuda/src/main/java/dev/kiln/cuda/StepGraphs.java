package dev.kiln.cuda;

import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;

/**
 * CUDA graphs for repeated steps (option {@code cuda.graphs}): kernel launches are queued instead of issued, and at
 * the next host synchronization point the queue is flushed. A queue whose launches (kernels, dimensions and every
 * parameter value) equal an earlier flush's is replayed as that flush's instantiated graph with one
 * {@code cuGraphLaunch}; the second time a sequence is seen it is captured. Decode steps repeat exactly, because
 * positions and cache lengths are read from device memory ({@link BatchArrays}) rather than passed as parameters.
 */
final class StepGraphs implements AutoCloseable {
    private static final int MAX_GRAPHS = 8;
    private static final int MAX_SEEN = 64;

    private final CUstream stream;
    private final List<Launch> pending = new ArrayList<>();
    private boolean pendingUsesBatch;
    private final Map<List<Object>, CUgraphExec> graphs = new HashMap<>();
    private final Set<List<Object>> seen = new HashSet<>();
    private long replays, captures;

    StepGraphs(CUstream stream) {
        this.stream = stream;
    }

    void add(Launch launch, boolean usesBatchArrays) {
        pending.add(launch);
        pendingUsesBatch |= usesBatchArrays;
    }

    /** True when a queued launch reads the batch arrays (so they must not be overwritten before a flush). */
    boolean pendingUsesBatchArrays() {
        return pendingUsesBatch;
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    /** Issues the queue: replay, capture or plain launches. */
    void flush() {
        if (pending.isEmpty()) {
            return;
        }
        List<Object> key = new ArrayList<>(pending.size() * 12);
        for (Launch l : pending) {
            key.addAll(l.key());
        }
        try {
            CUgraphExec exec = graphs.get(key);
            if (exec != null) {
                CudaException.check(cuGraphLaunch(exec, stream), "cuGraphLaunch (" + pending.size() + " kernels)");
                replays++;
                return;
            }
            if (seen.size() >= MAX_SEEN) {
                seen.clear();
            }
            if (seen.add(key)) {
                for (Launch l : pending) {   // first time: not worth a capture yet (prompt chunks rarely repeat)
                    l.run(stream);
                }
                return;
            }
            if (graphs.size() >= MAX_GRAPHS) {
                destroyGraphs();
            }
            CudaException.check(cuStreamBeginCapture(stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_RELAXED), "cuStreamBeginCapture");
            CUgraph graph = new CUgraph();
            try {
                for (Launch l : pending) {
                    l.run(stream);
                }
            } finally {
                CudaException.check(cuStreamEndCapture(stream, graph), "cuStreamEndCapture");
            }
            exec = new CUgraphExec();
            CudaException.check(cuGraphInstantiate(exec, graph, 0), "cuGraphInstantiate (" + pending.size() + " kernels)");
            cuGraphDestroy(graph);
            graphs.put(key, exec);
            captures++;
            CudaException.check(cuGraphLaunch(exec, stream), "cuGraphLaunch (" + pending.size() + " kernels)");
        } finally {
            pending.clear();
            pendingUsesBatch = false;
        }
    }

    /** "captured 2, replayed 254" for logs and the GPU check. */
    String stats() {
        return "captured " + captures + ", replayed " + replays;
    }

    private void destroyGraphs() {
        graphs.values().forEach(e -> cuGraphExecDestroy(e));
        graphs.clear();
    }

    @Override
    public void close() {
        pending.clear();
        destroyGraphs();
    }
}
