package io.remora.config;

/**
 * The connection manager's {@code proxy_status_config}: a {@code Proxy-Status} header (RFC 9209)
 * on responses to streams that ended in an error this proxy knows the kind of.
 *
 * @param proxyName {@code literal_proxy_name}, or null: the node's id with {@code useNodeId},
 *                  else the connection manager's server name
 */
public record ProxyStatusConfig(boolean removeDetails, boolean removeConnectionTerminationDetails,
                                boolean removeResponseFlags, boolean setRecommendedResponseCode, String proxyName,
                                boolean useNodeId) {
}
