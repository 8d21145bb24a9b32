package io.remora.server;

import java.time.Duration;

/**
 * What a drain ended with: how long it took, and what was still open at the deadline and
 * therefore cut (zero when everything finished in time).
 */
public record DrainReport(Duration elapsed, boolean deadlineReached, long connectionsCut, long requestsCut) {
}
