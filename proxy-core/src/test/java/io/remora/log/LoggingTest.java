package io.remora.log;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoggingTest {

    @AfterEach
    void reset() {
        Logging.uninstall();
    }

    private static LogRecord record(Level level, String logger, String msg) {
        LogRecord r = new LogRecord(level, msg);
        r.setLoggerName(logger);
        r.setInstant(Instant.parse("2026-11-25T19:44:23.123456789Z"));
        r.setLongThreadID(12);
        return r;
    }

    @Test
    void envoyDefaultFormat() {
        EnvoyLogFormatter f = new EnvoyLogFormatter(Logging.DEFAULT_FORMAT, ZoneOffset.UTC);
        assertEquals("[2026-11-25 19:44:23.123][12][info][main] message\n",
                f.format(record(Level.INFO, "remora.main", "message")));
        assertEquals("[2026-11-25 19:44:23.123][12][warning][upstream] x\n",
                f.format(record(Level.WARNING, "remora.upstream", "x")));
        assertEquals("[2026-11-25 19:44:23.123][12][critical][main] boom\n",
                f.format(record(Logging.CRITICAL, "remora.main", "boom")));
        assertEquals("[2026-11-25 19:44:23.123][12][debug][http] d\n",
                f.format(record(Level.FINE, "remora.http", "d")));
    }

    @Test
    void customFormat() {
        EnvoyLogFormatter f = new EnvoyLogFormatter("%L %D %H:%M:%S.%f %n: %j %% %_ %Q", ZoneOffset.UTC);
        assertEquals("E 11/25/26 19:44:23.123456 router: a\\\"b\\nc % a\"b\\nc %Q\n",
                f.format(record(Level.SEVERE, "remora.router", "a\"b\nc")));
    }

    @Test
    void levelsFromCommandLineAndComponents() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Logging.install("warning", "upstream:debug,connection:trace", null, out);
        assertEquals("warning", Logging.levels().get("main"));
        assertEquals("debug", Logging.levels().get("upstream"));
        assertEquals("trace", Logging.levels().get("connection"));
        Logging.logger("main").info("hidden");
        Logging.logger("main").warning("shown");
        Logging.logger("upstream").fine("upstream debug");
        // only this test's components: other threads of the test JVM may log through the same root handler
        StringBuilder mine = new StringBuilder();
        for (String l : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (l.contains("][main] ") || l.contains("][upstream] ")) {
                mine.append(l).append('\n');
            }
        }
        String text = mine.toString();
        assertTrue(text.matches("(?s)\\[\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}]\\[\\d+]\\[warning]\\[main] shown\n"
                + "\\[[^]]+]\\[\\d+]\\[debug]\\[upstream] upstream debug\n"), text);
        Logging.setAll(Logging.parseLevel("error"));
        assertEquals("error", Logging.levels().get("upstream"));
        assertThrows(IllegalArgumentException.class, () -> Logging.parseLevel("loud"));
        assertThrows(IllegalArgumentException.class, () -> Logging.parseComponentLevels("upstream"));
    }

    @Test
    void istioSourceFormatNamesTheLoggingClassAndLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // pilot-agent's --log-format
        Logging.install("info", null, "%Y-%m-%dT%T.%fZ\t%l\tenvoy %n %g:%#\t%v\tthread=%t|%s %!", out);
        int line = new Throwable().getStackTrace()[0].getLineNumber() + 1;
        Logging.logger("main").info("sourced");
        String mine = "";
        for (String l : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (l.contains("sourced")) {
                mine = l;
            }
        }
        assertTrue(mine.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z\tinfo\tenvoy main "
                + "io/remora/log/LoggingTest\\.java:" + line + "\tsourced\tthread=\\d+\\|LoggingTest\\.java "
                + "istioSourceFormatNamesTheLoggingClassAndLine"), mine);
        Logging.install("info", null, null, new ByteArrayOutputStream());
    }
}
