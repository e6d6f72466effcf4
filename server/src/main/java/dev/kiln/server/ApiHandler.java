package dev.kiln.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.server.api.ApiException;
import dev.kiln.server.api.ModelList;
import dev.kiln.server.api.Props;
import dev.kiln.server.api.RequestReader;
import dev.kiln.server.slot.QueueFullException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Routes requests to the endpoints (llama-server's paths, with and without {@code /v1}), checks the API key on
 * {@code /v1/*} and {@code /props}, answers other GETs with the chat page's files ({@link WebUi}), and turns every
 * {@link ApiException} into an OpenAI-shaped error body. Runs each request on its own virtual thread and blocks
 * there; generation itself happens in the slot scheduler.
 */
final class ApiHandler extends Handler.Abstract {

    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);

    private final Server server;
    private final ServerConfig config;
    final ServerMetrics metrics = new ServerMetrics();
    private final WebUi webUi = new WebUi();

    ApiHandler(Server server, ServerConfig config) {
        this.server = server;
        this.config = config;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Exchange exchange = new Exchange(request, response);
        metrics.requests.incrementAndGet();
        try {
            route(exchange);
            response.write(true, BufferUtil.EMPTY_BUFFER, callback);
        } catch (ApiException e) {
            metrics.errors.incrementAndGet();
            reply(exchange, e, callback);
        } catch (EofException e) {
            callback.failed(e);                                   // the client went away
        } catch (IOException e) {
            callback.failed(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            callback.failed(e);
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", exchange.method(), exchange.path(), e);
            metrics.errors.incrementAndGet();
            reply(exchange, new ApiException(500, "server_error", "internal_error", null,
                    "internal error: " + e.getClass().getSimpleName() + ": " + e.getMessage()), callback);
        }
        return true;
    }

    private void reply(Exchange exchange, ApiException e, Callback callback) {
        try {
            if (exchange.streaming()) {
                exchange.event(dev.kiln.server.api.Json.write(e.body()));
            } else {
                exchange.discardBody();                           // else closing may reset the reply away
                exchange.json(e.status(), e.body());
            }
            exchange.response.write(true, BufferUtil.EMPTY_BUFFER, callback);
        } catch (IOException | RuntimeException io) {
            callback.failed(io);
        }
    }

    private void route(Exchange x) throws IOException, InterruptedException {
        String path = x.path();
        if (path.startsWith("/v1/")) {
            authorize(x);
            path = path.substring(3);
        }
        switch (path) {
            case "/health" -> {
                only(x, "GET");
                if (server.serving() == null) {
                    throw new ApiException(503, "unavailable_error", "loading", null, "Loading model");
                }
                x.json(200, Map.of("status", "ok"));
            }
            case "/metrics" -> {
                only(x, "GET");
                Serving s = server.serving();
                x.send(200, "text/plain; version=0.0.4", metrics.render(s == null ? null : s.scheduler().stats()));
            }
            case "/models" -> {
                only(x, "GET");
                Serving s = serving();
                x.json(200, new ModelList("list", List.of(new ModelList.Model(s.name(), "model", s.created(), "kiln"))));
            }
            case "/chat/completions" -> {
                only(x, "POST");
                Serving s = serving();
                generate(x, s, s.preparer().chat(RequestReader.chat(RequestReader.object(x.body(config.maxBodyBytes())))));
            }
            case "/completions" -> {
                only(x, "POST");
                Serving s = serving();
                generate(x, s, s.preparer().completion(
                        RequestReader.completion(RequestReader.object(x.body(config.maxBodyBytes())))));
            }
            case "/props" -> {
                only(x, "GET");
                authorize(x);                     // as llama-server: it names the model and its template
                Serving s = serving();
                x.json(200, props(s));
            }
            case "/tokenize" -> {
                only(x, "POST");
                Serving s = serving();
                ObjectNode body = RequestReader.object(x.body(config.maxBodyBytes()));
                int[] tokens = s.model().codec().encode(RequestReader.text(body, "content"),
                        RequestReader.flag(body, "add_special", false));
                x.json(200, Map.of("tokens", tokens));
            }
            case "/detokenize" -> {
                only(x, "POST");
                Serving s = serving();
                ObjectNode body = RequestReader.object(x.body(config.maxBodyBytes()));
                int[] tokens = RequestReader.tokens(body, "tokens", s.model().model().vocabularySize());
                x.json(200, Map.of("content", s.model().codec().decode(tokens)));
            }
            default -> {
                WebUi.Asset page = webUiFile(x);
                if (page == null) {
                    throw new ApiException(404, "invalid_request_error", "not_found", null,
                            "no endpoint " + x.method() + " " + x.path());
                }
                webUi.send(x, page);
            }
        }
    }

    /** The chat page's file for a GET or HEAD outside {@code /v1/}, null when there is none or the page is off. */
    private WebUi.Asset webUiFile(Exchange x) {
        boolean read = x.method().equals("GET") || x.method().equals("HEAD");
        if (!config.webui() || !read || x.path().startsWith("/v1/")) {
            return null;
        }
        return webUi.find(x.path()).orElse(null);
    }

    private Props props(Serving s) {
        int slotContext = s.model().model().sequenceLength();
        Props.Params defaults = new Props.Params(SamplingDefaults.TEMPERATURE, SamplingDefaults.TOP_K,
                SamplingDefaults.TOP_P, SamplingDefaults.MIN_P, -1, -1, -1, 0, 0, config.reasoningBudget());
        String version = ApiHandler.class.getPackage().getImplementationVersion();
        return new Props(new Props.DefaultGenerationSettings(slotContext, defaults), s.model().model().sequences(),
                s.name(), s.model().chat().source(), new Props.Modalities(false, false),
                "kiln" + (version == null ? "" : " " + version), config.webui());
    }

    private void generate(Exchange x, Serving s, PreparedRequest prepared) throws IOException, InterruptedException {
        try {
            s.scheduler().submit(prepared.job());
        } catch (QueueFullException e) {
            throw new ApiException(503, "server_error", "queue_full", null, e.getMessage());
        }
        if (new ReplyWriter(x, prepared, s.name(), s.model().codec()).write()) {
            metrics.completions.incrementAndGet();
        }
    }

    private Serving serving() {
        Serving s = server.serving();
        if (s == null) {
            throw new ApiException(503, "unavailable_error", "loading", null, "Loading model");
        }
        return s;
    }

    private static void only(Exchange x, String method) {
        if (!x.method().equals(method)) {
            throw new ApiException(405, "invalid_request_error", "method_not_allowed", null,
                    x.path() + " takes " + method + ", not " + x.method());
        }
    }

    private void authorize(Exchange x) {
        if (config.apiKey() == null) {
            return;
        }
        String header = x.header(HttpHeader.AUTHORIZATION);
        String expected = "Bearer " + config.apiKey();
        if (header == null || !MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiException(401, "authentication_error", "invalid_api_key", null,
                    header == null ? "missing API key: send 'Authorization: Bearer KEY'" : "invalid API key");
        }
    }
}
