package io.remora.e2e.capture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Linux network namespace made by a test ({@code ip netns add}), with the commands run and
 * processes started inside it. Closing it stops those processes and deletes the namespace,
 * which takes its interfaces, addresses, routes, policy rules and iptables rules with it.
 */
public final class Netns implements AutoCloseable {
    /** Every namespace a test makes starts with this, so a crashed run's leftovers can be found. */
    public static final String PREFIX = "rmr-";

    public final String name;
    private final List<Process> processes = new ArrayList<>();

    private Netns(String name) {
        this.name = name;
    }

    public static Netns create(String name) throws IOException, InterruptedException {
        String full = PREFIX + name;
        run(List.of("ip", "netns", "del", full), true); // a leftover of a killed run
        run(List.of("ip", "netns", "add", full), false);
        Netns ns = new Netns(full);
        ns.exec("ip", "link", "set", "lo", "up");
        return ns;
    }

    /** The command prefix that runs what follows inside this namespace. */
    public List<String> prefix() {
        return List.of("ip", "netns", "exec", name);
    }

    /** Runs a command inside; fails with its output when it exits non-zero. Returns stdout+stderr. */
    public String exec(String... cmd) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(prefix());
        full.addAll(List.of(cmd));
        return run(full, false);
    }

    /** Runs a command inside and returns its output whatever its exit code. */
    public String execQuietly(String... cmd) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(prefix());
        full.addAll(List.of(cmd));
        return run(full, true);
    }

    /** Starts a process inside (stdout and stderr merged); it is stopped when the namespace closes. */
    public Process spawn(List<String> cmd) throws IOException {
        List<String> full = new ArrayList<>(prefix());
        full.addAll(cmd);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        synchronized (processes) {
            processes.add(p);
        }
        return p;
    }

    public static String run(List<String> cmd, boolean ignoreFailure) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", cmd));
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0 && !ignoreFailure) {
            throw new IOException("'" + String.join(" ", cmd) + "' exited " + p.exitValue() + ": " + text.trim());
        }
        return text;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        List<Process> ps;
        synchronized (processes) {
            ps = new ArrayList<>(processes);
            processes.clear();
        }
        for (Process p : ps) {
            p.destroy();
        }
        for (Process p : ps) {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        run(List.of("ip", "netns", "del", name), true);
    }
}
