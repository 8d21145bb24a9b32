package io.remora.xds.translate;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.remora.config.ClusterConfig;
import io.remora.config.Http2Options;

import java.time.Duration;
import java.util.Map;

/** {@code config.cluster.v3.Cluster}, with Envoy's defaults where a field is unset. */
public final class ClusterTranslator {

    static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
    private static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration DEFAULT_DNS_REFRESH = Duration.ofSeconds(5);
    private static final Duration DEFAULT_IDLE = Duration.ofHours(1);

    private ClusterTranslator() {
    }

    @SuppressWarnings("deprecation")
    public static ClusterConfig translate(Cluster c, FieldPath path, TranslationContext ctx) {
        if (c.getName().isEmpty()) {
            throw path.field("name").error("missing required field");
        }
        ClusterConfig.DiscoveryType type = switch (c.getClusterDiscoveryTypeCase()) {
            case TYPE -> switch (c.getType()) {
                case STATIC -> ClusterConfig.DiscoveryType.STATIC;
                case STRICT_DNS -> ClusterConfig.DiscoveryType.STRICT_DNS;
                case LOGICAL_DNS -> ClusterConfig.DiscoveryType.LOGICAL_DNS;
                case EDS -> ClusterConfig.DiscoveryType.EDS;
                case ORIGINAL_DST -> ClusterConfig.DiscoveryType.ORIGINAL_DST;
                default -> throw path.field("type").error("unknown discovery type " + c.getTypeValue());
            };
            case CLUSTER_TYPE -> {
                if (AggregateClusterTranslator.is(c)) {
                    yield ClusterConfig.DiscoveryType.AGGREGATE;
                }
                if (!DynamicForwardProxyClusterTranslator.is(c)) {
                    throw path.field("cluster_type").error("custom cluster type '"
                            + c.getClusterType().getName() + "' is not supported");
                }
                yield ClusterConfig.DiscoveryType.DYNAMIC_FORWARD_PROXY;
            }
            case CLUSTERDISCOVERYTYPE_NOT_SET -> ClusterConfig.DiscoveryType.STATIC;
        };
        TypedLbPolicyTranslator.Choice typedLb = TypedLbPolicyTranslator.applies(c)
                ? TypedLbPolicyTranslator.translate(c, path, ctx) : null;
        ClusterConfig.LbPolicy lb = typedLb != null ? typedLb.policy() : lbPolicy(c, path, ctx);
        boolean dynamic = type == ClusterConfig.DiscoveryType.DYNAMIC_FORWARD_PROXY;
        io.remora.config.DnsCacheConfig dnsCache = dynamic
                ? DynamicForwardProxyClusterTranslator.translate(c, path, ctx) : null;
        boolean aggregate = type == ClusterConfig.DiscoveryType.AGGREGATE;
        java.util.List<String> aggregateClusters = aggregate
                ? AggregateClusterTranslator.translate(c, lb, path) : java.util.List.of();
        if (lb == ClusterConfig.LbPolicy.CLUSTER_PROVIDED && type != ClusterConfig.DiscoveryType.ORIGINAL_DST
                && !dynamic && !aggregate) {
            // Traffic still flows, but by round robin: say so once.
            ctx.warnOnce("lb_policy_" + lb, "lb_policy CLUSTER_PROVIDED outside ORIGINAL_DST balances round robin"
                    + " (first: " + path.field("lb_policy") + ")");
        }
        Duration connectTimeout = Protos.duration(c.hasConnectTimeout(), c.getConnectTimeout(), DEFAULT_CONNECT_TIMEOUT);
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw path.field("connect_timeout").error("must be greater than 0");
        }

