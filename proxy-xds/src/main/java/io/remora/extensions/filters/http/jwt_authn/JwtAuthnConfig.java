package io.remora.extensions.filters.http.jwt_authn;

import io.remora.config.HttpFilterConfig;

import java.util.List;
import java.util.Map;

/**
 * {@code envoy.filters.http.jwt_authn} ({@code JwtAuthentication}), translated.
 *
 * @param providers           every provider, in configuration order (allow_missing leaves pick among them)
 * @param rules               first match wins; a request no rule (nor filter state rule) matches passes
 * @param requirementMap      {@code requirement_map}, for rules and routes that name a requirement
 * @param filterStateName     {@code filter_state_rules.name}; empty when there are none
 * @param filterStateRequires {@code filter_state_rules.requires}
 */
record JwtAuthnConfig(List<JwtProviderConfig> providers, List<Rule> rules, Map<String, JwtRequirement> requirementMap,
                      String filterStateName, Map<String, JwtRequirement> filterStateRequires,
                      boolean bypassCorsPreflight, boolean stripFailureResponse, String statPrefix)
        implements HttpFilterConfig {

    static final String NAME = "envoy.filters.http.jwt_authn";

    /** A {@code RequirementRule} with its requirement resolved. */
    record Rule(JwtRouteMatch match, JwtRequirement requirement) {
    }

    JwtAuthnConfig {
        providers = List.copyOf(providers);
        rules = List.copyOf(rules);
        requirementMap = Map.copyOf(requirementMap);
        filterStateRequires = Map.copyOf(filterStateRequires);
    }

    @Override
    public String filterName() {
        return NAME;
    }
}
