package io.remora.http.upstream;

import io.remora.network.FilterState;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shared filter state objects key pools as Envoy's hash key does: only the hashable ones. */
class PoolOptionsTest {

    record Hashed(String v) implements FilterState.Hashable {
    }

    private static PoolOptions options(Object tenant, Object plain) {
        FilterState connection = new FilterState(null);
        connection.set("plain", plain, FilterState.Mutability.MUTABLE,
                FilterState.Sharing.SHARED_WITH_UPSTREAM_CONNECTION);
        FilterState stream = new FilterState(connection);
        stream.set("tenant", tenant, FilterState.Mutability.MUTABLE,
                FilterState.Sharing.SHARED_WITH_UPSTREAM_CONNECTION_ONCE);
        return PoolOptions.forRequest(null, stream, null, false);
    }

    @Test
    void hashableObjectsKeyAndTheOthersRideAlong() {
        PoolOptions a1 = options(new Hashed("a"), "p1");
        assertEquals(a1, options(new Hashed("a"), "p2"));
        assertEquals(a1.hashCode(), options(new Hashed("a"), "p2").hashCode());
        assertNotEquals(a1, options(new Hashed("b"), "p1"));
        assertFalse(a1.keysPlainPool());
        // The connection carries all of them, the connection's (parent's) too.
        assertEquals(2, a1.shared().size());
    }

    @Test
    void objectsThatCannotHashKeyThePlainPools() {
        PoolOptions o = options("a", "p1");
        assertTrue(o.keysPlainPool());
        assertEquals(2, o.shared().size());
        assertNull(o.sharedKey());
    }

    @Test
    void aStateSharingNothingMakesNoOptions() {
        FilterState s = new FilterState(null);
        s.set("k", new Hashed("v"), FilterState.Mutability.MUTABLE);
        assertFalse(s.mayShareWithUpstream());
        assertNull(PoolOptions.forRequest(null, s, null, false));
        assertSame(java.util.List.of(), s.sharedWithUpstream());
    }
}