        io.remora.config.ClusterLoadAssignment assignment = null;
        String edsName = null;
        if (type == ClusterConfig.DiscoveryType.EDS) {
            // Empty when unset, as Envoy's ClusterInfo::edsServiceName: /clusters and LRS name only an explicit one.
            edsName = c.getEdsClusterConfig().getServiceName();
        } else if (c.hasLoadAssignment()) {
            assignment = EndpointTranslator.translate(c.getLoadAssignment(), path.field("load_assignment"), ctx);
        } else if (type != ClusterConfig.DiscoveryType.ORIGINAL_DST && !dynamic && !aggregate) {
            assignment = new io.remora.config.ClusterLoadAssignment(c.getName(), java.util.List.of(), 140);
        }
        if ((type == ClusterConfig.DiscoveryType.STRICT_DNS || type == ClusterConfig.DiscoveryType.LOGICAL_DNS)
                && assignment != null && assignment.endpoints().stream().flatMap(l -> l.lbEndpoints().stream())
                .anyMatch(e -> !e.additionalAddresses().isEmpty())) {
            // Envoy's DNS clusters build hosts from the answers alone (LOGICAL_DNS: one host with the
            // whole answer as its addresses), never from an endpoint's additional_addresses.
            ctx.warnOnce("cluster.dns.additional_addresses", "an endpoint's additional_addresses are not used by"
                    + " STRICT_DNS and LOGICAL_DNS clusters (as Envoy), first at " + path.field("load_assignment"));
        }
        if (type == ClusterConfig.DiscoveryType.LOGICAL_DNS && assignment != null && hostCount(assignment) > 1) {
            throw path.field("load_assignment").error("a LOGICAL_DNS cluster must have exactly one endpoint");
        }
        if (type == ClusterConfig.DiscoveryType.ORIGINAL_DST && lb != ClusterConfig.LbPolicy.CLUSTER_PROVIDED) {
            throw path.field("lb_policy").error("an ORIGINAL_DST cluster needs lb_policy CLUSTER_PROVIDED");
        }

