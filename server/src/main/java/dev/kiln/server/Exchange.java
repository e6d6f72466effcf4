package dev.kiln.server;

import dev.kiln.server.api.ApiException;
import dev.kiln.server.api.Json;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.util.BufferUtil;
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
    private boolean probeStopped;     // clientClosed() no longer reads the socket

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

    /**
     * The most bytes of a refused request's body read and thrown away before the error reply goes out. A server that
     * replies without reading the body closes the connection with the client's bytes unread, and TCP then resets it:
     * the client, still sending, may lose the reply (a 413 or 401 to a 10 KB body was lost in 10-11 of 400 tries,
     * seen as "header parser received no bytes"). Past this bound the connection is closed anyway, reply or not.
     */
    static final long DISCARD_LIMIT = 64L << 20;

    private boolean bodyTaken;        // body() has opened the request's content

    /** The body, refused with 413 when it is longer than {@code limit} bytes (checked before and while reading). */
    byte[] body(long limit) throws IOException {
        bodyTaken = true;
        long declared = request.getLength();
        try (InputStream in = Request.asInputStream(request)) {
            if (declared > limit) {
                discardUnlessAwaited(in);
                throw tooLarge(limit);
            }
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (bytes.length > limit) {
                discard(in);
                throw tooLarge(limit);
            }
            return bytes;
        }
    }

    /** Reads and drops the body of a request refused before {@link #body} read it (see {@link #DISCARD_LIMIT}). */
    void discardBody() throws IOException {
        if (!bodyTaken) {
            bodyTaken = true;
            try (InputStream in = Request.asInputStream(request)) {
                discardUnlessAwaited(in);
            }
        }
    }

    /**
     * {@link #discard}, except for a client that sent {@code Expect: 100-continue} and waits for the go-ahead before
     * it sends the body (curl does, for bodies over 1 KB): reading would ask it for the body only to drop it, and
     * an unsent body cannot reset the connection.
     */
    private void discardUnlessAwaited(InputStream in) throws IOException {
        if (!request.getHeaders().contains(HttpHeader.EXPECT, HttpHeaderValue.CONTINUE.asString())) {
            discard(in);
        }
    }

    private static void discard(InputStream in) throws IOException {
        long left = DISCARD_LIMIT;
        byte[] sink = new byte[8192];
        while (left > 0) {
            int n = in.read(sink, 0, (int) Math.min(sink.length, left));
            if (n < 0) {
                return;
            }
            left -= n;
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

    /** Runs {@code action} when Jetty fails the request (the connection closed or broke). */
    void onFailure(Runnable action) {
        request.addFailureListener(failure -> action.run());
    }

    /**
     * Whether an HTTP/1 client has closed its connection, found without writing: Jetty does not read an HTTP/1
     * connection while a handler runs (so neither {@link #onFailure} nor {@code isOpen()} sees the close), hence a
     * non-blocking read of the socket that returns end-of-stream when the client is gone. Bytes found instead (a
     * client that pipelines its next request during a non-streamed reply, which the OpenAI clients do not do) cannot
     * be handed back to Jetty: the probe stops and the reply says {@code Connection: close}, so that client must
     * resend. HTTP/2 multiplexes the connection and is never probed.
     */
    boolean clientClosed() {
        if (probeStopped) {
            return false;
        }
        ConnectionMetaData meta = request.getConnectionMetaData();
        if (meta.getHttpVersion().getVersion() >= HttpVersion.HTTP_2.getVersion()) {
            probeStopped = true;
            return false;
        }
        EndPoint endPoint = meta.getConnection().getEndPoint();
        if (!endPoint.isOpen()) {
            return true;
        }
        try {
            ByteBuffer probe = BufferUtil.allocate(256);
            int n = endPoint.fill(probe);
            if (n > 0) {
                probeStopped = true;
                response.getHeaders().put(HttpHeader.CONNECTION, "close");
            }
            return n < 0;
        } catch (IOException e) {
            return true;
        }
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
