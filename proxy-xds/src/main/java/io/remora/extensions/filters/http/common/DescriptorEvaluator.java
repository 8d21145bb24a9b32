package io.remora.extensions.filters.http.common;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import io.remora.config.ForwardAction;
import io.remora.config.NodeInfo;
import io.remora.config.RateLimitPolicy;
import io.remora.config.RateLimitPolicy.Action;
import io.remora.extensions.filters.common.RequestHeaderMatch;
import io.remora.http.filter.StreamFilterCallbacks;
import io.remora.matching.StreamMatchingData;
import io.remora.route.QueryParameterMatch;
import io.remora.route.RouteEntry;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Makes a request's descriptors from {@code rate_limits} (Envoy's
 * RateLimitPolicyEntry::populateDescriptors): one descriptor per policy whose actions all produced
 * their entry. Compiled once per config, or once per route for route-level rate limits. Shared by
 * the local and the global rate limit filters.
 */
public final class DescriptorEvaluator {

    /** {@code vh_rate_limits}: whether a virtual host's rate_limits join its route's. */
    public enum VhRateLimits { OVERRIDE, INCLUDE, IGNORE }

    /**
     * Policies that set a {@code disable_key}: the local rate limit skips them; the global one skips
     * them only while runtime {@code ratelimit.<disable_key>.http_filter_enabled} (default 100%) is off.
     */
    public enum DisableKeys { SKIP, RUNTIME }

    /** Route and virtual host rate_limits compiled on first use; weak, so replaced routes go. */
    private static final Map<List<RateLimitPolicy>, DescriptorEvaluator> COMPILED =
            Collections.synchronizedMap(new WeakHashMap<>());

    private final Compiled[][] policies;
    private final List<RateLimitPolicy> source;

    private record Compiled(Action action, AsciiString header, RequestHeaderMatch match, QueryParameterMatch query) {
    }

    public DescriptorEvaluator(List<RateLimitPolicy> rateLimits) {
        source = rateLimits;
        policies = new Compiled[rateLimits.size()][];
        for (int i = 0; i < policies.length; i++) {
            List<Action> actions = rateLimits.get(i).actions();
            policies[i] = new Compiled[actions.size()];
            for (int j = 0; j < actions.size(); j++) {
                Action a = actions.get(j);
                AsciiString header = a instanceof RateLimitPolicy.RequestHeaders rh
                        ? AsciiString.of(rh.headerName().toLowerCase(Locale.ROOT)) : null;
                RequestHeaderMatch m = a instanceof RateLimitPolicy.HeaderValueMatch hv
                        ? RequestHeaderMatch.of(hv.headers()) : null;
                QueryParameterMatch q = a instanceof RateLimitPolicy.QueryParameterValueMatch qv
                        ? QueryParameterMatch.of(qv.queryParameters()) : null;
                policies[i][j] = new Compiled(a, header, m, q);
            }
        }
    }

    public boolean isEmpty() {
        return policies.length == 0;
    }

    /** The evaluator of a route's or virtual host's rate_limits. */
    public static DescriptorEvaluator of(List<RateLimitPolicy> rateLimits) {
        return COMPILED.computeIfAbsent(rateLimits, DescriptorEvaluator::new);
    }

    /** Descriptors from every policy (the filter's own rate_limits). */
    public List<List<DescriptorEntry>> descriptors(Http2Headers headers, StreamFilterCallbacks callbacks) {
        List<List<DescriptorEntry>> out = new ArrayList<>(policies.length);
        addDescriptors(headers, callbacks, -1, DisableKeys.SKIP, out, null);
        return out;
    }

