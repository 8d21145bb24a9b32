package io.remora.xds.translate;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.metrics.v3.DogStatsdSink;
import io.envoyproxy.envoy.config.metrics.v3.MetricsServiceConfig;
import io.envoyproxy.envoy.config.metrics.v3.StatsSink;
import io.envoyproxy.envoy.config.metrics.v3.StatsdSink;
import io.envoyproxy.envoy.extensions.stat_sinks.graphite_statsd.v3.GraphiteStatsdSink;
import io.envoyproxy.envoy.extensions.stat_sinks.open_telemetry.v3.SinkConfig;
import io.remora.config.Address;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The bootstrap's {@code stats_sinks} and {@code stats_flush_interval}: statsd (UDP or TCP), UDP
 * DogStatsD and Graphite statsd, the gRPC metrics service and the OpenTelemetry (OTLP/gRPC) sink
 * are built; other sink kinds (hystrix, ...) are warned and skipped.
 */
public final class StatsSinksTranslator {

    private static final String STATSD = "envoy.config.metrics.v3.StatsdSink";
    private static final String METRICS_SERVICE = "envoy.config.metrics.v3.MetricsServiceConfig";
    private static final String DOG_STATSD = "envoy.config.metrics.v3.DogStatsdSink";
    private static final String OPEN_TELEMETRY = "envoy.extensions.stat_sinks.open_telemetry.v3.SinkConfig";
    private static final String GRAPHITE_STATSD =
            "envoy.extensions.stat_sinks.graphite_statsd.v3.GraphiteStatsdSink";

    /** A sink to build. */
    public sealed interface Sink {
    }

    /** {@code envoy.stat_sinks.statsd} with a UDP {@code address}. */
    public record Statsd(InetSocketAddress address, String prefix) implements Sink {
    }

    /** {@code envoy.stat_sinks.statsd} with {@code tcp_cluster_name}: a static cluster of the bootstrap. */
    public record TcpStatsd(String cluster, String prefix) implements Sink {
    }

    /**
     * {@code envoy.stat_sinks.dog_statsd}.
     *
     * @param maxBytesPerDatagram {@code max_bytes_per_datagram}; 0 when unset (one metric per datagram)
     */
    public record DogStatsd(InetSocketAddress address, String prefix, int maxBytesPerDatagram) implements Sink {
    }

    /**
     * {@code envoy.stat_sinks.graphite_statsd}: tag-extracted names with the tags after the name
     * ({@code name;tag=value}).
     *
     * @param maxBytesPerDatagram {@code max_bytes_per_datagram}; 0 when unset (one metric per datagram)
     */
    public record GraphiteStatsd(InetSocketAddress address, String prefix, int maxBytesPerDatagram) implements Sink {
    }

    /**
     * {@code envoy.stat_sinks.metrics_service}.
     *
     * @param histogramMode {@code histogram_emit_mode}: SUMMARY_AND_HISTOGRAM, SUMMARY or HISTOGRAM
     */
    public record MetricsService(String cluster, String authority, boolean countersAsDeltas, boolean emitTagsAsLabels,
                                 String histogramMode) implements Sink {
    }

