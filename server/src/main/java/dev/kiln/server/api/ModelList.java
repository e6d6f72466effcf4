package dev.kiln.server.api;

import java.util.List;

/** {@code GET /v1/models}: the one model this server serves. */
public record ModelList(String object, List<Model> data) {

    public record Model(String id, String object, long created, String ownedBy) {
    }
}