        // Upstream protocol: the typed HttpProtocolOptions win over the deprecated cluster fields.
        ClusterConfig.UpstreamProtocol protocol = ClusterConfig.UpstreamProtocol.HTTP1;
        Http2Options h2 = Http2Options.DEFAULT;
        Duration idle = DEFAULT_IDLE;
        int maxRequests = c.hasMaxRequestsPerConnection() ? c.getMaxRequestsPerConnection().getValue() : 0;
        if (c.hasHttp2ProtocolOptions()) {
            protocol = ClusterConfig.UpstreamProtocol.HTTP2;
            h2 = Http2OptionsTranslator.translate(c.getHttp2ProtocolOptions(), path.field("http2_protocol_options"), ctx);
        }
        if (c.getProtocolSelection() == Cluster.ClusterProtocolSelection.USE_DOWNSTREAM_PROTOCOL) {
            protocol = ClusterConfig.UpstreamProtocol.USE_DOWNSTREAM;
        }
        Duration maxDuration = null;
        io.remora.config.ResponseHeaderLimits responseLimits = io.remora.config.ResponseHeaderLimits.DEFAULT;
        if (c.hasCommonHttpProtocolOptions()) {
            responseLimits = responseLimits(c.getCommonHttpProtocolOptions(), path.field("common_http_protocol_options"));
        }
        if (c.hasCommonHttpProtocolOptions() && c.getCommonHttpProtocolOptions().hasIdleTimeout()) {
            idle = Protos.duration(c.getCommonHttpProtocolOptions().getIdleTimeout());
        }
        if (c.hasCommonHttpProtocolOptions() && c.getCommonHttpProtocolOptions().hasMaxConnectionDuration()) {
            maxDuration = positive(Protos.duration(c.getCommonHttpProtocolOptions().getMaxConnectionDuration()));
        }
        Duration maxStreamDuration = null;
        if (c.hasCommonHttpProtocolOptions() && c.getCommonHttpProtocolOptions().hasMaxStreamDuration()) {
            maxStreamDuration = positive(Protos.duration(c.getCommonHttpProtocolOptions().getMaxStreamDuration()));
        }
        // http_protocol_options.enable_trailers: the deprecated cluster field, or the typed options'.
        boolean trailers = c.getHttpProtocolOptions().getEnableTrailers();
        io.remora.config.Http1Options h1 = c.hasHttpProtocolOptions() ? Http1OptionsTranslator.translate(
                c.getHttpProtocolOptions(), false, path.field("http_protocol_options")) : io.remora.config.Http1Options.DEFAULT;
        // upstream_http_protocol_options: the typed options' when there are typed options at all, as Envoy.
        io.remora.config.AutoSniConfig autoSni = c.hasUpstreamHttpProtocolOptions()
                ? AutoSniTranslator.translate(c.getUpstreamHttpProtocolOptions(), path.field("upstream_http_protocol_options")) : null;
        boolean typedHttpOptions = false;
        java.util.List<io.remora.config.HttpFilterEntry> upstreamHttpFilters = null;
        Map<String, Object> extensionOptions = new java.util.HashMap<>();
        for (Map.Entry<String, Any> e : c.getTypedExtensionProtocolOptionsMap().entrySet()) {
            FieldPath op = path.field("typed_extension_protocol_options").key(e.getKey());
            String t = Protos.typeName(e.getValue());
            var optionsOwner = io.remora.extensions.ExtensionRegistry.get().protocolOptionsByType(t);
            if (optionsOwner != null) {
                Object options = ((io.remora.extensions.ProtocolOptionsExtension) optionsOwner)
                        .protocolOptions(TypedConfig.of(e.getValue(), op), op);
                if (options != null) {
                    extensionOptions.put(optionsOwner.names().get(0), options);
                }
                continue;
            }
            if (!t.equals(HTTP_PROTOCOL_OPTIONS)) {
                ctx.warnOnce("protocol_options:" + t, "ignoring protocol options of type " + t + " at " + op);
                continue;
            }
            typedHttpOptions = true;
            HttpProtocolOptions o = Protos.unpack(e.getValue(), HttpProtocolOptions.class, op);
            if (o.hasHeaderValidationConfig()) {
                ctx.warnOnce("cluster.header_validation_config", "header_validation_config is not supported (not"
                        + " implemented in Envoy either; responses are checked as Envoy's default codec does), first at "
                        + op.field("header_validation_config"));
            }
            upstreamHttpFilters = o.getHttpFiltersCount() == 0 ? null : UpstreamHttpFilterTranslator.translate(
                    o.getHttpFiltersList(), UpstreamHttpFilterTranslator.Owner.CLUSTER, op.field("http_filters"), ctx);
            autoSni = o.hasUpstreamHttpProtocolOptions() ? AutoSniTranslator.translate(o.getUpstreamHttpProtocolOptions(),
                    op.field("upstream_http_protocol_options")) : null;
            switch (o.getUpstreamProtocolOptionsCase()) {
                case EXPLICIT_HTTP_CONFIG -> {
                    var x = o.getExplicitHttpConfig();
                    if (x.hasHttp2ProtocolOptions()) {
                        protocol = ClusterConfig.UpstreamProtocol.HTTP2;
                        h2 = Http2OptionsTranslator.translate(x.getHttp2ProtocolOptions(),
                                op.field("explicit_http_config").field("http2_protocol_options"), ctx);
                    } else if (x.hasHttp3ProtocolOptions()) {
                        throw op.field("explicit_http_config").field("http3_protocol_options")
                                .error("HTTP/3 upstreams are not supported");
                    } else {
                        protocol = ClusterConfig.UpstreamProtocol.HTTP1;
                        trailers = x.getHttpProtocolOptions().getEnableTrailers();
                        h1 = Http1OptionsTranslator.translate(x.getHttpProtocolOptions(), false,
                                op.field("explicit_http_config").field("http_protocol_options"));
                    }
                }
                case USE_DOWNSTREAM_PROTOCOL_CONFIG -> {
                    protocol = ClusterConfig.UpstreamProtocol.USE_DOWNSTREAM;
                    trailers = o.getUseDownstreamProtocolConfig().getHttpProtocolOptions().getEnableTrailers();
                    h1 = Http1OptionsTranslator.translate(o.getUseDownstreamProtocolConfig().getHttpProtocolOptions(), false,
                            op.field("use_downstream_protocol_config").field("http_protocol_options"));
                    if (o.getUseDownstreamProtocolConfig().hasHttp2ProtocolOptions()) {
                        h2 = Http2OptionsTranslator.translate(o.getUseDownstreamProtocolConfig().getHttp2ProtocolOptions(),
                                op.field("use_downstream_protocol_config").field("http2_protocol_options"), ctx);
                    }
                }
                case AUTO_CONFIG -> {
                    // ALPN with each host picks h2 or http/1.1 (plaintext: HTTP/1.1).
                    protocol = ClusterConfig.UpstreamProtocol.AUTO;
                    trailers = o.getAutoConfig().getHttpProtocolOptions().getEnableTrailers();
                    h1 = Http1OptionsTranslator.translate(o.getAutoConfig().getHttpProtocolOptions(), false,
                            op.field("auto_config").field("http_protocol_options"));
                    if (o.getAutoConfig().hasHttp2ProtocolOptions()) {
                        h2 = Http2OptionsTranslator.translate(o.getAutoConfig().getHttp2ProtocolOptions(),
                                op.field("auto_config").field("http2_protocol_options"), ctx);
                    }
                    if (o.getAutoConfig().hasHttp3ProtocolOptions()) {
                        throw op.field("auto_config").field("http3_protocol_options")
                                .error("HTTP/3 upstreams are not supported");
                    }
                }
                default -> {
                }
            }
            if (o.hasCommonHttpProtocolOptions()) {
                var common = o.getCommonHttpProtocolOptions();
                responseLimits = responseLimits(common, op.field("common_http_protocol_options"));
                if (common.hasIdleTimeout()) {
                    idle = Protos.duration(common.getIdleTimeout());
                }
                if (common.hasMaxRequestsPerConnection()) {
                    maxRequests = common.getMaxRequestsPerConnection().getValue();
                }
                if (common.hasMaxConnectionDuration()) {
                    maxDuration = positive(Protos.duration(common.getMaxConnectionDuration()));
                }
                if (common.hasMaxStreamDuration()) {
                    maxStreamDuration = positive(Protos.duration(common.getMaxStreamDuration()));
                }
            }
        }

