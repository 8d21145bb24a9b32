package io.remora.xds.translate;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.extensions.filters.network.redis_proxy.v3.RedisProtocolOptions;
import io.remora.config.ClusterConfig;

/**
 * A cluster's {@code typed_extension_protocol_options} for the redis proxy: the credentials it
 * (and the redis health checker) send with AUTH on each new connection to a host.
 */
final class RedisProtocolOptionsTranslator {
    static final String TYPE = "envoy.extensions.filters.network.redis_proxy.v3.RedisProtocolOptions";

    private RedisProtocolOptionsTranslator() {
    }

    /** The credentials, or null when neither is set. */
    static ClusterConfig.RedisAuth translate(Any any, FieldPath path) {
        RedisProtocolOptions o = Protos.unpack(any, RedisProtocolOptions.class, path);
        String password = o.hasAuthPassword() ? Protos.dataSource(o.getAuthPassword(), path.field("auth_password")) : "";
        String username = o.hasAuthUsername() ? Protos.dataSource(o.getAuthUsername(), path.field("auth_username")) : "";
        return password.isEmpty() && username.isEmpty() ? null : new ClusterConfig.RedisAuth(username, password);
    }
}
