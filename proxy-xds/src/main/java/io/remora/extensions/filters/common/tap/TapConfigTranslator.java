package io.remora.extensions.filters.common.tap;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.common.matcher.v3.MatchPredicate;
import io.envoyproxy.envoy.config.common.matcher.v3.HttpGenericBodyMatch;
import io.envoyproxy.envoy.config.tap.v3.OutputConfig;
import io.envoyproxy.envoy.config.tap.v3.OutputSink;
import io.envoyproxy.envoy.config.tap.v3.TapConfig;
import io.remora.extensions.filters.common.RequestHeaderMatch;
import io.remora.extensions.filters.common.tap.TapPredicate.HeadersSource;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.HeaderTranslator;
import io.remora.xds.translate.TranslationContext;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code envoy.config.tap.v3.TapConfig} → {@link TapSpec}, for a static tap config and for one
 * posted to {@code /tap}. Admin sinks only come from {@code /tap}, as in Envoy.
 */
public final class TapConfigTranslator {

    private TapConfigTranslator() {
    }

    public static TapSpec translate(TapConfig c, boolean fromAdmin, FieldPath path, TranslationContext ctx) {
        MatchPredicate match;
        FieldPath mp;
        if (c.hasMatch()) {
            match = c.getMatch();
            mp = path.field("match");
        } else if (c.hasMatchConfig()) {
            // The deprecated field has the same wire shape (Envoy upgrades it the same way).
            try {
                match = MatchPredicate.parseFrom(c.getMatchConfig().toByteString());
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw path.field("match_config").error("invalid: " + e.getMessage());
            }
            mp = path.field("match_config");
        } else {
            throw path.error("Neither match nor match_config is set in TapConfig");
        }
        if (c.hasTapEnabled()) {
            ctx.warnOnce("tap_enabled", path.field("tap_enabled") + ": not implemented (as in Envoy); every stream is matched");
        }
        List<TapPredicate.Body> bodyLeaves = new ArrayList<>();
        TapPredicate predicate = predicate(match, mp, bodyLeaves, 0);
        if (!c.hasOutputConfig()) {
            throw path.field("output_config").error("missing required field");
        }
        OutputConfig out = c.getOutputConfig();
        FieldPath op = path.field("output_config");
        if (out.getSinksCount() != 1) {
            throw op.field("sinks").error("value must contain exactly 1 item(s)");
        }
        OutputSink s = out.getSinks(0);
        FieldPath sp = op.field("sinks").index(0);
        if (s.getFormat() == OutputSink.Format.UNRECOGNIZED) {
            throw sp.field("format").error("unknown value " + s.getFormatValue());
        }
        TapSpec.Sink sink = sink(s, fromAdmin, sp);
        return new TapSpec(predicate, List.copyOf(bodyLeaves), s.getFormat(), sink,
                out.hasMaxBufferedRxBytes() ? clamp(out.getMaxBufferedRxBytes().getValue()) : TapSpec.DEFAULT_MAX_BUFFERED_BYTES,
                out.hasMaxBufferedTxBytes() ? clamp(out.getMaxBufferedTxBytes().getValue()) : TapSpec.DEFAULT_MAX_BUFFERED_BYTES,
                out.getStreaming());
    }

    private static TapSpec.Sink sink(OutputSink s, boolean fromAdmin, FieldPath sp) {
        switch (s.getOutputSinkTypeCase()) {
            case FILE_PER_TAP -> {
                if (s.getFilePerTap().getPathPrefix().isEmpty()) {
                    throw sp.field("file_per_tap").field("path_prefix").error("value length must be at least 1 characters");
                }
                return new TapSpec.FilePerTap(s.getFilePerTap().getPathPrefix());
            }
            case STREAMING_ADMIN -> {
                if (!fromAdmin) {
                    throw sp.field("streaming_admin").error("Specifying admin streaming output without configuring admin.");
                }
                adminFormat(s, sp);
                return new TapSpec.StreamingAdmin();
            }
            case BUFFERED_ADMIN -> {
                if (!fromAdmin) {
                    throw sp.field("buffered_admin").error(
                            "Output sink type BufferedAdmin requires that the admin output will be configured via admin");
                }
                adminFormat(s, sp);
                var b = s.getBufferedAdmin();
                if (b.getMaxTraces() == 0) {
                    throw sp.field("buffered_admin").field("max_traces").error("value must be greater than 0");
                }
                long timeout = b.hasTimeout() ? b.getTimeout().getSeconds() * 1000 + b.getTimeout().getNanos() / 1_000_000 : 0;
                if (timeout < 0) {
                    throw sp.field("buffered_admin").field("timeout").error("must not be negative");
                }
                return new TapSpec.BufferedAdmin(b.getMaxTraces(), timeout);
            }
            case STREAMING_GRPC -> throw sp.field("streaming_grpc").error("not implemented (as in Envoy)");
            case CUSTOM_SINK -> throw sp.field("custom_sink").error("Didn't find a registered implementation for '"
                    + s.getCustomSink().getName() + "'");
            default -> throw sp.error("an output sink (file_per_tap, streaming_admin or buffered_admin) is required");
        }
    }