        if (dynamic) {
            autoSni = DynamicForwardProxyClusterTranslator.autoSni(c, autoSni, typedHttpOptions, path);
        }
        Duration dnsRefresh = Protos.duration(c.hasDnsRefreshRate(), c.getDnsRefreshRate(), DEFAULT_DNS_REFRESH);
        ClusterConfig.DnsLookupFamily family = switch (c.getDnsLookupFamily()) {
            case V4_ONLY -> ClusterConfig.DnsLookupFamily.V4_ONLY;
            case V6_ONLY -> ClusterConfig.DnsLookupFamily.V6_ONLY;
            case V4_PREFERRED -> ClusterConfig.DnsLookupFamily.V4_PREFERRED;
            case ALL -> ClusterConfig.DnsLookupFamily.ALL;
            default -> ClusterConfig.DnsLookupFamily.AUTO;
        };
        boolean dnsType = type == ClusterConfig.DiscoveryType.STRICT_DNS
                || type == ClusterConfig.DiscoveryType.LOGICAL_DNS;
        // Envoy reads the resolver and refresh settings only in its DNS cluster factories.
        io.remora.config.DnsResolverConfig dnsResolver = dnsType ? DnsResolverTranslator.cluster(c, path, ctx) : null;
        ClusterConfig.DnsFailureRefresh dnsFailure = dnsType && c.hasDnsFailureRefreshRate()
                ? dnsFailureRefresh(c.getDnsFailureRefreshRate(), path.field("dns_failure_refresh_rate")) : null;
        ClusterConfig.CircuitBreakers breakers = ClusterOptionsTranslator.breakers(c, RoutingPriority.DEFAULT);
        int choiceCount = typedLb != null ? typedLb.choiceCount() : c.hasLeastRequestLbConfig()
                ? Protos.uint(c.getLeastRequestLbConfig().hasChoiceCount(), c.getLeastRequestLbConfig().getChoiceCount(), 2)
                : 2;
        if (choiceCount < 2) {
            throw path.field("least_request_lb_config").field("choice_count").error("must be at least 2");
        }
        io.remora.config.OutlierDetectionConfig outlier = c.hasOutlierDetection()
                ? OutlierDetectionTranslator.translate(c.getOutlierDetection(), path.field("outlier_detection")) : null;
        ClusterSocketTranslator.Sockets sockets = ClusterSocketTranslator.translate(c, path, ctx);
        io.remora.config.TransportSocketConfig tls = sockets.tls();
        java.util.List<ClusterConfig.TransportSocketMatch> socketMatches = sockets.matches();
        java.util.List<io.remora.config.HealthCheckConfig> healthChecks = new java.util.ArrayList<>();
        for (int i = 0; i < c.getHealthChecksCount(); i++) {
            healthChecks.add(HealthCheckTranslator.translate(c.getHealthChecks(i), path.field("health_checks").index(i),
                    ctx, extensionOptions));
        }
        io.remora.config.LoadBalancingConfig balancing = typedLb != null ? typedLb.config()
                : LoadBalancingTranslator.translate(c, path, ctx);
        if (c.hasCommonLbConfig() && c.getCommonLbConfig().hasOverrideHostStatus()) {
            balancing = balancing.withOverrideHostStatus(
                    LoadBalancingTranslator.healthStatuses(c.getCommonLbConfig().getOverrideHostStatus()));
        }
        int bufferLimit = Protos.uint(c.hasPerConnectionBufferLimitBytes(), c.getPerConnectionBufferLimitBytes(),
                io.remora.network.ConnectionInfo.DEFAULT_BUFFER_LIMIT);
        ClusterWarnings.warn(c, path, ctx);
        UpstreamConfigTranslator.check(c, path, ctx);
        java.time.Duration dnsJitter = c.hasDnsJitter() ? Protos.duration(c.getDnsJitter()) : null;
        if (dnsJitter != null && dnsJitter.isNegative()) {
            throw path.field("dns_jitter").error("must not be negative");
        }
        if (autoSni != null && autoSni.autoSanValidation() && !AutoSniTranslator.verifiesPeer(tls, socketMatches)) {
            ctx.warnOnce("cluster.auto_san_validation", "auto_san_validation without a trusted CA refuses every"
                    + " upstream certificate (as in Envoy: a SAN list to verify and an empty trust store), first at"
                    + " cluster " + c.getName());
        }
        return ClusterConfig.builder(c.getName())
                .altStatName(c.getAltStatName().isEmpty() ? null : c.getAltStatName()).type(type).lbPolicy(lb)
                .connectTimeout(connectTimeout).loadAssignment(assignment).edsServiceName(edsName).protocol(protocol)
                .http2Options(h2).dnsRefreshRate(dnsRefresh).dnsLookupFamily(family).circuitBreakers(breakers)
                .dnsResolver(dnsResolver).respectDnsTtl(c.getRespectDnsTtl()).dnsFailureRefresh(dnsFailure)
                .dnsJitter(dnsJitter)
                .upstreamIdleTimeout(idle).maxRequestsPerConnection(maxRequests).leastRequestChoiceCount(choiceCount)
                .http1EnableTrailers(trailers).http1Options(h1)
                .ignoreHealthOnHostRemoval(c.getIgnoreHealthOnHostRemoval()).autoSni(autoSni)
                .closeConnectionsOnHostHealthFailure(c.getCloseConnectionsOnHostHealthFailure())
                .outlierDetection(outlier).transportSocket(tls).upstreamProxyProtocol(sockets.proxyProtocol())
                .socketTap(sockets.socketTap()).tcpStats(sockets.tcpStats()).http11Proxy(sockets.http11Proxy())
                .perConnectionBufferLimitBytes(bufferLimit)
                .healthChecks(healthChecks).loadBalancing(balancing)
                .upstreamBind(c.hasUpstreamBindConfig() ? BindConfigTranslator.translate(c.getUpstreamBindConfig(),
                        path.field("upstream_bind_config"), ctx) : null)
                .transportSocketMatches(socketMatches).originalDstLb(BindConfigTranslator.originalDstLb(c, type, path))
                .tcpKeepalive(c.hasUpstreamConnectionOptions() && c.getUpstreamConnectionOptions().hasTcpKeepalive()
                        ? keepalive(c.getUpstreamConnectionOptions().getTcpKeepalive()) : null)
                .maxConnectionDuration(maxDuration).maxStreamDuration(maxStreamDuration)
                .responseHeaderLimits(responseLimits)
                .perUpstreamPreconnectRatio(preconnectRatio(c, path.field("preconnect_policy")))
                .upstreamFilters(UpstreamNetworkFilterTranslator.translate(c.getFiltersList(), path.field("filters"), ctx))
                .upstreamHttpFilters(upstreamHttpFilters)
                .metadata(Protos.filterMetadata(c.getMetadata())).passthroughMetadata(sockets.passthrough())
                .subsets(typedLb != null ? typedLb.subsets() : c.hasLbSubsetConfig()
                        ? SubsetTranslator.translate(c.getLbSubsetConfig(), path.field("lb_subset_config"), ctx) : null)
                .dnsCache(dnsCache).aggregateClusters(aggregateClusters)
                .extensionProtocolOptions(extensionOptions)
                .options(ClusterOptionsTranslator.options(c, path, ctx))
                .build();
    }

    /** Envoy's prepareDnsRefreshStrategy: base_interval required, max_interval 10 × base by default. */
    static ClusterConfig.DnsFailureRefresh dnsFailureRefresh(Cluster.RefreshRate r, FieldPath path) {
        if (!r.hasBaseInterval()) {
            throw path.field("base_interval").error("missing required field");
        }
        Duration base = Protos.duration(r.getBaseInterval());
        if (base.toMillis() < 1) {
            throw path.field("base_interval").error("must be at least 1ms");
        }
        Duration max = r.hasMaxInterval() ? Protos.duration(r.getMaxInterval()) : base.multipliedBy(10);
        if (max.compareTo(base) < 0) {
            throw path.field("max_interval").error("must be greater than or equal to the base_interval");
        }
        return new ClusterConfig.DnsFailureRefresh(base, max);
    }

    /** A cluster's common HTTP options for its upstreams' responses (Envoy's defaults: 100 headers, 60 KiB). */
    private static io.remora.config.ResponseHeaderLimits responseLimits(
            io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions common, FieldPath path) {
        int count = common.hasMaxHeadersCount() ? common.getMaxHeadersCount().getValue()
                : io.remora.config.ResponseHeaderLimits.DEFAULT.maxCount();
        if (common.hasMaxHeadersCount() && count < 1) {
            throw path.field("max_headers_count").error("must be at least 1");
        }
        int kb = common.hasMaxResponseHeadersKb() ? common.getMaxResponseHeadersKb().getValue() : 60;
        if (kb < 1 || kb > 8192) {
            throw path.field("max_response_headers_kb").error("must be between 1 and 8192");
        }
        // headers_with_underscores_action is accepted and has no effect here, as in Envoy: its
        // client codecs never check names for '_' (the field's doc: no impact on a cluster).
        return new io.remora.config.ResponseHeaderLimits(count, kb * 1024);
    }

    /** Envoy: a zero max_connection_duration (or max_stream_duration) means none. */
    private static Duration positive(Duration d) {
        return d == null || d.isZero() || d.isNegative() ? null : d;
    }

    /** {@code upstream_connection_options.tcp_keepalive}; unset members keep the system's values. */
    private static ClusterConfig.TcpKeepalive keepalive(io.envoyproxy.envoy.config.core.v3.TcpKeepalive k) {
        return new ClusterConfig.TcpKeepalive(
                k.hasKeepaliveProbes() ? k.getKeepaliveProbes().getValue() : null,
                k.hasKeepaliveTime() ? Duration.ofSeconds(k.getKeepaliveTime().getValue()) : null,
                k.hasKeepaliveInterval() ? Duration.ofSeconds(k.getKeepaliveInterval().getValue()) : null);
    }

    private static int hostCount(io.remora.config.ClusterLoadAssignment a) {
        return a.endpoints().stream().mapToInt(l -> l.lbEndpoints().size()).sum();
    }

    private static ClusterConfig.LbPolicy lbPolicy(Cluster c, FieldPath path, TranslationContext ctx) {
        return switch (c.getLbPolicy()) {
            case ROUND_ROBIN -> ClusterConfig.LbPolicy.ROUND_ROBIN;
            case LEAST_REQUEST -> ClusterConfig.LbPolicy.LEAST_REQUEST;
            case RANDOM -> ClusterConfig.LbPolicy.RANDOM;
            case RING_HASH -> ClusterConfig.LbPolicy.RING_HASH;
            case MAGLEV -> ClusterConfig.LbPolicy.MAGLEV;
            case CLUSTER_PROVIDED -> ClusterConfig.LbPolicy.CLUSTER_PROVIDED;
            default -> throw path.field("lb_policy").error("unknown lb_policy " + c.getLbPolicyValue());
        };
    }

    /** {@code per_upstream_preconnect_ratio}, 1 when unset; both ratios range over [1, 3] as Envoy's checks say. */
    private static double preconnectRatio(Cluster c, FieldPath path) {
        var p = c.getPreconnectPolicy();
        if (p.hasPredictivePreconnectRatio() && !(p.getPredictivePreconnectRatio().getValue() >= 1
                && p.getPredictivePreconnectRatio().getValue() <= 3)) {
            throw path.field("predictive_preconnect_ratio").error("must be in [1, 3]");
        }
        if (!p.hasPerUpstreamPreconnectRatio()) {
            return 1;
        }
        double r = p.getPerUpstreamPreconnectRatio().getValue();
        if (!(r >= 1 && r <= 3)) {
            throw path.field("per_upstream_preconnect_ratio").error("must be in [1, 3]");
        }
        return r;
    }
}
