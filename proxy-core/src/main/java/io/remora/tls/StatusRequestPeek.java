package io.remora.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.remora.listener.TlsInspector;

import javax.net.ssl.SSLEngine;
import java.util.List;

/**
 * Reads the client hello ahead of the TLS handler, without consuming it, for whether it carries a
 * status_request extension (Envoy's isClientOcspCapable, which BoringSSL's select-certificate
 * callback answers and tcnative does not expose); then steps aside and hands the bytes on.
 */
final class StatusRequestPeek extends ByteToMessageDecoder {
    private final OcspStapling stapling;
    private final SSLEngine engine;

    StatusRequestPeek(OcspStapling stapling, SSLEngine engine) {
        this.stapling = stapling;
        this.engine = engine;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        TlsInspector.Result r = TlsInspector.inspect(in);
        if (r.status() == TlsInspector.Status.NEED_MORE) {
            return;
        }
        if (r.status() == TlsInspector.Status.TLS && r.statusRequest()) {
            stapling.statusRequested(engine);
        }
        ctx.pipeline().remove(this); // the cumulated bytes go on to the TLS handler
    }
}
