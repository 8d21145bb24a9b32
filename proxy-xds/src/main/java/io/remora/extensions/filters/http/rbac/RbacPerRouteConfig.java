package io.remora.extensions.filters.http.rbac;

import io.remora.config.RouteFilterConfig;
import io.remora.rbac.RbacRules;

/**
 * {@code RBACPerRoute}: rules that replace the filter's on a route (both enforced and shadow);
 * {@link RbacRules#NONE} when {@code rbac} is absent, which turns RBAC off there.
 */
public record RbacPerRouteConfig(RbacRules rules) implements RouteFilterConfig {
}
