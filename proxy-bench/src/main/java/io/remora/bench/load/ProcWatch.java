package io.remora.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a process's CPU time and resident memory from /proc, so that a load tool can bracket
 * exactly its measured phase. CPU is utime+stime in clock ticks; memory in kB.
 */
final class ProcWatch {
    private final List<Integer> pids;

    ProcWatch(List<Integer> pids) {
        this.pids = pids;
    }

    /** Sum of utime+stime (fields 14 and 15 of /proc/PID/stat) over the watched processes. */
    long cpuTicks() {
        long sum = 0;
        for (int pid : pids) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                // The command name may hold spaces: fields count from after its closing ')'.
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (IOException | RuntimeException e) {
                // a vanished process contributes nothing
            }
        }
        return sum;
    }

    /** Resets VmHWM to the current RSS ("5" into clear_refs); false where the kernel refuses. */
    boolean resetPeak() {
        boolean ok = true;
        for (int pid : pids) {
            try {
                Files.writeString(Path.of("/proc/" + pid + "/clear_refs"), "5");
            } catch (IOException | RuntimeException e) {
                ok = false;
            }
        }
        return ok;
    }

    /** Sum of a /proc/PID/status field in kB (VmHWM, VmRSS). */
    long statusKb(String field) {
        long sum = 0;
        for (int pid : pids) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                    if (line.startsWith(field + ":")) {
                        sum += Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // ignore
            }
        }
        return sum;
    }
}
