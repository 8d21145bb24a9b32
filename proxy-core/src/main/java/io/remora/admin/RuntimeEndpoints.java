package io.remora.admin;

import io.remora.runtime.Runtime;
import io.remora.runtime.RuntimeEntry;
import io.remora.runtime.RuntimeLayer;
import io.remora.runtime.RuntimeLoader;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@code /runtime} and {@code /runtime_modify}, with Envoy's bodies and status codes. */
final class RuntimeEndpoints {

    private RuntimeEndpoints() {
    }

    /** Envoy's shape: {@code {"entries": {key: {"final_value", "layer_values"}}, "layers": [names]}}. */
    static AdminResponse show(AdminContext ctx) {
        RuntimeLoader loader = ctx.runtime();
        Runtime snapshot = loader == null ? Runtime.EMPTY : loader.snapshot();
        List<RuntimeLayer> layers = snapshot.layers();
        List<Object> names = new ArrayList<>();
        TreeMap<String, List<String>> perKey = new TreeMap<>();
        for (RuntimeLayer l : layers) {
            names.add(l.name());
            l.values().keySet().forEach(k -> perKey.putIfAbsent(k, new ArrayList<>()));
        }
        for (RuntimeLayer l : layers) {
            perKey.forEach((k, values) -> {
                RuntimeEntry e = l.values().get(k);
                values.add(e == null ? "" : e.raw());
            });
        }
        Map<String, Object> entries = new LinkedHashMap<>();
        perKey.forEach((k, values) -> {
            String finalValue = "";
            for (String v : values) {
                if (!v.isEmpty()) {
                    finalValue = v;
                }
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("final_value", finalValue);
            entry.put("layer_values", values);
            entries.put(k, entry);
        });
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("entries", entries);
        out.put("layers", names);
        return AdminResponse.json(Json.write(out));
    }

    static AdminResponse modify(AdminContext ctx, Map<String, List<String>> q) {
        if (q.isEmpty()) {
            return AdminResponse.text(400, "usage: /runtime_modify?key1=value1&key2=value2&keyN=valueN\n"
                    + "       or send the parameters as form values\n"
                    + "use an empty value to remove a previously added override");
        }
        RuntimeLoader loader = ctx.runtime();
        Map<String, String> overrides = new LinkedHashMap<>();
        q.forEach((k, v) -> overrides.put(k, v.isEmpty() ? "" : v.get(0)));
        try {
            if (loader == null) {
                throw new IllegalStateException("No admin layer specified");
            }
            loader.mergeValues(overrides);
        } catch (IllegalStateException e) {
            return AdminResponse.text(503, e.getMessage());
        }
        return AdminResponse.ok("OK\n");
    }
}
