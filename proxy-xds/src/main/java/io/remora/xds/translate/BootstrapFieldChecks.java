package io.remora.xds.translate;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.bootstrap.v3.CustomInlineHeader;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bootstrap fields that have no runtime of their own in Remora: the ones whose absence would
 * change what a client sees are refused, tuning and side channels are warned about once each
 * (naming the field and what happens instead), and {@code inline_headers} is validated as
 * Envoy validates it, then needs nothing (it is a header map layout hint).
 */
final class BootstrapFieldChecks {
    static final String DEFAULT_SOCKET_INTERFACE = "envoy.extensions.network.socket_interface.default_socket_interface";
    static final String DEFAULT_LISTENER_MANAGER = "envoy.config.listener.v3.ListenerManager";

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
        Map<String, String> unbuilt = new LinkedHashMap<>();
        if (b.getEnableDispatcherStats()) {
            unbuilt.put("enable_dispatcher_stats", "Netty's event loops expose no per-iteration hook: no loop_duration_us"
                    + " or poll_delay_us histograms");
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
