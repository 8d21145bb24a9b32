package io.remora.config;

import java.util.List;
import java.util.Map;

/**
 * {@code config.route.v3.RouteConfiguration}.
 *
 * @param internalOnlyHeaders             headers stripped from requests coming from outside (not internal)
 * @param ignorePortInHostMatching        {@code ignore_port_in_host_matching}: a numeric port in the
 *                                        Host is left out when the virtual host is selected
 * @param mostSpecificHeaderMutationsWins {@code most_specific_header_mutations_wins}: the route's
 *                                        header mutations apply last, the configuration's first
 * @param ignorePathParametersInPathMatching {@code ignore_path_parameters_in_path_matching}: routes
 *                                        match the path up to its first ';' (what is forwarded keeps it)
 */
public record RouteConfiguration(
        String name,
        List<VirtualHost> virtualHosts,
        HeaderMutation requestHeaders,
        HeaderMutation responseHeaders,
        List<String> internalOnlyHeaders,
        int maxDirectResponseBodySizeBytes,
        Map<String, PerFilterConfig> perFilterConfigs,
        boolean ignorePortInHostMatching,
        boolean mostSpecificHeaderMutationsWins,
        boolean ignorePathParametersInPathMatching) {

    public RouteConfiguration {
        perFilterConfigs = perFilterConfigs == null ? PerFilterConfig.NONE : Map.copyOf(perFilterConfigs);
    }

    public RouteConfiguration(String name, List<VirtualHost> virtualHosts, HeaderMutation requestHeaders,
                              HeaderMutation responseHeaders, List<String> internalOnlyHeaders,
                              int maxDirectResponseBodySizeBytes) {
        this(name, virtualHosts, requestHeaders, responseHeaders, internalOnlyHeaders,
                maxDirectResponseBodySizeBytes, PerFilterConfig.NONE, false, false, false);
    }

    /** This configuration with the two host and header options set. */
    public RouteConfiguration withOptions(boolean ignorePortInHostMatching, boolean mostSpecificHeaderMutationsWins) {
        return new RouteConfiguration(name, virtualHosts, requestHeaders, responseHeaders, internalOnlyHeaders,
                maxDirectResponseBodySizeBytes, perFilterConfigs, ignorePortInHostMatching,
                mostSpecificHeaderMutationsWins, ignorePathParametersInPathMatching);
    }
}
