package io.remora.stats;

import io.micrometer.core.instrument.Tag;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Envoy's tag extraction ({@code stats_config.stats_tags}, {@code use_all_default_tags}): turns a
 * dotted stat name into a tag-extracted name plus tags. Each regex rule is searched in the whole
 * original name; its first capture group is the part removed from the name, its second (else the
 * first) the tag's value. Removed parts are cut from the original name at the end, so rules do not
 * see each other's removals. When several rules share a tag name, only the first that matches
 * applies. {@code fixed_value} rules add their tag to every stat and remove nothing.
 *
 * <p>Envoy compiles these regexes as ECMAScript ({@code std::regex}), not RE2: Istio's rules use
 * look-ahead ({@code (?=\.)}), which RE2 lacks, and POSIX classes in brackets ({@code [:digit:]}),
 * which java.util.regex lacks; those are rewritten to their ASCII ranges.
 */
public final class TagProducer {

    /** Envoy's default extractors, in Envoy's order (tag names as Envoy names them). */
    private static final String[][] DEFAULTS = {
            {"envoy.response_code", "_rq(_(\\d{3}))$"},
            {"envoy.response_code_class", "_rq_(\\d)xx$"},
            // Envoy's tokenized "$.rbac.**": the network RBAC filter's stat_prefix, the first token.
            // Tokenized extractors without a leading literal run before the others, so it is listed early.
            {"envoy.rbac_prefix", "^(([^.]*)\\.)rbac\\."},
            {"envoy.dynamo_partition_id",
                    "^http(?=\\.).*?\\.dynamodb\\.table(?=\\.).*?\\.capacity(?=\\.).*?(\\.__partition_id=(\\w{7}))$"},
            {"envoy.dynamo_operation",
                    "^http(?=\\.).*?\\.dynamodb.(?:operation|table(?=\\.).*?\\.capacity)(\\.(.*?))(?:\\.|$)"},
            {"envoy.mongo_callsite", "^mongo(?=\\.).*?\\.collection(?=\\.).*?\\.callsite\\.((.*?)\\.).*?query.\\w+?$"},
            {"envoy.dynamo_table", "^http(?=\\.).*?\\.dynamodb.(?:table|error)\\.((.*?)\\.)"},
            {"envoy.mongo_collection", "^mongo(?=\\.).*?\\.collection\\.((.*?)\\.).*?query.\\w+?$"},
            {"envoy.mongo_cmd", "^mongo(?=\\.).*?\\.cmd\\.((.*?)\\.)\\w+?$"},
            {"envoy.grpc_bridge_method", "^cluster(?=\\.).*?\\.grpc(?=\\.).*\\.((.*?)\\.)\\w+?$"},
            {"envoy.http_user_agent", "^http(?=\\.).*?\\.user_agent\\.((.*?)\\.)\\w+?$"},
            {"envoy.virtual_cluster", "^vhost(?=\\.).*?\\.vcluster\\.((.*?)\\.)\\w+?$"},
            {"envoy.fault_downstream_cluster", "^http(?=\\.).*?\\.fault\\.((.*?)\\.)\\w+?$"},
            {"envoy.ssl_cipher", "^listener(?=\\.).*?\\.ssl\\.cipher(\\.(.*?))$"},
            {"cipher_suite", "^cluster(?=\\.).*?\\.ssl\\.ciphers(\\.(.*?))$"},
            {"envoy.grpc_bridge_service", "^cluster(?=\\.).*?\\.grpc\\.((.*?)\\.)"},
            {"envoy.tcp_prefix", "^tcp\\.((.*?)\\.)\\w+?$"},
            {"envoy.udp_prefix", "^udp\\.((.*?)\\.)\\w+?$"},
            {"envoy.clientssl_prefix", "^auth\\.clientssl\\.((.*?)\\.)\\w+?$"},
            {"envoy.ratelimit_prefix", "^ratelimit\\.((.*?)\\.)\\w+?$"},
            {"envoy.cluster_name", "^cluster\\.((.*?)\\.)"},
            {"envoy.http_conn_manager_prefix", "^listener(?=\\.).*?\\.http\\.((.*?)\\.)"},
            {"envoy.http_conn_manager_prefix", "^http\\.((.*?)\\.)"},
            {"envoy.listener_address", "^listener\\.(((?:[_.[:digit:]]*|[_\\[\\]aAbBcCdDeEfF[:digit:]]*))\\.)"},
            {"envoy.virtual_host", "^vhost\\.((.*?)\\.)"},
            {"envoy.mongo_prefix", "^mongo\\.((.*?)\\.)"},
            {"envoy.rds_route_config", "^http(?=\\.).*?\\.rds\\.((.*?)\\.)\\w+?$"},
            // Envoy's tokenized "vhost.*.route.$.**": the route's stat_prefix, one token.
            {"envoy.route", "^vhost\\.[^.]+\\.route\\.(([^.]+)\\.)"},
            {"envoy.worker_id", "^listener_manager\\.((worker_\\d+)\\.)"},
            {"envoy.rbac_policy_name", "^http\\.[^.]+\\.rbac\\.(?:[^.]+\\.)?policy\\.(([^.]+)\\.)"
                    + "(?:allowed|shadow_allowed|denied|shadow_denied)$"},
            // The HTTP RBAC filter's rules_stat_prefix up to its dot; Envoy's negative matching value "policy".
            {"envoy.rbac_http_prefix", "^http\\.[^.]+\\.rbac\\.((?!policy\\.)([^.]+)\\.)"},
    };

