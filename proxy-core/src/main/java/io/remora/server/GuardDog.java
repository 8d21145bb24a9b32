package io.remora.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.remora.config.WatchdogConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Envoy's guard dog ({@code source/server/guarddog_impl.cc}): each watched event loop touches its
 * dog from a timer every half loop interval; a thread of its own looks every loop interval and
 * counts {@code <name>.watchdog_miss} / {@code watchdog_mega_miss} and the loop's own
 * {@code server.<thread>.watchdog_miss} / {@code watchdog_mega_miss} once per stall. A loop stuck
 * past {@code kill_timeout}, or enough loops past {@code multikill_timeout}, abort the process
 * (Envoy panics; here the stuck threads' stacks are logged, then the JVM halts).
 */
public final class GuardDog implements AutoCloseable {
    private static final Logger LOG = io.remora.log.Logging.logger("main");
    /** Exit status of an aborted process (128 + SIGABRT), as Envoy's panic leaves it. */
    static final int ABORT_STATUS = 134;

    private final String name;
    private final WatchdogConfig config;
    private final MeterRegistry registry;
    private final Counter miss;
    private final Counter megamiss;
    private final long loopNanos;
    private final Consumer<String> abort;
    private final List<Dog> dogs = new CopyOnWriteArrayList<>();
    private Thread thread;
    private volatile boolean running = true;

    /** @param name {@code main_thread} or {@code workers}: the prefix of the guard dog's counters */
    public GuardDog(String name, WatchdogConfig config, MeterRegistry registry) {
        this(name, config, registry, GuardDog::halt);
    }

    /** @param abort what a kill does with its message (tests: record it instead of halting) */
    GuardDog(String name, WatchdogConfig config, MeterRegistry registry, Consumer<String> abort) {
        this.name = name;
        this.config = config;
        this.registry = registry;
        this.abort = abort;
        this.miss = Counter.builder("envoy_" + name + "_watchdog_miss").register(registry);
        this.megamiss = Counter.builder("envoy_" + name + "_watchdog_mega_miss").register(registry);
        this.loopNanos = Math.max(1, config.loopInterval().toNanos());
    }

    /** Watches one event loop under Envoy's thread name ({@code main_thread}, {@code worker_0}, ...). */
    public synchronized void watch(String threadName, EventLoop loop) {
        if (!running) {
            return;
        }
        Dog dog = new Dog(threadName, Counter.builder("envoy_server_" + threadName + "_watchdog_miss").register(registry),
                Counter.builder("envoy_server_" + threadName + "_watchdog_mega_miss").register(registry), System.nanoTime());
        long touchNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1), loopNanos / 2);
        dog.timer = loop.scheduleAtFixedRate(dog::touch, 0, touchNanos, TimeUnit.NANOSECONDS);
        dogs.add(dog);
        if (thread == null) {
            thread = new Thread(this::run, "remora-guarddog-" + name);
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void run() {
        while (running) {
            try {
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(loopNanos), (int) (loopNanos % 1_000_000));
            } catch (InterruptedException e) {
                return;
            }
            if (running) {
                step(System.nanoTime());
            }
        }
    }

    /** One look at every dog (Envoy's {@code GuardDogImpl::step}). */
    void step(long now) {
        List<Dog> multikill = new ArrayList<>();
        int requiredForMultikill = Math.max(2, (int) Math.ceil(config.multikillThreshold() / 100.0 * dogs.size()));
        List<Dog> missed = new ArrayList<>();
        List<Dog> megamissed = new ArrayList<>();
        for (Dog dog : dogs) {
            if (dog.touched.getAndSet(false)) {
                dog.lastCheckin = now;
                continue;
            }
            long delta = now - dog.lastCheckin;
            if (dog.lastAlert != null && dog.lastAlert < dog.lastCheckin) {
                dog.missAlerted = false;
                dog.megamissAlerted = false;
            }
            if (delta > config.missTimeout().toNanos() && !dog.missAlerted) {
                dog.missAlerted = alert(dog, miss, dog.miss, missed);
            }
            if (delta > config.megamissTimeout().toNanos() && !dog.megamissAlerted) {
                dog.megamissAlerted = alert(dog, megamiss, dog.megamiss, megamissed);
            }
            if (config.killEnabled() && delta > config.killTimeout().toNanos()) {
                kill("GuardDog: one thread (" + dog.threadName + ") stuck for more than watchdog_kill_timeout",
                        List.of(dog));
                return;
            }
            if (config.multikillEnabled() && delta > config.multikillTimeout().toNanos()) {
                multikill.add(dog);
                if (multikill.size() >= requiredForMultikill) {
                    kill("Watchdog MULTIKILL as " + multikill.size() + " threads are stuck.", multikill);
                    return;
                }
            }
        }
        if (!megamissed.isEmpty() && config.abortOn().contains(WatchdogConfig.Event.MEGAMISS)) {
            kill("GuardDog: abort_action on MEGAMISS", megamissed);
        } else if (!missed.isEmpty() && config.abortOn().contains(WatchdogConfig.Event.MISS)) {
            kill("GuardDog: abort_action on MISS", missed);
        }
    }

    /** Counts one stall of {@code dog} in the guard dog's and its own counter; always true (alerted). */
    private static boolean alert(Dog dog, Counter total, Counter own, List<Dog> alerted) {
        total.increment();
        own.increment();
        dog.lastAlert = dog.lastCheckin;
        alerted.add(dog);
        return true;
    }

    private void kill(String message, List<Dog> stuck) {
        StringBuilder sb = new StringBuilder(message);
        for (Dog dog : stuck) {
            Thread t = dog.thread;
            sb.append("\nthread ").append(dog.threadName).append(t == null ? "" : " (" + t.getName() + ")").append(':');
            if (t != null) {
                for (StackTraceElement e : t.getStackTrace()) {
                    sb.append("\n\tat ").append(e);
                }
            }
        }
        abort.accept(sb.toString());
    }

    private static void halt(String message) {
        LOG.log(Level.SEVERE, message);
        for (Logger l = LOG; l != null; l = l.getParent()) {
            for (Handler h : l.getHandlers()) {
                h.flush();
            }
        }
        System.err.flush();
        Runtime.getRuntime().halt(ABORT_STATUS);
    }

    @Override
    public synchronized void close() {
        running = false;
        for (Dog dog : dogs) {
            dog.timer.cancel(false);
        }
        dogs.clear();
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** One watched loop; the alert fields are the guard dog thread's alone. */
    private static final class Dog {
        final String threadName;
        final Counter miss;
        final Counter megamiss;
        final AtomicBoolean touched = new AtomicBoolean(true);
        volatile Thread thread;
        ScheduledFuture<?> timer;
        long lastCheckin;
        Long lastAlert;
        boolean missAlerted;
        boolean megamissAlerted;

        Dog(String threadName, Counter miss, Counter megamiss, long now) {
            this.threadName = threadName;
            this.miss = miss;
            this.megamiss = megamiss;
            this.lastCheckin = now;
        }

        void touch() {
            thread = Thread.currentThread();
            touched.set(true);
        }
    }
}
