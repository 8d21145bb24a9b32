package io.remora.extensions.filters.network.redis_proxy;

import io.remora.redis.RedisCommands;
import io.remora.runtime.Runtime;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * {@code prefix_routes} (Envoy's {@code PrefixRoutes}): the longest prefix of the key wins,
 * compared in lower case with case_insensitive, else the catch-all route; none: no upstream.
 */
final class PrefixRouter {
    private final List<Target> byLength;
    private final Target catchAll;
    private final boolean caseInsensitive;

    /** One route's upstreams, prefix and key rewriting. */
    static final class Target {
        private final byte[] prefix;
        private final boolean removePrefix;
        private final String keyFormatter;
        private final RedisUpstream upstream;
        private final RedisUpstream readUpstream;
        final List<MirrorTarget> mirrors;

        Target(RedisProxyConfig.Route r, Function<String, RedisUpstream> upstreams, Runtime runtime,
               boolean caseInsensitive) {
            String p = caseInsensitive ? lower(r.prefix()) : r.prefix();
            prefix = p.getBytes(StandardCharsets.UTF_8);
            removePrefix = r.removePrefix();
            keyFormatter = r.keyFormatter();
            upstream = upstreams.apply(r.cluster());
            readUpstream = r.readCluster() == null ? null : upstreams.apply(r.readCluster());
            List<MirrorTarget> m = new ArrayList<>();
            for (RedisProxyConfig.Mirror mirror : r.mirrors()) {
                m.add(new MirrorTarget(mirror, upstreams.apply(mirror.cluster()), runtime));
            }
            mirrors = List.copyOf(m);
        }

        /** The upstream for this (lower-case) command: read_command_policy's for reads. */
        RedisUpstream upstream(String command) {
            return readUpstream != null && RedisCommands.isRead(command) ? readUpstream : upstream;
        }

        /** The key sent upstream: without the prefix with remove_prefix, then formatted. */
        byte[] rewrite(byte[] key) {
            byte[] k = removePrefix && prefix.length > 0
                    ? java.util.Arrays.copyOfRange(key, Math.min(prefix.length, key.length), key.length) : key;
            return keyFormatter.isEmpty() ? k : KeyFormat.apply(keyFormatter, k);
        }

        private boolean matches(byte[] key, boolean caseInsensitive) {
            if (key.length < prefix.length) {
                return false;
            }
            for (int i = 0; i < prefix.length; i++) {
                byte b = key[i];
                if (caseInsensitive && b >= 'A' && b <= 'Z') {
                    b = (byte) (b + ('a' - 'A'));
                }
                if (b != prefix[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    /** {@code request_mirror_policy}: a copy of matching requests to another cluster, reply dropped. */
    static final class MirrorTarget {
        final RedisUpstream upstream;
        private final RedisProxyConfig.Mirror config;
        private final Runtime runtime;

        MirrorTarget(RedisProxyConfig.Mirror config, RedisUpstream upstream, Runtime runtime) {
            this.config = config;
            this.upstream = upstream;
            this.runtime = runtime;
        }

        boolean shouldMirror(String command) {
            if (config.excludeReadCommands() && RedisCommands.isRead(command)) {
                return false;
            }
            return config.fraction() == null || config.fraction().enabled(runtime);
        }
    }

    PrefixRouter(RedisProxyConfig.Routes routes, Function<String, RedisUpstream> upstreams, Runtime runtime) {
        caseInsensitive = routes.caseInsensitive();
        List<Target> targets = new ArrayList<>();
        for (RedisProxyConfig.Route r : routes.routes()) {
            targets.add(new Target(r, upstreams, runtime, caseInsensitive));
        }
        targets.sort(Comparator.comparingInt((Target t) -> t.prefix.length).reversed());
        byLength = List.copyOf(targets);
        catchAll = routes.catchAll() == null ? null : new Target(routes.catchAll(), upstreams, runtime, false);
    }

    /** The route for this key, or null. */
    Target route(byte[] key) {
        for (Target t : byLength) {
            if (t.matches(key, caseInsensitive)) {
                return t;
            }
        }
        return catchAll;
    }

    private static String lower(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
        }
        return sb.toString();
    }
}
