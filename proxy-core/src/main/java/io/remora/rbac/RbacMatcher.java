package io.remora.rbac;

import io.remora.matching.CompiledCidr;
import io.remora.matching.FilterStateMatch;
import io.remora.config.MetadataMatch;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.StringMatcher;
import io.remora.network.FilterState;
import io.remora.route.CompiledHeaderMatcher;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;

/**
 * One RBAC permission or principal (Envoy's {@code Filters::Common::RBAC::Matcher}), compiled
 * from the config. Every kind of Envoy's {@code config.rbac.v3.Permission} and {@code Principal}
 * that Remora supports is one record here; the translator picks them.
 */
public sealed interface RbacMatcher {

    boolean matches(RbacInput in);

    /** {@code any: true}. */
    record Any() implements RbacMatcher {
        public boolean matches(RbacInput in) {
            return true;
        }
    }

    /** {@code and_rules} / {@code and_ids}: every one. */
    record And(List<RbacMatcher> all) implements RbacMatcher {
        public And {
            all = List.copyOf(all);
        }

        public boolean matches(RbacInput in) {
            for (RbacMatcher m : all) {
                if (!m.matches(in)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** {@code or_rules} / {@code or_ids}, and a policy's permissions and principals lists: any one. */
    record Or(List<RbacMatcher> any) implements RbacMatcher {
        public Or {
            any = List.copyOf(any);
        }

        public boolean matches(RbacInput in) {
            for (RbacMatcher m : any) {
                if (m.matches(in)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** {@code not_rule} / {@code not_id}. */
    record Not(RbacMatcher matcher) implements RbacMatcher {
        public boolean matches(RbacInput in) {
            return !matcher.matches(in);
        }
    }

    /** {@code header}: Envoy's header matching; a connection has no headers (present_match: false matches). */
    record Header(CompiledHeaderMatcher matcher) implements RbacMatcher {
        public boolean matches(RbacInput in) {
            return matcher.matches(in.headers());
        }
    }

    /** {@code url_path}: the {@code :path} without query and fragment; nothing matches without a path. */
    record UrlPath(StringMatcher path) implements RbacMatcher {
        public boolean matches(RbacInput in) {
            Http2Headers h = in.headers();
            CharSequence p = h == null ? null : h.path();
            return p != null && path.matches(stripQueryAndFragment(p));
        }

        static String stripQueryAndFragment(CharSequence p) {
            String s = p.toString();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '?' || c == '#') {
                    return s.substring(0, i);
                }
            }
            return s;
        }
    }

    /**
     * {@code uri_template} ({@code envoy.path.match.uri_template}): the {@code :path} without query
     * and fragment must match the template; nothing matches without a path.
     */
    record UriTemplatePath(io.remora.matching.UriTemplate template) implements RbacMatcher {
        public boolean matches(RbacInput in) {
            Http2Headers h = in.headers();
            CharSequence p = h == null ? null : h.path();
            return p != null && template.matchesPath(p);
        }
    }

    /** Which address an IP matcher checks. */
    enum AddressKind {
        /** {@code destination_ip}: the downstream local address. */
        DESTINATION,
        /** {@code source_ip} (deprecated): the connection's remote address. */
        SOURCE,
        /** {@code direct_remote_ip}: the socket peer. */
        DIRECT_REMOTE,
        /** {@code remote_ip}: the client the connection manager trusts (x-forwarded-for). */
        REMOTE
    }

    record Ip(AddressKind kind, CompiledCidr range) implements RbacMatcher {
        public boolean matches(RbacInput in) {
            SocketAddress a = switch (kind) {
                case DESTINATION -> in.localAddress();
                case SOURCE -> in.sourceAddress();
                case DIRECT_REMOTE -> in.directRemoteAddress();
                case REMOTE -> in.remoteAddress();
            };
            return range.contains(a);
        }
    }

    /** {@code destination_port}. */
    record DestinationPort(int port) implements RbacMatcher {
        public boolean matches(RbacInput in) {
            return in.localAddress() instanceof InetSocketAddress a && a.getPort() == port;
        }
    }

    /** {@code destination_port_range}: [start, end). */
    record DestinationPortRange(int start, int end) implements RbacMatcher {
        public boolean matches(RbacInput in) {
            return in.localAddress() instanceof InetSocketAddress a && a.getPort() >= start && a.getPort() < end;
        }
    }

    /** {@code requested_server_name}: the SNI, "" when none was sent. */
    record ServerName(StringMatcher name) implements RbacMatcher {
        public boolean matches(RbacInput in) {
            String sni = in.requestedServerName();
            return name.matches(sni == null ? "" : sni);
        }
    }

    /**
     * {@code metadata} / {@code sourced_metadata}: the request's dynamic metadata, or the route's;
     * without a route a ROUTE matcher never matches, inverted or not (Envoy's MetadataMatcher).
     */
    record Metadata(MetadataMatch matcher, boolean route) implements RbacMatcher {
        public Metadata(MetadataMatch matcher) {
            this(matcher, false);
        }

        public boolean matches(RbacInput in) {
            if (!route) {
                return matcher.matches(in.dynamicMetadata());
            }
            Map<String, Map<String, Object>> m = in.routeMetadata();
            return m != null && matcher.matches(m);
        }
    }

    /**
     * {@code authenticated}: only a TLS connection; without {@code principal_name} any such peer,
     * else the first of its URI SANs, DNS SANs, or subject that matches (Envoy's order).
     */
    record Authenticated(StringMatcher principalName) implements RbacMatcher {
        public boolean matches(RbacInput in) {
            PeerIdentity peer = in.peerIdentity();
            if (peer == null) {
                return false;
            }
            if (principalName == null) {
                return true;
            }
            for (String uri : peer.uriSans()) {
                if (principalName.matches(uri)) {
                    return true;
                }
            }
            for (String dns : peer.dnsSans()) {
                if (principalName.matches(dns)) {
                    return true;
                }
            }
            return principalName.matches(peer.subject());
        }
    }

    /**
     * {@code custom} principal {@code envoy.rbac.principals.mtls_authenticated}: a TLS peer whose
     * certificate the handshake validated against the trusted CAs (an expired one only where the
     * TLS context's {@code allow_expired_certificate} let it pass), and, with a SAN matcher, one
     * SAN of the matcher's type matching it; null {@code san}: any validated certificate.
     */
    record MtlsAuthenticated(io.remora.config.SanMatcher san) implements RbacMatcher {
        public boolean matches(RbacInput in) {
            PeerIdentity peer = in.peerIdentity();
            io.remora.tls.TlsConnection tls = peer == null ? null : peer.tls();
            if (tls == null || !tls.established() || !tls.peerCertificateValidated()) {
                return false;
            }
            return san == null || io.remora.tls.SanMatchers.matches(san, tls);
        }
    }

    /**
     * Permission {@code matcher} {@code envoy.rbac.matchers.upstream_ip_port}: the upstream
     * address a filter before RBAC left under {@code envoy.stream.upstream_address} (the dynamic
     * forward proxy with {@code save_upstream_address}) must be in {@code cidr} and its port in
     * [portStart, portEnd] (both ends included, as Envoy compares); an unset side is a wildcard.
     * Without that filter state nothing matches.
     *
     * @param cidr      {@code upstream_ip}, or null
     * @param portStart {@code upstream_port_range.start}; without a range, {@link #NO_PORT_START}
     */
    record UpstreamIpPort(CompiledCidr cidr, long portStart, long portEnd) implements RbacMatcher {
        public static final String FILTER_STATE_KEY = "envoy.stream.upstream_address";
        /** Without upstream_port_range the range spans every port (Envoy's wildcard). */
        public static final long NO_PORT_START = Long.MIN_VALUE;
        public static final long NO_PORT_END = Long.MAX_VALUE;

        public boolean matches(RbacInput in) {
            FilterState state = in.filterState();
            Object o = state == null ? null : state.get(FILTER_STATE_KEY);
            if (o == null) {
                UpstreamAddresses.missing();
                return false;
            }
            return UpstreamAddresses.matches(o, cidr, portStart, portEnd);
        }
    }

    /** {@code filter_state}: the request's (or connection's) filter state matches. */
    record FilterStateValue(FilterStateMatch match) implements RbacMatcher {
        public boolean matches(RbacInput in) {
            return match.matches(in.filterState());
        }
    }
}
