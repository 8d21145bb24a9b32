package io.remora.extensions.filters.common;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.TokenBucket;
import io.remora.config.HeaderMutation;
import io.remora.ratelimit.TokenBucketSpec;
import io.remora.runtime.FractionalPercent.Denominator;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.HeaderTranslator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Translation of the API messages several filters share (fault, rate limits, csrf...). */
public final class FilterProtos {

    /** Envoy's minimum fill interval for local rate limit token buckets. */
    public static final long MIN_FILL_INTERVAL_MILLIS = 50;

    private FilterProtos() {
    }

    public static io.remora.runtime.FractionalPercent fraction(FractionalPercent p, FieldPath path) {
        Denominator denominator = switch (p.getDenominator()) {
            case HUNDRED -> Denominator.HUNDRED;
            case TEN_THOUSAND -> Denominator.TEN_THOUSAND;
            case MILLION -> Denominator.MILLION;
            default -> throw path.field("denominator").error("unknown denominator " + p.getDenominatorValue());
        };
        return new io.remora.runtime.FractionalPercent(Integer.toUnsignedLong(p.getNumerator()), denominator);
    }

    /** A {@code config.core.v3.RuntimeFractionalPercent}'s required {@code default_value}. */
    public static io.remora.runtime.FractionalPercent runtimeDefault(RuntimeFractionalPercent p, FieldPath path) {
        if (!p.hasDefaultValue()) {
            throw path.field("default_value").error("missing required field");
        }
        return fraction(p.getDefaultValue(), path.field("default_value"));
    }

    /**
     * {@code type.v3.TokenBucket}: max_tokens &gt; 0, tokens_per_fill &gt; 0 (default 1),
     * fill_interval &gt;= 50 ms (Envoy refuses a shorter fill timer).
     */
    public static TokenBucketSpec tokenBucket(TokenBucket b, FieldPath path) {
        long max = Integer.toUnsignedLong(b.getMaxTokens());
        if (max == 0) {
            throw path.field("max_tokens").error("must be greater than 0");
        }
        long perFill = 1;
        if (b.hasTokensPerFill()) {
            perFill = Integer.toUnsignedLong(b.getTokensPerFill().getValue());
            if (perFill == 0) {
                throw path.field("tokens_per_fill").error("must be greater than 0");
            }
        }
        if (!b.hasFillInterval()) {
            throw path.field("fill_interval").error("missing required field");
        }
        var d = b.getFillInterval();
        if (d.getSeconds() < 0 || d.getNanos() < 0 || d.getSeconds() == 0 && d.getNanos() == 0) {
            throw path.field("fill_interval").error("must be greater than 0s");
        }
        long ms;
        try {
            ms = Math.addExact(Math.multiplyExact(d.getSeconds(), 1000L), d.getNanos() / 1_000_000);
        } catch (ArithmeticException e) {
            throw path.field("fill_interval").error("too large");
        }
        if (ms < MIN_FILL_INTERVAL_MILLIS) {
            throw path.field("fill_interval").error("local rate limit token bucket fill timer must be >= 50ms");
        }
        return new TokenBucketSpec(max, perFill, ms);
    }

    /**
     * A filter's {@code repeated HeaderValueOption} of headers to add (at most 10, as the rate limit
     * filters' validation says), with their values' command operators checked.
     */
    public static List<HeaderMutation.HeaderValueOption> headersToAdd(
            List<io.envoyproxy.envoy.config.core.v3.HeaderValueOption> in, FieldPath path) {
        if (in.size() > 10) {
            throw path.error("at most 10 headers, got " + in.size());
        }
        List<HeaderMutation.HeaderValueOption> out = HeaderTranslator.mutation(in, List.of(), path, path)
                .add();
        for (int i = 0; i < out.size(); i++) {
            HeaderTranslator.checkFormattedValue(out.get(i).value(), path.index(i).field("header").field("value"), null);
        }
        return out;
    }

    /** A Struct as plain Java values (String, Double, Boolean, List, Map); JSON nulls are dropped. */
    public static Map<String, Object> plain(Struct s) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Value> e : s.getFieldsMap().entrySet()) {
            Object v = plain(e.getValue());
            if (v != null) {
                out.put(e.getKey(), v);
            }
        }
        return out;
    }

    /** A Value as a plain Java value (see {@link #plain(Struct)}); null for a JSON null or an unset Value. */
    public static Object plain(Value v) {
        return switch (v.getKindCase()) {
            case STRING_VALUE -> v.getStringValue();
            case NUMBER_VALUE -> v.getNumberValue();
            case BOOL_VALUE -> v.getBoolValue();
            case STRUCT_VALUE -> java.util.Collections.unmodifiableMap(plain(v.getStructValue()));
            case LIST_VALUE -> plain(v.getListValue());
            default -> null;
        };
    }

    private static List<Object> plain(ListValue l) {
        List<Object> out = new ArrayList<>(l.getValuesCount());
        for (Value v : l.getValuesList()) {
            Object p = plain(v);
            if (p != null) {
                out.add(p);
            }
        }
        return java.util.Collections.unmodifiableList(out);
    }
}
