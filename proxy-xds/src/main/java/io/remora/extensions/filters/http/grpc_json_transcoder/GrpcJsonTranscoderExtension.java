package io.remora.extensions.filters.http.grpc_json_transcoder;

import com.google.api.HttpRule;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder;
import io.envoyproxy.envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder.PrintOptions;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/** {@code envoy.filters.http.grpc_json_transcoder}: REST/JSON clients calling gRPC methods annotated with google.api.http. */
public final class GrpcJsonTranscoderExtension implements HttpFilterExtension<GrpcJsonTranscoderConfig> {

    private static final String TYPE = "envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder";

    @Override
    public List<String> names() {
        return List.of(GrpcJsonTranscoderConfig.NAME, "envoy.grpc_json_transcoder");
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of(TYPE);
    }

    @Override
    public GrpcJsonTranscoderConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field: the transcoder needs a typed_config with a proto descriptor");
        }
        return build(config.unpack(GrpcJsonTranscoder.class, path), path, ctx);
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        return build(config.unpack(GrpcJsonTranscoder.class, path), path, ctx);
    }

    private static GrpcJsonTranscoderConfig build(GrpcJsonTranscoder c, FieldPath path, TranslationContext ctx) {
        byte[] set = switch (c.getDescriptorSetCase()) {
            case PROTO_DESCRIPTOR -> read(c.getProtoDescriptor(), path.field("proto_descriptor"));
            case PROTO_DESCRIPTOR_BIN -> c.getProtoDescriptorBin().toByteArray();
            default -> throw path.error("missing required field: proto_descriptor or proto_descriptor_bin");
        };
        if (c.hasMaxRequestBodySize() && c.getMaxRequestBodySize().getValue() == 0) {
            throw path.field("max_request_body_size").error("must be greater than 0");
        }
        if (c.hasMaxResponseBodySize() && c.getMaxResponseBodySize().getValue() == 0) {
            throw path.field("max_response_body_size").error("must be greater than 0");
        }
        UrlUnescaping unescaping = switch (c.getUrlUnescapeSpec()) {
            case ALL_CHARACTERS_EXCEPT_RESERVED -> UrlUnescaping.ALL_CHARACTERS_EXCEPT_RESERVED;
            case ALL_CHARACTERS_EXCEPT_SLASH -> UrlUnescaping.ALL_CHARACTERS_EXCEPT_SLASH;
            case ALL_CHARACTERS -> UrlUnescaping.ALL_CHARACTERS;
            case UNRECOGNIZED -> throw path.field("url_unescape_spec").error("unknown value " + c.getUrlUnescapeSpecValue());
        };
        if (c.getCaptureUnknownQueryParameters()) {
            ctx.warnOnce(GrpcJsonTranscoderConfig.NAME + ".capture_unknown_query_parameters",
                    path.field("capture_unknown_query_parameters") + ": not supported, ignored"
                            + " (unknown query parameters are not captured into the HttpBody)");
        }
        GrpcJsonTranscoderConfig.Builder b = GrpcJsonTranscoderConfig.builder();
        if (c.getServicesCount() == 0) {
            // Envoy's way to turn the transcoder off (per route, typically).
            return b.build();
        }
        TranscoderDescriptors pool;
        try {
            pool = TranscoderDescriptors.load(set);
        } catch (IllegalArgumentException e) {
            throw path.field(c.hasProtoDescriptorBin() ? "proto_descriptor_bin" : "proto_descriptor").error(e.getMessage());
        }
        List<RuleBinding> bindings = new ArrayList<>();
        for (int i = 0; i < c.getServicesCount(); i++) {
            FieldPath at = path.field("services").index(i);
            ServiceDescriptor service = pool.service(c.getServices(i));
            if (service == null) {
                throw at.error("could not find '" + c.getServices(i) + "' in the proto descriptor");
            }
            for (MethodDescriptor m : service.getMethods()) {
                HttpRule rule = TranscoderDescriptors.httpRule(m);
                if (rule == null && c.getAutoMapping()) {
                    rule = HttpRule.newBuilder().setPost("/" + service.getFullName() + "/" + m.getName()).setBody("*").build();
                }
                if (rule != null) {
                    try {
                        register(m, rule, bindings);
                    } catch (IllegalArgumentException e) {
                        throw at.error("cannot register '" + m.getFullName() + "' to path matcher: " + e.getMessage());
                    }
                }
            }
        }
        JsonFormat.TypeRegistry types = pool.typeRegistry();
        PrintOptions p = c.getPrintOptions();
        JsonFormat.Printer printer = JsonFormat.printer().usingTypeRegistry(types);
        printer = p.getAddWhitespace() ? printer : printer.omittingInsignificantWhitespace();
        printer = p.getAlwaysPrintPrimitiveFields() ? printer.alwaysPrintFieldsWithNoPresence() : printer;
        printer = p.getAlwaysPrintEnumsAsInts() ? printer.printingEnumsAsInts() : printer;
        printer = p.getPreserveProtoFieldNames() ? printer.preservingProtoFieldNames() : printer;
        GrpcJsonTranscoder.RequestValidationOptions v = c.getRequestValidationOptions();
        return b.rules(new HttpRuleTable(bindings, new HashSet<>(c.getIgnoredQueryParametersList()), unescaping,
                        c.getQueryParamUnescapePlus(), c.getMatchUnregisteredCustomVerb()))
                .printer(printer)
                .parser(JsonFormat.parser().usingTypeRegistry(types))
                .streamNewlineDelimited(p.getStreamNewlineDelimited())
                .matchIncomingRequestRoute(c.getMatchIncomingRequestRoute())
                .ignoreUnknownQueryParameters(c.getIgnoreUnknownQueryParameters())
                .convertGrpcStatus(c.getConvertGrpcStatus())
                .rejectUnknownMethod(v.getRejectUnknownMethod())
                .rejectUnknownQueryParameters(v.getRejectUnknownQueryParameters())
                .rejectBindingBodyFieldCollisions(v.getRejectBindingBodyFieldCollisions())
                .caseInsensitiveEnumParsing(c.getCaseInsensitiveEnumParsing())
                .maxRequestBodySize(c.hasMaxRequestBodySize() ? clamp(c.getMaxRequestBodySize().getValue()) : 0)
                .maxResponseBodySize(c.hasMaxResponseBodySize() ? clamp(c.getMaxResponseBodySize().getValue()) : 0)
                .build();
    }

    private static int clamp(int unsigned) {
        return unsigned < 0 ? Integer.MAX_VALUE : unsigned;
    }

    private static byte[] read(String file, FieldPath path) {
        try {
            return Files.readAllBytes(Path.of(file));
        } catch (IOException | RuntimeException e) {
            throw path.error("cannot read the proto descriptor '" + file + "': " + e.getMessage());
        }
    }

    /** The rule and its additional_bindings (their own body; response_body is the rule's). */
    private static void register(MethodDescriptor m, HttpRule rule, List<RuleBinding> out) {
        Descriptor output = m.getOutputType();
        List<FieldDescriptor> responsePath = List.of();
        boolean responseHttpBody = FieldPaths.isHttpBody(output);
        if (!rule.getResponseBody().isEmpty()) {
            responsePath = resolve(output, rule.getResponseBody());
            responseHttpBody = FieldPaths.isHttpBody(FieldPaths.typeAt(output, responsePath));
            if (!responseHttpBody) {
                throw new IllegalArgumentException("Setting \"response_body\" is not supported yet for non-HttpBody fields: "
                        + m.getFullName());
            }
        }
        TranscodedMethod method = new TranscodedMethod(m, "/" + m.getService().getFullName() + "/" + m.getName(),
                responsePath, responseHttpBody);
        out.add(binding(method, rule));
        for (HttpRule extra : rule.getAdditionalBindingsList()) {
            out.add(binding(method, extra));
        }
    }

    private static RuleBinding binding(TranscodedMethod method, HttpRule rule) {
        String verb;
        String template;
        switch (rule.getPatternCase()) {
            case GET -> { verb = "GET"; template = rule.getGet(); }
            case PUT -> { verb = "PUT"; template = rule.getPut(); }
            case POST -> { verb = "POST"; template = rule.getPost(); }
            case DELETE -> { verb = "DELETE"; template = rule.getDelete(); }
            case PATCH -> { verb = "PATCH"; template = rule.getPatch(); }
            case CUSTOM -> { verb = rule.getCustom().getKind(); template = rule.getCustom().getPath(); }
            default -> throw new IllegalArgumentException("the http rule has no pattern");
        }
        Descriptor input = method.descriptor().getInputType();
        String body = rule.getBody();
        List<FieldDescriptor> bodyPath = body.isEmpty() || body.equals("*") ? List.of() : resolve(input, body);
        boolean httpBody = !body.isEmpty() && FieldPaths.isHttpBody(FieldPaths.typeAt(input, bodyPath));
        return new RuleBinding(verb, HttpPathTemplate.parse(template), method, !body.isEmpty(), bodyPath, httpBody);
    }

    private static List<FieldDescriptor> resolve(Descriptor type, String dotted) {
        List<FieldDescriptor> path = FieldPaths.resolve(type, List.of(dotted.split("\\.", -1)));
        if (path == null) {
            throw new IllegalArgumentException("Could not find field \"" + dotted + "\" in the type \"" + type.getFullName() + "\".");
        }
        return path;
    }

    @Override
    public HttpFilterFactory.Provider<GrpcJsonTranscoderConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<GrpcJsonTranscoderConfig> configType() {
                return GrpcJsonTranscoderConfig.class;
            }

            @Override
            public HttpFilterFactory create(GrpcJsonTranscoderConfig config, ServerContext context) {
                return () -> new GrpcJsonTranscoderFilter(config);
            }
        };
    }
}
