package io.remora.xds.translate;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.bootstrap.v3.CustomInlineHeader;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bootstrap fields that have no runtime of their own in Remora: the ones whose absence would
 * change what a client sees are refused, tuning and side channels are warned about once each
 * (naming the field and what happens instead), and {@code inline_headers} is validated as
 * Envoy validates it (the proxy registers its names at start-up: InlineHeaders).
 */
final class BootstrapFieldChecks {
    static final String DEFAULT_SOCKET_INTERFACE = "envoy.extensions.network.socket_interface.default_socket_interface";
    static final String DEFAULT_LISTENER_MANAGER = "envoy.config.listener.v3.ListenerManager";
    static final String GOOGLE_RE2 = "envoy.extensions.regex_engines.v3.GoogleRE2";
    static final String INTERNAL_LISTENER = "envoy.extensions.bootstrap.internal_listener.v3.InternalListener";
    static final String DEFAULT_SOCKET_INTERFACE_TYPE =
            "envoy.extensions.network.socket_interface.v3.DefaultSocketInterface";

    private BootstrapFieldChecks() {
    }

    static void check(Bootstrap b, TranslationContext ctx) {
        if (!b.getHeaderPrefix().isEmpty() && !b.getHeaderPrefix().equals("x-envoy")) {
            // Envoy renames every x-envoy- header it reads and writes: clients' retry and timeout
            // headers would mean something else here.
            throw FieldPath.of("header_prefix").error("not supported: Remora's headers keep the x-envoy prefix");
        }
        for (int i = 0; i < b.getInlineHeadersCount(); i++) {
            inlineHeader(b.getInlineHeaders(i), FieldPath.of("inline_headers").index(i));
        }
        if (b.hasDefaultRegexEngine() && !Protos.typeName(b.getDefaultRegexEngine().getTypedConfig()).equals(GOOGLE_RE2)) {
            // Every safe_regex here is RE2 semantics (re2j); another engine would match differently.
            throw FieldPath.of("default_regex_engine").field("typed_config").error("only " + GOOGLE_RE2
                    + " is supported, not " + Protos.typeName(b.getDefaultRegexEngine().getTypedConfig()));
        }
        for (int i = 0; i < b.getBootstrapExtensionsCount(); i++) {
            bootstrapExtension(b.getBootstrapExtensions(i), FieldPath.of("bootstrap_extensions").index(i), ctx);
        }
        Map<String, String> unbuilt = new LinkedHashMap<>();
        if (b.getFatalActionsCount() > 0) {
            unbuilt.put("fatal_actions", "no actions run when the proxy crashes");
        }
        if (b.hasHdsConfig()) {
            unbuilt.put("hds_config", "no health discovery service: the management server gets no health reports");
        }
        String xdstp = "used only to resolve xdstp:// resource names, which Remora does not";
        if (b.hasDefaultConfigSource()) {
            unbuilt.put("default_config_source", xdstp);
        }
        if (b.getConfigSourcesCount() > 0) {
            unbuilt.put("config_sources", xdstp);
        }
        if (b.getNodeContextParamsCount() > 0) {
            unbuilt.put("node_context_params", xdstp);
        }
        if (b.getCertificateProviderInstancesCount() > 0) {
            unbuilt.put("certificate_provider_instances", "no certificate provider is built; TLS contexts naming one are"
                    + " refused");
        }
        if (b.hasXdsDelegateExtension()) {
            unbuilt.put("xds_delegate_extension", "xDS resources are neither stored nor loaded by a delegate");
        }
        if (b.hasXdsConfigTrackerExtension()) {
            unbuilt.put("xds_config_tracker_extension", "no tracker is told of xDS updates");
        }
        if (b.hasListenerManager() && !Protos.typeName(b.getListenerManager().getTypedConfig())
                .equals(DEFAULT_LISTENER_MANAGER)) {
            unbuilt.put("listener_manager", "the default listener manager runs");
        }
        if (b.hasGrpcAsyncClientManagerConfig()) {
            unbuilt.put("grpc_async_client_manager_config", "gRPC clients are not cached by this manager");
        }
        if (b.hasMemoryAllocatorManager()) {
            unbuilt.put("memory_allocator_manager", "the JVM's collector returns memory, not tcmalloc");
        }
        if (b.getDeferredStatOptions().getEnableDeferredCreationStats()) {
            unbuilt.put("deferred_stat_options.enable_deferred_creation_stats", "stats are created eagerly");
        }
        if (!b.getPerfTracingFilePath().isEmpty()) {
            unbuilt.put("perf_tracing_file_path", "no Perfetto trace is written");
        }
        if (!b.getAdmin().getProfilePath().isEmpty()) {
            unbuilt.put("admin.profile_path", "there is no /cpuprofiler endpoint");
        }
        if (b.getClusterManager().getEnableDeferredClusterCreation()) {
            unbuilt.put("cluster_manager.enable_deferred_cluster_creation", "clusters are created eagerly");
        }
        if (b.getClusterManager().getOutlierDetection().hasEventService()) {
            unbuilt.put("cluster_manager.outlier_detection.event_service", "not implemented in Envoy either;"
                    + " event_log_path writes the events");
        }
        if (!b.getDefaultSocketInterface().isEmpty() && !b.getDefaultSocketInterface().equals(DEFAULT_SOCKET_INTERFACE)) {
            unbuilt.put("default_socket_interface", "sockets are Netty's (epoll, else NIO)");
        }
        unbuilt.forEach((field, effect) -> ctx.warnOnce("bootstrap." + field, "bootstrap " + field
                + " is not supported (" + effect + "); ignoring " + FieldPath.of(field)));
    }