    /** One {@code stats_tags} entry: a regex rule, or a fixed value when {@code fixedValue} is set. */
    public record Rule(String tagName, String regex, String fixedValue) {
    }

    /** A stat's tag-extracted name and its tags, in extraction order. */
    public record Extracted(String name, List<Tag> tags) {
    }

    private record Extractor(String name, Pattern regex, String fixedValue, boolean shared) {
    }

    private final List<Extractor> extractors;

    /**
     * @param useDefaults Envoy's {@code use_all_default_tags} (true when unset)
     * @param rules       {@code stats_tags}, applied after the defaults
     * @throws IllegalArgumentException naming the rule index for an empty tag name, a bad regex,
     *                                  or a rule without regex whose name has no default
     */
    public TagProducer(boolean useDefaults, List<Rule> rules) {
        List<String[]> specs = new ArrayList<>();
        List<String> fixed = new ArrayList<>();
        if (useDefaults) {
            for (String[] d : DEFAULTS) {
                specs.add(d);
                fixed.add(null);
            }
        }
        for (int i = 0; i < rules.size(); i++) {
            Rule r = rules.get(i);
            if (r.tagName() == null || r.tagName().isEmpty()) {
                throw new IllegalArgumentException("[" + i + "].tag_name: tag_name cannot be empty");
            }
            if (r.fixedValue() != null) {
                specs.add(new String[]{r.tagName(), null});
                fixed.add(r.fixedValue());
            } else if (r.regex() == null || r.regex().isEmpty()) {
                // Envoy: a named rule without a regex brings in the default extractors of that name.
                int found = 0;
                for (String[] d : DEFAULTS) {
                    if (d[0].equals(r.tagName())) {
                        specs.add(d);
                        fixed.add(null);
                        found++;
                    }
                }
                if (found == 0) {
                    throw new IllegalArgumentException("[" + i + "]: No regex specified for tag specifier and no"
                            + " default regex for name: '" + r.tagName() + "'");
                }
            } else {
                try {
                    compile(r.regex());
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException("[" + i + "].regex: invalid regex '" + r.regex() + "': "
                            + e.getDescription());
                }
                specs.add(new String[]{r.tagName(), r.regex()});
                fixed.add(null);
            }
        }
        Map<String, Integer> counts = new HashMap<>();
        for (String[] s : specs) {
            counts.merge(s[0], 1, Integer::sum);
        }
        List<Extractor> out = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            String[] s = specs.get(i);
            out.add(new Extractor(s[0], s[1] == null ? null : compile(s[1]), fixed.get(i), counts.get(s[0]) > 1));
        }
        this.extractors = List.copyOf(out);
    }

    /** The {@code fixed_value} rules' tags: Envoy's store fixedTags(), which per-endpoint stats carry too. */
    public List<Tag> fixedTags() {
        List<Tag> out = new ArrayList<>();
        for (Extractor e : extractors) {
            if (e.fixedValue() != null) {
                out.add(Tag.of(e.name(), e.fixedValue()));
            }
        }
        return out;
    }

    /** True when Envoy has a default extractor of this tag name (a rule may then omit its regex). */
    public static boolean hasDefault(String tagName) {
        for (String[] d : DEFAULTS) {
            if (d[0].equals(tagName)) {
                return true;
            }
        }
        return false;
    }

    /**
     * ECMAScript regex to java.util.regex: POSIX character classes inside brackets.
     *
     * @throws PatternSyntaxException when the regex is invalid
     */
    public static Pattern compile(String ecma) {
        String j = ecma.replace("[:digit:]", "0-9").replace("[:alpha:]", "a-zA-Z")
                .replace("[:alnum:]", "a-zA-Z0-9").replace("[:upper:]", "A-Z").replace("[:lower:]", "a-z")
                .replace("[:xdigit:]", "0-9a-fA-F").replace("[:space:]", " \\t\\n\\r\\f\\x0B")
                .replace("[:punct:]", "\\p{Punct}").replace("[:word:]", "\\w");
        return Pattern.compile(j);
    }

    /** The tag-extracted name and tags of a dotted stat name. */
    public Extracted produce(String name) {
        List<Tag> tags = new ArrayList<>(4);
        boolean[] removed = null;
        Set<String> done = null;
        for (Extractor e : extractors) {
            if (e.shared() && done != null && done.contains(e.name())) {
                continue;
            }
            boolean matched;
            if (e.fixedValue() != null) {
                tags.add(Tag.of(e.name(), e.fixedValue()));
                matched = true;
            } else {
                Matcher m = e.regex().matcher(name);
                matched = m.find() && m.groupCount() >= 1 && m.start(1) >= 0;
                if (matched) {
                    int valueGroup = m.groupCount() >= 2 && m.start(2) >= 0 ? 2 : 1;
                    tags.add(Tag.of(e.name(), m.group(valueGroup)));
                    if (removed == null) {
                        removed = new boolean[name.length()];
                    }
                    for (int i = m.start(1); i < m.end(1); i++) {
                        removed[i] = true;
                    }
                }
            }
            if (matched && e.shared()) {
                if (done == null) {
                    done = new HashSet<>();
                }
                done.add(e.name());
            }
        }
        if (removed == null) {
            return new Extracted(name, tags);
        }
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            if (!removed[i]) {
                sb.append(name.charAt(i));
            }
        }
        return new Extracted(sb.toString(), tags);
    }
}
