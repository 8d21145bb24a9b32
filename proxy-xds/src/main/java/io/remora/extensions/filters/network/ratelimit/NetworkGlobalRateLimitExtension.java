package io.remora.extensions.filters.network.ratelimit;

import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.extensions.filters.network.ratelimit.v3.RateLimit;
import io.remora.extensions.NetworkFilterExtension;
import io.remora.extensions.filters.http.common.DescriptorEntry;
import io.remora.extensions.filters.http.ratelimit.RateLimitExtension;
import io.remora.network.ConnectionFilterFactory;
import io.remora.route.HeaderFormatter;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.ArrayList;
import java.util.List;

/** {@code envoy.filters.network.ratelimit} ({@code envoy.extensions.filters.network.ratelimit.v3.RateLimit}). */
public final class NetworkGlobalRateLimitExtension implements NetworkFilterExtension<NetworkGlobalRateLimitConfig> {

    @Override
    public List<String> names() {
        return List.of(NetworkGlobalRateLimitConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.network.ratelimit.v3.RateLimit");
    }

    @Override
    public boolean enforcesAccess() {
        return true;
    }

    @Override
    public NetworkGlobalRateLimitConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field: the ratelimit filter needs a typed_config");
        }
        RateLimit c = config.unpack(RateLimit.class, path);
        if (c.getStatPrefix().isEmpty()) {
            throw path.field("stat_prefix").error("missing required field");
        }
        if (c.getDomain().isEmpty()) {
            throw path.field("domain").error("missing required field");
        }
        if (c.getDescriptorsCount() == 0) {
            throw path.field("descriptors").error("at least one descriptor is required");
        }
        List<List<DescriptorEntry>> descriptors = new ArrayList<>();
        for (int i = 0; i < c.getDescriptorsCount(); i++) {
            descriptors.add(descriptor(c.getDescriptors(i), path.field("descriptors").index(i), ctx));
        }
        if (!c.hasRateLimitService()) {
            throw path.field("rate_limit_service").error("missing required field");
        }
        java.time.Duration timeout = c.hasTimeout() ? RateLimitExtension.duration(c.getTimeout(), path.field("timeout"))
                : RateLimitExtension.DEFAULT_TIMEOUT;
        return new NetworkGlobalRateLimitConfig(c.getStatPrefix(), c.getDomain(), descriptors,
                RateLimitExtension.service(c.getRateLimitService(), timeout, path.field("rate_limit_service"), ctx),
                c.getFailureModeDeny());
    }

    private static List<DescriptorEntry> descriptor(RateLimitDescriptor d, FieldPath path, TranslationContext ctx) {
        if (d.getEntriesCount() == 0) {
            throw path.field("entries").error("at least one entry is required");
        }
        List<DescriptorEntry> entries = new ArrayList<>();
        for (int j = 0; j < d.getEntriesCount(); j++) {
            RateLimitDescriptor.Entry e = d.getEntries(j);
            FieldPath ep = path.field("entries").index(j);
            if (e.getKey().isEmpty()) {
                throw ep.field("key").error("missing required field");
            }
            List<String> problems = HeaderFormatter.validate(e.getValue());
            if (!problems.isEmpty()) {
                throw ep.field("value").error(String.join("; ", problems));
            }
            entries.add(new DescriptorEntry(e.getKey(), e.getValue()));
        }
        if (d.hasLimit() || d.hasHitsAddend()) {
            ctx.warnOnce("network_ratelimit:descriptor_options", "ignoring limit and hits_addend of the network"
                    + " rate limit filter's descriptors (Envoy does not send them either), first at " + path);
        }
        return entries;
    }

    @Override
    public ConnectionFilterFactory.Provider<NetworkGlobalRateLimitConfig> runtime() {
        return new NetworkGlobalRateLimitFilterProvider();
    }
}
