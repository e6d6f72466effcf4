package dev.kiln.server;

import dev.kiln.server.model.ServedModel;
import dev.kiln.server.slot.SlotScheduler;

/** The ready state of a server: the model, its scheduler and request preparer, the name clients see. */
record Serving(ServedModel model, SlotScheduler scheduler, RequestPreparer preparer, String name, long created) {
}
