package io.remora.config;

/**
 * Whose metadata a lookup reads, as Envoy's {@code MetadataKind} and {@code %METADATA(TYPE:...)%}:
 * the request's dynamic metadata, or the filter metadata of the route, its virtual host, the
 * upstream cluster, the upstream host or the listener.
 */
public enum MetadataSource { DYNAMIC, ROUTE, VIRTUAL_HOST, CLUSTER, UPSTREAM_HOST, LISTENER }
