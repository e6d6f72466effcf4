package dev.kiln.server.fake;

import dev.kiln.server.model.ServedModel;

/** Ready-made fake models for server tests. */
public final class FakeModels {

    private FakeModels() {
    }

    public static ServedModel of(Script script, int slots, int slotLength, long stepMillis, String templateSource) {
        return of(new ScriptedModel(script, slots, slotLength, stepMillis), templateSource);
    }

    public static ServedModel of(ScriptedModel model, String templateSource) {
        return new ServedModel("fake-model", model, new ByteCodec(), new FakeChat(templateSource), null);
    }
}
