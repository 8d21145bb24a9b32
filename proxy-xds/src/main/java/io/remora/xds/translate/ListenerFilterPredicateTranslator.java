package io.remora.xds.translate;

import io.envoyproxy.envoy.config.listener.v3.ListenerFilterChainMatchPredicate;
import io.remora.config.ListenerFilterPredicate;

import java.util.ArrayList;
import java.util.List;

/** A listener filter's {@code filter_disabled} ({@code ListenerFilterChainMatchPredicate}). */
final class ListenerFilterPredicateTranslator {

    private ListenerFilterPredicateTranslator() {
    }

    static ListenerFilterPredicate translate(ListenerFilterChainMatchPredicate p, FieldPath path) {
        return switch (p.getRuleCase()) {
            case ANY_MATCH -> {
                if (!p.getAnyMatch()) {
                    throw path.field("any_match").error("must be true");
                }
                yield new ListenerFilterPredicate.Any();
            }
            case DESTINATION_PORT_RANGE -> {
                int start = (int) p.getDestinationPortRange().getStart();
                int end = (int) p.getDestinationPortRange().getEnd();
                if (start < 0 || end > 65536 || start >= end) {
                    throw path.field("destination_port_range").error("needs 0 <= start < end <= 65536 (end is"
                            + " exclusive), got [" + p.getDestinationPortRange().getStart() + ", "
                            + p.getDestinationPortRange().getEnd() + ")");
                }
                yield new ListenerFilterPredicate.DestinationPortRange(start, end);
            }
            case NOT_MATCH -> new ListenerFilterPredicate.Not(translate(p.getNotMatch(), path.field("not_match")));
            case AND_MATCH -> new ListenerFilterPredicate.And(
                    rules(p.getAndMatch(), path.field("and_match")));
            case OR_MATCH -> new ListenerFilterPredicate.Or(
                    rules(p.getOrMatch(), path.field("or_match")));
            case RULE_NOT_SET -> throw path.error("needs one of any_match, destination_port_range, not_match,"
                    + " and_match, or_match");
        };
    }

    private static List<ListenerFilterPredicate> rules(ListenerFilterChainMatchPredicate.MatchSet set,
                                                       FieldPath path) {
        if (set.getRulesCount() < 2) {
            throw path.field("rules").error("needs at least 2 rules");
        }
        List<ListenerFilterPredicate> out = new ArrayList<>();
        for (int i = 0; i < set.getRulesCount(); i++) {
            out.add(translate(set.getRules(i), path.field("rules").index(i)));
        }
        return out;
    }
}
