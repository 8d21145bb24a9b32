package io.remora.upstream.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.GrpcTimeoutHeader;
import io.remora.http.HeaderBlock;
import io.remora.config.HealthCheckConfig;
import io.remora.upstream.Host;

import java.nio.charset.StandardCharsets;

/**
 * {@code grpc_health_check}: {@code grpc.health.v1.Health/Check} as one HTTP/2 stream per check.
 * SERVING with grpc-status 0 passes; any other answer fails at once.
 */
final class GrpcProbe extends Http2StreamProbe {
    /** {@code HealthCheckResponse.ServingStatus.SERVING}. */
    private static final int SERVING = 1;

    private final HealthCheckConfig.Grpc config;
    private final CheckHeaderAdditions metadata;

    GrpcProbe(HealthChecker checker, Host host, HealthCheckConfig.Grpc config) {
        super(checker, host);
        this.config = config;
        this.metadata = new CheckHeaderAdditions(config.initialMetadata());
    }

    /**
     * As Envoy's gRPC checker: the initial metadata, then the check's timeout as
     * {@code grpc-timeout} over whatever the metadata set.
     */
    @Override
    Http2Headers requestHeaders(boolean tls) {
        String authority = host.healthCheckHostname() != null ? host.healthCheckHostname()
                : config.authority() == null || config.authority().isEmpty() ? checker.clusterName() : config.authority();
        Http2Headers h = new HeaderBlock().method("POST").scheme(tls ? "https" : "http").authority(authority)
                .path("/grpc.health.v1.Health/Check");
        h.set("content-type", "application/grpc");
        h.set("te", "trailers");
        h.set("user-agent", "Envoy/HC");
        metadata.apply(h, host, "HTTP/2");
        h.set(GrpcTimeoutHeader.NAME, GrpcTimeoutHeader.value(checker.config.timeout().toMillis()));
        return h;
    }

    @Override
    ByteBuf requestBody() {
        return request(config.serviceName());
    }

    @Override
    void judge(int status, Http2Headers headers, Http2Headers trailers, ByteBuf body, Outcome o) {
        // A trailers-only answer carries grpc-status in its one header block.
        CharSequence grpcStatus = (trailers != null ? trailers : headers).get("grpc-status");
        if (status == 200 && grpcStatus != null && "0".contentEquals(grpcStatus) && servingStatus(body) == SERVING) {
            o.success(false);
        } else {
            o.failure(FailureType.ACTIVE, false);
        }
    }

    /** A gRPC frame of {@code HealthCheckRequest{service = 1}}. */
    static ByteBuf request(String service) {
        byte[] name = service == null ? new byte[0] : service.getBytes(StandardCharsets.UTF_8);
        ByteBuf msg = Unpooled.buffer();
        if (name.length > 0) {
            msg.writeByte(0x0A);
            writeVarint(msg, name.length);
            msg.writeBytes(name);
        }
        ByteBuf frame = Unpooled.buffer(5 + msg.readableBytes());
        frame.writeByte(0).writeInt(msg.readableBytes()).writeBytes(msg);
        msg.release();
        return frame;
    }

    private static void writeVarint(ByteBuf b, int v) {
        while ((v & ~0x7F) != 0) {
            b.writeByte((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        b.writeByte(v);
    }

    /** The {@code status} field of a HealthCheckResponse message, 0 (UNKNOWN) when absent. */
    static int servingStatus(ByteBuf body) {
        if (body.readableBytes() < 5) {
            return 0;
        }
        body.skipBytes(1);
        int len = body.readInt();
        int end = body.readerIndex() + Math.min(len, body.readableBytes());
        int status = 0;
        while (body.readerIndex() < end) {
            long tag = readVarint(body);
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (wire == 0) {
                long v = readVarint(body);
                if (field == 1) {
                    status = (int) v;
                }
            } else if (wire == 2) {
                body.skipBytes((int) readVarint(body));
            } else if (wire == 5) {
                body.skipBytes(4);
            } else if (wire == 1) {
                body.skipBytes(8);
            } else {
                break;
            }
        }
        return status;
    }

    private static long readVarint(ByteBuf b) {
        long v = 0;
        for (int shift = 0; shift < 64 && b.isReadable(); shift += 7) {
            byte x = b.readByte();
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                break;
            }
        }
        return v;
    }
}
