package io.remora.extensions.filters.network.redis_proxy;

import io.remora.runtime.Runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code faults} (Envoy's {@code FaultManagerImpl}): a command's own faults followed by the
 * faults of every command, else the latter alone. One random number in [0, 100) picks at most
 * one: each fault's percentage (its runtime key's integer, else its default's numerator) is
 * stacked on the ones before it.
 */
final class FaultPicker {
    private static final String ALL = "";
    private final Map<String, List<RedisProxyConfig.Fault>> byCommand = new HashMap<>();
    private final Runtime runtime;

    FaultPicker(List<RedisProxyConfig.Fault> faults, Runtime runtime) {
        this.runtime = runtime;
        for (RedisProxyConfig.Fault f : faults) {
            if (f.commands().isEmpty()) {
                byCommand.computeIfAbsent(ALL, k -> new ArrayList<>()).add(f);
            }
            for (String c : f.commands()) {
                byCommand.computeIfAbsent(c, k -> new ArrayList<>()).add(f);
            }
        }
        List<RedisProxyConfig.Fault> all = byCommand.get(ALL);
        if (all != null) {
            for (Map.Entry<String, List<RedisProxyConfig.Fault>> e : byCommand.entrySet()) {
                if (!e.getKey().equals(ALL)) {
                    e.getValue().addAll(all);
                }
            }
        }
    }

    /** The fault for this (lower-case) command, or null. */
    RedisProxyConfig.Fault pick(String command) {
        if (byCommand.isEmpty()) {
            return null;
        }
        List<RedisProxyConfig.Fault> faults = byCommand.getOrDefault(command, byCommand.get(ALL));
        if (faults == null) {
            return null;
        }
        long random = ThreadLocalRandom.current().nextLong(100);
        long stacked = 0;
        for (RedisProxyConfig.Fault f : faults) {
            long percent = runtime.getInteger(f.enabled().runtimeKey(), f.enabled().defaultValue().numerator());
            if (random < percent + stacked) {
                return f;
            }
            stacked += percent;
        }
        return null;
    }
}