    /**
     * Adds the descriptors of the policies of this {@code stage} (-1: every policy, disable_key not
     * consulted); {@code policiesOut}, when given, gets each descriptor's policy at the same index.
     */
    public void addDescriptors(Http2Headers headers, StreamFilterCallbacks callbacks, int stage, DisableKeys disableKeys,
                               List<List<DescriptorEntry>> out, List<RateLimitPolicy> policiesOut) {
        for (int i = 0; i < policies.length; i++) {
            Compiled[] policy = policies[i];
            RateLimitPolicy p = source.get(i);
            if (stage >= 0 && (p.stage() != stage || disabled(p, disableKeys, callbacks))) {
                continue;
            }
            List<DescriptorEntry> entries = new ArrayList<>(policy.length);
            boolean ok = true;
            for (Compiled c : policy) {
                if (!add(c, headers, callbacks, entries)) {
                    ok = false;
                    break;
                }
            }
            if (ok && !entries.isEmpty()) {
                out.add(entries);
                if (policiesOut != null) {
                    policiesOut.add(p);
                }
            }
        }
    }

    private static boolean disabled(RateLimitPolicy p, DisableKeys disableKeys, StreamFilterCallbacks cb) {
        if (p.disableKey().isEmpty()) {
            return false;
        }
        return disableKeys == DisableKeys.SKIP || !cb.serverContext().runtime()
                .featureEnabled("ratelimit." + p.disableKey() + ".http_filter_enabled", 100);
    }

    /**
     * Adds the descriptors of the request's route's rate_limits of this stage and, as Envoy decides
     * with the route's include_vh_rate_limits (which wins) or else {@code vh}, its virtual host's.
     */
    public static void addRouteDescriptors(RouteEntry route, VhRateLimits vh, int stage, DisableKeys disableKeys,
                                           Http2Headers headers, StreamFilterCallbacks cb,
                                           List<List<DescriptorEntry>> out, List<RateLimitPolicy> policiesOut) {
        if (route == null || !(route.route().action() instanceof ForwardAction forward)) {
            return;
        }
        of(forward.rateLimits()).addDescriptors(headers, cb, stage, disableKeys, out, policiesOut);
        boolean withVirtualHost = switch (forward.includeVhRateLimits() ? VhRateLimits.INCLUDE : vh) {
            case INCLUDE -> true;
            case OVERRIDE -> forward.rateLimits().isEmpty();
            case IGNORE -> false;
        };
        if (withVirtualHost && route.virtualHost() != null) {
            of(route.virtualHost().rateLimits()).addDescriptors(headers, cb, stage, disableKeys, out, policiesOut);
        }
    }

