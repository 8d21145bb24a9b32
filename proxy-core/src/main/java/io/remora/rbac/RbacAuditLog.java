package io.remora.rbac;

import io.remora.accesslog.AccessLogWriter;
import io.remora.util.JsonStrings;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.time.Instant;

/**
 * The stdout RBAC audit logger ({@code envoy.extensions.rbac.audit_loggers.stream.v3.StdoutAuditLog}).
 * Envoy declares the logger but only gRPC implements it, so its line is gRPC's (gRFC A59):
 * <pre>{"grpc_audit_log":{"timestamp":"...","rpc_method":"/pkg.S/M","principal":"spiffe://...",
 * "policy_name":"...","matched_rule":"...","authorized":true}}</pre>
 * rpc_method is the request's {@code :path} ("" for a connection), principal the peer
 * certificate's first URI SAN, else DNS SAN, else subject ("" without TLS), policy_name the
 * filter's name, matched_rule the policy that matched ("" when none). Lines go through a queue
 * to a writer thread, so an event loop never waits on stdout; a full queue drops the line.
 */
public final class RbacAuditLog {

    private static final long FLUSH_MILLIS = 100;
    private static final int QUEUE_CAPACITY = 16 * 1024;

    private RbacAuditLog() {
    }

    /** Started on the first audited decision: a proxy without audit options runs no writer thread. */
    private static final class Stdout {
        static final AccessLogWriter OUT = AccessLogWriter.stream("rbac-audit-stdout",
                new FileOutputStream(FileDescriptor.out), FLUSH_MILLIS, QUEUE_CAPACITY);
    }

    /** Writes the decision's audit lines when the engine's options ask for it. */
    public static void record(RbacEngine engine, RbacEngine.Decision d, RbacInput in, String policyName) {
        if (!(engine instanceof RbacPolicyEngine p) || p.audit() == null || !p.audit().audits(d.allowed())) {
            return;
        }
        String line = line(Instant.now(), in, policyName, d);
        for (int i = 0; i < p.audit().stdoutLoggers(); i++) {
            Stdout.OUT.write(line);
        }
    }

    /** One audit line (newline included). */
    public static String line(Instant now, RbacInput in, String policyName, RbacEngine.Decision d) {
        CharSequence path = in.headers() == null ? null : in.headers().path();
        StringBuilder sb = new StringBuilder(256).append("{\"grpc_audit_log\":{\"timestamp\":\"").append(now)
                .append("\",\"rpc_method\":");
        JsonStrings.quote(sb, path == null ? "" : path.toString());
        sb.append(",\"principal\":");
        JsonStrings.quote(sb, principal(in.peerIdentity()));
        sb.append(",\"policy_name\":");
        JsonStrings.quote(sb, policyName);
        sb.append(",\"matched_rule\":");
        JsonStrings.quote(sb, d.policyId() == null ? "" : d.policyId());
        return sb.append(",\"authorized\":").append(d.allowed()).append("}}\n").toString();
    }

    private static String principal(PeerIdentity peer) {
        if (peer == null) {
            return "";
        }
        if (!peer.uriSans().isEmpty()) {
            return peer.uriSans().get(0);
        }
        return !peer.dnsSans().isEmpty() ? peer.dnsSans().get(0) : peer.subject();
    }
}
