package io.remora.overload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * Envoy's CPU stats readers for {@code envoy.resource_monitors.cpu_utilization}: each reading
 * answers the utilization in [0, 1] since the previous one (0 for the first, which only sets the
 * baseline). A file that cannot be read or parsed throws, and the overload manager counts a
 * failed update.
 */
final class CpuStatsReaders {

    /** One source of CPU times. */
    interface Reader {
        double utilization();
    }

    private CpuStatsReaders() {
    }

    /** HOST mode: the first line of /proc/stat, busy (user + nice + system) over busy + idle. */
    static Reader host(Path procStat) {
        return new Delta() {
            @Override
            double[] times() {
                String s = read(procStat);
                // only the aggregate line, "cpu" and two spaces, as Envoy insists
                if (!s.startsWith("cpu  ")) {
                    throw new IllegalStateException("Unexpected format in linux cpu stats file " + procStat);
                }
                String[] f = s.substring(5, s.indexOf('\n') < 0 ? s.length() : s.indexOf('\n')).trim().split("\\s+");
                if (f.length < 4) {
                    throw new IllegalStateException("Unexpected format in linux cpu stats file " + procStat);
                }
                double work = parse(f[0], procStat) + parse(f[1], procStat) + parse(f[2], procStat);
                return new double[] {work, work + parse(f[3], procStat)};
            }

            @Override
            double utilization(double work, double total) {
                return work / total;
            }
        };
    }

    /**
     * CONTAINER mode: cgroup v2 when {@code cpu.stat}, {@code cpu.max} and
     * {@code cpuset.cpus.effective} exist under {@code cgroupRoot}, else cgroup v1 under
     * {@code cgroupRoot/cpu} and {@code cgroupRoot/cpuacct}, as Envoy picks them.
     *
     * @throws IllegalArgumentException when neither is there (Envoy refuses to start)
     */
    static Reader container(Path cgroupRoot, LongSupplier nanoTime) {
        Path stat = cgroupRoot.resolve("cpu.stat");
        Path max = cgroupRoot.resolve("cpu.max");
        Path effective = cgroupRoot.resolve("cpuset.cpus.effective");
        if (Files.exists(stat) && Files.exists(max) && Files.exists(effective)) {
            return cgroupV2(stat, max, effective, nanoTime);
        }
        Path shares = cgroupRoot.resolve("cpu").resolve("cpu.shares");
        Path usage = cgroupRoot.resolve("cpuacct").resolve("cpuacct.usage");
        if (Files.exists(shares) && Files.exists(usage)) {
            return cgroupV1(shares, usage, nanoTime);
        }
        throw new IllegalArgumentException("No supported cgroup CPU implementation found under " + cgroupRoot);
    }

    /** usage_usec of cpu.stat over wall time times the cores the cgroup may use (cpu.max, cpuset). */
    static Reader cgroupV2(Path stat, Path max, Path effective, LongSupplier nanoTime) {
        return new Delta() {
            private double cores;

            @Override
            double[] times() {
                double usageUsec = -1;
                for (String line : read(stat).split("\n")) {
                    if (line.startsWith("usage_usec ")) {
                        usageUsec = parse(line.substring(line.lastIndexOf(' ') + 1), stat);
                        break;
                    }
                }
                if (usageUsec < 0) {
                    throw new IllegalStateException("Missing usage_usec in cpu.stat file " + stat);
                }
                cores = effectiveCores(read(max), effectiveCpus(read(effective), effective), max);
                return new double[] {usageUsec, nanoTime.getAsLong()};
            }

            @Override
            double utilization(double workUsec, double elapsedNanos) {
                return Math.min(1, Math.max(0, (workUsec / 1e6) / (elapsedNanos / 1e9 * cores)));
            }
        };
    }

    /** cpuacct.usage (ns) scaled by the millicores of cpu.shares, over wall time. */
    static Reader cgroupV1(Path shares, Path usage, LongSupplier nanoTime) {
        return new Delta() {
            @Override
            double[] times() {
                double allocated = parse(read(shares).trim(), shares);
                if (allocated <= 0) {
                    throw new IllegalStateException("Invalid CPU shares value: " + allocated);
                }
                return new double[] {parse(read(usage).trim(), usage) * 1000 / allocated, nanoTime.getAsLong()};
            }

            @Override
            double utilization(double work, double total) {
                return work / total;
            }
        };
    }

    /** cpuset.cpus.effective: "0", "0-3", "0,2,4", "0-2,4"... counted. */
    static int effectiveCpus(String text, Path file) {
        int n = 0;
        for (String part : text.trim().split(",")) {
            int dash = part.indexOf('-');
            try {
                if (dash < 0) {
                    if (Integer.parseInt(part.trim()) < 0) {
                        throw new NumberFormatException(part);
                    }
                    n++;
                } else {
                    int from = Integer.parseInt(part.substring(0, dash).trim());
                    int to = Integer.parseInt(part.substring(dash + 1).trim());
                    if (from < 0 || to < from) {
                        throw new NumberFormatException(part);
                    }
                    n += to - from + 1;
                }
            } catch (NumberFormatException e) {
                throw new IllegalStateException("Unexpected format in " + file + ": " + text.trim());
            }
        }
        return n;
    }

    /** cpu.max: "max <period>" is every effective CPU; "<quota> <period>" caps them at quota/period. */
    static double effectiveCores(String text, int cpus, Path file) {
        String[] f = text.trim().split("\\s+");
        if (f.length < 2) {
            throw new IllegalStateException("Unexpected format in " + file + ": " + text.trim());
        }
        if (f[0].equals("max")) {
            return cpus;
        }
        double quota = parse(f[0], file);
        double period = parse(f[1], file);
        if (period <= 0) {
            throw new IllegalStateException("Invalid period value in " + file + ": " + f[1]);
        }
        return Math.min(cpus, quota / period);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    private static double parse(String s, Path file) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("Unexpected format in " + file + ": " + s);
        }
    }

    /** Work and total times read twice: the utilization is over their changes. */
    private abstract static class Delta implements Reader {
        private double[] previous;

        abstract double[] times();

        abstract double utilization(double work, double total);

        @Override
        public double utilization() {
            double[] now = times();
            if (previous == null) {
                previous = now;
                return 0;
            }
            double work = now[0] - previous[0];
            double total = now[1] - previous[1];
            if (work < 0 || total <= 0) {
                throw new IllegalStateException("Erroneous CPU stats calculation: work over period " + work
                        + " must not be negative and total over period " + total + " must be positive");
            }
            previous = now;
            return utilization(work, total);
        }
    }
}
