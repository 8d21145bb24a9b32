package io.remora.extensions.filters.network.redis_proxy;

import io.envoyproxy.envoy.extensions.filters.network.redis_proxy.v3.RedisProtocolOptions;
import io.remora.redis.RespValue;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;

import java.util.Map;

/**
 * A cluster's {@code RedisProtocolOptions} credentials: the proxy's upstream connections and the
 * redis health checker's send AUTH with them first on each new connection to a host.
 */
record RedisCredentials(String username, String password) {

    /** The credentials, or null when neither is set. */
    static RedisCredentials translate(RedisProtocolOptions o, FieldPath path) {
        String password = o.hasAuthPassword() ? Protos.dataSource(o.getAuthPassword(), path.field("auth_password")) : "";
        String username = o.hasAuthUsername() ? Protos.dataSource(o.getAuthUsername(), path.field("auth_username")) : "";
        return password.isEmpty() && username.isEmpty() ? null : new RedisCredentials(username, password);
    }

    /** The cluster's credentials among its protocol options, or null. */
    static RedisCredentials of(Map<String, Object> clusterOptions) {
        return clusterOptions.get(RedisProxyConfig.NAME) instanceof RedisCredentials c ? c : null;
    }

    RespValue auth() {
        return username.isEmpty() ? RespValue.command("AUTH", password)
                : RespValue.command("AUTH", username, password);
    }

    @Override
    public String toString() {
        return "RedisCredentials[redacted]";
    }
}
