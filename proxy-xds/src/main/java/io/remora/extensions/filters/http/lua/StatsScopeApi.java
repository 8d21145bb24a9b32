package io.remora.extensions.filters.http.lua;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static io.remora.extensions.filters.http.lua.LuaValues.fn;

/**
 * Envoy's {@code handle:stats()} (StatsScopeWrapper): counters ({@code inc}, {@code add},
 * {@code value}), gauges ({@code inc}, {@code dec}, {@code add}, {@code sub}, {@code set},
 * {@code value}) and histograms ({@code recordValue}) made by name in the filter's lua scope.
 */
final class StatsScopeApi {

    private static final Set<String> UNITS = Set.of("unspecified", "ms", "milliseconds", "microseconds", "bytes");

    /** The metatables of one VM: the scope, a counter, a gauge and a histogram. */
    record Tables(LuaTable scope, LuaTable counter, LuaTable gauge, LuaTable histogram) {
        static Tables create() {
            LuaTable counter = counterTable();
            LuaTable gauge = gaugeTable();
            LuaTable histogram = histogramTable();
            return new Tables(scopeTable(counter, gauge, histogram), counter, gauge, histogram);
        }
    }

    private StatsScopeApi() {
    }

    private static LuaTable scopeTable(LuaTable counter, LuaTable gauge, LuaTable histogram) {
        LuaTable m = new LuaTable();
        m.set("counter", fn(a -> new LuaUserdata(stats(a).counter(a.checkjstring(2)), counter)));
        m.set("gauge", fn(a -> new LuaUserdata(stats(a).gauge(a.checkjstring(2)), gauge)));
        m.set("histogram", fn(a -> {
            String name = a.checkjstring(2);
            String unit = a.arg(3).isnil() ? "unspecified" : a.checkjstring(3);
            if (!UNITS.contains(unit)) {
                throw new LuaError("invalid histogram unit '" + unit + "'");
            }
            return new LuaUserdata(stats(a).histogram(name), histogram);
        }));
        return meta(m);
    }

    private static LuaStats stats(Varargs a) {
        LuaStream s = (LuaStream) a.checkuserdata(1, LuaStream.class);
        s.checkLive();
        return s.stats();
    }

    private static LuaTable counterTable() {
        LuaTable m = new LuaTable();
        m.set("inc", fn(a -> {
            counter(a).increment();
            return LuaValue.NONE;
        }));
        m.set("add", fn(a -> {
            counter(a).increment(nonNegative(a.checklong(2)));
            return LuaValue.NONE;
        }));
        m.set("value", fn(a -> LuaValue.valueOf((double) (long) counter(a).count())));
        return meta(m);
    }

    private static LuaTable gaugeTable() {
        LuaTable m = new LuaTable();
        m.set("inc", fn(a -> update(gauge(a), 1)));
        m.set("dec", fn(a -> update(gauge(a), -1)));
        m.set("add", fn(a -> update(gauge(a), a.checklong(2))));
        m.set("sub", fn(a -> update(gauge(a), -a.checklong(2))));
        m.set("set", fn(a -> {
            gauge(a).set(a.checklong(2));
            return LuaValue.NONE;
        }));
        m.set("value", fn(a -> LuaValue.valueOf((double) gauge(a).get())));
        return meta(m);
    }

    private static LuaTable histogramTable() {
        LuaTable m = new LuaTable();
        m.set("recordValue", fn(a -> {
            ((DistributionSummary) a.checkuserdata(1, DistributionSummary.class)).record(nonNegative(a.checklong(2)));
            return LuaValue.NONE;
        }));
        return meta(m);
    }

    private static Counter counter(Varargs a) {
        return (Counter) a.checkuserdata(1, Counter.class);
    }

    private static AtomicLong gauge(Varargs a) {
        return (AtomicLong) a.checkuserdata(1, AtomicLong.class);
    }

    private static LuaValue update(AtomicLong gauge, long delta) {
        gauge.addAndGet(delta);
        return LuaValue.NONE;
    }

    private static long nonNegative(long v) {
        if (v < 0) {
            throw new LuaError("value must not be negative");
        }
        return v;
    }

    private static LuaTable meta(LuaTable methods) {
        LuaTable meta = new LuaTable();
        meta.set(LuaValue.INDEX, methods);
        return meta;
    }
}
