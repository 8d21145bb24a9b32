package io.remora.extensions.filters.common.rbac;

import com.github.xds.type.matcher.v3.Matcher;
import io.envoyproxy.envoy.config.rbac.v3.Action;
import io.remora.config.MatchInput;
import io.remora.rbac.RbacEngine;
import io.remora.rbac.RbacMatcherEngine;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.UnifiedMatcherTranslator;

import java.util.EnumSet;
import java.util.Set;

/**
 * An RBAC filter's {@code matcher} / {@code shadow_matcher} into a {@link RbacMatcherEngine}. The
 * actions are {@code envoy.config.rbac.v3.Action}; the inputs are those Envoy's RBAC filters
 * admit: the connection's addresses, ports and SNI and the peer certificate's URI SANs, DNS SANs
 * and subject for both filters, plus filter state (network filter) or request headers and dynamic
 * metadata and the CEL matcher's HttpAttributesCelMatchInput (HTTP filter, as Envoy registers
 * those for HTTP data only). Other inputs are refused with Envoy's message.
 */
public final class RbacMatcherTranslator {

    private static final String ACTION_TYPE = "envoy.config.rbac.v3.Action";

    /** Which filter the matcher belongs to: each admits its own inputs. */
    public enum Filter {
        HTTP(EnumSet.of(MatchInput.Kind.REQUEST_HEADER, MatchInput.Kind.DYNAMIC_METADATA,
                MatchInput.Kind.HTTP_ATTRIBUTES),
                "RBAC HTTP filter cannot match on '"),
        NETWORK(EnumSet.of(MatchInput.Kind.FILTER_STATE), "RBAC network filter cannot match '");

        private final Set<MatchInput.Kind> inputs;
        private final String refusal;

        Filter(Set<MatchInput.Kind> extra, String refusal) {
            Set<MatchInput.Kind> in = EnumSet.of(MatchInput.Kind.DESTINATION_IP, MatchInput.Kind.DESTINATION_PORT,
                    MatchInput.Kind.SOURCE_IP, MatchInput.Kind.SOURCE_PORT, MatchInput.Kind.DIRECT_SOURCE_IP,
                    MatchInput.Kind.SERVER_NAME, MatchInput.Kind.URI_SAN, MatchInput.Kind.DNS_SAN,
                    MatchInput.Kind.SUBJECT);
            in.addAll(extra);
            this.inputs = in;
            this.refusal = refusal;
        }
    }

    private RbacMatcherTranslator() {
    }

    public static RbacMatcherEngine engine(Matcher matcher, FieldPath path, Filter filter) {
        var translator = new UnifiedMatcherTranslator<RbacMatcherEngine.NamedAction>(filter.inputs,
                type -> filter.refusal + type + "'", RbacMatcherTranslator::action);
        return new RbacMatcherEngine(translator.translate(matcher, path));
    }

    private static RbacMatcherEngine.NamedAction action(com.github.xds.core.v3.TypedExtensionConfig config,
                                                        FieldPath path) {
        FieldPath tp = path.field("typed_config");
        String type = config.hasTypedConfig() ? Protos.typeName(config.getTypedConfig()) : "";
        if (!type.equals(ACTION_TYPE)) {
            throw tp.error("an RBAC matcher's action must be a " + ACTION_TYPE
                    + (type.isEmpty() ? "" : ", not " + type));
        }
        Action a = Protos.unpack(config.getTypedConfig(), Action.class, tp);
        if (a.getName().isEmpty()) {
            throw tp.field("name").error("must not be empty");
        }
        RbacEngine.Action action = switch (a.getAction()) {
            case ALLOW -> RbacEngine.Action.ALLOW;
            case DENY -> RbacEngine.Action.DENY;
            case LOG -> RbacEngine.Action.LOG;
            case UNRECOGNIZED -> throw tp.field("action").error("unknown action " + a.getActionValue());
        };
        return new RbacMatcherEngine.NamedAction(a.getName(), action);
    }
}
