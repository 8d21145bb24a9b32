package io.remora.runtime;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RuntimeLoaderTest {

    private static RuntimeLoader loader(LayeredRuntimeConfig.Layer... layers) {
        return new RuntimeLoader(new LayeredRuntimeConfig(List.of(layers)), "svc", new SimpleMeterRegistry());
    }

    @Test
    void entriesParseAsEnvoysDo() {
        RuntimeEntry five = RuntimeEntry.parse("5");
        assertEquals(5L, five.uintValue());
        assertEquals(5.0, five.doubleValue());
        assertEquals(true, five.boolValue());
        assertEquals(false, RuntimeEntry.parse("0").boolValue());
        RuntimeEntry frac = RuntimeEntry.parse("3.7");
        assertEquals(3L, frac.uintValue(), "fractions floor");
        assertNull(frac.boolValue());
        RuntimeEntry neg = RuntimeEntry.parse("-2");
        assertNull(neg.uintValue());
        assertEquals(-2.0, neg.doubleValue());
        assertEquals(true, RuntimeEntry.parse(" TRUE ").boolValue());
        assertNull(RuntimeEntry.parse("true").uintValue());
        assertNull(RuntimeEntry.parse("1d").doubleValue(), "Java's float suffixes are not numbers");
        assertNull(RuntimeEntry.parse("hello").boolValue());
        assertEquals(new FractionalPercent(5, FractionalPercent.Denominator.TEN_THOUSAND),
                RuntimeEntry.parse("{\"numerator\": 5, \"denominator\": \"TEN_THOUSAND\"}").fractionValue());
        assertEquals(new FractionalPercent(7, FractionalPercent.Denominator.MILLION),
                RuntimeEntry.parse("numerator: 7\ndenominator: MILLION").fractionValue());
    }

    @Test
    void laterLayersOverrideAndAdminLayerMerges() {
        RuntimeLoader l = loader(
                new LayeredRuntimeConfig.Static("base", Map.of("a", RuntimeEntry.parse("10"), "b", RuntimeEntry.parse("x"))),
                new LayeredRuntimeConfig.Admin("admin"));
        Runtime before = l.snapshot();
        assertEquals(10, before.getInteger("a", 1));
        assertEquals(1, before.getInteger("b", 1), "not a number: the default");
        assertEquals(1, before.getInteger("missing", 1));
        l.mergeValues(Map.of("a", "20", "c", "true"));
        Runtime after = l.snapshot();
        assertEquals(20, after.getInteger("a", 1));
        assertTrue(after.getBoolean("c", false));
        assertEquals(10, before.getInteger("a", 1), "a snapshot never changes");
        l.mergeValues(Map.of("a", ""));
        assertEquals(10, l.snapshot().getInteger("a", 1), "an empty value removes the override");
        assertEquals(List.of("base", "admin"), l.snapshot().layers().stream().map(RuntimeLayer::name).toList());
    }

    @Test
    void withoutAdminLayerModifyFails() {
        RuntimeLoader l = loader(new LayeredRuntimeConfig.Static("base", Map.of()));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> l.mergeValues(Map.of("a", "1")));
        assertEquals("No admin layer specified", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> loader(new LayeredRuntimeConfig.Admin("a"),
                new LayeredRuntimeConfig.Admin("b")));
        assertThrows(IllegalArgumentException.class, () -> loader(new LayeredRuntimeConfig.Admin("a"),
                new LayeredRuntimeConfig.Static("a", Map.of())));
    }

    @Test
    void featureEnabledFollowsEnvoy() {
        RuntimeLoader l = loader(new LayeredRuntimeConfig.Static("base", Map.of(
                "pct", RuntimeEntry.parse("30"),
                "big", RuntimeEntry.parse("150"),
                "frac", RuntimeEntry.ofFraction(new FractionalPercent(25, FractionalPercent.Denominator.TEN_THOUSAND)))));
        Runtime r = l.snapshot();
        // Integer form: random % 100 < min(value, 100).
        assertTrue(r.featureEnabled("pct", 0, 29));
        assertFalse(r.featureEnabled("pct", 100, 30));
        assertTrue(r.featureEnabled("missing", 50, 149));
        assertFalse(r.featureEnabled("missing", 50, 150));
        FractionalPercent def = new FractionalPercent(1, FractionalPercent.Denominator.MILLION);
        // FractionalPercent form: an integer value is a percentage...
        assertTrue(r.featureEnabled("pct", def, 29));
        assertFalse(r.featureEnabled("pct", def, 30));
        // ... above 100 always on; a fraction value uses its own denominator; else the default.
        assertTrue(r.featureEnabled("big", def, 99));
        assertTrue(r.featureEnabled("frac", def, 10_024));
        assertFalse(r.featureEnabled("frac", def, 10_025));
        assertTrue(r.featureEnabled("missing", def, 1_000_000));
        assertFalse(r.featureEnabled("missing", def, 1_000_001));
        assertTrue(r.featureEnabled("missing", def, 0));
    }

    @Test
    void diskLayerReadsFilesAsDottedKeys(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("current");
        Files.createDirectories(root.resolve("envoy/health_check"));
        Files.writeString(root.resolve("envoy/health_check/min_interval"), "# comment\n5\n");
        Files.writeString(root.resolve("envoy/flag"), "true  ");
        RuntimeLoader l = loader(new LayeredRuntimeConfig.Disk("disk", root.toString(), "envoy", false),
                new LayeredRuntimeConfig.Disk("missing", dir.resolve("nope").toString(), "", false));
        assertEquals(5, l.snapshot().getInteger("health_check.min_interval", 0));
        assertTrue(l.snapshot().getBoolean("flag", false));
        Files.writeString(root.resolve("envoy/flag"), "false");
        l.reload();
        assertFalse(l.snapshot().getBoolean("flag", true));
    }
}
