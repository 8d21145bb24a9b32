package io.remora.e2e.capture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Istio's capture rules read from istio-iptables' own golden output
 * ({@code ../shared/fixtures/istio/iptables-*.golden}, copied unchanged into the test
 * resources): the rules are taken as Istio wrote
 * them, never retyped. The golden format lists, per table ({@code * nat}), the chain creations
 * and rules in iptables' command syntax, closed by {@code COMMIT}; the bare
 * {@code iptables-save}/{@code ip6tables-save} lines are the commands istio-iptables ran to
 * verify and carry no rules. Only IPv4 tables appear in the fixtures.
 */
final class IstioIptables {

    /** One rule: the table and the iptables arguments after {@code -t table}. */
    record Rule(String table, List<String> args) {
        List<String> command() {
            List<String> cmd = new ArrayList<>(List.of("iptables", "-t", table));
            cmd.addAll(args);
            return cmd;
        }
    }

    /**
     * Istio's rule for {@code --includeOutboundIPRanges '*'}, the sidecar injector's default,
     * which sends every other outbound TCP connection to 15001. The fixtures come from Istio's
     * inbound-only test cases (no outbound ranges), so their ISTIO_REDIRECT chain has no jump.
     */
    static final Rule OUTBOUND_ALL = new Rule("nat", List.of("-A", "ISTIO_OUTPUT", "-j", "ISTIO_REDIRECT"));

    private IstioIptables() {
    }

    /** A golden file as copied unchanged from the fixtures into test resources ({@code istio/...}). */
    static List<Rule> golden(String name) throws IOException {
        return parse(io.remora.xds.TestResources.path("istio/" + name));
    }

    static List<Rule> parse(Path golden) throws IOException {
        List<Rule> rules = new ArrayList<>();
        String table = null;
        int n = 0;
        for (String raw : Files.readAllLines(golden)) {
            n++;
            String line = raw.trim();
            if (line.isEmpty() || line.equals("iptables-save") || line.equals("ip6tables-save")) {
                continue;
            }
            if (line.startsWith("*")) {
                table = line.substring(1).trim();
            } else if (line.equals("COMMIT")) {
                table = null;
            } else if (line.startsWith("-")) {
                if (table == null) {
                    throw new IOException(golden + ":" + n + ": rule outside a table: " + line);
                }
                rules.add(new Rule(table, List.of(line.split("\\s+"))));
            } else {
                throw new IOException(golden + ":" + n + ": unexpected line: " + line);
            }
        }
        if (table != null) {
            throw new IOException(golden + ": table " + table + " has no COMMIT");
        }
        return rules;
    }

    /** Installs the rules in order inside the namespace. */
    static void install(Netns ns, List<Rule> rules) throws IOException, InterruptedException {
        for (Rule r : rules) {
            ns.exec(r.command().toArray(String[]::new));
        }
    }

    /** {@code iptables-save} of the namespace, for failure messages. */
    static String dump(Netns ns) {
        try {
            return ns.execQuietly("iptables-save");
        } catch (Exception e) {
            return "<" + e + ">";
        }
    }

    static String describe(List<Rule> rules) {
        StringBuilder sb = new StringBuilder();
        for (Rule r : rules) {
            sb.append(r.table()).append(": ").append(String.join(" ", r.args())).append('\n');
        }
        return sb.toString();
    }

    static boolean has(List<Rule> rules, String... fragment) {
        String want = String.join(" ", Arrays.asList(fragment));
        return rules.stream().anyMatch(r -> String.join(" ", r.args()).contains(want));
    }
}
