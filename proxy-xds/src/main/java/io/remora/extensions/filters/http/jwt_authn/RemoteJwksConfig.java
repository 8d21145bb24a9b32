package io.remora.extensions.filters.http.jwt_authn;

import java.time.Duration;

/**
 * {@code remote_jwks}: where a provider's key set is fetched and how long it is trusted.
 *
 * @param uri           {@code http_uri.uri}, for messages
 * @param authority     the uri's host[:port], the request's {@code :authority}
 * @param path          the uri's path and query, the request's {@code :path}
 * @param cluster       {@code http_uri.cluster}, the only way the request leaves (never DNS of the uri)
 * @param timeout       {@code http_uri.timeout}, per attempt; zero: none
 * @param cacheDuration already defaulted (600 s)
 * @param asyncFetch    null: fetched on demand by the first request that needs it
 * @param retry         null: one attempt
 */
record RemoteJwksConfig(String uri, String authority, String path, String cluster, Duration timeout,
                        Duration cacheDuration, AsyncFetch asyncFetch, Retry retry) {

    static final Duration DEFAULT_CACHE_DURATION = Duration.ofSeconds(600);
    static final Duration DEFAULT_FAILED_REFETCH = Duration.ofSeconds(1);
    /** Envoy refreshes this much before the keys would expire, so no request has to wait for them. */
    static final Duration REFETCH_BEFORE_EXPIRY = Duration.ofSeconds(5);

    /** {@code async_fetch}; {@code failedRefetch} already defaulted (1 s). */
    record AsyncFetch(boolean fastListener, Duration failedRefetch) {
    }

    /** {@code retry_policy}: {@code numRetries} after the first attempt, fully jittered exponential back-off. */
    record Retry(int numRetries, Duration baseInterval, Duration maxInterval) {
    }

    /** When a good async fetch is followed by the next: Envoy's {@code cache_duration - 5 s} when longer than 5 s. */
    Duration goodRefetch() {
        return cacheDuration.compareTo(REFETCH_BEFORE_EXPIRY) > 0 ? cacheDuration.minus(REFETCH_BEFORE_EXPIRY)
                : cacheDuration;
    }
}
