package io.remora.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.remora.xds.bootstrap.ConfigDocuments;
import io.remora.xds.bootstrap.ProtoJson;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.ResourceTranslator;
import io.remora.xds.translate.TranslationContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A config dump's resources translated for {@link ArchiveTraining}: each listener, cluster and route
 * configuration parsed from its bytes and translated as an LDS, CDS or RDS update would be. Nothing is
 * started. A resource that fails to translate is skipped: it only leaves classes out of the archive.
 */
final class TrainingDump {
    private TrainingDump() {
    }

    /** The number of resources translated. */
    static int translate(Path file) throws IOException {
        ConfigDump dump = ProtoJson.merge(ConfigDocuments.parseJson(Files.readString(file, StandardCharsets.UTF_8),
                file.toString()), ConfigDump.newBuilder(), FieldPath.ROOT, TranslationContext.lenient()).build();
        int n = 0;
        for (Any config : dump.getConfigsList()) {
            n += translate(config);
        }
        return n;
    }

    private static int translate(Any config) throws InvalidProtocolBufferException {
        int n = 0;
        TranslationContext ctx = TranslationContext.lenient();
        String type = config.getTypeUrl().substring(config.getTypeUrl().lastIndexOf('/') + 1);
        if (type.equals(ListenersConfigDump.getDescriptor().getFullName())) {
            ListenersConfigDump d = ListenersConfigDump.parseFrom(config.getValue());
            for (ListenersConfigDump.StaticListener l : d.getStaticListenersList()) {
                n += listener(l.getListener(), ctx);
            }
            for (ListenersConfigDump.DynamicListener l : d.getDynamicListenersList()) {
                n += listener(l.getActiveState().getListener(), ctx);
            }
        } else if (type.equals(ClustersConfigDump.getDescriptor().getFullName())) {
            ClustersConfigDump d = ClustersConfigDump.parseFrom(config.getValue());
            for (ClustersConfigDump.StaticCluster c : d.getStaticClustersList()) {
                n += cluster(c.getCluster(), ctx);
            }
            for (ClustersConfigDump.DynamicCluster c : d.getDynamicActiveClustersList()) {
                n += cluster(c.getCluster(), ctx);
            }
        } else if (type.equals(RoutesConfigDump.getDescriptor().getFullName())) {
            RoutesConfigDump d = RoutesConfigDump.parseFrom(config.getValue());
            for (RoutesConfigDump.StaticRouteConfig r : d.getStaticRouteConfigsList()) {
                n += route(r.getRouteConfig(), ctx);
            }
            for (RoutesConfigDump.DynamicRouteConfig r : d.getDynamicRouteConfigsList()) {
                n += route(r.getRouteConfig(), ctx);
            }
        }
        return n;
    }

    private static int listener(Any any, TranslationContext ctx) {
        return translated(() -> ResourceTranslator.listener(Listener.parseFrom(any.getValue()), ctx));
    }

    private static int cluster(Any any, TranslationContext ctx) {
        return translated(() -> ResourceTranslator.cluster(Cluster.parseFrom(any.getValue()), ctx));
    }

    private static int route(Any any, TranslationContext ctx) {
        return translated(() -> ResourceTranslator.routeConfiguration(RouteConfiguration.parseFrom(any.getValue()), ctx));
    }

    private interface Translation {
        Object run() throws InvalidProtocolBufferException;
    }

    /** 1 when the resource translated, 0 when it did not (its classes are only left out of the archive). */
    private static int translated(Translation t) {
        try {
            t.run();
            return 1;
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            return 0;
        }
    }
}
