package io.remora.e2e;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Series of one metric family read back from a proxy's {@code /stats/prometheus}, by their labels. */
public final class PrometheusSamples {

    private PrometheusSamples() {
    }


    /** The value of the series with exactly these labels (0 when absent). */
    public static double sample(ProxyProcess p, String name, Map<String, String> labels) throws Exception {
        for (Map.Entry<Map<String, String>, Double> e : series(p, name).entrySet()) {
            if (e.getKey().equals(labels)) {
                return e.getValue();
            }
        }
        return 0;
    }

    /** The sum over the series carrying at least these labels. */
    public static double sampleSubset(ProxyProcess p, String name, Map<String, String> labels) throws Exception {
        double sum = 0;
        for (Map.Entry<Map<String, String>, Double> e : series(p, name).entrySet()) {
            if (e.getKey().entrySet().containsAll(labels.entrySet())) {
                sum += e.getValue();
            }
        }
        return sum;
    }

    /** Waits (TCP series are reported when the proxy sees the close) for a series to reach a value. */
    public static void awaitSample(ProxyProcess p, String name, Map<String, String> labels, double value) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (sampleSubset(p, name, labels) < value) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + name + labels + " = " + value + " in\n" + p.admin("/stats/prometheus"));
            }
            Thread.sleep(50);
        }
        assertEquals(value, sampleSubset(p, name, labels));
    }

    public static Map<Map<String, String>, Double> series(ProxyProcess p, String name) throws Exception {
        Map<Map<String, String>, Double> out = new HashMap<>();
        for (String line : p.admin("/stats/prometheus").split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            Map<String, String> labels = new HashMap<>();
            int i = name.length();
            if (line.charAt(i) == '{') {
                i++;
                while (line.charAt(i) != '}') {
                    int eq = line.indexOf('=', i);
                    String key = line.substring(i, eq);
                    StringBuilder v = new StringBuilder();
                    int j = eq + 2;
                    for (; line.charAt(j) != '"'; j++) {
                        if (line.charAt(j) == '\\') {
                            j++;
                        }
                        v.append(line.charAt(j));
                    }
                    labels.put(key, v.toString());
                    i = j + 1;
                    if (line.charAt(i) == ',') {
                        i++;
                    }
                }
                i++;
            }
            out.put(labels, Double.parseDouble(line.substring(i).trim()));
        }
        return out;
    }
}
