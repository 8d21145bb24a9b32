package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.remora.extensions.filters.http.ext_authz.GrpcServiceConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code config.core.v3.GrpcService}, for every gRPC client Remora has (ext_authz, ext_proc, rate limit, access
 * log service, metrics service, OpenTelemetry stats and tracing, SkyWalking, xDS): the one place that knows which of
 * its fields are honoured. A field that would change how Envoy's client behaves and that Remora's clients cannot
 * honour is refused by name, never dropped.
 */
public final class GrpcServiceTranslator {

    /** Envoy's default for the side-call clients that do not set their own. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(200);

    private GrpcServiceTranslator() {
    }

    /**
     * An {@code envoy_grpc} service: its cluster (which must exist), authority (the cluster name when empty),
     * {@code timeout} (200 ms when unset) and {@code initial_metadata}.
     */
    public static GrpcServiceConfig envoyGrpc(GrpcService g, boolean packAsBytes, FieldPath path,
                                              TranslationContext ctx) {
        checkRetries(g, path);
        return build(g, packAsBytes, path, ctx, null);
    }

    /**
     * As {@link #envoyGrpc}, for the clients whose calls are retried by the service's {@code retry_policy}
     * (ext_authz, network ext_authz, rate limit, ext_proc streams): it is built into the config
     * ({@link GrpcRetryPolicyTranslator}).
     */
    public static GrpcServiceConfig retryingEnvoyGrpc(GrpcService g, boolean packAsBytes, FieldPath path,
                                                      TranslationContext ctx) {
        warnEnvoyGrpcRetries(g, path);
        return build(g, packAsBytes, path, ctx, GrpcRetryPolicyTranslator.of(g, path));
    }

    /**
     * As {@link #retryingEnvoyGrpc}, the cluster not required to exist: Envoy's ext_proc makes its
     * client with {@code skip_cluster_check}, so a missing cluster fails each stream as it starts.
     */
    public static GrpcServiceConfig retryingEnvoyGrpcAnyCluster(GrpcService g, FieldPath path) {
        warnEnvoyGrpcRetries(g, path);
        return build(g, false, path, TranslationContext.lenient(), GrpcRetryPolicyTranslator.of(g, path));
    }

    /**
     * As {@link #retryingEnvoyGrpc}, for the clients on grpc-java channels (the gRPC access loggers): their retries
     * go by gRPC status alone, so what else the policy names is warned about by path
     * ({@link GrpcRetryPolicyTranslator#warnStatusOnly}).
     */
    public static GrpcServiceConfig statusRetryingEnvoyGrpc(GrpcService g, FieldPath path, TranslationContext ctx) {
        warnEnvoyGrpcRetries(g, path);
        return build(g, false, path, ctx, statusRetryPolicy(g, path));
    }

    /**
     * The {@code retry_policy} of a service whose client runs on a grpc-java channel (null: none), what grpc-java's
     * retries cannot apply warned about by path ({@link GrpcRetryPolicyTranslator#warnStatusOnly}).
     */
    public static io.remora.config.RetryPolicy statusRetryPolicy(GrpcService g, FieldPath path) {
        io.remora.config.RetryPolicy r = GrpcRetryPolicyTranslator.of(g, path);
        if (r != null) {
            GrpcRetryPolicyTranslator.warnStatusOnly(r, path.field("retry_policy"));
        }
        return r;
    }

    private static GrpcServiceConfig build(GrpcService g, boolean packAsBytes, FieldPath path, TranslationContext ctx,
                                           io.remora.config.RetryPolicy retry) {
        if (g.hasGoogleGrpc()) {
            throw path.field("google_grpc").error("google_grpc is not supported; use envoy_grpc with a cluster");
        }
        if (!g.hasEnvoyGrpc()) {
            throw path.error("missing required field: envoy_grpc");
        }
        String cluster = clusterName(g, path, ctx);
        String authority = g.getEnvoyGrpc().getAuthority().isEmpty() ? cluster : g.getEnvoyGrpc().getAuthority();
        Duration timeout = g.hasTimeout() ? timeout(g, path) : DEFAULT_TIMEOUT;
        return new GrpcServiceConfig(cluster, authority, timeout, initialMetadata(g, path), packAsBytes,
                maxReceiveMessageLength(g), g.getEnvoyGrpc().getSkipEnvoyHeaders(), retry);
    }

