package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** /stats names of filters' meters (fault, csrf, set_metadata, local rate limits...), as Envoy prints them. */
class FilterStatNamesTest {

    private static String name(String metric, String... tags) {
        return StatNames.envoyName(Counter.builder(metric).tags(tags).register(new SimpleMeterRegistry()).getId());
    }

    /** Envoy's statPrefixJoin(stat_prefix, "rbac."): Istio's authz_enforce_result rule reads "rbac.denied". */
    @Test
    void networkRbacStatsHaveTheirPrefixBeforeTheRbacScope() {
        assertEquals("tcp.rbac.denied", name("envoy_rbac_denied", io.remora.rbac.RbacStats.NETWORK_PREFIX_TAG, "tcp"));
        assertEquals("tcp.rbac.istio_dry_run_allow_shadow_allowed", name("envoy_rbac_istio_dry_run_allow_shadow_allowed",
                io.remora.rbac.RbacStats.NETWORK_PREFIX_TAG, "tcp"));
    }

    /**
     * The compressor's and decompressor's {@code compressor.<library name>.<codec>.<stat>}, whose library
     * name stays in the Prometheus name: a connection manager's, a cluster's upstream one, a router's.
     */
    @Test
    void compressionStatsHaveTheirLibraryAndCodecScopes() {
        String hcm = HttpConnManagerStats.TAG;
        assertEquals("http.in.compressor.text_gz.gzip.compressed", name("envoy_http_compressor_text_gz_gzip_compressed", hcm, "in"));
        assertEquals("http.in.compressor.br.brotli.response.content_length_too_small",
                name("envoy_http_compressor_br_brotli_response_content_length_too_small", hcm, "in"));
        assertEquals("http.in.compressor.my_gzip_lib.gzip.header_compressor_overshadowed",
                name("envoy_http_compressor_my_gzip_lib_gzip_header_compressor_overshadowed", hcm, "in"));
        assertEquals("http.in.decompressor.in_gz.gzip.decompressor_library.zlib_data_error",
                name("envoy_http_decompressor_in_gz_gzip_decompressor_library_zlib_data_error", hcm, "in"));
        assertEquals("http.in.decompressor.z.zstd.request.not_decompressed",
                name("envoy_http_decompressor_z_zstd_request_not_decompressed", hcm, "in"));
        assertEquals("cluster.otel.compressor.otlp.gzip.request.compressed",
                name("envoy_cluster_compressor_otlp_gzip_request_compressed", ClusterStats.TAG, "otel"));
        assertEquals("compressor.otlp.gzip.request.total_compressed_bytes",
                name("envoy_compressor_otlp_gzip_request_total_compressed_bytes"));
    }

    /** The mongo proxy's names put back together from its tags, whatever dots its prefix and collection hold. */
    @Test
    void mongoStatsHaveTheirCommandCollectionAndCallsiteScopes() {
        assertEquals("mongo.outbound|27017||db.ns.svc.op_query",
                name("envoy_mongo_op_query", MongoStatNames.PREFIX_TAG, "outbound|27017||db.ns.svc"));
        assertEquals("mongo.app.cmd.insert.total",
                name("envoy_mongo_cmd_total", MongoStatNames.PREFIX_TAG, "app", MongoStatNames.CMD_TAG, "insert"));
        assertEquals("mongo.app.collection.system.users.query.multi_get", name("envoy_mongo_collection_query_multi_get",
                MongoStatNames.PREFIX_TAG, "app", MongoStatNames.COLLECTION_TAG, "system.users"));
        assertEquals("mongo.app.collection.users.callsite.getUser.query.total",
                name("envoy_mongo_collection_callsite_query_total", MongoStatNames.PREFIX_TAG, "app",
                        MongoStatNames.COLLECTION_TAG, "users", MongoStatNames.CALLSITE_TAG, "getUser"));
    }

    @Test
    void upstreamProxyProtocolStatsHaveTheSocketsScopeUnderTheCluster() {
        assertEquals("cluster.web.upstream.proxyprotocol.v2_tlvs_exceed_max_length",
                name("envoy_cluster_upstream_proxyprotocol_v2_tlvs_exceed_max_length", ClusterStats.TAG, "web"));
    }

    @Test
    void circuitBreakerGaugesHaveThePriorityAsAScope() {
        assertEquals("cluster.web.circuit_breakers.default.remaining_cx_pools",
                name("envoy_cluster_circuit_breakers_default_remaining_cx_pools", ClusterStats.TAG, "web"));
        assertEquals("cluster.web.circuit_breakers.high.rq_pending_open",
                name("envoy_cluster_circuit_breakers_high_rq_pending_open", ClusterStats.TAG, "web"));
    }

