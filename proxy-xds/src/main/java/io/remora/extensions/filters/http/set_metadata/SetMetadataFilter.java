package io.remora.extensions.filters.http.set_metadata;

import io.micrometer.core.instrument.Counter;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.StreamInfo;
import io.remora.extensions.filters.http.common.HcmCounters;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sets the configured namespaces of the request's dynamic metadata on its headers. A namespace not
 * there yet gets the values; one already there is merged into when the entry allows overwriting
 * (Envoy's StructUtil::update: structs merged key by key, lists appended, anything else replaced),
 * and otherwise left alone and counted in {@code set_metadata.overwrite_denied}.
 */
final class SetMetadataFilter implements StreamDecoderFilter {

    private final SetMetadataConfig config;
    private final HcmCounters counters;
    private DecoderFilterCallbacks cb;

    SetMetadataFilter(SetMetadataConfig config, HcmCounters counters) {
        this.config = config;
        this.counters = counters;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        StreamInfo info = cb.streamInfo();
        for (SetMetadataConfig.Entry e : config.entries()) {
            Map<String, Object> existing = info.dynamicMetadata(e.namespace());
            if (existing.isEmpty()) {
                e.value().forEach((k, v) -> info.setDynamicMetadata(e.namespace(), k, v));
            } else if (e.allowOverwrite()) {
                for (Map.Entry<String, Object> kv : e.value().entrySet()) {
                    info.setDynamicMetadata(e.namespace(), kv.getKey(), merge(existing.get(kv.getKey()), kv.getValue()));
                }
            } else {
                overwriteDenied().increment();
            }
        }
        return FilterStatus.CONTINUE;
    }

    private Counter overwriteDenied() {
        return counters.of(cb.connectionManagerStats().prefix())[0];
    }

    /** New containers, never changes to old ones: configured values are shared by every request. */
    @SuppressWarnings("unchecked")
    static Object merge(Object old, Object with) {
        if (old instanceof Map<?, ?> o && with instanceof Map<?, ?> w) {
            Map<String, Object> out = new LinkedHashMap<>((Map<String, Object>) o);
            for (Map.Entry<?, ?> kv : w.entrySet()) {
                out.put((String) kv.getKey(), merge(out.get(kv.getKey()), kv.getValue()));
            }
            return out;
        }
        if (old instanceof List<?> o && with instanceof List<?> w) {
            List<Object> out = new ArrayList<>(o.size() + w.size());
            out.addAll(o);
            out.addAll(w);
            return out;
        }
        return with;
    }
}