    /**
     * The cluster of an {@code envoy_grpc} service (which must exist), after {@link #checkSupported}; for clients
     * that take only the cluster and authority.
     */
    public static String cluster(GrpcService g, FieldPath path, TranslationContext ctx) {
        checkSupported(g, path);
        return clusterName(g, path, ctx);
    }

    private static String clusterName(GrpcService g, FieldPath path, TranslationContext ctx) {
        FieldPath cp = path.field("envoy_grpc").field("cluster_name");
        String cluster = g.getEnvoyGrpc().getClusterName();
        if (cluster.isEmpty()) {
            throw cp.error("must not be empty");
        }
        ctx.requireCluster(cp, cluster);
        return cluster;
    }

    /** {@code timeout}: Envoy's validation allows 0 (no deadline), never a negative one. */
    public static Duration timeout(GrpcService g, FieldPath path) {
        Duration d = Protos.duration(g.getTimeout());
        if (d.isNegative()) {
            throw path.field("timeout").error("must not be negative");
        }
        return d;
    }

    /** {@code initial_metadata}, keys lower-cased as Envoy's header map stores them. */
    public static List<Map.Entry<String, String>> initialMetadata(GrpcService g, FieldPath path) {
        return metadata(g.getInitialMetadataList(), path.field("initial_metadata"));
    }

