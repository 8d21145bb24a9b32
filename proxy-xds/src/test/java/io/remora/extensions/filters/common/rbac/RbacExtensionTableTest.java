package io.remora.extensions.filters.common.rbac;

import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.remora.extensions.filters.common.rbac.RbacEngineTableTest.Input;
import io.remora.rbac.RbacAuditLog;
import io.remora.rbac.RbacAuditOptions;
import io.remora.rbac.RbacEngine;
import io.remora.rbac.RbacPolicyEngine;
import io.remora.xds.bootstrap.ConfigDocuments;
import io.remora.xds.bootstrap.ProtoJson;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.stream.Stream;

import static io.remora.extensions.filters.common.rbac.RbacEngineTableTest.SLEEP;
import static io.remora.extensions.filters.common.rbac.RbacEngineTableTest.permission;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RBAC extension points Remora builds: the upstream_ip_port permission matcher over the
 * {@code envoy.stream.upstream_address} filter state, audit_logging_options (which decisions
 * are audited, the line written) and the configs refused with their field paths. The
 * mtls_authenticated principal needs a real handshake: RbacAuditMtlsE2ETest.
 */
class RbacExtensionTableTest {

    static final String KEY = "envoy.stream.upstream_address";

    static String upstream(String fields) {
        return "{matcher: {name: up, typed_config: {'@type': type.googleapis.com/envoy.extensions.rbac.matchers"
                + ".upstream_ip_port.v3.UpstreamIpPortMatcher" + fields + "}}}";
    }

    static RbacPolicyEngine rules(String yaml, TranslationContext ctx) {
        RBAC.Builder b = RBAC.newBuilder();
        ProtoJson.merge(ConfigDocuments.parseYaml(yaml, "rbac.yaml"), b, FieldPath.ROOT, TranslationContext.lenient());
        return RbacTranslator.engine(b.build(), FieldPath.of("rules"), ctx);
    }

    static String audited(String options) {
        return "action: DENY\npolicies:\n  no-admin:\n    permissions: [{url_path: {path: {prefix: /admin}}}]\n"
                + "    principals: [{any: true}]\naudit_logging_options: " + options + "\n";
    }

    static final String STDOUT = "{audit_logger: {name: out, typed_config: {'@type': type.googleapis.com/envoy"
            + ".extensions.rbac.audit_loggers.stream.v3.StdoutAuditLog}}}";

    @Test
    void upstreamIpAndPortFromTheFilterState() {
        RbacEngine both = permission(upstream(", upstream_ip: {address_prefix: 10.1.0.0, prefix_len: 16},"
                + " upstream_port_range: {start: 443, end: 444}"));
        assertTrue(both.evaluate(Input.request().state(KEY, "10.1.2.3:443")).allowed());
        // Envoy's port check includes the end.
        assertTrue(both.evaluate(Input.request().state(KEY, "10.1.2.3:444")).allowed());
        assertFalse(both.evaluate(Input.request().state(KEY, "10.1.2.3:445")).allowed());
        assertFalse(both.evaluate(Input.request().state(KEY, "10.2.0.1:443")).allowed());
        // Nothing saved the upstream address: no match.
        assertFalse(both.evaluate(Input.request()).allowed());
        assertFalse(both.evaluate(Input.request().state(KEY, "not an address")).allowed());
        RbacEngine ipOnly = permission(upstream(", upstream_ip: {address_prefix: '::1', prefix_len: 128}"));
        assertTrue(ipOnly.evaluate(Input.request().state(KEY, "[::1]:8443")).allowed());
        assertFalse(ipOnly.evaluate(Input.request().state(KEY, "127.0.0.1:8443")).allowed());
        RbacEngine portOnly = permission(upstream(", upstream_port_range: {start: 80, end: 80}"));
        assertTrue(portOnly.evaluate(Input.request().state(KEY, "192.0.2.1:80")).allowed());
        assertFalse(portOnly.evaluate(Input.request().state(KEY, "192.0.2.1:8080")).allowed());
        // A negative start is only a low bound, as Envoy compares; the end still applies.
        RbacEngine below = permission(upstream(", upstream_port_range: {start: -5, end: 80}"));
        assertTrue(below.evaluate(Input.request().state(KEY, "192.0.2.1:80")).allowed());
        assertFalse(below.evaluate(Input.request().state(KEY, "192.0.2.1:81")).allowed());
    }

    @Test
    void auditConditionsAreDecisionsNotActions() {
        assertNull(rules(audited("{audit_condition: ON_DENY}"), TranslationContext.lenient()).audit(),
                "no logger: nothing to audit");
        assertNull(rules(audited("{audit_condition: NONE, logger_configs: [" + STDOUT + "]}"),
                TranslationContext.lenient()).audit());
        RbacAuditOptions deny = rules(audited("{audit_condition: ON_DENY, logger_configs: [" + STDOUT + "]}"),
                TranslationContext.lenient()).audit();
        assertEquals(new RbacAuditOptions(RbacAuditOptions.Condition.ON_DENY, 1), deny);
        assertTrue(deny.audits(false));
        assertFalse(deny.audits(true));
        RbacAuditOptions allow = new RbacAuditOptions(RbacAuditOptions.Condition.ON_ALLOW, 1);
        assertTrue(allow.audits(true));
        assertFalse(allow.audits(false));
        RbacAuditOptions every = new RbacAuditOptions(RbacAuditOptions.Condition.ON_DENY_AND_ALLOW, 2);
        assertTrue(every.audits(true) && every.audits(false));
    }

