package io.remora.overload;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * envoy.resource_monitors.cpu_utilization over fake /proc/stat and cgroup files: the utilization between two
 * readings, cgroup v2's usage against the cores cpu.max and the cpuset allow, cgroup v1's shares, Envoy's
 * EWMA smoothing, and unreadable files failing the update.
 */
class CpuUtilizationMonitorTest {

    private static void procStat(Path p, long user, long nice, long system, long idle) throws Exception {
        Files.writeString(p, "cpu  " + user + " " + nice + " " + system + " " + idle + " 7 0 3 0 0 0\n"
                + "cpu0 1 2 3 4 5 6 7 8 9 10\nintr 12345\n");
    }

    @Test
    void hostModeIsBusyOverBusyPlusIdleBetweenReadings() throws Exception {
        Path stat = TempPaths.file("proc-stat", "");
        procStat(stat, 100, 0, 100, 800);
        CpuStatsReaders.Reader r = CpuStatsReaders.host(stat);
        assertEquals(0, r.utilization(), "the first reading is the baseline");
        procStat(stat, 160, 10, 130, 900); // +100 busy, +100 idle
        assertEquals(0.5, r.utilization(), 1e-9);
        procStat(stat, 160, 10, 130, 1000); // idle only
        assertEquals(0, r.utilization(), 1e-9);
    }

    @Test
    void hostModeRefusesAnotherFirstLineAndCountersGoingBack() throws Exception {
        Path stat = TempPaths.file("proc-stat", "");
        Files.writeString(stat, "cpu0 1 2 3 4\n");
        assertThrows(IllegalStateException.class, () -> CpuStatsReaders.host(stat).utilization());
        procStat(stat, 100, 0, 100, 800);
        CpuStatsReaders.Reader r = CpuStatsReaders.host(stat);
        r.utilization();
        procStat(stat, 50, 0, 100, 800);
        assertThrows(IllegalStateException.class, r::utilization, "work over the period went negative");
    }

    @Test
    void cgroupV2IsUsageOverWallTimeTimesEffectiveCores() throws Exception {
        Path root = TempPaths.directory("cgroup2");
        Files.writeString(root.resolve("cpu.stat"), "usage_usec 1000000\nuser_usec 600000\nsystem_usec 400000\n");
        Files.writeString(root.resolve("cpu.max"), "200000 100000\n"); // a quota of 2 cores
        Files.writeString(root.resolve("cpuset.cpus.effective"), "0-3\n"); // of 4 CPUs
        AtomicLong now = new AtomicLong(5_000_000_000L);
        CpuStatsReaders.Reader r = CpuStatsReaders.container(root, now::get);
        assertEquals(0, r.utilization());
        Files.writeString(root.resolve("cpu.stat"), "usage_usec 2000000\n"); // 1 CPU second
        now.addAndGet(1_000_000_000L); // in 1 s, of the 2 cores allowed
        assertEquals(0.5, r.utilization(), 1e-9);

        Files.writeString(root.resolve("cpu.max"), "max 100000\n"); // no quota: the cpuset's 0,2 and 5-6
        Files.writeString(root.resolve("cpuset.cpus.effective"), "0,2,5-6\n");
        Files.writeString(root.resolve("cpu.stat"), "usage_usec 4000000\n");
        now.addAndGet(1_000_000_000L);
        assertEquals(0.5, r.utilization(), 1e-9, "2 CPU seconds of 4 cores in 1 s");
        Files.writeString(root.resolve("cpu.stat"), "usage_usec 9000000\n");
        now.addAndGet(1_000_000_000L);
        assertEquals(1.0, r.utilization(), 1e-9, "clamped to 1");
    }

    @Test
    void cgroupV1ScalesUsageByShares() throws Exception {
        Path root = TempPaths.directory("cgroup1");
        Files.createDirectories(root.resolve("cpu"));
        Files.createDirectories(root.resolve("cpuacct"));
        Files.writeString(root.resolve("cpu/cpu.shares"), "2000\n"); // 2000 millicores
        Files.writeString(root.resolve("cpuacct/cpuacct.usage"), "0\n");
        AtomicLong now = new AtomicLong(1_000_000_000L);
        CpuStatsReaders.Reader r = CpuStatsReaders.container(root, now::get);
        r.utilization();
        Files.writeString(root.resolve("cpuacct/cpuacct.usage"), "1000000000\n"); // 1 CPU second
        now.addAndGet(1_000_000_000L);
        assertEquals(0.5, r.utilization(), 1e-9);
    }

    @Test
    void containerModeWithoutCgroupFilesIsRefused() throws Exception {
        Path root = TempPaths.directory("no-cgroup");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CpuStatsReaders.container(root, System::nanoTime));
        assertTrue(e.getMessage().contains("No supported cgroup CPU implementation found"), e.getMessage());
    }

    @Test
    void pressureIsEnvoysEwmaOfTheReadings() throws Exception {
        Path stat = TempPaths.file("proc-stat", "");
        procStat(stat, 0, 0, 0, 0);
        long[] busy = {0};
        ResourceMonitor.CpuUtilization m = new ResourceMonitor.CpuUtilization("cpu", CpuStatsReaders.host(stat));
        double expected = 0;
        for (int i = 1; i <= 20; i++) {
            busy[0] += 100; // fully busy from now on
            procStat(stat, busy[0], 0, 0, 0);
            expected = 0.05 + 0.95 * expected;
            assertEquals(expected, m.pressure(), 1e-9);
        }
        assertEquals(1 - Math.pow(0.95, 20), expected, 1e-9, "20 busy refreshes move the pressure only to 0.64");
        Files.delete(stat);
        assertThrows(IllegalStateException.class, m::pressure, "an unreadable file fails the update");
    }
}