    @Test
    void tcpStatsHaveTheSocketsScopeUnderTheClusterOrListener() {
        assertEquals("cluster.web.tcp_stats.cx_tx_segments",
                name("envoy_cluster_tcp_stats_cx_tx_segments", ClusterStats.TAG, "web"));
        assertEquals("listener.127.0.0.1_8080.tcp_stats.cx_rtt_us",
                name("envoy_listener_tcp_stats_cx_rtt_us", ListenerStats.TAG, "127.0.0.1_8080"));
    }

    /** A cluster's upstream HTTP filters count in its scope, a router's in the root (Envoy's stats prefixes). */
    @Test
    void upstreamHttpFilterStatsHaveTheClusterOrRootScope() {
        assertEquals("cluster.s3.aws_request_signing.signing_added",
                name("envoy_cluster_aws_request_signing_signing_added", ClusterStats.TAG, "s3"));
        assertEquals("cluster.api.credential_injector.failed",
                name("envoy_cluster_credential_injector_failed", ClusterStats.TAG, "api"));
        assertEquals("aws_request_signing.payload_signing_added", name("envoy_aws_request_signing_payload_signing_added"));
        assertEquals("credential_injector.injected", name("envoy_credential_injector_injected"));
    }

    /** ext_proc's {@code http.<prefix>.ext_proc.[<stat_prefix>.]<stat>}, its stat_prefix told apart by its known stats. */
    @Test
    void extProcStatsHaveTheirScopeAndStatPrefix() {
        assertEquals("http.in.ext_proc.streams_started",
                name("envoy_http_ext_proc_streams_started", HttpConnManagerStats.TAG, "in"));
        assertEquals("http.in.ext_proc.my_proc.clear_route_cache_upstream_ignored",
                name("envoy_http_ext_proc_my_proc_clear_route_cache_upstream_ignored", HttpConnManagerStats.TAG, "in"));
        assertEquals("http.in.ext_proc.p.stream_msgs_received",
                name("envoy_http_ext_proc_p_stream_msgs_received", HttpConnManagerStats.TAG, "in"));
    }

    /** Envoy's per-handler listener stats: {@code listener.<address>.worker_<n>.<stat>}. */
    @Test
    void perWorkerListenerStatsHaveTheWorkersScope() {
        assertEquals("listener.127.0.0.1_8080.worker_0.downstream_cx_total",
                name("envoy_listener_worker_0_downstream_cx_total", ListenerStats.TAG, "127.0.0.1_8080"));
        assertEquals("listener.127.0.0.1_8080.worker_12.downstream_cx_active",
                name("envoy_listener_worker_12_downstream_cx_active", ListenerStats.TAG, "127.0.0.1_8080"));
        assertEquals("listener.127.0.0.1_8080.worker_x", name("envoy_listener_worker_x", ListenerStats.TAG,
                "127.0.0.1_8080"), "not a worker's scope");
    }

    @Test
    void listenerLocalRateLimitHasItsOwnScope() {
        assertEquals("listener_local_ratelimit.edge.rate_limited", name("envoy_listener_local_ratelimit_rate_limited",
                io.remora.listener.ListenerRateLimit.TAG, "edge"));
    }

    @Test
    void redisProxyStatsHaveEnvoysNames() {
        assertEquals("redis.egress_redis.downstream_cx_total", name("envoy_redis_egress_redis_downstream_cx_total"));
        assertEquals("redis.egress.splitter.unsupported_command", name("envoy_redis_egress_splitter_unsupported_command"));
        assertEquals("redis.egress.command.bf.add.error_fault", name("envoy_redis_egress_command_bf_add_error_fault"));
        assertEquals("redis.egress.command.georadius_ro.error", name("envoy_redis_egress_command_georadius_ro_error"));
        assertEquals("cluster.cache.redis_cluster.upstream_commands.get.success",
                name("envoy_cluster_redis_cluster_upstream_commands_get_success", ClusterStats.TAG, "cache"));
        assertEquals("cluster.cache.redis_cluster.upstream_commands.upstream_rq_time",
                name("envoy_cluster_redis_cluster_upstream_commands_upstream_rq_time", ClusterStats.TAG, "cache"));
        assertEquals("cluster.cache.redis_cluster.max_upstream_unknown_connections_reached",
                name("envoy_cluster_redis_cluster_max_upstream_unknown_connections_reached", ClusterStats.TAG, "cache"));
    }