    /**
     * {@code envoy.stat_sinks.open_telemetry}: OTLP {@code MetricsService/Export} to a cluster.
     *
     * @param timeout              {@code grpc_service.timeout}; null when unset (no deadline)
     * @param emitTagsAsAttributes {@code emit_tags_as_attributes} (default true)
     * @param useTagExtractedName  {@code use_tag_extracted_name} (default true)
     * @param prefix               {@code prefix} with its trailing dot, or empty
     * @param retryPolicy          {@code grpc_service.retry_policy} for the Export calls (gRPC statuses); null: none
     */
    public record OpenTelemetry(String cluster, String authority, Duration timeout, boolean countersAsDeltas,
                                boolean histogramsAsDeltas, boolean emitTagsAsAttributes, boolean useTagExtractedName,
                                String prefix, io.remora.config.RetryPolicy retryPolicy) implements Sink {

        public OpenTelemetry(String cluster, String authority, Duration timeout, boolean countersAsDeltas,
                             boolean histogramsAsDeltas, boolean emitTagsAsAttributes, boolean useTagExtractedName,
                             String prefix) {
            this(cluster, authority, timeout, countersAsDeltas, histogramsAsDeltas, emitTagsAsAttributes,
                    useTagExtractedName, prefix, null);
        }

        /** A sink to {@code cluster} with Envoy's defaults: cumulative, tags as attributes, tag-extracted names. */
        public static Builder builder(String cluster) {
            return new Builder(cluster);
        }

        public static final class Builder {
            private final String cluster;
            private String authority = "";
            private Duration timeout;
            private boolean countersAsDeltas;
            private boolean histogramsAsDeltas;
            private boolean emitTagsAsAttributes = true;
            private boolean useTagExtractedName = true;
            private String prefix = "";
            private io.remora.config.RetryPolicy retryPolicy;

            private Builder(String cluster) {
                this.cluster = cluster;
            }

            public Builder authority(String v) {
                authority = v;
                return this;
            }

            public Builder timeout(Duration v) {
                timeout = v;
                return this;
            }

            public Builder countersAsDeltas(boolean v) {
                countersAsDeltas = v;
                return this;
            }

            public Builder histogramsAsDeltas(boolean v) {
                histogramsAsDeltas = v;
                return this;
            }

            public Builder emitTagsAsAttributes(boolean v) {
                emitTagsAsAttributes = v;
                return this;
            }

            public Builder useTagExtractedName(boolean v) {
                useTagExtractedName = v;
                return this;
            }

            public Builder prefix(String v) {
                prefix = v;
                return this;
            }

            public Builder retryPolicy(io.remora.config.RetryPolicy v) {
                retryPolicy = v;
                return this;
            }

            public OpenTelemetry build() {
                return new OpenTelemetry(cluster, authority, timeout, countersAsDeltas, histogramsAsDeltas,
                        emitTagsAsAttributes, useTagExtractedName, prefix, retryPolicy);
            }
        }
    }

    /**
     * @param flushInterval {@code stats_flush_interval} (default 5 s); null with {@code stats_flush_on_admin}
     * @param flushOnAdmin  {@code stats_flush_on_admin}: sinks are flushed when the admin's stats are read, never on a timer
     */
    public record Sinks(List<Sink> sinks, Duration flushInterval, boolean flushOnAdmin) {
    }

    private StatsSinksTranslator() {
    }

    public static Sinks translate(Bootstrap b, TranslationContext ctx) {
        Duration interval = Duration.ofSeconds(5);
        if (b.hasStatsFlushInterval()) {
            interval = Protos.duration(b.getStatsFlushInterval());
            if (interval.compareTo(Duration.ofMillis(1)) < 0 || interval.compareTo(Duration.ofSeconds(300)) >= 0) {
                throw FieldPath.of("stats_flush_interval").error("must be at least 1ms and less than 300s, not "
                        + interval.toMillis() + "ms");
            }
        }
        if (b.getStatsFlushOnAdmin()) {
            if (b.hasStatsFlushInterval()) {
                throw FieldPath.of("stats_flush_on_admin").error("only one of stats_flush_interval or"
                        + " stats_flush_on_admin can be set");
            }
            interval = null;
        }
        List<Sink> sinks = new ArrayList<>();
        for (int i = 0; i < b.getStatsSinksCount(); i++) {
            StatsSink s = b.getStatsSinks(i);
            FieldPath sp = FieldPath.of("stats_sinks").index(i);
            String type = s.hasTypedConfig() ? Protos.typeName(s.getTypedConfig()) : "";
            if (type.equals(STATSD)) {
                sinks.add(statsd(b, Protos.unpack(s.getTypedConfig(), StatsdSink.class, sp.field("typed_config")),
                        sp.field("typed_config")));
            } else if (type.equals(DOG_STATSD)) {
                sinks.add(dogStatsd(Protos.unpack(s.getTypedConfig(), DogStatsdSink.class, sp.field("typed_config")),
                        sp.field("typed_config")));
            } else if (type.equals(GRAPHITE_STATSD)) {
                sinks.add(graphiteStatsd(Protos.unpack(s.getTypedConfig(), GraphiteStatsdSink.class,
                        sp.field("typed_config")), sp.field("typed_config")));
            } else if (type.equals(METRICS_SERVICE)) {
                sinks.add(metricsService(Protos.unpack(s.getTypedConfig(), MetricsServiceConfig.class,
                        sp.field("typed_config")), sp.field("typed_config"), ctx));
            } else if (type.equals(OPEN_TELEMETRY)) {
                sinks.add(openTelemetry(Protos.unpack(s.getTypedConfig(), SinkConfig.class, sp.field("typed_config")),
                        sp.field("typed_config"), ctx));
            } else {
                ctx.warnOnce("stats_sinks:" + s.getName() + type, "stats sink '" + s.getName() + "' ("
                        + (type.isEmpty() ? "no typed_config" : type) + ") is not supported and is skipped, first at "
                        + sp + "; supported: envoy.stat_sinks.statsd (UDP or TCP), envoy.stat_sinks.dog_statsd (UDP),"
                        + " envoy.stat_sinks.graphite_statsd (UDP),"
                        + " envoy.stat_sinks.metrics_service, envoy.stat_sinks.open_telemetry");
            }
        }
        return new Sinks(List.copyOf(sinks), interval, interval == null);
    }

