package io.remora.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.remora.listener.TlsInspector;

import javax.net.ssl.SSLEngine;
import java.util.List;

/**
 * Reads the client hello ahead of the TLS handler, without consuming it, for what Envoy's
 * certificate selection reads in BoringSSL's select-certificate callback and tcnative does not
 * expose ({@link ClientHelloFacts}); then steps aside and hands the bytes on.
 */
final class ClientHelloPeek extends ByteToMessageDecoder {
    private final CertificateSelector selector;
    private final SSLEngine engine;

    ClientHelloPeek(CertificateSelector selector, SSLEngine engine) {
        this.selector = selector;
        this.engine = engine;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        TlsInspector.Result r = TlsInspector.inspect(in);
        if (r.status() == TlsInspector.Status.NEED_MORE) {
            return;
        }
        if (r.status() == TlsInspector.Status.TLS) {
            selector.hello(engine, ClientHelloFacts.parse(in, r.helloBytes(), selector.serverTls13(),
                    selector.ecdsaCipherIds()));
        }
        ctx.pipeline().remove(this); // the cumulated bytes go on to the TLS handler
    }
}