    /** Metadata entries for a call (at {@code path}), keys lower-cased; an empty key is refused. */
    public static List<Map.Entry<String, String>> metadata(List<HeaderValue> headers, FieldPath path) {
        List<Map.Entry<String, String>> md = new ArrayList<>();
        for (int i = 0; i < headers.size(); i++) {
            HeaderValue h = headers.get(i);
            if (h.getKey().isEmpty()) {
                throw path.index(i).field("key").error("must not be empty");
            }
            md.add(Map.entry(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
        }
        return md;
    }

    /**
     * {@code envoy_grpc.max_receive_message_length}: 0 (unset, or set to 0) is no limit; a uint32 beyond an int's
     * range is as good as none.
     */
    public static int maxReceiveMessageLength(GrpcService g) {
        long v = Integer.toUnsignedLong(g.getEnvoyGrpc().getMaxReceiveMessageLength().getValue());
        return (int) Math.min(v, Integer.MAX_VALUE);
    }

    /**
     * For clients that apply no receive limit and do not retry: refuses {@code retry_policy} (see
     * {@link #checkRetries}) and {@code envoy_grpc.max_receive_message_length} (Envoy fails the stream
     * RESOURCE_EXHAUSTED on a larger answer).
     */
    public static void checkSupported(GrpcService g, FieldPath path) {
        checkRetries(g, path);
        if (g.hasEnvoyGrpc() && g.getEnvoyGrpc().hasMaxReceiveMessageLength()) {
            throw path.field("envoy_grpc").field("max_receive_message_length").error("not supported by this gRPC"
                    + " client");
        }
    }

    /**
     * For the clients that do not retry their calls (the metrics service's and SkyWalking's streams):
     * refuses {@code retry_policy}, by which Envoy's async client would retry them (see
     * {@link #retryingEnvoyGrpc} for those that do), and warns about {@code envoy_grpc.retry_policy}.
     * {@code skip_envoy_headers} is kept by {@link #envoyGrpc}: ext_authz, rate limit and ext_proc calls carry
     * x-envoy-internal and x-forwarded-for unless it is set; the grpc-java clients send neither either way
     * (docs/config-translation.md).
     */
    public static void checkRetries(GrpcService g, FieldPath path) {
        if (g.hasRetryPolicy()) {
            throw path.field("retry_policy").error("not supported by this gRPC client: its calls are not retried"
                    + " (ext_authz, rate limit, ext_proc and OpenTelemetry export calls are)");
        }
        warnEnvoyGrpcRetries(g, path);
    }

    /**
     * {@code envoy_grpc.retry_policy} paces the reconnects of xDS streams only (XdsServiceOptions); Envoy's other
     * clients do not read it ("currently only supported for xDS gRPC streams"): warned about by path.
     */
    private static void warnEnvoyGrpcRetries(GrpcService g, FieldPath path) {
        if (g.hasEnvoyGrpc() && g.getEnvoyGrpc().hasRetryPolicy()) {
            FieldPath ep = path.field("envoy_grpc").field("retry_policy");
            TranslationContext.warnOnceWithoutContext("envoy_grpc.retry_policy:" + ep, "ignoring " + ep + ": only xDS"
                    + " streams read it (their reconnect back-off), as in Envoy; retry_policy retries a call");
        }
    }

    /** The channel args grpc-java's TLS channel can honour (see XdsTls); none on a plaintext one. */
    private static final java.util.Set<String> TLS_CHANNEL_ARGS = java.util.Set.of("grpc.ssl_target_name_override",
            "grpc.default_authority");

    private static void checkChannelArgs(GrpcService.GoogleGrpc gg, boolean tls, FieldPath path) {
        for (var e : new java.util.TreeMap<>(gg.getChannelArgs().getArgsMap()).entrySet()) {
            FieldPath ap = path.field("args").key(e.getKey());
            if (!tls || !TLS_CHANNEL_ARGS.contains(e.getKey())) {
                throw ap.error("not supported: grpc-java takes no gRPC core channel args but "
                        + String.join(" and ", new java.util.TreeSet<>(TLS_CHANNEL_ARGS))
                        + " on an ssl_credentials channel");
            }
            if (!e.getValue().hasStringValue()) {
                throw ap.error("must be a string_value");
            }
        }
    }

    /**
     * A {@code google_grpc} service for a client that dials its {@code target_uri} itself: what it cannot honour
     * is refused by name. {@code channel_credentials.ssl_credentials} is built only by clients that take
     * {@code sslAllowed}, with the channel args naming the TLS server name and the authority; the others
     * (google_default, local_credentials), call credentials, other channel args and the per-stream buffer limit
     * would change the channel in ways grpc-java's plaintext or TLS channel does not.
     */
    public static void checkGoogleGrpc(GrpcService g, boolean sslAllowed, FieldPath path) {
        checkSupported(g, path);
        GrpcService.GoogleGrpc gg = g.getGoogleGrpc();
        FieldPath gp = path.field("google_grpc");
        if (gg.hasChannelCredentials()) {
            var cc = gg.getChannelCredentials();
            FieldPath cp = gp.field("channel_credentials");
            if (!cc.hasSslCredentials()) {
                throw cp.field(cc.hasGoogleDefault() ? "google_default" : "local_credentials")
                        .error("not supported: only ssl_credentials are");
            }
            if (!sslAllowed) {
                throw cp.error("not supported by this gRPC client: its google_grpc channel is plaintext;"
                        + " use envoy_grpc with a TLS cluster");
            }
        }
        if (gg.getCallCredentialsCount() > 0) {
            throw gp.field("call_credentials").error("not supported: the calls would go without them");
        }
        if (!gg.getCredentialsFactoryName().isEmpty()) {
            throw gp.field("credentials_factory_name").error("not supported");
        }
        if (gg.hasConfig()) {
            throw gp.field("config").error("not supported");
        }
        if (gg.hasChannelArgs() && gg.getChannelArgs().getArgsCount() > 0) {
            checkChannelArgs(gg, sslAllowed && gg.getChannelCredentials().hasSslCredentials(), gp.field("channel_args"));
        }
        if (gg.hasPerStreamBufferLimitBytes()) {
            throw gp.field("per_stream_buffer_limit_bytes").error("not supported");
        }
        if (!gg.getStatPrefix().isEmpty()) {
            // Envoy counts the client's streams under grpc.<stat_prefix>. (streams_total, streams_closed_<status>).
            TranslationContext.warnOnceWithoutContext("google_grpc.stat_prefix:" + gp, "google_grpc stat_prefix is not"
                    + " supported (no grpc." + gg.getStatPrefix() + ".streams_total or streams_closed_<status> counters"
                    + " are kept); ignoring " + gp.field("stat_prefix"));
        }
    }
}
