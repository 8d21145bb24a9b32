package io.remora.extensions.filters.http.ip_tagging;

import io.remora.config.HttpFilterConfig;
import io.remora.matching.CompiledCidr;

import java.util.List;

/**
 * {@code envoy.filters.http.ip_tagging}'s {@code IPTagging}.
 *
 * @param requestType which requests it tags, by {@code x-envoy-internal}
 * @param tags        each tag's name and ranges, in config order
 * @param header      {@code ip_tag_header.header}, or null for the legacy {@code x-envoy-ip-tags} (appended to)
 * @param sanitize    {@code ip_tag_header.action} SANITIZE: the header is replaced, and removed when no tag applies
 */
record IpTaggingConfig(RequestType requestType, List<Tag> tags, String header, boolean sanitize)
        implements HttpFilterConfig {

    static final String NAME = "envoy.filters.http.ip_tagging";

    enum RequestType { BOTH, INTERNAL, EXTERNAL }

    record Tag(String name, List<CompiledCidr> ranges) {
        Tag {
            ranges = List.copyOf(ranges);
        }
    }

    IpTaggingConfig {
        tags = List.copyOf(tags);
    }

    @Override
    public String filterName() {
        return NAME;
    }
}
