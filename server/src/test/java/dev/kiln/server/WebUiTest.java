package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.fake.FakeModels;
import dev.kiln.server.fake.Script;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chat page's files over HTTP (no browser): served at {@code /} with security headers, every file the page
 * names is there with its type, nothing outside the page's folder can be reached, {@code --no-webui} turns it off,
 * {@code /props} reports the server, and the vendored libraries are the recorded versions with their licences.
 */
class WebUiTest {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private Server server;

    private URI start(ServerConfig config) throws Exception {
        server = Server.start(config.withPort(0));
        server.serve(FakeModels.of(Script.reply("ok"), 2, 512, 0, "{{ '<think>' }}"));
        return server.uri();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static HttpResponse<byte[]> get(URI base, String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void thePageIsServedWithSecurityHeadersAndEveryFileItNamesExists() throws Exception {
        URI base = start(ServerConfig.defaults());
        HttpResponse<byte[]> page = get(base, "/");
        assertEquals(200, page.statusCode());
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElseThrow());
        String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertTrue(csp.contains("default-src 'none'") && csp.contains("script-src 'self';")
                && csp.contains("connect-src 'self'") && csp.contains("style-src 'self';"), csp);
        assertFalse(csp.contains("unsafe-inline") || csp.contains("unsafe-eval") || csp.contains("http"), csp);
        assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElseThrow());
        assertEquals("DENY", page.headers().firstValue("X-Frame-Options").orElseThrow());
        assertEquals("no-referrer", page.headers().firstValue("Referrer-Policy").orElseThrow());

        String html = text(page);
        // the CSP forbids inline code: every script and stylesheet is a file of this server
        assertFalse(Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>").matcher(html).find(), "an inline <script>");
        assertFalse(html.contains("<style") || html.contains(" style="), "inline style");
        assertFalse(Pattern.compile("\\son[a-z]+=").matcher(html).find(), "an inline event handler");
        List<String> files = new ArrayList<>();
        Matcher m = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(html);
        while (m.find()) {
            files.add(m.group(1));
        }
        assertTrue(files.containsAll(List.of("app.js", "style.css", "vendor/marked/marked.umd.js",
                "vendor/dompurify/purify.min.js", "vendor/highlight.js/highlight.min.js")), files.toString());
        for (String file : files) {
            assertFalse(file.contains(":") || file.startsWith("/"), "not relative to the page: " + file);
            HttpResponse<byte[]> r = get(base, "/" + file);
            assertEquals(200, r.statusCode(), file);
            String type = r.headers().firstValue("Content-Type").orElseThrow();
            String expected = file.endsWith(".js") ? "text/javascript" : file.endsWith(".css") ? "text/css" : "image/svg+xml";
            assertTrue(type.startsWith(expected), file + ": " + type);
            assertTrue(r.headers().firstValue("Content-Security-Policy").isPresent(), file);
        }
        // the modules app.js imports are there too
        String app = text(get(base, "/app.js"));
        Matcher imports = Pattern.compile("from '\\./([a-z]+\\.js)'").matcher(app);
        int count = 0;
        while (imports.find()) {
            assertEquals(200, get(base, "/" + imports.group(1)).statusCode(), imports.group(1));
            count++;
        }
        assertTrue(count >= 4, "app.js imports " + count + " modules");
    }

    @Test
    void anUnchangedFileIsAnsweredWith304() throws Exception {
        URI base = start(ServerConfig.defaults());
        HttpResponse<byte[]> first = get(base, "/app.js");
        String etag = first.headers().firstValue("ETag").orElseThrow();
        assertEquals("no-cache", first.headers().firstValue("Cache-Control").orElseThrow());
        HttpResponse<byte[]> again = get(base, "/app.js", "If-None-Match", etag);
        assertEquals(304, again.statusCode());
        assertEquals(0, again.body().length);
        assertEquals(200, get(base, "/app.js", "If-None-Match", "\"other\"").statusCode());
    }

    @Test
    void onlyThePagesOwnFilesCanBeReached() throws Exception {
        URI base = start(ServerConfig.defaults());
        // first: the rejected paths below make Jetty close connections, and the client does not retry a POST
        HttpResponse<byte[]> posted = CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(404, posted.statusCode());
        for (String path : List.of("/nothing.js", "/app.jsx", "/WebUi.class", "/dev/kiln/server/WebUi.class",
                "/v1/app.js", "/vendor", "/vendor/", "/.hidden.js", "/vendor/..%2f..%2fWebUi.class", "/%2e%2e/pom.xml")) {
            int status = get(base, path).statusCode();
            assertTrue(status == 404 || status == 400, path + " -> " + status);
        }
    }

    @Test
    void noWebuiTurnsThePageOffAndLeavesTheApi() throws Exception {
        URI base = start(ServerConfig.defaults().withWebui(false));
        assertEquals(404, get(base, "/").statusCode());
        assertEquals(404, get(base, "/app.js").statusCode());
        assertEquals(200, get(base, "/v1/models").statusCode());
        assertFalse(Http.JSON.readTree(get(base, "/props").body()).get("webui").asBoolean());
    }

    @Test
    void propsReportsTheSlotContextSlotsAndDefaultsAndNeedsTheKey() throws Exception {
        URI base = start(new ServerConfig("127.0.0.1", 0, "k1", "tiny", 512, 4, 1 << 20, 7, 30_000));
        assertEquals(401, get(base, "/props").statusCode());
        assertEquals(200, get(base, "/").statusCode(), "the page itself asks for the key");
        JsonNode props = Http.JSON.readTree(get(base, "/props", "Authorization", "Bearer k1").body());
        assertEquals(512, props.at("/default_generation_settings/n_ctx").asInt());
        assertEquals(2, props.get("total_slots").asInt());
        assertEquals("tiny", props.get("model_alias").asText());
        assertEquals(0.8, props.at("/default_generation_settings/params/temperature").asDouble());
        assertEquals(0.95, props.at("/default_generation_settings/params/top_p").asDouble());
        assertEquals(40, props.at("/default_generation_settings/params/top_k").asInt());
        assertEquals(7, props.at("/default_generation_settings/params/reasoning_budget").asInt());
        assertEquals("{{ '<think>' }}", props.get("chat_template").asText());
        assertTrue(props.get("webui").asBoolean());
    }

    @Test
    void vendoredLibrariesAreTheRecordedVersionsWithTheirLicences() throws Exception {
        String readme = resource("vendor/README.md");
        String[][] libraries = {
                {"vendor/marked/marked.umd.js", "vendor/marked/LICENSE.md", "marked v18.2.1", "18.2.1"},
                {"vendor/dompurify/purify.min.js", "vendor/dompurify/LICENSE.txt", "DOMPurify 3.4.18", "3.4.18"},
                {"vendor/highlight.js/highlight.min.js", "vendor/highlight.js/LICENSE.txt", "Highlight.js v11.12.0", "11.12.0"},
        };
        for (String[] lib : libraries) {
            byte[] code = bytes(lib[0]);
            String head = new String(code, 0, 400, StandardCharsets.UTF_8);
            assertTrue(head.contains(lib[2]), lib[0] + " is not " + lib[2] + ": " + head);
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(code));
            assertTrue(readme.contains(sha), lib[0] + ": SHA-256 " + sha + " is not the one recorded in vendor/README.md");
            assertTrue(readme.contains("| " + lib[3] + " |"), lib[3] + " not recorded");
            assertTrue(resource(lib[1]).length() > 500, lib[1]);
        }
    }

    private static byte[] bytes(String name) throws IOException {
        try (InputStream in = WebUi.class.getResourceAsStream("webui/" + name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }

    private static String resource(String name) throws IOException {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }
}
