package dev.kiln.server;

import dev.kiln.server.api.ApiException;
import dev.kiln.server.api.Json;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP request and its response, with the blocking helpers the endpoints need (handlers run on virtual threads):
 * read the body within the size limit, send JSON or text, and stream server-sent events. A failed write (the client
 * went away) surfaces as an {@link IOException}.
 */
final class Exchange {

    final Request request;
    final Response response;
    private boolean streaming;

    Exchange(Request request, Response response) {
        this.request = request;
        this.response = response;
    }

    String path() {
        return Request.getPathInContext(request);
    }

    String method() {
        return request.getMethod();
    }

    String header(HttpHeader name) {
        return request.getHeaders().get(name);
    }

    /** The body, refused with 413 when it is longer than {@code limit} bytes (checked before and while reading). */
    byte[] body(long limit) throws IOException {
        long declared = request.getLength();
        if (declared > limit) {
            throw tooLarge(limit);
        }
        try (InputStream in = Request.asInputStream(request)) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (bytes.length > limit) {
                throw tooLarge(limit);
            }
            return bytes;
        }
    }

    private static ApiException tooLarge(long limit) {
        return new ApiException(413, "invalid_request_error", "request_too_large", null,
                "the request body is larger than the limit of " + limit + " bytes");
    }

    void json(int status, Object body) throws IOException {
        send(status, "application/json", Json.write(body));
    }

    void send(int status, String contentType, String text) throws IOException {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType + "; charset=utf-8");
        Content.Sink.write(response, false, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Starts a server-sent-event stream. */
    void startEvents() throws IOException {
        streaming = true;
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        Content.Sink.write(response, false, ByteBuffer.wrap(new byte[0]));
    }

    boolean streaming() {
        return streaming;
    }

    /** Writes one {@code data: ...} event and pushes it to the client now. */
    void event(String data) throws IOException {
        Content.Sink.write(response, false, ByteBuffer.wrap(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8)));
    }

    /** An SSE comment: keeps proxies from timing out and finds clients that went away while nothing is said. */
    void ping() throws IOException {
        Content.Sink.write(response, false, ByteBuffer.wrap(": ping\n\n".getBytes(StandardCharsets.UTF_8)));
    }
}
