package io.remora.extensions.filters.http.jwt_authn;

import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement.RequiresTypeCase;
import io.remora.xds.translate.FieldPath;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code JwtRequirement} protos into the {@link JwtRequirement} tree (Envoy's {@code Verifier::create}). */
final class JwtRequirementTranslator {

    private final Map<String, JwtProviderConfig> providers;
    private final JwtExtractor allProviders;

    JwtRequirementTranslator(Map<String, JwtProviderConfig> providers) {
        this.providers = providers;
        this.allProviders = new JwtExtractor(List.copyOf(providers.values()));
    }

    JwtRequirement translate(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement r,
                             FieldPath path) {
        return switch (r.getRequiresTypeCase()) {
            case PROVIDER_NAME -> provider(r.getProviderName(), null, path.field("provider_name"));
            case PROVIDER_AND_AUDIENCES -> {
                var pa = r.getProviderAndAudiences();
                FieldPath pp = path.field("provider_and_audiences");
                yield provider(pa.getProviderName(),
                        pa.getAudiencesCount() == 0 ? null : List.copyOf(pa.getAudiencesList()),
                        pp.field("provider_name"));
            }
            case REQUIRES_ANY -> {
                FieldPath lp = path.field("requires_any").field("requirements");
                var list = r.getRequiresAny().getRequirementsList();
                if (list.size() < 2) {
                    throw lp.error("must have at least 2 items");
                }
                List<JwtRequirement> children = new ArrayList<>();
                boolean allowMissing = false;
                boolean allowFailed = false;
                for (int i = 0; i < list.size(); i++) {
                    RequiresTypeCase c = list.get(i).getRequiresTypeCase();
                    if (c == RequiresTypeCase.ALLOW_MISSING) {
                        allowMissing = true;
                    } else if (c == RequiresTypeCase.ALLOW_MISSING_OR_FAILED) {
                        allowFailed = true;
                    } else {
                        children.add(translate(list.get(i), lp.index(i)));
                    }
                }
                if (children.isEmpty()) {
                    children.add(new JwtRequirement.AllowMissing(allProviders, allowFailed));
                }
                yield new JwtRequirement.Any(children, allowMissing, allowFailed);
            }
            case REQUIRES_ALL -> {
                FieldPath lp = path.field("requires_all").field("requirements");
                var list = r.getRequiresAll().getRequirementsList();
                if (list.size() < 2) {
                    throw lp.error("must have at least 2 items");
                }
                List<JwtRequirement> children = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    children.add(translate(list.get(i), lp.index(i)));
                }
                yield new JwtRequirement.All(children);
            }
            case ALLOW_MISSING -> new JwtRequirement.AllowMissing(allProviders, false);
            case ALLOW_MISSING_OR_FAILED -> new JwtRequirement.AllowMissing(allProviders, true);
            case REQUIRESTYPE_NOT_SET -> new JwtRequirement.AllowAll();
        };
    }

    private JwtRequirement provider(String name, List<String> audiences, FieldPath path) {
        JwtProviderConfig p = providers.get(name);
        if (p == null) {
            throw path.error("Required provider ['" + name + "'] is not configured.");
        }
        return new JwtRequirement.Provider(p, audiences, new JwtExtractor(List.of(p)));
    }
}
