package io.remora.extensions.common.aws;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Envoy's {@code MetadataFetcher}: one GET or PUT to a credentials endpoint, 5 s per try, retried
 * up to 3 times on a 5xx or a connection failure; only a 200 or 201 with a body is an answer.
 * Envoy sends these through internal clusters it adds for the purpose; Remora's clusters come only
 * from the config, so the JDK's client carries them (plain HTTP for the metadata services, TLS for
 * STS). Answers arrive on the client's threads.
 */
final class AwsMetadataFetcher {

    private static final Logger LOG = Logger.getLogger(AwsMetadataFetcher.class.getName());
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    static final int MAX_RETRIES = 3;
    /** The router's default retry back-off base (Envoy's fetch goes through its router). */
    private static final long RETRY_BASE_MILLIS = 25;

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    private AwsMetadataFetcher() {
    }

    /**
     * Fetches {@code uri}; {@code done} gets the body, or null when every try failed.
     *
     * @param method  GET or PUT (IMDSv2's token)
     * @param headers sent as they are; empty values are left out
     */
    static void fetch(String method, URI uri, Map<String, String> headers, Consumer<String> done) {
        attempt(method, uri, headers, 0, done);
    }

    private static void attempt(String method, URI uri, Map<String, String> headers, int retriesDone,
                                Consumer<String> done) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .method(method, HttpRequest.BodyPublishers.noBody());
        headers.forEach((name, value) -> {
            if (!value.isEmpty()) {
                b.header(name, value);
            }
        });
        CLIENT.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .whenComplete((r, failure) -> {
                    boolean retriable = failure != null || r.statusCode() >= 500;
                    if (!retriable && (r.statusCode() == 200 || r.statusCode() == 201)) {
                        if (r.body().isEmpty()) {
                            LOG.fine(() -> "AWS metadata from " + uri.getHost() + ": empty body");
                            done.accept(null);
                        } else {
                            done.accept(r.body());
                        }
                        return;
                    }
                    if (retriable && retriesDone < MAX_RETRIES) {
                        long ceiling = RETRY_BASE_MILLIS << retriesDone;
                        MetadataCredentialsProvider.TIMERS.schedule(
                                () -> attempt(method, uri, headers, retriesDone + 1, done),
                                ThreadLocalRandom.current().nextLong(ceiling) + 1, TimeUnit.MILLISECONDS);
                        return;
                    }
                    // The path only: a query may carry a web identity token.
                    LOG.log(Level.WARNING, "AWS metadata fetch from {0}://{1}{2} failed: {3}", new Object[]{
                        uri.getScheme(), uri.getAuthority(), uri.getRawPath(),
                        failure != null ? failure.toString() : "status " + r.statusCode()});
                    done.accept(null);
                });
    }
}
