package dev.kiln.server;

import dev.kiln.server.model.ServedModel;
import dev.kiln.server.slot.SchedulerStats;
import dev.kiln.server.slot.SlotScheduler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.CrossOriginHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.Set;
import java.util.concurrent.Executors;

/**
 * The OpenAI-compatible HTTP server: Jetty 12 on virtual threads in front of a {@link SlotScheduler}. It starts
 * listening before the model is loaded ({@code /health} answers 503 until {@link #serve} is called), so that load
 * balancers and supervisors see it come up. {@link #close()} stops taking requests, ends in-flight ones and frees
 * the model.
 */
public final class Server implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Server.class);

    private final ServerConfig config;
    private final org.eclipse.jetty.server.Server jetty;
    private final ServerConnector connector;
    private final ApiHandler handler;
    private volatile Serving serving;

    private Server(ServerConfig config) {
        this.config = config;
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("kiln-http");
        threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        this.jetty = new org.eclipse.jetty.server.Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        this.connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setIdleTimeout(config.idleTimeoutMillis());
        jetty.addConnector(connector);
        this.handler = new ApiHandler(this, config);
        // Browser chat front-ends call the API from another origin, as they do with llama-server (which allows any).
        CrossOriginHandler cors = new CrossOriginHandler();
        cors.setAllowedOriginPatterns(Set.of("*"));
        cors.setAllowedMethods(Set.of("GET", "POST", "OPTIONS"));
        cors.setAllowedHeaders(Set.of("Authorization", "Content-Type"));
        cors.setHandler(handler);
        jetty.setHandler(cors);
        jetty.setStopTimeout(500);          // graceful stop: in-flight replies are already ended by the scheduler
        threads.setStopTimeout(200);
    }

    /** Starts listening; requests that need the model get 503 until {@link #serve}. */
    public static Server start(ServerConfig config) throws Exception {
        Server server = new Server(config);
        try {
            server.jetty.start();
        } catch (Exception e) {
            server.jetty.stop();
            throw e;
        }
        return server;
    }

    /** Starts serving {@code model}: one slot per KV sequence, each with {@code sequenceLength} positions. */
    public void serve(ServedModel model) {
        if (serving != null) {
            throw new IllegalStateException("already serving " + serving.name());
        }
        SlotScheduler scheduler = new SlotScheduler(model.model(), model.codec(), config.batchSize(), config.queueCapacity());
        String name = config.alias() != null ? config.alias() : model.name();
        serving = new Serving(model, scheduler,
                new RequestPreparer(model, model.model().sequenceLength(), config.reasoningBudget()),
                name, System.currentTimeMillis() / 1000);
    }

    Serving serving() {
        return serving;
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    public URI uri() {
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return URI.create("http://" + host + ":" + port());
    }

    /** Scheduler counters (null while loading). */
    public SchedulerStats stats() {
        Serving s = serving;
        return s == null ? null : s.scheduler().stats();
    }

    @Override
    public void close() {
        Serving s = serving;
        if (s != null) {
            s.scheduler().close();             // in-flight requests end with an error event
        }
        try {
            jetty.stop();
        } catch (Exception e) {
            LOG.warn("stopping the HTTP server failed", e);
        } finally {
            if (s != null) {
                try {
                    s.model().close();
                } catch (Exception e) {
                    LOG.warn("closing the model failed", e);
                }
            }
        }
    }
}
