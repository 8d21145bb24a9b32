package io.remora.extensions.filters.http.local_ratelimit;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import io.remora.extensions.filters.common.RequestHeaderMatch;
import io.remora.extensions.filters.http.local_ratelimit.DescriptorPolicy.Action;
import io.remora.extensions.filters.http.local_ratelimit.LocalRateLimitConfig.DescriptorEntry;
import io.remora.http.filter.StreamFilterCallbacks;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Makes a request's descriptors from the config's {@code rate_limits} (Envoy's
 * RateLimitPolicyEntry::populateDescriptors): one descriptor per policy whose actions all produced
 * their entry. Compiled once per config.
 */
final class DescriptorEvaluator {

    private final Compiled[][] policies;

    private record Compiled(Action action, AsciiString header, RequestHeaderMatch match) {
    }

    DescriptorEvaluator(List<DescriptorPolicy> rateLimits) {
        policies = new Compiled[rateLimits.size()][];
        for (int i = 0; i < policies.length; i++) {
            List<Action> actions = rateLimits.get(i).actions();
            policies[i] = new Compiled[actions.size()];
            for (int j = 0; j < actions.size(); j++) {
                Action a = actions.get(j);
                AsciiString header = a instanceof DescriptorPolicy.RequestHeaders rh
                        ? AsciiString.of(rh.headerName().toLowerCase(Locale.ROOT)) : null;
                RequestHeaderMatch m = a instanceof DescriptorPolicy.HeaderValueMatch hv
                        ? RequestHeaderMatch.of(hv.headers()) : null;
                policies[i][j] = new Compiled(a, header, m);
            }
        }
    }

    boolean isEmpty() {
        return policies.length == 0;
    }

    List<List<DescriptorEntry>> descriptors(Http2Headers headers, StreamFilterCallbacks callbacks) {
        List<List<DescriptorEntry>> out = new ArrayList<>(policies.length);
        for (Compiled[] policy : policies) {
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
            }
        }
        return out;
    }

    /** Adds the action's entry; false when the whole descriptor must be dropped. */
    private static boolean add(Compiled c, Http2Headers headers, StreamFilterCallbacks cb, List<DescriptorEntry> out) {
        Action a = c.action();
        if (a instanceof DescriptorPolicy.RequestHeaders rh) {
            CharSequence v = headers.get(c.header());
            if (v == null) {
                return rh.skipIfAbsent();
            }
            out.add(new DescriptorEntry(rh.descriptorKey(), v.toString()));
            return true;
        }
        if (a instanceof DescriptorPolicy.RemoteAddress) {
            InetAddress ip = remoteIp(cb);
            if (ip == null) {
                return false;
            }
            out.add(new DescriptorEntry("remote_address", NetUtil.toAddressString(ip)));
            return true;
        }
        if (a instanceof DescriptorPolicy.MaskedRemoteAddress m) {
            InetAddress ip = remoteIp(cb);
            if (ip == null) {
                return false;
            }
            int len = ip.getAddress().length == 4 ? m.v4PrefixLen() : m.v6PrefixLen();
            out.add(new DescriptorEntry("masked_remote_address", mask(ip, len) + "/" + len));
            return true;
        }
        if (a instanceof DescriptorPolicy.GenericKey g) {
            out.add(new DescriptorEntry(g.descriptorKey(), g.descriptorValue()));
            return true;
        }
        if (a instanceof DescriptorPolicy.HeaderValueMatch hv) {
            if (c.match().matches(headers) != hv.expectMatch()) {
                return false;
            }
            out.add(new DescriptorEntry(hv.descriptorKey(), hv.descriptorValue()));
            return true;
        }
        if (a instanceof DescriptorPolicy.DestinationCluster) {
            String cluster = cb.clusterName();
            if (cluster == null) {
                return false;
            }
            out.add(new DescriptorEntry("destination_cluster", cluster));
            return true;
        }
        if (a instanceof DescriptorPolicy.QueryParameters q) {
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
