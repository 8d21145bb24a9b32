package io.remora.config;

/**
 * {@code config.route.v3.HedgePolicy}, as far as Envoy implements it: only
 * {@code hedge_on_per_try_timeout} (its {@code initial_requests} and
 * {@code additional_request_chance} are not implemented by Envoy either).
 *
 * @param hedgeOnPerTryTimeout a try whose per_try_timeout fires keeps running while a retry starts
 *                             beside it; the first response headers of any of them win
 */
public record HedgePolicy(boolean hedgeOnPerTryTimeout) {

    public static final HedgePolicy NONE = new HedgePolicy(false);
    public static final HedgePolicy ON_PER_TRY_TIMEOUT = new HedgePolicy(true);
}
