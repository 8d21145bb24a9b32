package io.remora.e2e;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What the Lua filter's end-to-end tests set up alike: the filter's YAML around a script, an
 * upstream that answers with the request it got (one {@code name=value} line per header), the
 * virtual host's Lua metadata, and the filter's error counter.
 */
final class LuaSetup {

    private LuaSetup() {
    }

    /** An {@code envoy.filters.http.lua} entry of http_filters running {@code script}; no stat_prefix when null. */
    static String filter(String name, String statPrefix, String script) {
        return filter(name, statPrefix, script, "");
    }

    /** As {@link #filter(String, String, String)}, with {@code more} fields of the Lua config (e.g. source_codes). */
    static String filter(String name, String statPrefix, String script, String more) {
        StringBuilder y = new StringBuilder("""
                - name: %s
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
                """.formatted(name));
        if (statPrefix != null) {
            y.append("    stat_prefix: ").append(statPrefix).append('\n');
        }
        y.append("    default_source_code:\n      inline_string: |\n").append(Bootstraps.indent(script, 8)).append('\n');
        if (!more.isBlank()) {
            y.append(Bootstraps.indent(more, 4)).append('\n');
        }
        return y.toString();
    }

    /** Answers 200 with the request's headers, one {@code name=value} line each, then {@code body=} and its body. */
    static TestUpstream.Responder echo(Map<String, String> responseHeaders) {
        return (ctx, req, n) -> {
            StringBuilder seen = new StringBuilder();
            req.headers().forEach(e -> seen.append(e.getKey().toLowerCase(Locale.ROOT)).append('=')
                    .append(e.getValue()).append('\n'));
            seen.append("body=").append(req.content().toString(StandardCharsets.UTF_8)).append('\n');
            TestUpstream.send(ctx, req, 200, seen.toString(), responseHeaders);
        };
    }

    /** The {@code name=value} lines of a text (an {@link #echo} answer, a script's report), by name. */
    static Map<String, String> lines(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                out.putIfAbsent(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return out;
    }

    /** {@code yaml} with {@code luaMetadata} as the virtual host's filter_metadata under envoy.filters.http.lua. */
    static String withVirtualHostMetadata(String yaml, String luaMetadata) {
        return yaml.replaceFirst("( +)domains: \\[\"\\*\"\\]\n",
                "$1domains: [\"*\"]\n$1metadata: { filter_metadata: { envoy.filters.http.lua: { "
                        + luaMetadata + " } } }\n");
    }

    /** The filter's {@code http.<hcm>.lua.[<stat_prefix>.]errors} counter. */
    static long errors(ProxyProcess proxy, String counter) throws Exception {
        String stats = proxy.admin("/stats?filter=lua");
        for (String line : stats.split("\n")) {
            if (line.startsWith(counter + ": ")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 2).trim());
            }
        }
        throw new AssertionError("no " + counter + " in:\n" + stats);
    }
}
