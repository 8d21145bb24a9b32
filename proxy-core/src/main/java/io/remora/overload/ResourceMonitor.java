package io.remora.overload;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;
import java.util.function.LongSupplier;

/** A sampled resource: its pressure, used over capacity, in [0, 1] (may exceed 1). */
abstract class ResourceMonitor {

    final String name;

    ResourceMonitor(String name) {
        this.name = name;
    }

    abstract double pressure();

    /**
     * {@code envoy.resource_monitors.fixed_heap} for a JVM: the heap's data outside the young
     * generation's eden (where garbage is made and dies) against the maximum. Tenured garbage
     * counts until a full collection; when the reading is high and no full collection has run
     * recently, one is requested so the pressure reflects live data, not garbage.
     */
    static final class Heap extends ResourceMonitor {
        private static final long CONFIRM_INTERVAL_NANOS = 5_000_000_000L;
        private final long max;
        private final List<MemoryPoolMXBean> pools;
        private long lastConfirmNanos = System.nanoTime() - CONFIRM_INTERVAL_NANOS;

        Heap(String name, long maxHeapBytes) {
            super(name);
            this.max = maxHeapBytes > 0 ? maxHeapBytes : Runtime.getRuntime().maxMemory();
            this.pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getType() == MemoryType.HEAP && !p.getName().contains("Eden")).toList();
        }

        @Override
        double pressure() {
            double p = (double) retained() / max;
            long now = System.nanoTime();
            if (p >= 0.8 && now - lastConfirmNanos >= CONFIRM_INTERVAL_NANOS) {
                lastConfirmNanos = now;
                System.gc();
                p = (double) retained() / max;
            }
            return p;
        }

        private long retained() {
            if (pools.isEmpty()) {
                Runtime rt = Runtime.getRuntime();
                return rt.totalMemory() - rt.freeMemory();
            }
            long used = 0;
            for (MemoryPoolMXBean p : pools) {
                used += p.getUsage().getUsed();
            }
            return used;
        }
    }

    /** Direct buffers (Netty's pooled arenas and the JDK's) against the direct memory limit. */
    static final class DirectMemory extends ResourceMonitor {
        private final long max;
        private final BufferPoolMXBean direct;

        DirectMemory(String name, long maxBytes) {
            super(name);
            this.max = maxBytes > 0 ? maxBytes : PlatformDependent.maxDirectMemory();
            this.direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                    .filter(b -> "direct".equals(b.getName())).findFirst().orElse(null);
        }

        @Override
        double pressure() {
            long used = Math.max(0, PlatformDependent.usedDirectMemory());
            if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider m) {
                used = Math.max(used, m.metric().usedDirectMemory());
            }
            if (direct != null) {
                used = Math.max(used, direct.getMemoryUsed());
            }
            return (double) used / max;
        }
    }

    /** Envoy's injected resource: a number in [0, 1] read from a file at every refresh. */
    static final class Injected extends ResourceMonitor {
        private final java.nio.file.Path file;

        Injected(String name, String filename) {
            super(name);
            this.file = java.nio.file.Path.of(filename);
        }

        @Override
        double pressure() {
            try {
                double p = Double.parseDouble(java.nio.file.Files.readString(file).trim());
                if (!(p >= 0 && p <= 1)) {
                    throw new IllegalStateException("pressure out of [0, 1] in " + file);
                }
                return p;
            } catch (java.io.IOException | NumberFormatException e) {
                throw new IllegalStateException("cannot read pressure from " + file + ": " + e, e);
            }
        }
    }

    /** A counted resource (downstream connections): its count against its maximum. */
    static final class Counted extends ResourceMonitor {
        private final LongSupplier count;
        private final long max;

        Counted(String name, LongSupplier count, long max) {
            super(name);
            this.count = count;
            this.max = max;
        }

        @Override
        double pressure() {
            return max <= 0 ? 0 : (double) count.getAsLong() / max;
        }
    }

    /**
     * {@code envoy.resource_monitors.cpu_utilization}: the reader's utilization smoothed as Envoy
     * smooths it, an exponentially weighted average with a small alpha (0.05) so that short spikes
     * and dips barely move the pressure. The first reading only sets the baseline.
     */
    static final class CpuUtilization extends ResourceMonitor {
        static final double DAMPENING_ALPHA = 0.05;
        private final CpuStatsReaders.Reader reader;
        private double utilization;

        CpuUtilization(String name, CpuStatsReaders.Reader reader) {
            super(name);
            this.reader = reader;
            try {
                reader.utilization();
            } catch (IllegalStateException e) {
                // as Envoy, a failing first reading is no reason not to start: updates count it
            }
        }

        @Override
        double pressure() {
            utilization = reader.utilization() * DAMPENING_ALPHA + (1 - DAMPENING_ALPHA) * utilization;
            return utilization;
        }
    }
}
