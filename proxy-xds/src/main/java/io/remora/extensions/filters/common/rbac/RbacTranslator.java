package io.remora.extensions.filters.common.rbac;

import com.github.xds.type.matcher.v3.Matcher;
import io.envoyproxy.envoy.config.rbac.v3.MetadataSource;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.type.matcher.v3.FilterStateMatcher;
import io.remora.extensions.cel.CelAttributes;
import io.remora.extensions.cel.CelEngine;
import io.remora.extensions.cel.CelProgram;
import io.remora.matching.CompiledCidr;
import io.remora.rbac.RbacEngine;
import io.remora.rbac.RbacMatcher;
import io.remora.rbac.RbacPolicy;
import io.remora.rbac.RbacPolicyEngine;
import io.remora.route.CompiledHeaderMatcher;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.HeaderTranslator;
import io.remora.xds.translate.MetadataMatcherTranslator;
import io.remora.xds.translate.StringMatcherTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.UriTemplateTranslator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code envoy.config.rbac.v3.RBAC} into an {@link RbacPolicyEngine}, shared by the network and HTTP
 * RBAC filters. Validates as Envoy's proto rules and factories do; a policy's CEL {@code condition}
 * (or {@code checked_condition}) is compiled here; the extension points (custom principals,
 * permission matchers, audit loggers) are {@link RbacExtensionTranslator}'s. What Remora cannot
 * evaluate is refused with its field path, since skipping part of a policy would change who may pass.
 */
public final class RbacTranslator {

    private RbacTranslator() {
    }

    /**
     * The enforced and shadow engines of a filter config. A matcher wins over rules when both are
     * set (Envoy ignores the rules then, with a warning).
     *
     * @param matcher       {@code matcher}, or null when unset
     * @param shadowMatcher {@code shadow_matcher}, or null when unset
     */
    public static io.remora.rbac.RbacRules rules(boolean hasRules, RBAC rules, Matcher matcher,
                                                 boolean hasShadowRules, RBAC shadowRules, Matcher shadowMatcher,
                                                 RbacMatcherTranslator.Filter filter, FieldPath path,
                                                 TranslationContext ctx) {
        RbacEngine engine = null;
        if (matcher != null) {
            if (hasRules) {
                ctx.warnOnce("rbac:rules_and_matcher", "RBAC rules are ignored when matcher is configured, first at "
                        + path.field("rules"));
            }
            engine = RbacMatcherTranslator.engine(matcher, path.field("matcher"), filter);
        } else if (hasRules) {
            engine = engine(rules, path.field("rules"), ctx);
        }
        RbacEngine shadow = null;
        if (shadowMatcher != null) {
            if (hasShadowRules) {
                ctx.warnOnce("rbac:shadow_rules_and_matcher", "RBAC shadow rules are ignored when shadow matcher is"
                        + " configured, first at " + path.field("shadow_rules"));
            }
            shadow = RbacMatcherTranslator.engine(shadowMatcher, path.field("shadow_matcher"), filter);
        } else if (hasShadowRules) {
            shadow = engine(shadowRules, path.field("shadow_rules"), ctx);
        }
        return new io.remora.rbac.RbacRules(engine, shadow);
    }

    public static RbacPolicyEngine engine(RBAC rbac, FieldPath path, TranslationContext ctx) {
        RbacEngine.Action action = switch (rbac.getAction()) {
            case ALLOW -> RbacEngine.Action.ALLOW;
            case DENY -> RbacEngine.Action.DENY;
            case LOG -> RbacEngine.Action.LOG;
            case UNRECOGNIZED -> throw path.field("action").error("unknown action " + rbac.getActionValue());
        };
        var audit = RbacExtensionTranslator.audit(rbac, path.field("audit_logging_options"), ctx);
        List<RbacPolicy> policies = new ArrayList<>();
        // Sorted, as Envoy evaluates them; also makes the first error reported stable.
        for (Map.Entry<String, Policy> e : new TreeMap<>(rbac.getPoliciesMap()).entrySet()) {
            policies.add(policy(e.getKey(), e.getValue(), path.field("policies").key(e.getKey()), ctx));
        }
        return new RbacPolicyEngine(action, policies, audit);
    }

