package io.remora.extensions.filters.http.ip_tagging;

import io.envoyproxy.envoy.extensions.filters.http.ip_tagging.v3.IPTagging;
import io.netty.util.AsciiString;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.http.common.HcmCounters;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.matching.CompiledCidr;
import io.remora.server.ServerContext;
import io.remora.stats.StatNames;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code envoy.filters.http.ip_tagging}: tags requests by the client's address. */
public final class IpTaggingExtension implements HttpFilterExtension<IpTaggingConfig> {

    private static final String TYPE = "envoy.extensions.filters.http.ip_tagging.v3.IPTagging";

    @Override
    public List<String> names() {
        return List.of(IpTaggingConfig.NAME, "envoy.ip_tagging");
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public IpTaggingConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field");
        }
        IPTagging c = config.unpack(IPTagging.class, path);
        if (c.getIpTagsCount() == 0) {
            throw path.field("ip_tags").error("HTTP IP Tagging Filter requires ip_tags to be specified.");
        }
        IpTaggingConfig.RequestType type = switch (c.getRequestType()) {
            case BOTH -> IpTaggingConfig.RequestType.BOTH;
            case INTERNAL -> IpTaggingConfig.RequestType.INTERNAL;
            case EXTERNAL -> IpTaggingConfig.RequestType.EXTERNAL;
            default -> throw path.field("request_type").error("unknown request type " + c.getRequestTypeValue());
        };
        List<IpTaggingConfig.Tag> tags = new ArrayList<>();
        for (int i = 0; i < c.getIpTagsCount(); i++) {
            FieldPath tp = path.field("ip_tags").index(i);
            var t = c.getIpTags(i);
            List<CompiledCidr> ranges = new ArrayList<>();
            for (int j = 0; j < t.getIpListCount(); j++) {
                var r = t.getIpList(j);
                FieldPath rp = tp.field("ip_list").index(j);
                try {
                    ranges.add(CompiledCidr.parse(r.getAddressPrefix(), r.getPrefixLen().getValue()));
                } catch (IllegalArgumentException e) {
                    throw rp.error("invalid ip/mask combo '" + r.getAddressPrefix() + "/" + r.getPrefixLen().getValue()
                            + "' (format is <ip>/<# mask bits>)");
                }
            }
            tags.add(new IpTaggingConfig.Tag(t.getIpTagName(), ranges));
        }
        String header = null;
        boolean sanitize = false;
        if (c.hasIpTagHeader()) {
            header = c.getIpTagHeader().getHeader().toLowerCase(Locale.ROOT);
            if (header.isEmpty()) {
                throw path.field("ip_tag_header").field("header").error("must not be empty");
            }
            sanitize = switch (c.getIpTagHeader().getAction()) {
                case SANITIZE -> true;
                case APPEND_IF_EXISTS_OR_ADD -> false;
                default -> throw path.field("ip_tag_header").field("action").error("unknown action "
                        + c.getIpTagHeader().getActionValue());
            };
        }
        return new IpTaggingConfig(type, tags, header, sanitize);
    }

    @Override
    public HttpFilterFactory.Provider<IpTaggingConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<IpTaggingConfig> configType() {
                return IpTaggingConfig.class;
            }

            @Override
            public HttpFilterFactory create(IpTaggingConfig config, ServerContext context) {
                // http.<prefix>.ip_tagging.<tag>.hit: Envoy extracts no tag for the tag name, so it stays in the metric name.
                List<String> names = new ArrayList<>();
                for (IpTaggingConfig.Tag t : config.tags()) {
                    names.add("envoy_http_ip_tagging_" + StatNames.sanitize(t.name()) + "_hit");
                }
                names.add("envoy_http_ip_tagging_no_hit");
                names.add("envoy_http_ip_tagging_total");
                HcmCounters counters = new HcmCounters(context.stats().meterRegistry(), names.toArray(String[]::new));
                AsciiString header = config.header() == null ? IpTaggingFilter.LEGACY_HEADER
                        : AsciiString.cached(config.header());
                return () -> new IpTaggingFilter(config, header, counters);
            }
        };
    }
}
