package dev.kiln.core.graph;

import dev.kiln.core.model.LayerWeights;
import dev.kiln.core.spi.Backend;
import dev.kiln.core.spi.DeviceTensor;
import dev.kiln.gguf.TensorData;

import java.util.Map;

/** One block's weights uploaded to its backend (shapes as in {@link LayerWeights}; absent optional roles are null). */
record DeviceLayer(DeviceTensor attnNorm, DeviceTensor attnQ, DeviceTensor attnK, DeviceTensor attnV,
                   DeviceTensor attnQBias, DeviceTensor attnKBias, DeviceTensor attnVBias,
                   DeviceTensor attnQNorm, DeviceTensor attnKNorm, DeviceTensor attnOutput,
                   DeviceTensor ffnNorm, DeviceTensor ffnGate, DeviceTensor ffnUp, DeviceTensor ffnDown) {

    /** Uploads {@code w}'s tensors to {@code b}, noting each uploaded weight's role ({@link LayerScheduler#role}). */
    static DeviceLayer upload(Backend b, LayerWeights w, Map<DeviceTensor, String> roles) {
        return new DeviceLayer(up(b, w.attnNorm(), roles), up(b, w.attnQ(), roles), up(b, w.attnK(), roles),
                up(b, w.attnV(), roles), up(b, w.attnQBias(), roles), up(b, w.attnKBias(), roles),
                up(b, w.attnVBias(), roles), up(b, w.attnQNorm(), roles), up(b, w.attnKNorm(), roles),
                up(b, w.attnOutput(), roles), up(b, w.ffnNorm(), roles), up(b, w.ffnGate(), roles),
                up(b, w.ffnUp(), roles), up(b, w.ffnDown(), roles));
    }

    private static DeviceTensor up(Backend b, TensorData t, Map<DeviceTensor, String> roles) {
        if (t == null) {
            return null;
        }
        DeviceTensor d = b.upload(t);
        roles.put(d, LayerScheduler.role(t.name()));
        return d;
    }
}
