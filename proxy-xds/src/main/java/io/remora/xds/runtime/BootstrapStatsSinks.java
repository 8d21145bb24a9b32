package io.remora.xds.runtime;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.remora.server.Server;
import io.remora.stats.StatsRegistry;
import io.remora.xds.translate.StatsSinksTranslator;

import java.util.ArrayList;
import java.util.List;

/**
 * The bootstrap's stats_sinks: one flusher feeding each sink every stats_flush_interval, and, with
 * stats_flush_on_admin, a flush whenever the admin's stats are read. Nothing runs without sinks.
 */
final class BootstrapStatsSinks implements AutoCloseable {

    /** Null without sinks. */
    private final io.remora.stats.StatsFlusher flusher;
    private final boolean flushOnAdmin;

    private BootstrapStatsSinks(io.remora.stats.StatsFlusher flusher, boolean flushOnAdmin) {
        this.flusher = flusher;
        this.flushOnAdmin = flushOnAdmin;
    }

    /** Starts flushing to the configured sinks (some reach theirs through {@code server}'s clusters). */
    static BootstrapStatsSinks start(Bootstrap bootstrap, Server server, StatsRegistry stats) {
        StatsSinksTranslator.Sinks config = StatsSinksTranslator
                .translate(bootstrap, io.remora.xds.translate.TranslationContext.lenient());
        List<io.remora.stats.StatsSink> sinks = new ArrayList<>();
        for (StatsSinksTranslator.Sink s : config.sinks()) {
            if (s instanceof StatsSinksTranslator.Statsd statsd) {
                sinks.add(new io.remora.stats.UdpStatsdSink(statsd.address(), statsd.prefix()));
            } else if (s instanceof StatsSinksTranslator.TcpStatsd tcp) {
                sinks.add(new io.remora.stats.TcpStatsdSink(server.clusterManager(), tcp.cluster(), tcp.prefix(),
                        stats.meterRegistry()));
            } else if (s instanceof StatsSinksTranslator.DogStatsd dog) {
                sinks.add(new io.remora.stats.UdpStatsdSink(dog.address(), dog.prefix(),
                        io.remora.stats.StatsdTagFormat.DOG_STATSD, dog.maxBytesPerDatagram()));
            } else if (s instanceof StatsSinksTranslator.GraphiteStatsd graphite) {
                sinks.add(new io.remora.stats.UdpStatsdSink(graphite.address(), graphite.prefix(),
                        io.remora.stats.StatsdTagFormat.GRAPHITE, graphite.maxBytesPerDatagram()));
            } else if (s instanceof StatsSinksTranslator.MetricsService ms) {
                sinks.add(new io.remora.xds.stats.MetricsServiceSink(ms, bootstrap.getNode(), server.clusterManager()));
            } else if (s instanceof StatsSinksTranslator.OpenTelemetry otel) {
                sinks.add(new io.remora.xds.stats.OtlpStatsSink(otel, server.clusterManager()));
            }
        }
        if (sinks.isEmpty()) {
            return new BootstrapStatsSinks(null, false);
        }
        return new BootstrapStatsSinks(new io.remora.stats.StatsFlusher(stats, sinks, config.flushInterval()),
                config.flushOnAdmin());
    }

    /** stats_flush_on_admin: the sinks get a flush whenever the admin's stats are read. */
    void flushForAdmin() {
        if (flushOnAdmin) {
            flusher.flushNow();
        }
    }

    @Override
    public void close() {
        if (flusher != null) {
            flusher.close();
        }
    }
}
