package io.remora.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeneratedMessagesTest {

    private static final Router ROUTER = Router.newBuilder().setDynamicStats(BoolValue.of(false))
            .setSuppressEnvoyHeaders(true).build();

    @Test
    void unpacksAsProtobufDoes() throws Exception {
        Any any = Any.pack(ROUTER);
        Router r = GeneratedMessages.unpack(any, Router.class);
        assertEquals(ROUTER, r);
        assertEquals(Any.pack(ROUTER).unpack(Router.class), r);
        // Envoy's URLs may name another host: only the type name after the last '/' counts
        Any elsewhere = any.toBuilder().setTypeUrl("example.com/x/envoy.extensions.filters.http.router.v3.Router").build();
        assertEquals(ROUTER, GeneratedMessages.unpack(elsewhere, Router.class));
    }

    @Test
    void refusesAnotherTypeWithProtobufsMessage() {
        Any any = Any.pack(ROUTER);
        InvalidProtocolBufferException ours = assertThrows(InvalidProtocolBufferException.class,
                () -> GeneratedMessages.unpack(any, HttpConnectionManager.class));
        InvalidProtocolBufferException theirs = assertThrows(InvalidProtocolBufferException.class,
                () -> Any.pack(ROUTER).unpack(HttpConnectionManager.class));
        assertEquals(theirs.getMessage(), ours.getMessage());
        // no '/' at all: protobuf reads an empty type name
        Any bare = any.toBuilder().setTypeUrl("envoy.extensions.filters.http.router.v3.Router").build();
        assertThrows(InvalidProtocolBufferException.class, () -> GeneratedMessages.unpack(bare, Router.class));
        assertThrows(InvalidProtocolBufferException.class, () -> bare.unpack(Router.class));
        // bytes that are not the named type
        Any garbage = any.toBuilder().setValue(com.google.protobuf.ByteString.copyFrom(new byte[] {(byte) 0xff})).build();
        assertThrows(InvalidProtocolBufferException.class, () -> GeneratedMessages.unpack(garbage, Router.class));
    }

    @Test
    void staticAccessorsAreTheGeneratedOnes() throws Exception {
        assertSame(Router.getDefaultInstance(), GeneratedMessages.defaultInstance(Router.class));
        assertSame(HttpConnectionManager.getDescriptor(), GeneratedMessages.descriptor(HttpConnectionManager.class));
        assertThrows(ReflectiveOperationException.class, () -> GeneratedMessages.descriptor(String.class));
    }

    @Test
    void aWrongTypedConfigFailsNamingTheField() {
        TranslationException e = assertThrows(TranslationException.class,
                () -> Protos.unpack(Any.pack(ROUTER), HttpConnectionManager.class, FieldPath.ROOT.field("typed_config")));
        assertEquals("typed_config", e.path());
        assertTrue(e.reason().contains("expected a HttpConnectionManager"), e.reason());
        assertFalse(e.reason().contains("Exception"), e.reason());
    }
}