    /**
     * {@code bootstrap_extensions}: internal listeners and the default socket interface are built in
     * (nothing to configure); any other extension is not built, and named in one warning.
     */
    private static void bootstrapExtension(io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig e, FieldPath path,
                                           TranslationContext ctx) {
        String type = Protos.typeName(e.getTypedConfig());
        if (type.equals(INTERNAL_LISTENER) && Protos.isTypedStruct(e.getTypedConfig())) {
            return; // Istio's form, without buffer_size_kb
        }
        if (type.equals(INTERNAL_LISTENER)) {
            var il = Protos.unpack(e.getTypedConfig(),
                    io.envoyproxy.envoy.extensions.bootstrap.internal_listener.v3.InternalListener.class,
                    path.field("typed_config"));
            if (il.hasBufferSizeKb()) {
                ctx.warnOnce("bootstrap.internal_listener.buffer_size_kb", "internal listener connections are"
                        + " unix socket pairs with the kernel's buffers; ignoring "
                        + path.field("typed_config").field("buffer_size_kb"));
            }
            return;
        }
        if (type.equals(DEFAULT_SOCKET_INTERFACE_TYPE)) {
            return;
        }
        ctx.warnOnce("bootstrap_extensions:" + type, "bootstrap extension '" + e.getName() + "' (" + type
                + ") is not supported; ignoring " + path);
    }

    /** Envoy's checks: a non-empty header name (no NUL, CR or LF), a known type, and not set-cookie. */
    private static void inlineHeader(CustomInlineHeader h, FieldPath path) {
        String name = h.getInlineHeaderName();
        if (name.isEmpty()) {
            throw path.field("inline_header_name").error("must not be empty");
        }
        if (name.indexOf('\0') >= 0 || name.indexOf('\r') >= 0 || name.indexOf('\n') >= 0) {
            throw path.field("inline_header_name").error("not a valid header name");
        }
        if (h.getInlineHeaderType() == CustomInlineHeader.InlineHeaderType.UNRECOGNIZED) {
            throw path.field("inline_header_type").error("unknown type " + h.getInlineHeaderTypeValue());
        }
        if (name.equalsIgnoreCase("set-cookie")) {
            throw path.field("inline_header_name").error("Header " + name + " cannot be registered as an inline header.");
        }
    }
}
