/**
 * The xDS client: how a control plane (istiod, go-control-plane, java-control-plane) drives Remora, exactly as
 * it drives Envoy.
 *
 * <ul>
 *   <li>{@link io.remora.xds.ads.XdsClient} owns one ADS stream and all xDS state on one control thread.
 *       {@link io.remora.xds.ads.SotwProtocol} (api_type GRPC) and {@link io.remora.xds.ads.DeltaProtocol}
 *       (DELTA_GRPC) only turn its decisions into requests.</li>
 *   <li>LDS and CDS are wildcard subscriptions; RDS follows the rds.route_config_name of every listener's HTTP
 *       connection manager, EDS every EDS cluster's service name ({@link io.remora.xds.ads.XdsDependencies}).
 *       SDS follows the secrets the TLS transport sockets name. Each goes over ADS or, when its config source is a
 *       GRPC/DELTA_GRPC api_config_source ({@code self}: that of the listener or cluster), over a stream of its
 *       own per (source, type) calling the type's discovery service ({@link io.remora.xds.ads.ApiSourceStreams},
 *       {@link io.remora.xds.ads.ConfigSourceRouting}); LDS, CDS and RTDS may come that way too. Other names come
 *       from {@link io.remora.xds.ads.XdsClient#updateSubscriptions}.</li>
 *   <li>A new or changed listener waits for its route configurations, a new or changed EDS cluster for its load
 *       assignment, the very first snapshot for both LDS and CDS, all bounded by initial_fetch_timeout. The
 *       applier ({@link io.remora.xds.ads.XdsConfigApplier}) then receives one complete
 *       {@link io.remora.xds.ads.XdsSnapshot}; once serving, RDS/EDS updates apply without waiting. As Envoy's
 *       init manager, a rejected response ends the wait for what it should have brought, and a rejected or
 *       timed-out first fetch still ends initialization ({@link io.remora.xds.ads.XdsConfigApplier#initialized}).</li>
 *   <li>A response is ACKed once the snapshot holding it is applied; an applier rejection NACKs the type that
 *       holds the named resource with the last good version and an INTERNAL error_detail, and nothing of
 *       it runs; but listeners and clusters that fail ({@link io.remora.xds.ads.ResourcesRejected}) are left out,
 *       each keeping what runs, the rest of their LDS or CDS update applied, the update NACKed naming them all.</li>
 *   <li>The stream reconnects with Envoy's jittered back-off (500 ms to 30 s) and announces what it holds
 *       (version_info and names; delta: initial_resource_versions). Nothing changes while it is away.</li>
 *   <li>{@link io.remora.xds.ads.FileConfigWatcher} serves LDS/CDS path_config_source files through the same
 *       path, {@link io.remora.xds.ads.FileSubscriptions} the RDS and EDS files listeners and clusters name; {@link io.remora.xds.ads.XdsClientFactory} builds it all from a bootstrap's dynamic_resources.</li>
 * </ul>
 */
package io.remora.xds.ads;