    static RbacPolicy policy(String name, Policy p, FieldPath path, TranslationContext ctx) {
        if (p.hasCondition() && p.hasCheckedCondition()) {
            throw path.error("only one of condition and checked_condition may be set");
        }
        if (p.getPermissionsCount() == 0) {
            throw path.field("permissions").error("must have at least 1 item");
        }
        if (p.getPrincipalsCount() == 0) {
            throw path.field("principals").error("must have at least 1 item");
        }
        List<RbacMatcher> perms = new ArrayList<>();
        for (int i = 0; i < p.getPermissionsCount(); i++) {
            perms.add(permission(p.getPermissions(i), path.field("permissions").index(i)));
        }
        List<RbacMatcher> ids = new ArrayList<>();
        for (int i = 0; i < p.getPrincipalsCount(); i++) {
            ids.add(principal(p.getPrincipals(i), path.field("principals").index(i)));
        }
        CelProgram condition = p.hasCondition() ? CelEngine.parsed(p.getCondition(), path.field("condition"), ctx)
                : p.hasCheckedCondition() ? CelEngine.checked(p.getCheckedCondition(), path.field("checked_condition"))
                : null;
        // As Envoy's engine: an expression that fails or is not a boolean does not match.
        return new RbacPolicy(name, new RbacMatcher.Or(perms), new RbacMatcher.Or(ids),
                condition == null ? null : new CelCondition(condition));
    }

    /** A record, so that policies of equal conditions are equal (an unchanged config is not rebuilt). */
    private record CelCondition(CelProgram program) implements java.util.function.Predicate<io.remora.rbac.RbacInput> {
        @Override
        public boolean test(io.remora.rbac.RbacInput in) {
            return program.matches(new CelAttributes(in.streamInfo(), in, null, null));
        }
    }

    public static RbacMatcher permission(Permission p, FieldPath path) {
        return switch (p.getRuleCase()) {
            case AND_RULES -> new RbacMatcher.And(permissions(p.getAndRules().getRulesList(),
                    path.field("and_rules").field("rules")));
            case OR_RULES -> new RbacMatcher.Or(permissions(p.getOrRules().getRulesList(),
                    path.field("or_rules").field("rules")));
            case ANY -> {
                if (!p.getAny()) {
                    throw path.field("any").error("must be true");
                }
                yield new RbacMatcher.Any();
            }
            case HEADER -> header(p.getHeader(), path.field("header"));
            case URL_PATH -> urlPath(p.getUrlPath(), path.field("url_path"));
            case DESTINATION_IP -> ip(RbacMatcher.AddressKind.DESTINATION, p.getDestinationIp(),
                    path.field("destination_ip"));
            case DESTINATION_PORT -> {
                if (p.getDestinationPort() > 65535) {
                    throw path.field("destination_port").error("must be at most 65535, got "
                            + Integer.toUnsignedString(p.getDestinationPort()));
                }
                yield new RbacMatcher.DestinationPort(p.getDestinationPort());
            }
            case DESTINATION_PORT_RANGE -> {
                int start = (int) p.getDestinationPortRange().getStart();
                int end = (int) p.getDestinationPortRange().getEnd();
                FieldPath rp = path.field("destination_port_range");
                if (start < 0 || start > 65536) {
                    throw rp.field("start").error("range start " + start + " is out of bounds");
                }
                if (end < 0 || end > 65536) {
                    throw rp.field("end").error("range end " + end + " is out of bounds");
                }
                if (start >= end) {
                    throw rp.error("range start " + start + " cannot be greater or equal than range end " + end);
                }
                yield new RbacMatcher.DestinationPortRange(start, end);
            }
            case METADATA -> new RbacMatcher.Metadata(MetadataMatcherTranslator.translate(p.getMetadata(), path.field("metadata")));
            case SOURCED_METADATA -> sourced(p.getSourcedMetadata(), path.field("sourced_metadata"));
            case NOT_RULE -> new RbacMatcher.Not(permission(p.getNotRule(), path.field("not_rule")));
            case REQUESTED_SERVER_NAME -> new RbacMatcher.ServerName(
                    StringMatcherTranslator.translate(p.getRequestedServerName(), path.field("requested_server_name")));
            case MATCHER -> RbacExtensionTranslator.permission(p.getMatcher(), path.field("matcher"));
            case URI_TEMPLATE -> new RbacMatcher.UriTemplatePath(
                    UriTemplateTranslator.match(p.getUriTemplate(), path.field("uri_template")));
            case RULE_NOT_SET -> throw path.error("missing required field: one of the permission rules");
        };
    }

