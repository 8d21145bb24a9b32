package io.remora.extensions.filters.istio.peer_metadata;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Message;
import io.remora.config.ListenerConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.istio.common.IstioProtos;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * Istio's HTTP metadata exchange filter, {@code istio.metadata_exchange} with
 * {@code io.istio.http.peer_metadata.Config} (Istio ≥ 1.19; often wrapped in a TypedStruct):
 * {@code downstream_discovery}/{@code upstream_discovery} by {@code istio_headers} or
 * {@code baggage}, {@code downstream_propagation}/{@code upstream_propagation} by
 * {@code istio_headers}. {@code workload_discovery} needs Istio's workload xDS, which Remora does
 * not speak: it finds nothing (one warning) and the next method is tried.
 */
public final class PeerMetadataExtension implements HttpFilterExtension<PeerMetadataConfig> {

    static final String NAME = "istio.metadata_exchange";

    @Override
    public List<String> names() {
        return List.of(NAME, "envoy.filters.http.peer_metadata");
    }

    @Override
    public List<String> configTypes() {
        return List.of(IstioProtos.PEER_METADATA_NAME);
    }

    @Override
    public List<Descriptor> descriptors() {
        return IstioProtos.all();
    }

    @Override
    public PeerMetadataConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            return new PeerMetadataConfig(NAME, List.of(), List.of(), false, false, false);
        }
        Message m = config.unpack(IstioProtos.PEER_METADATA, path);
        boolean[] skip = new boolean[1];
        List<PeerMetadataConfig.Method> down = discovery(m, "downstream_discovery", path, ctx);
        List<PeerMetadataConfig.Method> up = discovery(m, "upstream_discovery", path, ctx);
        boolean downProp = propagation(m, "downstream_propagation", skip);
        boolean upProp = propagation(m, "upstream_propagation", skip);
        if (!IstioProtos.<String>repeated(m, "additional_labels").isEmpty()) {
            ctx.warnOnce("peer_metadata.additional_labels", "istio.metadata_exchange: additional_labels are not"
                    + " reported (the standard labels are), at " + path.field("additional_labels"));
        }
        return new PeerMetadataConfig(NAME, down, up, downProp, upProp, skip[0]);
    }

    private static List<PeerMetadataConfig.Method> discovery(Message m, String field, FieldPath path,
                                                             TranslationContext ctx) {
        List<PeerMetadataConfig.Method> out = new ArrayList<>();
        List<Message> methods = IstioProtos.repeated(m, field);
        for (int i = 0; i < methods.size(); i++) {
            Message method = methods.get(i);
            if (IstioProtos.has(method, "istio_headers")) {
                out.add(PeerMetadataConfig.Method.ISTIO_HEADERS);
            } else if (IstioProtos.has(method, "baggage")) {
                out.add(PeerMetadataConfig.Method.BAGGAGE);
            } else if (IstioProtos.has(method, "workload_discovery")) {
                ctx.warnOnce("peer_metadata.workload_discovery", "istio.metadata_exchange: workload_discovery needs"
                        + " Istio's workload metadata xDS, which Remora does not have; it finds no peer, at "
                        + path.field(field).index(i));
            } else {
                throw path.field(field).index(i).error("no discovery method set");
            }
        }
        return out;
    }

    private static boolean propagation(Message m, String field, boolean[] skipExternal) {
        boolean any = false;
        for (Message method : IstioProtos.<Message>repeated(m, field)) {
            if (IstioProtos.has(method, "istio_headers")) {
                any = true;
                skipExternal[0] |= IstioProtos.bool(IstioProtos.message(method, "istio_headers"), "skip_external_clusters");
            }
        }
        return any;
    }

    /**
     * The older null-VM Wasm plugin ({@code envoy.wasm.metadata_exchange}) in these terms: both
     * peers are read from the exchange headers; requests carry this workload except on inbound
     * listeners, responses carry it (to a peer that sent its own) except on outbound ones.
     */
    public static PeerMetadataConfig legacy(TranslationContext ctx) {
        ListenerConfig.TrafficDirection dir = ctx.trafficDirection();
        List<PeerMetadataConfig.Method> headers = List.of(PeerMetadataConfig.Method.ISTIO_HEADERS);
        return new PeerMetadataConfig(NAME, headers, headers, dir != ListenerConfig.TrafficDirection.OUTBOUND,
                dir != ListenerConfig.TrafficDirection.INBOUND, false);
    }

    @Override
    public HttpFilterFactory.Provider<PeerMetadataConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<PeerMetadataConfig> configType() {
                return PeerMetadataConfig.class;
            }

            @Override
            public HttpFilterFactory create(PeerMetadataConfig config, ServerContext context) {
                return () -> new PeerMetadataFilter(config);
            }
        };
    }
}