    private static Sink statsd(Bootstrap b, StatsdSink s, FieldPath path) {
        switch (s.getStatsdSpecifierCase()) {
            case ADDRESS -> {
                return new Statsd(udpAddress(s.getAddress(), path.field("address")), s.getPrefix());
            }
            case TCP_CLUSTER_NAME -> {
                return new TcpStatsd(staticCluster(b, s.getTcpClusterName(), path.field("tcp_cluster_name")),
                        s.getPrefix());
            }
            default -> throw path.error("one of address or tcp_cluster_name is required");
        }
    }

    /**
     * Envoy builds the sinks before CDS runs: the cluster must be one of the bootstrap's static
     * clusters, with Envoy's messages.
     */
    private static String staticCluster(Bootstrap b, String name, FieldPath path) {
        if (name.isEmpty()) {
            throw path.error("missing required field");
        }
        for (var c : b.getStaticResources().getClustersList()) {
            if (c.getName().equals(name)) {
                return name;
            }
        }
        throw path.error("tcp statsd: unknown cluster '" + name + "' (it must be a static cluster of the bootstrap)");
    }

    private static Sink dogStatsd(DogStatsdSink s, FieldPath path) {
        if (!s.hasAddress()) {
            throw path.field("address").error("missing required field");
        }
        return new DogStatsd(udpAddress(s.getAddress(), path.field("address")), s.getPrefix(),
                maxBytesPerDatagram(s.hasMaxBytesPerDatagram(), s.getMaxBytesPerDatagram().getValue(), path));
    }

    private static Sink graphiteStatsd(GraphiteStatsdSink s, FieldPath path) {
        if (!s.hasAddress()) {
            throw path.error("one of address is required");
        }
        return new GraphiteStatsd(udpAddress(s.getAddress(), path.field("address")), s.getPrefix(),
                maxBytesPerDatagram(s.hasMaxBytesPerDatagram(), s.getMaxBytesPerDatagram().getValue(), path));
    }

    /** {@code max_bytes_per_datagram}: 0 when unset (one metric per datagram). */
    private static int maxBytesPerDatagram(boolean set, long v, FieldPath path) {
        if (!set) {
            return 0;
        }
        if (v <= 0 || v > 65_507) {
            throw path.field("max_bytes_per_datagram").error("must be greater than 0 and fit a UDP datagram"
                    + " (65507), not " + v);
        }
        return (int) v;
    }

