package dev.kiln.server;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The chat page behind {@code GET /}: static files kept in this module's resources under
 * {@code dev/kiln/server/webui/} (the page, its scripts and styles, and the vendored browser libraries with their
 * licences), answered with security headers. The Content-Security-Policy lets the page load and call only its own
 * origin and run no inline script or style, so model output that slipped past the sanitiser still could not run.
 * Files are revalidated on every load ({@code no-cache} with an ETag), so an upgraded server is never shown a stale
 * page.
 */
final class WebUi {

    static final String CONTENT_SECURITY_POLICY = String.join("; ",
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'");

    /** Headers every file of the page is sent with. */
    static final Map<String, String> SECURITY_HEADERS = Map.of(
            "Content-Security-Policy", CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options", "nosniff",
            "X-Frame-Options", "DENY",
            "Referrer-Policy", "no-referrer",
            "Cross-Origin-Opener-Policy", "same-origin",
            "Cross-Origin-Resource-Policy", "same-origin",
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()");

    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "txt", "text/plain; charset=utf-8",
            "md", "text/plain; charset=utf-8");

    /** Plain names (letters, digits, {@code . _ -}; no {@code ..}) ending in a known type: nothing else is looked up. */
    private static final Pattern FILE = Pattern.compile(
            "(?:[A-Za-z0-9][A-Za-z0-9._-]*/)*[A-Za-z0-9][A-Za-z0-9_-]*(?:\\.[A-Za-z0-9_-]+)*\\.(html|js|css|svg|txt|md)");

    record Asset(byte[] bytes, String contentType, String etag) {
    }

    private final Map<String, Asset> cache = new ConcurrentHashMap<>();

    /** The file for a request path ({@code /} is the page), or empty when the page has no such file. */
    Optional<Asset> find(String path) {
        String name = path.equals("/") ? "index.html" : path.substring(1);
        if (!FILE.matcher(name).matches() || name.contains("..")) {
            return Optional.empty();
        }
        Asset cached = cache.get(name);
        if (cached != null) {
            return Optional.of(cached);
        }
        try (InputStream in = WebUi.class.getResourceAsStream("webui/" + name)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] bytes = in.readAllBytes();
            String extension = name.substring(name.lastIndexOf('.') + 1);
            Asset asset = new Asset(bytes, TYPES.get(extension), etag(bytes));
            cache.put(name, asset);
            return Optional.of(asset);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the web page's file " + name + " failed", e);
        }
    }

    /** Answers {@code GET} (the file, or 304 when the client's copy is current) and {@code HEAD}. */
    void send(Exchange x, Asset asset) throws IOException {
        var headers = x.response.getHeaders();
        SECURITY_HEADERS.forEach(headers::put);
        headers.put(HttpHeader.CACHE_CONTROL, "no-cache");
        headers.put(HttpHeader.ETAG, asset.etag());
        String known = x.header(HttpHeader.IF_NONE_MATCH);
        if (asset.etag().equals(known)) {
            x.response.setStatus(304);
            return;
        }
        x.response.setStatus(200);
        headers.put(HttpHeader.CONTENT_TYPE, asset.contentType());
        headers.put(HttpHeader.CONTENT_LENGTH, asset.bytes().length);
        if (x.method().equals("GET")) {
            Content.Sink.write(x.response, false, ByteBuffer.wrap(asset.bytes()));
        }
    }

    private static String etag(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