    /** Adds the action's entry; false when the whole descriptor must be dropped. */
    private static boolean add(Compiled c, Http2Headers headers, StreamFilterCallbacks cb, List<DescriptorEntry> out) {
        Action a = c.action();
        if (a instanceof RateLimitPolicy.RequestHeaders rh) {
            CharSequence v = headers.get(c.header());
            if (v == null) {
                return rh.skipIfAbsent();
            }
            out.add(new DescriptorEntry(rh.descriptorKey(), v.toString()));
            return true;
        }
        if (a instanceof RateLimitPolicy.RemoteAddress) {
            InetAddress ip = remoteIp(cb);
            if (ip == null) {
                return false;
            }
            out.add(new DescriptorEntry("remote_address", NetUtil.toAddressString(ip)));
            return true;
        }
        if (a instanceof RateLimitPolicy.MaskedRemoteAddress m) {
            InetAddress ip = remoteIp(cb);
            if (ip == null) {
                return false;
            }
            int len = ip.getAddress().length == 4 ? m.v4PrefixLen() : m.v6PrefixLen();
            out.add(new DescriptorEntry("masked_remote_address", mask(ip, len) + "/" + len));
            return true;
        }
        if (a instanceof RateLimitPolicy.GenericKey g) {
            out.add(new DescriptorEntry(g.descriptorKey(), g.descriptorValue()));
            return true;
        }
        if (a instanceof RateLimitPolicy.HeaderValueMatch hv) {
            if (c.match().matches(headers) != hv.expectMatch()) {
                return false;
            }
            out.add(new DescriptorEntry(hv.descriptorKey(), hv.descriptorValue()));
            return true;
        }
        if (a instanceof RateLimitPolicy.QueryParameterValueMatch qv) {
            if (c.query().matches(headers.path()) != qv.expectMatch()) {
                return false;
            }
            out.add(new DescriptorEntry(qv.descriptorKey(), qv.descriptorValue()));
            return true;
        }
        if (a instanceof RateLimitPolicy.DestinationCluster) {
            String cluster = cb.clusterName();
            if (cluster == null) {
                return false;
            }
            out.add(new DescriptorEntry("destination_cluster", cluster));
            return true;
        }
        if (a instanceof RateLimitPolicy.SourceCluster) {
            NodeInfo node = cb.serverContext().node();
            out.add(new DescriptorEntry("source_cluster", node == null || node.cluster() == null ? "" : node.cluster()));
            return true;
        }
        if (a instanceof RateLimitPolicy.MetadataValue m) {
            Map<String, Object> ns;
            if (m.source() == io.remora.config.MetadataSource.ROUTE) {
                io.remora.route.RouteEntry r = cb.route();
                ns = r == null ? null : r.route().metadata().get(m.namespace());
            } else {
                ns = cb.streamInfo().dynamicMetadata(m.namespace());
            }
            String v = metadataString(ns, m.path());
            if (v.isEmpty()) {
                v = m.defaultValue();
            }
            if (v.isEmpty()) {
                return m.skipIfAbsent();
            }
            out.add(new DescriptorEntry(m.descriptorKey(), v));
            return true;
        }
        if (a instanceof RateLimitPolicy.Extension e) {
            String v = e.producer().value(cb.streamInfo());
            if (v == null) {
                return e.skipIfError();
            }
            out.add(new DescriptorEntry(e.descriptorKey(), v));
            return true;
        }
        if (a instanceof RateLimitPolicy.MatchInputValue m) {
            StreamMatchingData data = new StreamMatchingData(cb);
            data.onRequestHeaders(headers);
            String v = data.available(m.input()) ? data.value(m.input()) : null;
            if (v == null) {
                return false;
            }
            if (!v.isEmpty()) {
                out.add(new DescriptorEntry(m.descriptorKey(), v));
            }
            return true;
        }
        if (a instanceof RateLimitPolicy.QueryParameters q) {
            CharSequence path = headers.path();
            List<String> values = path == null ? null
                    : new QueryStringDecoder(path.toString()).parameters().get(q.parameterName());
            if (values == null || values.isEmpty()) {
                return q.skipIfAbsent();
            }
            out.add(new DescriptorEntry(q.descriptorKey(), values.get(0)));
            return true;
        }
        return false;
    }

    /** The string at path in the namespace's metadata; "" when absent or not a string, as Envoy's string_value(). */
    private static String metadataString(Map<String, Object> namespace, List<String> path) {
        Object v = namespace;
        for (String key : path) {
            if (!(v instanceof Map<?, ?> map)) {
                return "";
            }
            v = map.get(key);
        }
        return v instanceof String str ? str : "";
    }

    private static InetAddress remoteIp(StreamFilterCallbacks cb) {
        SocketAddress a = cb.streamInfo().downstreamRemoteAddress;
        if (a == null && cb.connection() != null) {
            a = cb.connection().remoteAddress();
        }
        return a instanceof InetSocketAddress isa ? isa.getAddress() : null;
    }

    private static String mask(InetAddress ip, int prefixLen) {
        byte[] b = ip.getAddress();
        for (int i = 0; i < b.length; i++) {
            int bits = Math.max(0, Math.min(8, prefixLen - i * 8));
            b[i] &= (byte) (0xFF << (8 - bits));
        }
        try {
            return NetUtil.toAddressString(InetAddress.getByAddress(b));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // cannot happen for 4 or 16 bytes
        }
    }
}
