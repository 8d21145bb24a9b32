package io.remora.extensions.filters.http.match_delegate;

/**
 * A per-stream filter that acts on its matcher's actions (Envoy's {@code onMatchCallback}): the
 * composite filter. Called on the stream's event loop, before the filter sees the data that made
 * the match complete.
 */
public interface MatchActionTarget {

    /** {@code action} is what {@link FilterMatchAction#runtime} built. */
    void onMatchAction(Object action);
}
