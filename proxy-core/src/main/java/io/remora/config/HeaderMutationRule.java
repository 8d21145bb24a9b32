package io.remora.config;

/**
 * One of Envoy's {@code config.common.mutation_rules.v3.HeaderMutation}: a list of them is applied
 * in order, each against the headers as the ones before it left them (unlike a route level's
 * {@link HeaderMutation}, whose removals all come first).
 */
public sealed interface HeaderMutationRule {

    /** Every value of the header, lower-cased. */
    record Remove(String name) implements HeaderMutationRule {
    }

    /** The formatted value, added as its append action says (APPEND_IF_EXISTS_OR_ADD when unset). */
    record Append(HeaderMutation.HeaderValueOption option) implements HeaderMutationRule {
    }
}
