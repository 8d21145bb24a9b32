package io.remora.tls;

import io.netty.handler.ssl.SslContext;

/**
 * An upstream TLS context for a gRPC library's own channel (grpc-java builds its handlers from a
 * context): verified as the cluster's connections are (trusted CA, SAN matchers, no hostname
 * check), and the server name to send, or null for none configured.
 */
public record GrpcClientTls(SslContext context, String sni) {
}