    @Test
    void thriftProxyStatsHaveEnvoysScopes() {
        assertEquals("thrift.ingress.request_call",
                name("envoy_thrift_request_call", StatNames.THRIFT_PREFIX_TAG, "ingress"));
        assertEquals("thrift.ingress.cx_destroy_remote_with_active_rq",
                name("envoy_thrift_cx_destroy_remote_with_active_rq", StatNames.THRIFT_PREFIX_TAG, "ingress"));
        assertEquals("cluster.svc.thrift.upstream_rq_call",
                name("envoy_cluster_thrift_upstream_rq_call", ClusterStats.TAG, "svc"));
        assertEquals("cluster.svc.thrift.upstream_resp_exception_local.remote_connection_failure",
                name("envoy_cluster_thrift_upstream_resp_exception_local_remote_connection_failure", ClusterStats.TAG, "svc"));
        assertEquals("thrift_to_metadata.rq.invalid_thrift_body", name("envoy_thrift_to_metadata_rq_invalid_thrift_body"));
        assertEquals("thrift_to_metadata.resp.success", name("envoy_thrift_to_metadata_resp_success"));
        assertEquals("cluster.svc.thrift.upstream_resp_exception_local",
                name("envoy_cluster_thrift_upstream_resp_exception_local", ClusterStats.TAG, "svc"));
    }

    @Test
    void dnsCacheStatsKeepTheCacheNameBetweenScopeAndStat() {
        assertEquals("dns_cache.dynamic_forward_proxy_cache_config.dns_query_attempt",
                name("envoy_dns_cache_dynamic_forward_proxy_cache_config_dns_query_attempt"));
        assertEquals("dns_cache.c.num_hosts", name("envoy_dns_cache_c_num_hosts"));
        // Envoy's dns_rq_pending_overflow, not a cache named ..._dns_rq_pending.
        assertEquals("dns_cache.a_b.dns_rq_pending_overflow", name("envoy_dns_cache_a_b_dns_rq_pending_overflow"));
    }

    @Test
    void dnsFilterStatsKeepThePrefixBetweenScopeAndStat() {
        assertEquals("dns_filter.dns_prefix.a_record_queries", name("envoy_dns_filter_dns_prefix_a_record_queries"));
        // The longest stat wins: external_a_record_queries, not a prefix "p_external".
        assertEquals("dns_filter.p.external_a_record_queries", name("envoy_dns_filter_p_external_a_record_queries"));
        assertEquals("dns_filter.p.aaaa_record_queries", name("envoy_dns_filter_p_aaaa_record_queries"));
        assertEquals("dns_filter.in.downstream_rx_invalid_queries",
                name("envoy_dns_filter_in_downstream_rx_invalid_queries"));
    }

