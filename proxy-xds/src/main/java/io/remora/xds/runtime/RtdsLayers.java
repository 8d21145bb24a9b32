package io.remora.xds.runtime;

import io.envoyproxy.envoy.service.runtime.v3.Runtime;
import io.remora.runtime.RuntimeEntry;
import io.remora.runtime.RuntimeLoader;
import io.remora.xds.ads.XdsRejectedException;
import io.remora.xds.translate.RuntimeTranslator;
import io.remora.xds.translate.TranslationException;

import java.util.HashMap;
import java.util.Map;

/**
 * Feeds RTDS Runtime resources to the runtime loader. An update is flattened first ({@link #prepare}), so a bad
 * layer NACKs the snapshot before anything of it runs, and published once the rest of the snapshot translated.
 * Called on the xDS control thread only.
 */
final class RtdsLayers {
    private final RuntimeLoader loader;
    private Map<String, Runtime> applied = Map.of();

    RtdsLayers(RuntimeLoader loader) {
        this.loader = loader;
    }

    /** The flattened values of the resources that changed since the last publish. */
    Map<String, Map<String, RuntimeEntry>> prepare(Map<String, Runtime> runtimes) throws XdsRejectedException {
        Map<String, Map<String, RuntimeEntry>> changed = new HashMap<>();
        for (Map.Entry<String, Runtime> e : runtimes.entrySet()) {
            if (e.getValue().equals(applied.get(e.getKey()))) {
                continue;
            }
            try {
                changed.put(e.getKey(), RuntimeTranslator.rtdsValues(e.getValue().getLayer()));
            } catch (TranslationException ex) {
                throw new XdsRejectedException(e.getKey(), ex.path() + ": " + ex.reason(), ex);
            }
        }
        return changed;
    }

    /** One new runtime snapshot for the lot; none when nothing changed. */
    void publish(Map<String, Runtime> runtimes, Map<String, Map<String, RuntimeEntry>> changed) {
        applied = Map.copyOf(runtimes);
        if (!changed.isEmpty()) {
            loader.updateRtds(changed);
        }
    }
}
