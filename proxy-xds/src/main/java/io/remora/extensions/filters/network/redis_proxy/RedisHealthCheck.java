package io.remora.extensions.filters.network.redis_proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.remora.redis.RespDecoder;
import io.remora.redis.RespEncoder;
import io.remora.redis.RespValue;
import io.remora.upstream.health.CustomHealthCheck;

/**
 * {@code envoy.health_checkers.redis}, as Envoy's {@code RedisHealthChecker}: PING must answer
 * the simple string PONG, or {@code EXISTS key} the integer 0 (a maintenance key: set it to take
 * the host out); any other reply is unhealthy. A new connection first sends AUTH with the
 * cluster's credentials, whose reply is not judged: as in Envoy, a wrong password shows as NOAUTH
 * on the check itself.
 *
 * @param credentials null when the cluster has none
 */
record RedisHealthCheck(String key, RedisCredentials credentials) implements CustomHealthCheck {

    @Override
    public String type() {
        return "REDIS";
    }

    @Override
    public Exchange newExchange() {
        RespValue check = key.isEmpty() ? RespValue.command("PING") : RespValue.command("EXISTS", key);
        RespDecoder decoder = new RespDecoder();
        return new Exchange() {
            private boolean authSent;
            /** Replies still to skip before the check's own (AUTH's). */
            private int skip;

            @Override
            public ByteBuf request(ByteBufAllocator alloc) {
                ByteBuf out = alloc.buffer();
                if (!authSent && credentials != null) {
                    authSent = true;
                    skip++;
                    RespEncoder.encode(credentials.auth(), out);
                }
                RespEncoder.encode(check, out);
                return out;
            }

            @Override
            public Boolean onResponse(ByteBuf in) {
                RespValue v;
                while ((v = decoder.decode(in)) != null) {
                    if (skip > 0) {
                        skip--;
                        continue;
                    }
                    return key.isEmpty() ? v.type() == RespValue.Type.SIMPLE_STRING && v.is("PONG")
                            : v.type() == RespValue.Type.INTEGER && v.integer() == 0;
                }
                return null;
            }
        };
    }

    @Override
    public String toString() {
        return "RedisHealthCheck[key=" + key + ", credentials redacted]";
    }
}
