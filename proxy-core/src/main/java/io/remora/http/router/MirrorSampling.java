package io.remora.http.router;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ForwardAction;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.upstream.Cluster;

import java.util.ArrayList;
import java.util.List;

/** Which of a route's request_mirror_policies a request goes to, decided when its headers arrive. */
final class MirrorSampling {

    private MirrorSampling() {
    }

    /**
     * A mirror this request goes to; {@code hostSuffix}: "-shadow" is appended to its host;
     * {@code traceSampled}: the copy's trace decision, null to keep the request's.
     */
    record Mirror(Cluster cluster, boolean hostSuffix, Boolean traceSampled) {
    }

    /**
     * The mirrors this request goes to (each policy's runtime fraction sampled; a
     * {@code cluster_header} naming no known cluster mirrors nothing), or null for none.
     */
    static List<Mirror> sample(List<ForwardAction.MirrorPolicy> policies, DecoderFilterCallbacks cb) {
        if (policies == null || policies.isEmpty()) {
            return null;
        }
        List<Mirror> mirrors = null;
        // Envoy's shouldShadow: the stream's id is every policy's random (and the route match's),
        // so policies of one fraction mirror the same requests.
        long random = cb.streamInfo().streamId() & Long.MAX_VALUE;
        for (ForwardAction.MirrorPolicy mp : policies) {
            if (mp.fraction() != null
                    && !cb.serverContext().runtime().featureEnabled(mp.runtimeKey(), mp.fraction(), random)) {
                continue;
            }
            String name = mp.cluster();
            if (name == null) {
                Http2Headers request = cb.requestHeaders();
                CharSequence v = request == null ? null : request.get(mp.clusterHeader());
                name = v == null || v.length() == 0 ? null : v.toString();
            }
            Cluster m = name == null ? null : cb.serverContext().clusterManager().get(name);
            if (m != null) {
                if (mirrors == null) {
                    mirrors = new ArrayList<>(1);
                }
                mirrors.add(new Mirror(m, !mp.disableShadowHostSuffixAppend(), mp.traceSampled()));
            }
        }
        return mirrors;
    }
}
