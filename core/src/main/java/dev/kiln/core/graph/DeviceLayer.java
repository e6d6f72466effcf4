package dev.kiln.core.graph;

import dev.kiln.core.model.LayerWeights;
import dev.kiln.core.spi.Backend;
import dev.kiln.core.spi.DeviceTensor;
import dev.kiln.gguf.TensorData;

/** One block's weights uploaded to its backend (shapes as in {@link LayerWeights}; absent optional roles are null). */
record DeviceLayer(DeviceTensor attnNorm, DeviceTensor attnQ, DeviceTensor attnK, DeviceTensor attnV,
                   DeviceTensor attnQBias, DeviceTensor attnKBias, DeviceTensor attnVBias,
                   DeviceTensor attnQNorm, DeviceTensor attnKNorm, DeviceTensor attnOutput,
                   DeviceTensor ffnNorm, DeviceTensor ffnGate, DeviceTensor ffnUp, DeviceTensor ffnDown) {

    static DeviceLayer upload(Backend b, LayerWeights w) {
        return new DeviceLayer(up(b, w.attnNorm()), up(b, w.attnQ()), up(b, w.attnK()), up(b, w.attnV()),
                up(b, w.attnQBias()), up(b, w.attnKBias()), up(b, w.attnVBias()),
                up(b, w.attnQNorm()), up(b, w.attnKNorm()), up(b, w.attnOutput()),
                up(b, w.ffnNorm()), up(b, w.ffnGate()), up(b, w.ffnUp()), up(b, w.ffnDown()));
    }

    static DeviceTensor up(Backend b, TensorData t) {
        return t == null ? null : b.upload(t);
    }
}
