package io.remora.extensions.filters.network.thrift_proxy;

import io.remora.accesslog.StreamInfo;
import io.remora.extensions.filters.http.header_to_metadata.HeaderToMetadataConfig;
import io.remora.extensions.filters.http.header_to_metadata.HeaderToMetadataFilter;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * {@code envoy.filters.thrift.header_to_metadata}: the header transport's request headers to
 * dynamic metadata (default namespace {@code envoy.filters.thrift.header_to_metadata}), a header
 * optionally removed before the request goes upstream.
 */
record ThriftHeaderToMetadata(List<Rule> rules) implements ThriftRequestFilter {

    static final String NAME = "envoy.filters.thrift.header_to_metadata";
    static final String TYPE = "envoy.extensions.filters.network.thrift_proxy.filters.header_to_metadata.v3.HeaderToMetadata";

    /** One request rule: {@code header} lower-cased, looked up regardless of case. */
    record Rule(String header, HeaderToMetadataConfig.KeyValue onPresent, HeaderToMetadataConfig.KeyValue onMissing,
                boolean remove) {
    }

    ThriftHeaderToMetadata {
        rules = List.copyOf(rules);
    }

    @Override
    public void onRequest(ThriftMessage request, ThriftCodec codec, StreamInfo info) {
        for (Rule r : rules) {
            String value = null;
            for (Iterator<Map.Entry<String, String>> it = request.headers.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, String> e = it.next();
                if (e.getKey().equalsIgnoreCase(r.header())) {
                    value = e.getValue();
                    if (r.remove()) {
                        it.remove();
                    }
                    break;
                }
            }
            if (value != null && r.onPresent() != null) {
                HeaderToMetadataFilter.set(info, r.onPresent(), value);
            } else if (value == null && r.onMissing() != null) {
                HeaderToMetadataFilter.set(info, r.onMissing(), null);
            }
        }
    }
}
