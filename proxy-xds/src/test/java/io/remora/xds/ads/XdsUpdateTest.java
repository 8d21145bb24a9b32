package io.remora.xds.ads;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A delta response naming a resource twice (added twice, or added and removed) is refused whole before any
 * subscription sees it, in Envoy's words (DeltaSubscriptionState::handleGoodResponse).
 */
class XdsUpdateTest {
    private static DeltaDiscoveryResponse.Builder lds(String... names) {
        DeltaDiscoveryResponse.Builder b = DeltaDiscoveryResponse.newBuilder()
                .setTypeUrl(XdsResourceType.LISTENER.typeUrl).setNonce("n").setSystemVersionInfo("1");
        for (String name : names) {
            b.addResources(Resource.newBuilder().setName(name).setVersion("1")
                    .setResource(Any.pack(XdsTestResources.plainListener(name, 15001))));
        }
        return b;
    }

    @Test
    void aNameAddedTwiceRefusesTheResponse() {
        assertEquals("duplicate name a found among added/updated resources",
                XdsUpdate.fromDelta(lds("a", "b", "a").build(), Instant.EPOCH).error());
    }

    @Test
    void aNameAddedAndRemovedRefusesTheResponse() {
        assertEquals("duplicate name b found in the union of added+removed resources",
                XdsUpdate.fromDelta(lds("a", "b").addRemovedResources("b").build(), Instant.EPOCH).error());
        assertNull(XdsUpdate.fromDelta(lds("a").addRemovedResources("b").build(), Instant.EPOCH).error());
    }
}
