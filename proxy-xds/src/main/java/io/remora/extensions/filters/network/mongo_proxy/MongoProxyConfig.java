package io.remora.extensions.filters.network.mongo_proxy;

import io.remora.config.NetworkFilterConfig;
import io.remora.extensions.filters.http.fault.FaultConfig;

import java.util.List;

/**
 * {@code envoy.extensions.filters.network.mongo_proxy.v3.MongoProxy}.
 *
 * @param statPrefix          stats are {@code mongo.<stat_prefix>.*}
 * @param accessLog           the file each decoded message is logged to, or "" for none
 * @param delay               {@code delay}, or null
 * @param emitDynamicMetadata {@code emit_dynamic_metadata}
 * @param commands            the commands with {@code cmd.<command>.*} stats; others count as {@code unknown_command}
 */
public record MongoProxyConfig(String statPrefix, String accessLog, FaultConfig.Delay delay,
                               boolean emitDynamicMetadata, List<String> commands) implements NetworkFilterConfig {

    public static final String NAME = "envoy.filters.network.mongo_proxy";
    /** Envoy's default {@code commands}. */
    static final List<String> DEFAULT_COMMANDS = List.of("delete", "insert", "update");

    public MongoProxyConfig {
        accessLog = accessLog == null ? "" : accessLog;
        commands = commands == null || commands.isEmpty() ? DEFAULT_COMMANDS : List.copyOf(commands);
    }

    @Override
    public String filterName() {
        return NAME;
    }
}
