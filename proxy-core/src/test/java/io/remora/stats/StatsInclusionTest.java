package io.remora.stats;

import io.remora.config.StringMatcher;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatsInclusionTest {

    @Test
    void acceptsAllIsEqualityWithAll() {
        List<StatsInclusion> cases = List.of(StatsInclusion.ALL, new StatsInclusion(false, null, null),
                new StatsInclusion(true, null, null),
                new StatsInclusion(false, List.of(new StringMatcher.Prefix("cluster.", false)), null),
                new StatsInclusion(false, null, List.of(new StringMatcher.Exact("server.uptime", false))),
                new StatsInclusion(false, List.of(), null));
        for (StatsInclusion i : cases) {
            assertEquals(i.equals(StatsInclusion.ALL), i.acceptsAll(), i.toString());
        }
        assertTrue(new StatsInclusion(false, null, null).acceptsAll());
        assertFalse(new StatsInclusion(true, null, null).acceptsAll());
    }
}
