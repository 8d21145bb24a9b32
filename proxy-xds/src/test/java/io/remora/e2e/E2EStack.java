package io.remora.e2e;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One end-to-end test class's proxy and its peers: the admin and listener ports (picked free when
 * the stack is made), the upstreams and other servers it started, and the proxy, all closed in the
 * reverse of the order they came in, the proxy before the upstreams it was talking to. Registered
 * as {@code @RegisterExtension static final E2EStack stack = new E2EStack();} it closes itself
 * after the class's tests (and after its {@code @AfterAll} methods), so a test class needs no
 * {@code @AfterAll} of its own for them.
 */
final class E2EStack implements AfterAllCallback, AutoCloseable {

    /** The proxy's admin port; {@code ${ADMIN}} in {@link #render}. */
    final int adminPort = ProxyProcess.freePort();
    /**
     * The proxy's listener port in {@link #http} and {@code ${PORT}} in {@link #render}; a test of
     * several listeners picks and names its own.
     */
    final int port = ProxyProcess.freePort();

    private final Deque<AutoCloseable> owned = new ArrayDeque<>();
    private final boolean checkLeaks;
    private ProxyProcess proxy;

    E2EStack() {
        this(false);
    }

    private E2EStack(boolean checkLeaks) {
        this.checkLeaks = checkLeaks;
    }

    /** A stack whose close fails if the proxy reported a leaked buffer ({@link ProxyProcess#closeCheckingLeaks}). */
    static E2EStack checkingLeaks() {
        return new E2EStack(true);
    }

    /** Starts a plain HTTP/1.1 upstream closed with the stack. */
    TestUpstream upstream(TestUpstream.Responder responder) throws InterruptedException {
        return own(TestUpstream.start(responder));
    }

    /** Closes {@code resource} with the stack, before whatever it took in earlier. */
    <T extends AutoCloseable> T own(T resource) {
        owned.push(resource);
        return resource;
    }

    /** Starts the proxy on this bootstrap (its admin on {@link #adminPort}) with {@code -Xmx256m}. */
    ProxyProcess start(String bootstrapYaml) throws Exception {
        return start(bootstrapYaml, List.of("-Xmx256m"));
    }

    /** As {@link ProxyProcess#start(String, int, List, String...)} on {@link #adminPort}. */
    ProxyProcess start(String bootstrapYaml, List<String> jvmArgs, String... extraArgs) throws Exception {
        if (proxy != null) {
            throw new IllegalStateException("proxy already started");
        }
        proxy = ProxyProcess.start(bootstrapYaml, adminPort, jvmArgs, extraArgs);
        owned.push(() -> {
            if (checkLeaks) {
                proxy.closeCheckingLeaks();
            } else {
                proxy.close();
            }
        });
        return proxy;
    }

    /** {@code http://127.0.0.1:<port><path>}. */
    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** {@link Bootstraps#http(int, int, String, String, String)} on this stack's ports. */
    String http(String accessLogPath, String routes, String clusters) {
        return http(accessLogPath, routes, clusters, "", "");
    }

    /** {@link Bootstraps#http(int, int, String, String, String, String, String)} on this stack's ports. */
    String http(String accessLogPath, String routes, String clusters, String networkFilters, String httpFilters) {
        return Bootstraps.http(adminPort, port, accessLogPath, routes, clusters, networkFilters, httpFilters);
    }

    /** {@link ProxyProcess#render} with {@code ${ADMIN}} and {@code ${PORT}} as well as {@code vars}. */
    String render(String template, Map<String, ?> vars) {
        Map<String, Object> all = new HashMap<>(vars);
        all.put("ADMIN", adminPort);
        all.put("PORT", port);
        return ProxyProcess.render(template, all);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        close();
    }

    /** Closes everything, then throws the first failure (a leak is an AssertionError), the rest suppressed. */
    @Override
    public void close() throws Exception {
        Throwable first = null;
        while (!owned.isEmpty()) {
            try {
                owned.pop().close();
            } catch (Exception | Error e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first instanceof Error e) {
            throw e;
        }
        if (first != null) {
            throw (Exception) first;
        }
    }
}