    /** Envoy writes admin streams as JSON or length-delimited binary protos only. */
    private static void adminFormat(OutputSink s, FieldPath sp) {
        switch (s.getFormat()) {
            case JSON_BODY_AS_BYTES, JSON_BODY_AS_STRING, PROTO_BINARY_LENGTH_DELIMITED -> {
            }
            default -> throw sp.field("format").error("admin output only supports JSON formats"
                    + " and PROTO_BINARY_LENGTH_DELIMITED, not " + s.getFormat());
        }
    }

    private static int clamp(int unsigned) {
        return unsigned < 0 ? Integer.MAX_VALUE : unsigned;
    }

    private static final int MAX_DEPTH = 64;

    private static TapPredicate predicate(MatchPredicate m, FieldPath path, List<TapPredicate.Body> bodyLeaves, int depth) {
        if (depth > MAX_DEPTH) {
            throw path.error("match predicates nested deeper than " + MAX_DEPTH);
        }
        return switch (m.getRuleCase()) {
            case OR_MATCH -> set(m.getOrMatch().getRulesList(), false, path.field("or_match"), bodyLeaves, depth);
            case AND_MATCH -> set(m.getAndMatch().getRulesList(), true, path.field("and_match"), bodyLeaves, depth);
            case NOT_MATCH -> new TapPredicate.Not(predicate(m.getNotMatch(), path.field("not_match"), bodyLeaves, depth + 1));
            case ANY_MATCH -> {
                if (!m.getAnyMatch()) {
                    throw path.field("any_match").error("value must equal true");
                }
                yield new TapPredicate.Any();
            }
            case HTTP_REQUEST_HEADERS_MATCH -> headers(HeadersSource.REQUEST_HEADERS, m.getHttpRequestHeadersMatch()
                    .getHeadersList(), path.field("http_request_headers_match"));
            case HTTP_REQUEST_TRAILERS_MATCH -> headers(HeadersSource.REQUEST_TRAILERS, m.getHttpRequestTrailersMatch()
                    .getHeadersList(), path.field("http_request_trailers_match"));
            case HTTP_RESPONSE_HEADERS_MATCH -> headers(HeadersSource.RESPONSE_HEADERS, m.getHttpResponseHeadersMatch()
                    .getHeadersList(), path.field("http_response_headers_match"));
            case HTTP_RESPONSE_TRAILERS_MATCH -> headers(HeadersSource.RESPONSE_TRAILERS, m.getHttpResponseTrailersMatch()
                    .getHeadersList(), path.field("http_response_trailers_match"));
            case HTTP_REQUEST_GENERIC_BODY_MATCH -> body(true, m.getHttpRequestGenericBodyMatch(),
                    path.field("http_request_generic_body_match"), bodyLeaves);
            case HTTP_RESPONSE_GENERIC_BODY_MATCH -> body(false, m.getHttpResponseGenericBodyMatch(),
                    path.field("http_response_generic_body_match"), bodyLeaves);
            default -> throw path.error("a match rule is required");
        };
    }

    private static TapPredicate set(List<MatchPredicate> rules, boolean and, FieldPath path, List<TapPredicate.Body> bodyLeaves, int depth) {
        if (rules.size() < 2) {
            throw path.field("rules").error("value must contain at least 2 item(s)");
        }
        List<TapPredicate> out = new ArrayList<>(rules.size());
        for (int i = 0; i < rules.size(); i++) {
            out.add(predicate(rules.get(i), path.field("rules").index(i), bodyLeaves, depth + 1));
        }
        return new TapPredicate.MatchSet(List.copyOf(out), and);
    }

    private static TapPredicate headers(HeadersSource source,
                                        List<io.envoyproxy.envoy.config.route.v3.HeaderMatcher> headers, FieldPath path) {
        return new TapPredicate.Headers(source, RequestHeaderMatch.of(HeaderTranslator.matchers(headers,
                path.field("headers"))));
    }

    private static TapPredicate body(boolean request, HttpGenericBodyMatch m, FieldPath path, List<TapPredicate.Body> bodyLeaves) {
        if (m.getPatternsCount() == 0) {
            throw path.field("patterns").error("value must contain at least 1 item(s)");
        }
        List<byte[]> patterns = new ArrayList<>();
        for (int i = 0; i < m.getPatternsCount(); i++) {
            HttpGenericBodyMatch.GenericTextMatch p = m.getPatterns(i);
            FieldPath pp = path.field("patterns").index(i);
            ByteString bytes = switch (p.getRuleCase()) {
                case STRING_MATCH -> ByteString.copyFromUtf8(p.getStringMatch());
                case BINARY_MATCH -> p.getBinaryMatch();
                default -> throw pp.error("string_match or binary_match is required");
            };
            if (bytes.isEmpty()) {
                throw pp.field(p.hasStringMatch() ? "string_match" : "binary_match").error("must not be empty");
            }
            patterns.add(bytes.toByteArray());
        }
        TapPredicate.Body leaf = new TapPredicate.Body(request, List.copyOf(patterns),
                Integer.toUnsignedLong(m.getBytesLimit()), bodyLeaves.size());
        bodyLeaves.add(leaf);
        return leaf;
    }
}