    public static RbacMatcher principal(Principal p, FieldPath path) {
        return switch (p.getIdentifierCase()) {
            case AND_IDS -> new RbacMatcher.And(principals(p.getAndIds().getIdsList(), path.field("and_ids").field("ids")));
            case OR_IDS -> new RbacMatcher.Or(principals(p.getOrIds().getIdsList(), path.field("or_ids").field("ids")));
            case ANY -> {
                if (!p.getAny()) {
                    throw path.field("any").error("must be true");
                }
                yield new RbacMatcher.Any();
            }
            case AUTHENTICATED -> new RbacMatcher.Authenticated(p.getAuthenticated().hasPrincipalName()
                    ? StringMatcherTranslator.translate(p.getAuthenticated().getPrincipalName(),
                    path.field("authenticated").field("principal_name"))
                    : null);
            case SOURCE_IP -> ip(RbacMatcher.AddressKind.SOURCE, p.getSourceIp(), path.field("source_ip"));
            case DIRECT_REMOTE_IP -> ip(RbacMatcher.AddressKind.DIRECT_REMOTE, p.getDirectRemoteIp(),
                    path.field("direct_remote_ip"));
            case REMOTE_IP -> ip(RbacMatcher.AddressKind.REMOTE, p.getRemoteIp(), path.field("remote_ip"));
            case HEADER -> header(p.getHeader(), path.field("header"));
            case URL_PATH -> urlPath(p.getUrlPath(), path.field("url_path"));
            case METADATA -> new RbacMatcher.Metadata(MetadataMatcherTranslator.translate(p.getMetadata(), path.field("metadata")));
            case SOURCED_METADATA -> sourced(p.getSourcedMetadata(), path.field("sourced_metadata"));
            case FILTER_STATE -> filterState(p.getFilterState(), path.field("filter_state"));
            case NOT_ID -> new RbacMatcher.Not(principal(p.getNotId(), path.field("not_id")));
            case CUSTOM -> RbacExtensionTranslator.principal(p.getCustom(), path.field("custom"));
            case IDENTIFIER_NOT_SET -> throw path.error("missing required field: one of the principal identifiers");
        };
    }

    private static List<RbacMatcher> permissions(List<Permission> in, FieldPath path) {
        if (in.isEmpty()) {
            throw path.error("must have at least 1 item");
        }
        List<RbacMatcher> out = new ArrayList<>(in.size());
        for (int i = 0; i < in.size(); i++) {
            out.add(permission(in.get(i), path.index(i)));
        }
        return out;
    }

    private static List<RbacMatcher> principals(List<Principal> in, FieldPath path) {
        if (in.isEmpty()) {
            throw path.error("must have at least 1 item");
        }
        List<RbacMatcher> out = new ArrayList<>(in.size());
        for (int i = 0; i < in.size(); i++) {
            out.add(principal(in.get(i), path.index(i)));
        }
        return out;
    }

    private static RbacMatcher header(io.envoyproxy.envoy.config.route.v3.HeaderMatcher h, FieldPath path) {
        return new RbacMatcher.Header(CompiledHeaderMatcher.forRequest(HeaderTranslator.matcher(h, path)));
    }

    private static RbacMatcher urlPath(io.envoyproxy.envoy.type.matcher.v3.PathMatcher m, FieldPath path) {
        if (!m.hasPath()) {
            throw path.field("path").error("missing required field");
        }
        return new RbacMatcher.UrlPath(StringMatcherTranslator.translate(m.getPath(), path.field("path")));
    }

    private static RbacMatcher ip(RbacMatcher.AddressKind kind, io.envoyproxy.envoy.config.core.v3.CidrRange c,
                                  FieldPath path) {
        // Envoy: an unset prefix_len is 0, which matches every address of that IP version.
        return new RbacMatcher.Ip(kind, range(c.getAddressPrefix(), c.hasPrefixLen() ? c.getPrefixLen().getValue() : 0,
                path));
    }

    static CompiledCidr range(String prefix, int len, FieldPath path) {
        return io.remora.xds.translate.FilterStateMatcherTranslator.range(prefix, len, path);
    }

    private static RbacMatcher sourced(io.envoyproxy.envoy.config.rbac.v3.SourcedMetadata s, FieldPath path) {
        if (s.getMetadataSource() != MetadataSource.DYNAMIC && s.getMetadataSource() != MetadataSource.ROUTE) {
            throw path.field("metadata_source").error("unknown metadata source " + s.getMetadataSourceValue());
        }
        if (!s.hasMetadataMatcher()) {
            throw path.field("metadata_matcher").error("missing required field");
        }
        return new RbacMatcher.Metadata(MetadataMatcherTranslator.translate(s.getMetadataMatcher(),
                path.field("metadata_matcher")), s.getMetadataSource() == MetadataSource.ROUTE);
    }

    private static RbacMatcher filterState(FilterStateMatcher f, FieldPath path) {
        return new RbacMatcher.FilterStateValue(io.remora.xds.translate.FilterStateMatcherTranslator.translate(f, path));
    }
}
