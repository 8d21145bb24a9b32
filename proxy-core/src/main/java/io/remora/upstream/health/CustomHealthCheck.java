package io.remora.upstream.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A request/response health check an extension provides ({@code custom_health_check}, e.g. the
 * thrift one): a request written on a connection to the host, its answer judged healthy or not.
 */
public interface CustomHealthCheck {

    /** Envoy's health checker type in events ({@code THRIFT}). */
    String type();

    /** The exchanges of one connection: made per connection, used on the checker's loop only. */
    Exchange newExchange();

    interface Exchange {
        ByteBuf request(ByteBufAllocator alloc);

        /**
         * Judges the bytes received so far (cumulated; consumed as the exchange reads them):
         * null while the answer is incomplete, else whether the host is healthy. Throws when
         * the bytes cannot be an answer (a network failure).
         */
        Boolean onResponse(ByteBuf in);
    }
}
