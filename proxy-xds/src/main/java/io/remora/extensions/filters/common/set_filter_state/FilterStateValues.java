package io.remora.extensions.filters.common.set_filter_state;

import io.envoyproxy.envoy.extensions.filters.common.set_filter_state.v3.FilterStateValue;
import io.remora.accesslog.AccessLogFormatter;
import io.remora.accesslog.StreamInfo;
import io.remora.network.FilterState;
import io.remora.xds.translate.AccessLogTranslator;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Envoy's set_filter_state values (shared by the HTTP and the network filter): each a filter state
 * key and a substitution format evaluated against the request or connection.
 *
 * @param values the compiled values, in configuration order
 */
public record FilterStateValues(List<Value> values) {

    /**
     * One value.
     *
     * @param key         {@code object_key}
     * @param factoryKey  {@code factory_key}, or the object key (Envoy looks the factory up by either);
     *                    one of {@link ObjectFactories}
     * @param format      the text format
     * @param readOnly    later filters may not replace it
     * @param skipIfEmpty an empty value is not stored
     * @param sharing     {@code shared_with_upstream}: whether it goes with the upstream connection
     *                    (an internal listener's), and on from there (TRANSITIVE) or not (ONCE)
     */
    public record Value(String key, String factoryKey, String format, boolean readOnly, boolean skipIfEmpty,
                        FilterState.Sharing sharing) {
        /** Whether its factory makes Envoy's hashable string, whose value keys upstream connection pools when shared. */
        public boolean hashable() {
            return ObjectFactories.HASHABLE_STRING.contains(factoryKey);
        }

        /**
         * The object its factory makes of {@code s} (Envoy's {@code createFromBytes}), or null when
         * {@code s} makes none (nothing is stored then).
         */
        Object make(String s) {
            return ObjectFactories.get(factoryKey).apply(s);
        }
    }

    public FilterStateValues {
        values = List.copyOf(values);
    }

    public static FilterStateValues translate(List<FilterStateValue> protos, FieldPath path, TranslationContext ctx) {
        List<Value> out = new ArrayList<>();
        for (int i = 0; i < protos.size(); i++) {
            FilterStateValue v = protos.get(i);
            FieldPath p = path.index(i);
            if (v.getObjectKey().isEmpty()) {
                throw p.field("object_key").error("missing required field");
            }
            if (!v.hasFormatString()) {
                throw p.field("format_string").error("missing required field");
            }
            boolean byFactoryKey = !v.getFactoryKey().isEmpty();
            String factory = byFactoryKey ? v.getFactoryKey() : v.getObjectKey();
            FieldPath factoryPath = p.field(byFactoryKey ? "factory_key" : "object_key");
            if (ObjectFactories.get(factory) == null) {
                throw factoryPath.error("'" + factory + "' does not have an object factory");
            }
            String unread = ObjectFactories.unread(factory);
            if (unread != null) {
                ctx.warnOnce("set_filter_state:" + factory, factoryPath + ": '" + factory + "' is stored, but nothing"
                        + " in Remora reads it (" + unread + ")");
            }
            String format = AccessLogTranslator.textFormat(v.getFormatString(), p.field("format_string"));
            out.add(new Value(v.getObjectKey(), factory, format, v.getReadOnly(), v.getSkipIfEmpty(),
                    sharing(v, p.field("shared_with_upstream"))));
        }
        return new FilterStateValues(out);
    }

    private static FilterState.Sharing sharing(FilterStateValue v, FieldPath p) {
        return switch (v.getSharedWithUpstream()) {
            case NONE -> FilterState.Sharing.NONE;
            case ONCE -> FilterState.Sharing.SHARED_WITH_UPSTREAM_CONNECTION_ONCE;
            case TRANSITIVE -> FilterState.Sharing.SHARED_WITH_UPSTREAM_CONNECTION;
            default -> throw p.error("unknown value " + v.getSharedWithUpstreamValue());
        };
    }

    /** The compiled runtime: formats each value and stores it in the given filter state. */
    public Setter compile() {
        return new Setter(values);
    }

    /** Applies the values; formatters are compiled once per filter config. */
    public static final class Setter {
        private final List<Value> values;
        private final AccessLogFormatter[] formatters;

        Setter(List<Value> values) {
            this.values = values;
            this.formatters = new AccessLogFormatter[values.size()];
            for (int i = 0; i < formatters.length; i++) {
                formatters[i] = AccessLogFormatter.text(values.get(i).format());
            }
        }

        public void apply(StreamInfo info, FilterState state) {
            for (int i = 0; i < formatters.length; i++) {
                Value v = values.get(i);
                String s = formatters[i].format(info);
                // A missing operator value prints "-", as Envoy's formatter does; empty stays empty.
                if (v.skipIfEmpty() && (s.isEmpty() || s.equals("-"))) {
                    continue;
                }
                Object object = v.make(s);
                if (object == null) {
                    continue; // as Envoy's: a value its factory makes nothing of is not stored
                }
                state.set(v.key(), object, v.readOnly()
                        ? FilterState.Mutability.READ_ONLY : FilterState.Mutability.MUTABLE, v.sharing());
            }
        }
    }

    /** Envoy's generic string accessor: its serialized form is the string itself. */
    public record StringObject(String value) implements io.remora.accesslog.FilterStateString {
        @Override
        public String toString() {
            return value;
        }
    }

    /**
     * Envoy's HashableStringObject: a string that, shared with the upstream connection, keys the
     * connection pools, so requests with different values never share a connection.
     */
    public record HashableStringObject(String value) implements FilterState.Hashable,
            io.remora.accesslog.FilterStateString {
        @Override
        public String toString() {
            return value;
        }
    }
}