    @Test
    void anUnknownLoggerIsSkippedWithAWarningOptionalOrNot() {
        // Envoy accepts audit_logging_options and ignores it: a logger Remora lacks must not refuse the config.
        for (String optional : new String[] {"true", "false"}) {
            TranslationContext ctx = TranslationContext.lenient();
            RbacAuditOptions o = rules(audited("{audit_condition: ON_DENY_AND_ALLOW, logger_configs: [" + STDOUT
                    + ", {audit_logger: {name: custom, typed_config: {'@type': type.googleapis.com/google.protobuf.Struct}},"
                    + " is_optional: " + optional + "}]}"), ctx).audit();
            assertEquals(1, o.stdoutLoggers());
            assertTrue(ctx.warnings().stream().anyMatch(w -> w.contains("skipping RBAC audit logger 'custom'")),
                    ctx.warnings().toString());
        }
    }

    @Test
    void theAuditLineIsGrpcsStdoutLoggerLine() {
        RbacPolicyEngine e = rules(audited("{audit_condition: ON_DENY, logger_configs: [" + STDOUT + "]}"),
                TranslationContext.lenient());
        Input admin = Input.request().headers(new io.netty.handler.codec.http2.DefaultHttp2Headers()
                .path("/admin/\"x\"")).peer(SLEEP);
        RbacEngine.Decision d = e.evaluate(admin);
        assertEquals("{\"grpc_audit_log\":{\"timestamp\":\"2026-01-02T03:04:05.006Z\",\"rpc_method\":\"/admin/\\\"x\\\"\","
                + "\"principal\":\"spiffe://cluster.local/ns/default/sa/sleep\",\"policy_name\":\"envoy.filters.http.rbac\","
                + "\"matched_rule\":\"no-admin\",\"authorized\":false}}\n",
                RbacAuditLog.line(Instant.parse("2026-01-02T03:04:05.006Z"), admin, "envoy.filters.http.rbac", d));
        // A connection without TLS or headers: empty method and principal, no rule matched.
        Input plain = Input.request().headers(new io.netty.handler.codec.http2.DefaultHttp2Headers());
        assertEquals("{\"grpc_audit_log\":{\"timestamp\":\"2026-01-02T03:04:05Z\",\"rpc_method\":\"\",\"principal\":\"\","
                + "\"policy_name\":\"envoy.filters.network.rbac\",\"matched_rule\":\"\",\"authorized\":true}}\n",
                RbacAuditLog.line(Instant.parse("2026-01-02T03:04:05Z"), plain, "envoy.filters.network.rbac",
                        e.evaluate(plain)));
    }

    static Stream<Arguments> refusals() {
        String any = "action: ALLOW\npolicies:\n  p:\n    permissions: [{any: true}]\n    principals: [%s]\n";
        String perm = "action: ALLOW\npolicies:\n  p:\n    permissions: [%s]\n    principals: [{any: true}]\n";
        return Stream.of(
                Arguments.of("upstream_ip_port needs ip or port", perm.formatted(upstream("")),
                        "rules.policies[\"p\"].permissions[0].matcher.typed_config",
                        "missing `upstream_ip` and/or `upstream_port_range`"),
                Arguments.of("upstream_ip needs a prefix", perm.formatted(upstream(", upstream_ip: {prefix_len: 8}")),
                        "rules.policies[\"p\"].permissions[0].matcher.typed_config.upstream_ip.address_prefix",
                        "missing required field"),
                Arguments.of("unknown permission matcher", perm.formatted("{matcher: {name: x, typed_config: {'@type':"
                                + " type.googleapis.com/google.protobuf.Struct}}}"),
                        "rules.policies[\"p\"].permissions[0].matcher.typed_config",
                        "RBAC matcher extension 'x' of type 'google.protobuf.Struct' is not supported"),
                Arguments.of("mtls_authenticated needs a validation", any.formatted("{custom: {name: m, typed_config:"
                                + " {'@type': type.googleapis.com/envoy.extensions.rbac.principals.mtls_authenticated"
                                + ".v3.Config}}}"),
                        "rules.policies[\"p\"].principals[0].custom.typed_config",
                        "At least one configuration field must be set"),
                Arguments.of("san_matcher needs a type", any.formatted("{custom: {name: m, typed_config: {'@type':"
                                + " type.googleapis.com/envoy.extensions.rbac.principals.mtls_authenticated.v3.Config,"
                                + " san_matcher: {matcher: {exact: x}}}}}"),
                        "rules.policies[\"p\"].principals[0].custom.typed_config.san_matcher.san_type",
                        "san_type is required"),
                Arguments.of("unknown custom principal", any.formatted("{custom: {name: c, typed_config: {'@type':"
                                + " type.googleapis.com/google.protobuf.Struct}}}"),
                        "rules.policies[\"p\"].principals[0].custom.typed_config",
                        "custom principal extension 'c' of type 'google.protobuf.Struct' is not supported"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refuses(String name, String yaml, String path, String message) {
        TranslationException e = assertThrows(TranslationException.class,
                () -> rules(yaml, TranslationContext.lenient()));
        assertEquals(path, e.path());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
