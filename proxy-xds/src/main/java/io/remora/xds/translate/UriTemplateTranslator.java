package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig;
import io.envoyproxy.envoy.extensions.path.rewrite.uri_template.v3.UriTemplateRewriteConfig;
import io.remora.matching.UriTemplate;
import io.remora.matching.UriTemplateRewrite;

/**
 * Envoy's URI template extensions, {@code envoy.path.match.uri_template} (a route's
 * {@code path_match_policy}, an RBAC {@code uri_template} permission) and
 * {@code envoy.path.rewrite.uri_template} (a route's {@code path_rewrite_policy}). They are the only
 * implementations Envoy has of those extension points, so any other type is refused.
 */
public final class UriTemplateTranslator {

    private static final String MATCH_TYPE = "envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig";
    private static final String REWRITE_TYPE = "envoy.extensions.path.rewrite.uri_template.v3.UriTemplateRewriteConfig";
    /** The proto rules of both configs' template strings. */
    private static final int MAX_LENGTH = 256;

    private UriTemplateTranslator() {
    }

    /** A {@code UriTemplateMatchConfig} extension, compiled. */
    public static UriTemplate match(TypedExtensionConfig ext, FieldPath path) {
        TypedConfig tc = typedConfig(ext, MATCH_TYPE, path);
        UriTemplateMatchConfig c = tc.unpack(UriTemplateMatchConfig.class, path.field("typed_config"));
        FieldPath tp = path.field("typed_config").field("path_template");
        checkLength(c.getPathTemplate(), tp);
        try {
            return UriTemplate.compile(c.getPathTemplate());
        } catch (IllegalArgumentException e) {
            throw tp.error(e.getMessage());
        }
    }

    /**
     * A {@code UriTemplateRewriteConfig} extension, compiled against the route's match template
     * (null when the route has none, which Envoy refuses).
     */
    public static UriTemplateRewrite rewrite(TypedExtensionConfig ext, UriTemplate match, FieldPath path) {
        TypedConfig tc = typedConfig(ext, REWRITE_TYPE, path);
        UriTemplateRewriteConfig c = tc.unpack(UriTemplateRewriteConfig.class, path.field("typed_config"));
        if (match == null) {
            throw path.error("a uri_template path_rewrite_policy needs the route's match to be a uri_template"
                    + " path_match_policy");
        }
        FieldPath tp = path.field("typed_config").field("path_template_rewrite");
        checkLength(c.getPathTemplateRewrite(), tp);
        try {
            return UriTemplateRewrite.compile(c.getPathTemplateRewrite(), match);
        } catch (IllegalArgumentException e) {
            throw tp.error(e.getMessage());
        }
    }

    private static TypedConfig typedConfig(TypedExtensionConfig ext, String type, FieldPath path) {
        if (!ext.hasTypedConfig()) {
            throw path.field("typed_config").error("missing required field");
        }
        TypedConfig tc = TypedConfig.of(ext.getTypedConfig(), path.field("typed_config"));
        if (!tc.typeName().equals(type)) {
            throw path.field("typed_config").error("unsupported extension type " + tc.typeName() + " (only "
                    + type + " is)");
        }
        return tc;
    }

    private static void checkLength(String s, FieldPath path) {
        if (s.isEmpty()) {
            throw path.error("must not be empty");
        }
        if (s.length() > MAX_LENGTH) {
            throw path.error("must be at most " + MAX_LENGTH + " characters, got " + s.length());
        }
    }
}