    /**
     * Statsd is UDP whatever the address's protocol says (Envoy's sinks read only host and port),
     * so the shared address rules are applied to it as if it were TCP.
     */
    private static InetSocketAddress udpAddress(io.envoyproxy.envoy.config.core.v3.Address addr, FieldPath path) {
        if (addr.hasSocketAddress()) {
            addr = addr.toBuilder().setSocketAddress(addr.getSocketAddress().toBuilder()
                    .setProtocol(io.envoyproxy.envoy.config.core.v3.SocketAddress.Protocol.TCP)).build();
        }
        Address a = AddressTranslator.translate(addr, path);
        if (!(a instanceof Address.Tcp t)) {
            throw path.error("statsd needs a socket address");
        }
        return new InetSocketAddress(t.host(), t.port());
    }

    private static Sink metricsService(MetricsServiceConfig m, FieldPath path, TranslationContext ctx) {
        if (m.getTransportApiVersion() != ApiVersion.V3) {
            throw path.field("transport_api_version").error("only V3 is supported (Envoy refuses "
                    + m.getTransportApiVersion() + ")");
        }
        String cluster = grpcCluster(m.hasGrpcService(), m.getGrpcService(), false, path, ctx);
        return new MetricsService(cluster, m.getGrpcService().getEnvoyGrpc().getAuthority(),
                m.hasReportCountersAsDeltas() && m.getReportCountersAsDeltas().getValue(), m.getEmitTagsAsLabels(),
                m.getHistogramEmitMode().name());
    }

    private static Sink openTelemetry(SinkConfig c, FieldPath path, TranslationContext ctx) {
        String cluster = grpcCluster(c.hasGrpcService(), c.getGrpcService(), true, path, ctx);
        Duration timeout = null;
        if (c.getGrpcService().hasTimeout()) {
            timeout = Protos.duration(c.getGrpcService().getTimeout());
            if (timeout.isNegative()) {
                throw path.field("grpc_service").field("timeout").error("must not be negative");
            }
            timeout = timeout.isZero() ? null : timeout;
        }
        return OpenTelemetry.builder(cluster).authority(c.getGrpcService().getEnvoyGrpc().getAuthority())
                .timeout(timeout).countersAsDeltas(c.getReportCountersAsDeltas())
                .histogramsAsDeltas(c.getReportHistogramsAsDeltas())
                .emitTagsAsAttributes(!c.hasEmitTagsAsAttributes() || c.getEmitTagsAsAttributes().getValue())
                .useTagExtractedName(!c.hasUseTagExtractedName() || c.getUseTagExtractedName().getValue())
                .prefix(c.getPrefix().isEmpty() ? "" : c.getPrefix() + ".")
                .retryPolicy(GrpcServiceTranslator.statusRetryPolicy(c.getGrpcService(), path.field("grpc_service")))
                .build();
    }

    /**
     * The cluster of a sink's {@code grpc_service}: only {@code envoy_grpc} is built; google_grpc is
     * refused as for the metrics service (its channel credentials could not be honoured). {@code unary}: the sink's
     * Export calls take the service's retry_policy (the metrics service's stream refuses it).
     */
    private static String grpcCluster(boolean present, io.envoyproxy.envoy.config.core.v3.GrpcService g,
                                      boolean unary, FieldPath path, TranslationContext ctx) {
        if (!present) {
            throw path.field("grpc_service").error("missing required field");
        }
        if (!g.hasEnvoyGrpc()) {
            throw path.field("grpc_service").error("only envoy_grpc (a cluster) is supported");
        }
        GrpcServiceTranslator.checkSupported(unary ? g.toBuilder().clearRetryPolicy().build() : g,
                path.field("grpc_service"));
        if (g.getInitialMetadataCount() > 0) {
            throw path.field("grpc_service").field("initial_metadata").error("not supported by this sink's gRPC client");
        }
        String cluster = g.getEnvoyGrpc().getClusterName();
        FieldPath cp = path.field("grpc_service").field("envoy_grpc").field("cluster_name");
        if (cluster.isEmpty()) {
            throw cp.error("missing required field");
        }
        ctx.requireCluster(cp, cluster);
        return cluster;
    }
}
