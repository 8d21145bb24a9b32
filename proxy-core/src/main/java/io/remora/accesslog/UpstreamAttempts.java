package io.remora.accesslog;

import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Every upstream host and connection a stream tried, in order (Envoy 1.38's
 * {@code %UPSTREAM_HOSTS_ATTEMPTED%} family): kept only from a stream's second attempt on, a
 * retry, a hedge or tcp_proxy's next connect, so a stream that tries once keeps no list and the
 * operators read its one host and connection from the stream info.
 */
final class UpstreamAttempts {
    record Host(SocketAddress address, String hostname) {
    }

    final List<Host> hosts = new ArrayList<>(4);
    final List<Long> connectionIds = new ArrayList<>(4);
}