    @Test
    void onDemandDiscoveryStatsHaveEnvoysNames() {
        assertEquals("http.ingress.vhds.local_route.config_reload",
                name("envoy_http_vhds_local_route_config_reload", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.vhds.r.update_rejected",
                name("envoy_http_vhds_r_update_rejected", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("cluster_manager.odcds.update_success", name("envoy_cluster_manager_odcds_update_success"));
        assertEquals("cluster_manager.cds.update_success", name("envoy_cluster_manager_cds_update_success"));
    }

    @Test
    void faultStatsLiveUnderTheConnectionManager() {
        assertEquals("http.ingress.fault.aborts_injected",
                name("envoy_http_fault_aborts_injected", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.fault.frontend.delays_injected", name("envoy_http_fault_delays_injected",
                HttpConnManagerStats.TAG, "ingress", "envoy_fault_downstream_cluster", "frontend"));
    }

    @Test
    void admissionControlAndBandwidthLimitStatsHaveEnvoysNames() {
        assertEquals("http.ingress.admission_control.rq_rejected",
                name("envoy_http_admission_control_rq_rejected", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("slow.http_bandwidth_limit.response_allowed_total_size",
                name("envoy_slow_http_bandwidth_limit_response_allowed_total_size"));
    }

    @Test
    void csrfAndSetMetadataStatsHaveTheirScopeUnderTheConnectionManager() {
        assertEquals("http.ingress.csrf.missing_source_origin",
                name("envoy_http_csrf_missing_source_origin", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.in.set_metadata.overwrite_denied",
                name("envoy_http_set_metadata_overwrite_denied", HttpConnManagerStats.TAG, "in"));
    }

    @Test
    void authorizationAndCorsStatsHaveTheirScopeUnderTheConnectionManager() {
        assertEquals("http.ingress.cors.origin_valid",
                name("envoy_http_cors_origin_valid", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.jwt_authn.allowed",
                name("envoy_http_jwt_authn_allowed", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.ext_authz.ok", name("envoy_http_ext_authz_ok", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.basic_auth.denied",
                name("envoy_http_basic_auth_denied", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.rbac.shadow_allowed",
                name("envoy_http_rbac_shadow_allowed", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.rbac.istio_dry_run_allow_shadow_denied",
                name("envoy_http_rbac_istio_dry_run_allow_shadow_denied", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.rbac.team.allowed", name("envoy_http_rbac_allowed", HttpConnManagerStats.TAG,
                "ingress", io.remora.rbac.RbacStats.HTTP_PREFIX_TAG, "team"));
    }

    @Test
    void awsFiltersStatsHaveTheirScopeUnderTheConnectionManager() {
        assertEquals("http.ingress.aws_request_signing.payload_signing_added",
                name("envoy_http_aws_request_signing_payload_signing_added", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.aws_lambda.server_error",
                name("envoy_http_aws_lambda_server_error", HttpConnManagerStats.TAG, "ingress"));
    }

    @Test
    void extAuthzStatsWithAndWithoutTheFiltersStatPrefix() {
        assertEquals("http.ingress.ext_authz.ok", name("envoy_http_ext_authz_ok", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.ext_authz.waf.denied",
                name("envoy_http_ext_authz_waf_denied", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.ext_authz.waf.failure_mode_allowed",
                name("envoy_http_ext_authz_waf_failure_mode_allowed", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.ext_authz.failure_mode_allowed",
                name("envoy_http_ext_authz_failure_mode_allowed", HttpConnManagerStats.TAG, "ingress"));
    }

    @Test
    void luaStatsWithAndWithoutTheFiltersStatPrefix() {
        assertEquals("http.ingress.lua.errors", name("envoy_http_lua_errors", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.lua.my_script.executions",
                name("envoy_http_lua_my_script_executions", HttpConnManagerStats.TAG, "ingress"));
    }

    @Test
    void geoipAndMaxMindStatsHaveEnvoysScopes() {
        assertEquals("http.ingress.geoip.total", name("envoy_http_geoip_total", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.maxmind.city_db.hit",
                name("envoy_http_maxmind_city_db_hit", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.in.maxmind.anon_db.db_reload_success",
                name("envoy_http_maxmind_anon_db_db_reload_success", HttpConnManagerStats.TAG, "in"));
        assertEquals("http.in.maxmind.isp_db.lookup_error",
                name("envoy_http_maxmind_isp_db_lookup_error", HttpConnManagerStats.TAG, "in"));
    }

    @Test
    void ipTaggingCredentialInjectorAndCompositeScopes() {
        assertEquals("http.ingress.ip_tagging.internal.hit",
                name("envoy_http_ip_tagging_internal_hit", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.ip_tagging.no_hit", name("envoy_http_ip_tagging_no_hit", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.ip_tagging.total", name("envoy_http_ip_tagging_total", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.credential_injector.already_exists",
                name("envoy_http_credential_injector_already_exists", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.composite.filter_delegation_success",
                name("envoy_http_composite_filter_delegation_success", HttpConnManagerStats.TAG, "ingress"));
    }

    @Test
    void adaptiveConcurrencyGradientControllerScope() {
        assertEquals("http.ingress.adaptive_concurrency.gradient_controller.rq_blocked",
                name("envoy_http_adaptive_concurrency_gradient_controller_rq_blocked", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.adaptive_concurrency.gradient_controller.min_rtt_calculation_active",
                name("envoy_http_adaptive_concurrency_gradient_controller_min_rtt_calculation_active",
                        HttpConnManagerStats.TAG, "ingress"));
    }

    @Test
    void jsonToMetadataScope() {
        assertEquals("http.ingress.json_to_metadata.rq_success",
                name("envoy_http_json_to_metadata_rq_success", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.json_to_metadata.resp_invalid_json_body",
                name("envoy_http_json_to_metadata_resp_invalid_json_body", HttpConnManagerStats.TAG, "ingress"));
    }

    @Test
    void localRateLimitPrefixes() {
        assertEquals("rl.http_local_rate_limit.rate_limited",
                name("envoy_http_local_rate_limit_rate_limited", "envoy_local_http_ratelimit_prefix", "rl"));
        assertEquals("local_rate_limit.tcp.rate_limited",
                name("envoy_local_rate_limit_rate_limited", "envoy_local_network_ratelimit_prefix", "tcp"));
    }

    @Test
    void virtualClusterStatsLiveUnderTheirVirtualHost() {
        String[] tags = {VirtualClusterStats.VIRTUAL_HOST_TAG, "shop", VirtualClusterStats.VIRTUAL_CLUSTER_TAG, "writes"};
        assertEquals("vhost.shop.vcluster.writes.upstream_rq_total", name("envoy_vhost_vcluster_upstream_rq_total", tags));
        assertEquals("vhost.shop.vcluster.writes.upstream_rq_503", name("envoy_vhost_vcluster_upstream_rq",
                VirtualClusterStats.VIRTUAL_HOST_TAG, "shop", VirtualClusterStats.VIRTUAL_CLUSTER_TAG, "writes",
                StatNames.RESPONSE_CODE, "503"));
        assertEquals("vhost.shop.vcluster.writes.upstream_rq_5xx", name("envoy_vhost_vcluster_upstream_rq_xx",
                VirtualClusterStats.VIRTUAL_HOST_TAG, "shop", VirtualClusterStats.VIRTUAL_CLUSTER_TAG, "writes",
                StatNames.RESPONSE_CODE_CLASS, "5"));
    }

    @Test
    void envoysDefaultTagsTakeVirtualClusterNamesApartAsRegistered() {
        TagProducer.Extracted x = new TagProducer(true, java.util.List.of())
                .produce("vhost.shop.vcluster.writes.upstream_rq_retry");
        assertEquals("vhost.vcluster.upstream_rq_retry", x.name());
        assertEquals(java.util.List.of(io.micrometer.core.instrument.Tag.of("envoy.virtual_cluster", "writes"),
                io.micrometer.core.instrument.Tag.of("envoy.virtual_host", "shop")), x.tags());
    }

    @Test
    void routeStatsLiveUnderTheirVirtualHost() {
        assertEquals("vhost.shop.route.checkout.upstream_rq_timeout", name("envoy_vhost_route_upstream_rq_timeout",
                RouteStats.VIRTUAL_HOST_TAG, "shop", RouteStats.ROUTE_TAG, "checkout"));
        assertEquals("vhost.shop.route.checkout.upstream_rq_503", name("envoy_vhost_route_upstream_rq",
                RouteStats.VIRTUAL_HOST_TAG, "shop", RouteStats.ROUTE_TAG, "checkout", StatNames.RESPONSE_CODE, "503"));
    }

    /** Envoy's tokenized {@code vhost.*.route.$.**}: the same labels as the meters are registered with. */
    @Test
    void envoysDefaultTagsTakeRouteStatPrefixesApartAsRegistered() {
        TagProducer.Extracted x = new TagProducer(true, java.util.List.of())
                .produce("vhost.shop.route.checkout.upstream_rq_retry");
        assertEquals("vhost.route.upstream_rq_retry", x.name());
        assertEquals(java.util.List.of(io.micrometer.core.instrument.Tag.of("envoy.virtual_host", "shop"),
                io.micrometer.core.instrument.Tag.of("envoy.route", "checkout")), x.tags());
    }

    /** Envoy's Fluentd access logger and tracer count in a scope of their stat_prefix. */
    @Test
    void fluentdAccessLogStatsHaveTheirPrefixScope() {
        assertEquals("access_logs.fluentd.edge.entries_lost",
                name("envoy_access_logs_fluentd_entries_lost", StatNames.ACCESS_LOG_PREFIX_TAG, "edge"));
        assertEquals("access_logs.fluentd.edge.reconnect_attempts",
                name("envoy_access_logs_fluentd_reconnect_attempts", StatNames.ACCESS_LOG_PREFIX_TAG, "edge"));
        assertEquals("tracing.fluentd.spans.events_sent",
                name("envoy_tracing_fluentd_events_sent", StatNames.ACCESS_LOG_PREFIX_TAG, "spans"));
        assertEquals("access_logs.grpc_access_log.als_logs_written",
                name("envoy_access_logs_grpc_access_log_logs_written", StatNames.ACCESS_LOG_PREFIX_TAG, "als_"));
    }
}
