package io.remora.udp.dns;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * One query from a peer and what answers it, from parse to response. Envoy takes queries of one
 * question only, so this holds one. Touched only on the socket's event loop.
 */
final class DnsQuery {
    /** The header's fields as far as they were read (a response echoes them even to a malformed query). */
    int id;
    int flags;
    /** False: the query was malformed and gets FORMERR. */
    boolean parsed;
    String name;
    int type;
    InetSocketAddress peer;
    long receivedNanos;

    List<DnsRecord> answers = List.of();
    List<DnsRecord> additional = List.of();

    /** External lookups: retries left after a timeout, the attempt under way, whether one is. */
    int retriesLeft;
    int attempt;
    boolean pending;
    io.netty.util.concurrent.Future<?> timeout;

    void answer(DnsRecord r) {
        if (answers.isEmpty()) {
            answers = new ArrayList<>(4);
        }
        answers.add(r);
    }

    void additional(DnsRecord r) {
        if (additional.isEmpty()) {
            additional = new ArrayList<>(4);
        }
        additional.add(r);
    }
}
