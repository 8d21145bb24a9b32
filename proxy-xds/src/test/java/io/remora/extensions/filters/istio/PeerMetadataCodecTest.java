package io.remora.extensions.filters.istio;

import io.remora.extensions.filters.istio.common.PeerMetadataCodec;
import io.remora.extensions.filters.istio.common.WorkloadMetadata;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Istio's exchange encodings: the header's base64 Struct, the TCP Any, baggage and endpoint metadata. */
class PeerMetadataCodecTest {

    static final Map<String, Object> NODE = Map.of(
            "NAME", "ratings-v1-84975bc778-pxz2w", "NAMESPACE", "default", "CLUSTER_ID", "server-cluster",
            "WORKLOAD_NAME", "ratings-v1", "INSTANCE_IPS", "10.52.0.34",
            "LABELS", Map.of("app.kubernetes.io/name", "ratings", "version", "v1",
                    "service.istio.io/canonical-name", "ratings", "service.istio.io/canonical-revision", "version-1"));

    @Test
    void headerRoundTripKeepsWhatIstioShares() {
        String header = PeerMetadataCodec.headerValue(NODE);
        WorkloadMetadata w = PeerMetadataCodec.fromHeader(header);
        assertEquals(new WorkloadMetadata("ratings-v1-84975bc778-pxz2w", "server-cluster", "default", "ratings-v1",
                "ratings", "version-1", "ratings", "v1", "", w.labels()), w);
        // Istio decodes without padding; so does Remora.
        assertEquals(w, PeerMetadataCodec.fromHeader(header.replace("=", "")));
        assertNull(PeerMetadataCodec.fromHeader("%%% not base64"));
        Map<String, Object> owned = new java.util.HashMap<>(NODE);
        owned.put("OWNER", "kubernetes://apis/apps/v1/namespaces/default/deployments/ratings-v1");
        assertEquals("type=deployment,workload=ratings-v1,name=ratings-v1-84975bc778-pxz2w,cluster=server-cluster,"
                + "namespace=default,service=ratings,revision=version-1,app=ratings,version=v1",
                WorkloadMetadata.fromNodeMetadata(owned).toString());
        assertNull(PeerMetadataCodec.fromHeader(Base64.getEncoder().encodeToString(new byte[]{(byte) 0xff, 1, 2})));
    }

    @Test
    void tcpPayloadCarriesMetadataAndId() {
        var peer = PeerMetadataCodec.fromTcpPayload(PeerMetadataCodec.tcpPayload(NODE, "sidecar~1~x"));
        assertEquals("ratings-v1", peer.workload().workloadName());
        assertEquals("sidecar~1~x", peer.id());
        assertNull(PeerMetadataCodec.fromTcpPayload(new byte[]{1, 2, 3}));
    }

    @Test
    void baggageAndEndpointEncodings() {
        WorkloadMetadata b = WorkloadMetadata.fromBaggage("k8s.namespace.name=default,k8s.cluster.name=c1,"
                + "service.name=ratings,service.version=v1,k8s.deployment.name=ratings-v1,app.name=ratings,other=x");
        assertEquals("default", b.namespaceName());
        assertEquals("c1", b.clusterName());
        assertEquals("ratings", b.canonicalName());
        assertEquals("ratings-v1", b.workloadName());
        assertNull(WorkloadMetadata.fromBaggage("userId=alice"));
        WorkloadMetadata e = WorkloadMetadata.fromEndpointEncoding("ratings-v1;default;ratings;version-1;c1");
        assertEquals("ratings-v1", e.workloadName());
        assertEquals("version-1", e.canonicalRevision());
        assertNull(WorkloadMetadata.fromEndpointEncoding("a;b"));
    }
}
