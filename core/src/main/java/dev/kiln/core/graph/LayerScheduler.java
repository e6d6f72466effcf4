package dev.kiln.core.graph;

import dev.kiln.core.arch.HyperParams;
import dev.kiln.core.model.ModelWeights;
import dev.kiln.core.spi.Backend;
import dev.kiln.core.spi.DeviceTensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the slots (embedding, blocks, output head) on the backends a {@link Placement} assigns and moves the
 * residual stream ({@code rows · dim} floats, through the host, one copy each way) only where two consecutive
 * slots live on different backends. It owns each slot's uploaded weights and each backend's {@link Activations};
 * the backends themselves belong to the caller.
 */
final class LayerScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LayerScheduler.class);

    private final HyperParams hp;
    private final Backend cpu;
    private final Backend[] slotBackend;        // [blockCount + 1]
    private final DeviceTensor tokenEmbd;       // on cpu
    private final DeviceLayer[] layers;         // [blockCount], each on its slot's backend
    private final DeviceTensor outputNorm;      // on the output slot's backend
    private final DeviceTensor output;
    private final Activations cpuActs;
    private final Activations accelActs;        // null without offloaded slots
    private final float[] hostResidual;         // [rows][dim] staging for cross-backend moves
    private Backend holder;                     // the backend whose x holds the residual stream
    /** Each uploaded weight's role: its GGUF name without the block prefix and {@code .weight} ({@code attn_q}). */
    private final Map<DeviceTensor, String> roles = new IdentityHashMap<>();

    LayerScheduler(HyperParams hp, ModelWeights weights, Placement placement, Backend cpu, Backend accelerator, int rows) {
        if (placement.offloadedSlots() > 0 && accelerator == null) {
            throw new IllegalArgumentException("placement offloads slots but no accelerator backend was given");
        }
        this.hp = hp;
        this.cpu = cpu;
        int n = hp.blockCount();
        slotBackend = new Backend[n + 1];
        for (int s = 0; s <= n; s++) {
            slotBackend[s] = (s < n ? placement.blockOffloaded(s) : placement.outputOffloaded()) ? accelerator : cpu;
        }
        tokenEmbd = cpu.uploadTable(weights.tokenEmbd());
        roles.put(tokenEmbd, role(weights.tokenEmbd().name()));
        layers = new DeviceLayer[n];
        for (int l = 0; l < n; l++) {
            layers[l] = DeviceLayer.upload(slotBackend[l], weights.layer(l), roles);
        }
        Backend out = slotBackend[n];
        outputNorm = out.upload(weights.outputNorm());
        output = out.upload(weights.output());
        roles.put(outputNorm, role(weights.outputNorm().name()));
        roles.put(output, "output"); // also when it is token_embd (tied embeddings)
        int logitRows = Activations.logitChunk(hp, rows);
        boolean cpuRunsBlocks = false, accelRunsBlocks = false;
        for (int l = 0; l < n; l++) {
            cpuRunsBlocks |= slotBackend[l] == cpu;
            accelRunsBlocks |= slotBackend[l] == accelerator;
        }
        cpuActs = new Activations(cpu, hp, rows, out == cpu ? logitRows : 0, cpuRunsBlocks);
        accelActs = placement.offloadedSlots() > 0
                ? new Activations(accelerator, hp, rows, out == accelerator ? logitRows : 0, accelRunsBlocks) : null;
        hostResidual = accelActs == null ? null : new float[rows * hp.embeddingLength()];
        if (accelerator != null) {
            LOG.info("placement: {}", placement.describe(cpu.name(), accelerator.name()));
        }
    }

    int rows() {
        return cpuActs.rows;
    }

    /** {@code blk.3.attn_q.weight} -> {@code attn_q}; {@code output.weight} -> {@code output}. */
    static String role(String tensorName) {
        return tensorName.replaceFirst("^blk\\.\\d+\\.", "").replaceFirst("\\.weight$", "");
    }

    /** The role of an uploaded weight ({@link #role(String)}), or "?" for a tensor this scheduler did not upload. */
    String roleOf(DeviceTensor weight) {
        return roles.getOrDefault(weight, "?");
    }

    Backend cpu() {
        return cpu;
    }

    Backend backendOfSlot(int slot) {
        return slotBackend[slot];
    }

    DeviceTensor tokenEmbd() {
        return tokenEmbd;
    }

    DeviceLayer layer(int l) {
        return layers[l];
    }

    DeviceTensor outputNorm() {
        return outputNorm;
    }

    DeviceTensor output() {
        return output;
    }

    Activations activations(Backend b) {
        return b == cpu ? cpuActs : accelActs;
    }

    /** The embedding lookup writes the CPU's residual buffer. */
    Activations startOnCpu() {
        holder = cpu;
        return cpuActs;
    }

    /** Makes the residual stream of {@code rows} rows available on the backend of {@code slot}; returns its buffers. */
    Activations enter(int slot, int rows) {
        Backend target = slotBackend[slot];
        if (target != holder) {
            int floats = rows * hp.embeddingLength();
            holder.toHost(activations(holder).x, hostResidual, 0, floats);
            target.fromHost(hostResidual, activations(target).x, floats);
            holder = target;
        }
        return activations(target);
    }

    /** Every distinct backend used, CPU first. */
    List<Backend> backends() {
        List<Backend> list = new ArrayList<>(List.of(cpu));
        for (Backend b : slotBackend) {
            if (!list.contains(b)) {
                list.add(b);
            }
        }
        return list;
    }

    @Override
    public void close() {
        cpuActs.close();
        if (accelActs != null) {
            accelActs.close();
        }
    }
}
