package io.remora.accesslog;

import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The kinds of value a format's pieces print: a literal, a text, a number, a value typed in a JSON
 * log; each knows its missing form ("-" in text, null in JSON, nothing with omit_empty_values).
 * {@link AccessLogOperators} maps Envoy's command names onto them.
 */
final class FormatOps {
    private FormatOps() {
    }

    /** One piece of a format: a literal or a command operator. */
    abstract static class Op {
        /** Appends the value, or "-" when missing. */
        abstract void append(StringBuilder sb, FormatContext c);

        /** The JSON value: String, Long or null when missing. */
        abstract Object json(FormatContext c);

        /** Appends the value, or nothing when missing ({@code omit_empty_values}). */
        void appendPresent(StringBuilder sb, FormatContext c) {
            Object v = json(c);
            if (v != null) {
                sb.append(v);
            }
        }
    }

    /** A format's fixed text. */
    static final class Literal extends Op {
        final String text;

        Literal(String text) {
            this.text = text;
        }

        @Override
        void append(StringBuilder sb, FormatContext c) {
            sb.append(text);
        }

        @Override
        Object json(FormatContext c) {
            return text;
        }

        @Override
        void appendPresent(StringBuilder sb, FormatContext c) {
            sb.append(text);
        }
    }

    static Op literal(String s) {
        return new Literal(s);
    }

    interface StrFn {
        String get(StreamInfo i);
    }

    interface LongFn {
        /** Negative when missing. */
        long get(StreamInfo i);
    }

    /** A value of the stream info. */
    static Op str(StrFn fn, int maxLen) {
        return text(c -> fn.get(c.streamInfo()), maxLen);
    }

    /**
     * A header's value, as Envoy's HeaderFormatter gives it: a header that is there prints its
     * value even when empty (text {@code ""}, JSON {@code ""}); only a missing one is {@code -} / null.
     */
    static Op header(Function<FormatContext, String> fn, int maxLen) {
        return new Op() {
            @Override
            void append(StringBuilder sb, FormatContext c) {
                String v = fn.apply(c);
                if (v == null) {
                    sb.append('-');
                } else {
                    sb.append(v, 0, capped(v));
                }
            }

            @Override
            Object json(FormatContext c) {
                String v = fn.apply(c);
                return v == null ? null : v.substring(0, capped(v));
            }

            private int capped(String v) {
                return maxLen >= 0 && v.length() > maxLen ? maxLen : v.length();
            }
        };
    }

    /** A text value of the context (its header maps, or its stream info). */
    static Op text(Function<FormatContext, String> fn, int maxLen) {
        return text(fn, fn, maxLen);
    }

    /** A value whose text form ({@code fn}) differs from its JSON log value ({@code jsonFn}). */
    static Op text(Function<FormatContext, String> fn, Function<FormatContext, String> jsonFn, int maxLen) {
        return new Op() {
            @Override
            void append(StringBuilder sb, FormatContext c) {
                String v = fn.apply(c);
                if (v == null || v.isEmpty()) {
                    sb.append('-');
                } else {
                    appendCapped(sb, v);
                }
            }

            @Override
            Object json(FormatContext c) {
                String v = jsonFn.apply(c);
                if (v == null || v.isEmpty()) {
                    return null;
                }
                return maxLen >= 0 && v.length() > maxLen ? v.substring(0, maxLen) : v;
            }

            @Override
            void appendPresent(StringBuilder sb, FormatContext c) {
                String v = fn.apply(c);
                if (v != null) {
                    appendCapped(sb, v);
                }
            }

            private void appendCapped(StringBuilder sb, String v) {
                if (maxLen >= 0 && v.length() > maxLen) {
                    sb.append(v, 0, maxLen);
                } else {
                    sb.append(v);
                }
            }
        };
    }

    static Op num(LongFn fn) {
        return count(c -> fn.get(c.streamInfo()));
    }

    /** A number read from the context (negative when missing). */
    static Op count(ToLongFunction<FormatContext> fn) {
        return new Op() {
            @Override
            void append(StringBuilder sb, FormatContext c) {
                long v = fn.applyAsLong(c);
                if (v < 0) {
                    sb.append('-');
                } else {
                    sb.append(v);
                }
            }

            @Override
            Object json(FormatContext c) {
                long v = fn.applyAsLong(c);
                return v < 0 ? null : (Object) v;
            }

            @Override
            void appendPresent(StringBuilder sb, FormatContext c) {
                long v = fn.applyAsLong(c);
                if (v >= 0) {
                    sb.append(v); // no boxing, unlike json()
                }
            }
        };
    }

    /** A formatter extension's command ({@link FormatterCommand}). */
    static Op custom(Function<StreamInfo, String> fn, int maxLen) {
        return str(fn::apply, maxLen);
    }

    /**
     * A value that keeps its type in a JSON log (a number, boolean, object or list, as Envoy's
     * typed operators render it; a string capped at {@code jsonMaxLen}, -1 for none) and prints
     * {@code text}, capped at {@code maxLen}, elsewhere.
     */
    static Op typed(Function<StreamInfo, String> text, Function<StreamInfo, Object> json, int maxLen,
                    int jsonMaxLen) {
        Op printed = str(text::apply, maxLen);
        return new Op() {
            @Override
            void append(StringBuilder sb, FormatContext c) {
                printed.append(sb, c);
            }

            @Override
            void appendPresent(StringBuilder sb, FormatContext c) {
                printed.appendPresent(sb, c);
            }

            @Override
            Object json(FormatContext c) {
                Object v = json.apply(c.streamInfo());
                return v instanceof String s && jsonMaxLen >= 0 && s.length() > jsonMaxLen ? s.substring(0, jsonMaxLen) : v;
            }
        };
    }

    /** A value as it is, even empty (never "-"): Envoy's providers that always give a string. */
    static Op asIs(StrFn fn) {
        return new Op() {
            @Override
            void append(StringBuilder sb, FormatContext c) {
                String v = fn.get(c.streamInfo());
                if (v != null) {
                    sb.append(v);
                }
            }

            @Override
            Object json(FormatContext c) {
                String v = fn.get(c.streamInfo());
                return v == null ? "" : v;
            }
        };
    }
}
