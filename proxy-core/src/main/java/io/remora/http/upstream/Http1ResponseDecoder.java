package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;

import java.util.List;

/**
 * Netty's response decoder told what the request was, which its client codec learns from its own
 * encoder (requests are written as bytes here): a response to HEAD has no body whatever its headers
 * say, and a 2xx to CONNECT ends the HTTP part of the connection, what follows being tunnel bytes
 * passed on as they are. 1xx responses are judged on their own; a final response follows them.
 */
final class Http1ResponseDecoder extends HttpResponseDecoder {

    /** What the connection asked: the request in flight. */
    interface Request {
        boolean isHead();

        boolean isConnect();
    }

    private final Request request;
    private boolean passThrough;

    Http1ResponseDecoder(HttpDecoderConfig config, Request request) {
        super(config);
        this.request = request;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (passThrough) {
            int n = buffer.readableBytes();
            if (n > 0) {
                out.add(buffer.readRetainedSlice(n));
            }
            return;
        }
        super.decode(ctx, buffer, out);
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
        int code = ((HttpResponse) msg).status().code();
        if (code >= 100 && code < 200) {
            return super.isContentAlwaysEmpty(msg);
        }
        if (request.isHead()) {
            return true;
        }
        if (request.isConnect() && code >= 200 && code < 300) {
            passThrough = true;
            return true;
        }
        return super.isContentAlwaysEmpty(msg);
    }
}
