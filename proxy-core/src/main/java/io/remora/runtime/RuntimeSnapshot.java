package io.remora.runtime;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The merged view of the layers: later layers override earlier ones, key by key. */
final class RuntimeSnapshot implements Runtime {

    private final List<RuntimeLayer> layers;
    private final Map<String, RuntimeEntry> values;

    RuntimeSnapshot(List<RuntimeLayer> layers) {
        this.layers = List.copyOf(layers);
        Map<String, RuntimeEntry> merged = new HashMap<>();
        for (RuntimeLayer l : layers) {
            merged.putAll(l.values());
        }
        this.values = Map.copyOf(merged);
    }

    private RuntimeEntry entry(String key) {
        return key == null || key.isEmpty() ? null : values.get(key);
    }

    @Override
    public String get(String key) {
        RuntimeEntry e = entry(key);
        return e == null ? null : e.raw();
    }

    @Override
    public long getInteger(String key, long defaultValue) {
        RuntimeEntry e = entry(key);
        return e == null || e.uintValue() == null ? defaultValue : e.uintValue();
    }

    @Override
    public double getDouble(String key, double defaultValue) {
        RuntimeEntry e = entry(key);
        return e == null || e.doubleValue() == null ? defaultValue : e.doubleValue();
    }

    @Override
    public boolean getBoolean(String key, boolean defaultValue) {
        RuntimeEntry e = entry(key);
        return e == null || e.boolValue() == null ? defaultValue : e.boolValue();
    }

    @Override
    public boolean featureEnabled(String key, FractionalPercent defaultValue, long random) {
        RuntimeEntry e = entry(key);
        FractionalPercent percent;
        if (e != null && e.fractionValue() != null) {
            percent = e.fractionValue();
        } else if (e != null && e.uintValue() != null) {
            // An integer is a percentage, as in Envoy; above 100 it is always on.
            if (Long.compareUnsigned(e.uintValue(), 100) > 0) {
                return true;
            }
            percent = FractionalPercent.ofPercent(e.uintValue());
        } else {
            percent = defaultValue;
        }
        return percent.evaluate(random);
    }

    @Override
    public List<RuntimeLayer> layers() {
        return layers;
    }

    @Override
    public Map<String, RuntimeEntry> values() {
        return values;
    }
}
