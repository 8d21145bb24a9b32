package io.remora.extensions.filters.common.rbac;

import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.rbac.matchers.upstream_ip_port.v3.UpstreamIpPortMatcher;
import io.envoyproxy.envoy.extensions.rbac.principals.mtls_authenticated.v3.Config;
import io.remora.matching.CompiledCidr;
import io.remora.rbac.RbacAuditOptions;
import io.remora.rbac.RbacMatcher;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.SecretTranslator;
import io.remora.xds.translate.TranslationContext;

/**
 * The RBAC extension points Remora builds: the {@code custom} principal
 * {@code mtls_authenticated}, the permission {@code matcher} {@code upstream_ip_port}, and the
 * audit loggers of {@code audit_logging_options} (the stdout logger). Any other extension is
 * refused with its field path: skipping part of a policy would change who may pass. An unknown
 * audit logger is skipped with a warning, optional or not: Envoy accepts and ignores
 * {@code audit_logging_options} (gRPC implements it), so refusing would turn away configs it runs.
 */
final class RbacExtensionTranslator {

    static final String MTLS_AUTHENTICATED = "envoy.extensions.rbac.principals.mtls_authenticated.v3.Config";
    static final String UPSTREAM_IP_PORT = "envoy.extensions.rbac.matchers.upstream_ip_port.v3.UpstreamIpPortMatcher";
    static final String STDOUT_AUDIT_LOG = "envoy.extensions.rbac.audit_loggers.stream.v3.StdoutAuditLog";

    private RbacExtensionTranslator() {
    }

    /** {@code Principal.custom}; path is the custom field's. */
    static RbacMatcher principal(TypedExtensionConfig c, FieldPath path) {
        FieldPath tp = path.field("typed_config");
        Config m = unpack(c, tp, MTLS_AUTHENTICATED, Config.class, "custom principal extension");
        if (!m.hasSanMatcher() && !m.getAnyValidatedClientCertificate()) {
            throw tp.error("envoy.rbac.principals.mtls_authenticated did not have any configured validation."
                    + " At least one configuration field must be set.");
        }
        // A SAN matcher takes precedence over any_validated_client_certificate (both need a validated peer).
        return new RbacMatcher.MtlsAuthenticated(m.hasSanMatcher()
                ? SecretTranslator.san(m.getSanMatcher(), tp.field("san_matcher")) : null);
    }

    /** {@code Permission.matcher}; path is the matcher field's. */
    static RbacMatcher permission(TypedExtensionConfig c, FieldPath path) {
        FieldPath tp = path.field("typed_config");
        UpstreamIpPortMatcher m = unpack(c, tp, UPSTREAM_IP_PORT, UpstreamIpPortMatcher.class,
                "RBAC matcher extension");
        if (!m.hasUpstreamIp() && !m.hasUpstreamPortRange()) {
            throw tp.error("Invalid UpstreamIpPortMatcher configuration - missing `upstream_ip` and/or"
                    + " `upstream_port_range`");
        }
        CompiledCidr cidr = null;
        if (m.hasUpstreamIp()) {
            var ip = m.getUpstreamIp();
            cidr = RbacTranslator.range(ip.getAddressPrefix(), ip.hasPrefixLen() ? ip.getPrefixLen().getValue() : 0,
                    tp.field("upstream_ip"));
        }
        return m.hasUpstreamPortRange()
                ? new RbacMatcher.UpstreamIpPort(cidr, m.getUpstreamPortRange().getStart(),
                m.getUpstreamPortRange().getEnd())
                : new RbacMatcher.UpstreamIpPort(cidr, RbacMatcher.UpstreamIpPort.NO_PORT_START,
                RbacMatcher.UpstreamIpPort.NO_PORT_END);
    }

    /** The extension's config when it is of the one supported type; else refused at tp. */
    private static <M extends com.google.protobuf.Message> M unpack(TypedExtensionConfig c, FieldPath tp,
                                                                   String supported, Class<M> type, String what) {
        String name = c.hasTypedConfig() ? Protos.typeName(c.getTypedConfig()) : "";
        if (!name.equals(supported)) {
            throw tp.error(what + " '" + c.getName() + "' of type '" + name + "' is not supported (supported: "
                    + supported + ")");
        }
        return Protos.unpack(c.getTypedConfig(), type, tp);
    }

    /** {@code RBAC.audit_logging_options}, or null when nothing would ever be audited. */
    static RbacAuditOptions audit(RBAC rbac, FieldPath path, TranslationContext ctx) {
        if (!rbac.hasAuditLoggingOptions()) {
            return null;
        }
        var o = rbac.getAuditLoggingOptions();
        RbacAuditOptions.Condition condition = switch (o.getAuditCondition()) {
            case NONE -> RbacAuditOptions.Condition.NONE;
            case ON_DENY -> RbacAuditOptions.Condition.ON_DENY;
            case ON_ALLOW -> RbacAuditOptions.Condition.ON_ALLOW;
            case ON_DENY_AND_ALLOW -> RbacAuditOptions.Condition.ON_DENY_AND_ALLOW;
            case UNRECOGNIZED -> throw path.field("audit_condition").error("value must be one of the defined"
                    + " enum values, got " + o.getAuditConditionValue());
        };
        int stdout = 0;
        for (int i = 0; i < o.getLoggerConfigsCount(); i++) {
            var lc = o.getLoggerConfigs(i);
            var logger = lc.getAuditLogger();
            FieldPath lp = path.field("logger_configs").index(i).field("audit_logger");
            String type = logger.hasTypedConfig() ? Protos.typeName(logger.getTypedConfig()) : "";
            if (type.equals(STDOUT_AUDIT_LOG)) {
                stdout++;
            } else {
                ctx.warnOnce("rbac:audit_logger:" + type, "skipping RBAC audit logger '" + logger.getName()
                        + "' of unsupported type '" + type + "' (supported: " + STDOUT_AUDIT_LOG + "), first at " + lp);
            }
        }
        return condition == RbacAuditOptions.Condition.NONE || stdout == 0 ? null
                : new RbacAuditOptions(condition, stdout);
    }
}
