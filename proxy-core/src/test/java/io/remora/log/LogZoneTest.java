package io.remora.log;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogZoneTest {

    @Test
    void agreesWithTheJvmOnThisMachine() {
        ZoneId zone = LogZone.local();
        for (Instant t : new Instant[]{Instant.now(), Instant.parse("2026-07-01T12:00:00Z"),
                Instant.parse("2026-01-15T12:00:00Z")}) {
            assertEquals(ZoneId.systemDefault().getRules().getOffset(t), zone.getRules().getOffset(t), t.toString());
        }
        if (zone == ZoneOffset.UTC) {
            assertEquals(0, java.util.TimeZone.getDefault().getRawOffset());
            assertFalse(java.util.TimeZone.getDefault().useDaylightTime());
        }
    }

    @Test
    void thePropertyThenTzThenEveryPlatformFile() {
        assertTrue(LogZone.isUtc("UTC", "Europe/Paris", "Europe/Paris", "/usr/share/zoneinfo/Europe/Paris"));
        assertFalse(LogZone.isUtc("Europe/Paris", "UTC", "Etc/UTC\n", "/usr/share/zoneinfo/Etc/UTC"));
        assertTrue(LogZone.isUtc(null, ":Etc/UTC", "Europe/Paris", "/usr/share/zoneinfo/Europe/Paris"));
        assertTrue(LogZone.isUtc("", "posix/UTC", null, null));
        assertFalse(LogZone.isUtc(null, "CET-1CEST", "Etc/UTC", "/usr/share/zoneinfo/Etc/UTC"));
        assertFalse(LogZone.isUtc(null, "right/UTC", null, null), "leap-second zones are left to the JVM");
        assertTrue(LogZone.isUtc(null, "", "Etc/UTC\n", "/usr/share/zoneinfo/Etc/UTC"));
        assertTrue(LogZone.isUtc(null, null, null, "../usr/share/zoneinfo/UTC"));
        assertTrue(LogZone.isUtc(null, null, "UTC\n", null));
        assertFalse(LogZone.isUtc(null, null, "Etc/UTC\n", "/usr/share/zoneinfo/America/New_York"),
                "files that disagree: the JVM decides");
        assertFalse(LogZone.isUtc(null, null, "Etc/UTC\n", ""), "a copied /etc/localtime: only its contents tell");
        assertFalse(LogZone.isUtc(null, null, null, null), "nothing to go by");
        assertFalse(LogZone.isUtc(null, null, "Asia/Tokyo", null));
    }
}
