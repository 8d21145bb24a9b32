package io.remora.http.upstream;

import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;
import io.remora.http.HeaderBlock;
import io.remora.http.InlineHeaders;

/**
 * The field lines of an HTTP/1.1 head or trailer section held in one array (RFC 9112 5), checked
 * as Envoy's codec checks them, into a header block: names are the shared lower-case constants
 * when known ({@link LowerCaseNames}), otherwise lower-cased in place; values view one array the
 * message keeps, or are shared ones for names whose values repeat ({@link HeaderValueCache}).
 * The start line before them is {@link Http1StartLine}'s. Each method answers null, or the
 * response code details of what is wrong (400).
 */
final class Http1FieldLines {

    private static final String CODEC_ERROR = "http1.codec_error";

    private Http1FieldLines() {
    }

    /**
     * The worker's scratch copy of a head being parsed: only what the message keeps (values, the
     * request-target, names not known) is copied out of it, into one array of just that size.
     */
    private static final FastThreadLocal<byte[]> SCRATCH = perWorker(() -> new byte[1024]);
    /** Per field line of the head in scratch: name start and length, value start and length. */
    private static final FastThreadLocal<int[]> LINES = perWorker(() -> new int[4 * 32]);
    private static final FastThreadLocal<AsciiString[]> NAMES = perWorker(() -> new AsciiString[32]);
    /** Per field line, the shared value from {@link HeaderValueCache}, or null when the line's own bytes are kept. */
    private static final FastThreadLocal<AsciiString[]> VALUES = perWorker(() -> new AsciiString[32]);

    /** A worker's own array, made on its first use there. */
    private static <T> FastThreadLocal<T> perWorker(java.util.function.Supplier<T> initial) {
        return new FastThreadLocal<>() {
            @Override
            protected T initialValue() {
                return initial.get();
            }
        };
    }

    /** This thread's scratch array, at least {@code length} long. */
    static byte[] scratch(int length) {
        byte[] b = SCRATCH.get();
        if (b.length < length) {
            b = new byte[Math.max(length, b.length * 2)];
            SCRATCH.set(b);
        }
        return b;
    }

    /**
     * Field lines from {@code from} to {@code to} (the empty line included) of {@code b} (the
     * scratch) into {@code out}; for a head ({@code isHead}), its request-target (and a method not
     * known) move out of the scratch too.
     *
     * <p>The byte loops are small methods of their own and the fields are made in {@link #keep}:
     * with the loops inline, C2 compiled this method on stack replacement once per loop, each
     * time with all {@code keep} calls inlined (a compilation log of a warming proxy: three such
     * compilations and a normal one, ~30 KB of code each; now one of ~10 KB).
     */
    static String fields(Http1Head head, HeaderBlock out, byte[] b, int from, int to, boolean isHead,
            OriginalHeaderCase original) {
        int[] lines = LINES.get();
        AsciiString[] names = NAMES.get();
        AsciiString[] values = VALUES.get();
        HeaderValueCache cache = null;
        int count = 0;
        int keep = 0;
        int i = from;
        // Where the last field line's value ends, before its trailing whitespace was trimmed.
        int lastEnd = -1;
        // A value holds a CR that ends no line: refused once every line has passed the parser.
        boolean loneCr = false;
        while (i < to) {
            int lf = lineFeed(b, i);
            int end = lineEnd(b, lf + 1);
            if (end == i) {
                break; // the empty line
            }
            byte first = b[i];
            if (first == ' ' || first == '\t') {
                if (count == 0) {
                    return lineError(b, from, to); // folds no field: the parser's key starts with whitespace
                }
                // obs-fold: the line continues the field before it, the line break dropped
                // (BalsaParser since Envoy 1.29, as http-parser did).
                int n = count - 1;
                int oldLength = lines[4 * n + 3];
                lastEnd = fold(b, lines, n, lastEnd, i, end);
                if (valueHash(b, lines[4 * n + 2], lines[4 * n + 2] + lines[4 * n + 3]) < 0) {
                    String error = lineError(b, from, to);
                    if (error != CODEC_ERROR) {
                        return error;
                    }
                    loneCr = true;
                }
                keep += lines[4 * n + 3] - (values[n] == null ? oldLength : 0);
                values[n] = null;
                i = lf + 1;
                continue;
            }
            int colon = nameEnd(b, i, end);
            if (colon <= i) {
                return lineError(b, from, to); // no name, no colon, or not a token (whitespace before the colon, a control)
            }
            int vs = valueStart(b, colon + 1, end);
            int ve = valueEnd(b, vs, end);
            long checked = valueHash(b, vs, ve);
            if (checked < 0) {
                String error = lineError(b, from, to);
                if (error != CODEC_ERROR) {
                    return error;
                }
                loneCr = true;
            }
            if (4 * count + 4 > lines.length) {
                lines = java.util.Arrays.copyOf(lines, lines.length * 2);
                names = java.util.Arrays.copyOf(names, names.length * 2);
                values = java.util.Arrays.copyOf(values, values.length * 2);
                LINES.set(lines);
                NAMES.set(names);
                VALUES.set(values);
            }
            if (original != null) {
                original.remember(b, i, colon - i);
            }
            AsciiString known = LowerCaseNames.known(b, i, colon - i);
            AsciiString shared = checked >= 0 && HeaderValueCache.repeats(known)
                    ? (cache == null ? cache = HeaderValueCache.current() : cache).get(b, vs, ve - vs, (int) checked) : null;
            names[count] = known;
            values[count] = shared;
            lines[4 * count] = i;
            lines[4 * count + 1] = colon - i;
            lines[4 * count + 2] = vs;
            lines[4 * count + 3] = ve - vs;
            keep += (known == null ? colon - i : 0) + (shared == null ? ve - vs : 0);
            count++;
            lastEnd = end;
            i = lf + 1;
        }
        if (loneCr) {
            // Envoy's codec checks each value its parser hands on (headerValueIsValid).
            return INVALID_CHARACTERS;
        }
        return keep(head, out, b, lines, names, values, count, keep, isHead);
    }

    /**
     * Where a value starting at {@code from} has its first byte past whitespace: SP, HT, and a
     * CR that ends no line, which Envoy's BalsaFrame trims off a value's ends with them
     * (CleanUpKeyValueWhitespace; other bytes up to SP it has refused before).
     */
    private static int valueStart(byte[] b, int from, int end) {
        while (from < end && whitespace(b[from])) {
            from++;
        }
        return from;
    }

    /** Where a value from {@code from} to {@code end} ends, its trailing whitespace trimmed. */
    private static int valueEnd(byte[] b, int from, int end) {
        while (end > from && whitespace(b[end - 1])) {
            end--;
        }
        return end;
    }

    /**
     * SP, HT, and a CR that ends no line: Envoy's BalsaFrame takes all three as whitespace
     * between the start line's parts (no sanitize_cr_tab_in_first_line in Envoy's policy) and
     * around a value.
     */
    static boolean whitespace(byte c) {
        return c == ' ' || c == '\t' || c == '\r';
    }

    /**
     * Appends the continuation line {@code [from, to)} to field {@code n}'s value, which ends
     * (untrimmed) at {@code valueEnd}, in the scratch: what the line break separated becomes one
     * value, leading and trailing whitespace trimmed. The new untrimmed end.
     */
    private static int fold(byte[] b, int[] lines, int n, int valueEnd, int from, int to) {
        System.arraycopy(b, from, b, valueEnd, to - from); // backwards: only bytes already read move
        int end = valueEnd + (to - from);
        int vs = valueStart(b, lines[4 * n + 2], end);
        lines[4 * n + 2] = vs;
        lines[4 * n + 3] = valueEnd(b, vs, end) - vs;
        return end;
    }

    private static final String INVALID_CHARACTERS = "http1.invalid_characters";

    /**
     * Why field lines {@code [from, to)} are refused, once one is: Envoy's BalsaParser looks for
     * control characters (but HT, CR, LF) and DEL in all of them before it parses any
     * (CheckHeaderLinesForInvalidChars), and its codec names that http1.invalid_characters;
     * anything else wrong with a line is http1.codec_error.
     */
    static String lineError(byte[] b, int from, int to) {
        for (int k = from; k < to; k++) {
            int c = b[k] & 0xff;
            if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) {
                return INVALID_CHARACTERS;
            }
        }
        return CODEC_ERROR;
    }

    /** Where the line starting at {@code i} has its LF (the caller knows there is one). */
    private static int lineFeed(byte[] b, int i) {
        while (b[i] != '\n') {
            i++;
        }
        return i;
    }

    /** The colon ending a field name that starts at {@code i}; -1 when a byte before it is not a token's, or there is none. */
    private static int nameEnd(byte[] b, int i, int end) {
        for (; i < end; i++) {
            byte c = b[i];
            if (c == ':') {
                return i;
            }
            if (!io.remora.http.HttpTokens.tchar(c & 0xff)) {
                return -1;
            }
        }
        return -1;
    }

    /** {@link HeaderValueCache}'s hash of a field value (as an unsigned int), or -1 when it holds a control character. */
    private static long valueHash(byte[] b, int from, int to) {
        int hash = 0;
        for (int k = from; k < to; k++) {
            int c = b[k] & 0xff;
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return -1;
            }
            hash = HeaderValueCache.hash(hash, b[k]);
        }
        return hash & 0xffffffffL;
    }

    /**
     * The {@code count} field lines {@link #fields} found, into {@code out}: names not known and
     * values not shared copied out of the scratch into one array of {@code keep} bytes (with a
     * head's request-target and method), each field noted on a head.
     */
    private static String keep(Http1Head head, HeaderBlock out, byte[] b, int[] lines, AsciiString[] names,
            AsciiString[] values, int count, int keep, boolean isHead) {
        InlineHeaders.Kind kind = head.request
                ? (isHead ? InlineHeaders.Kind.REQUEST_HEADERS : InlineHeaders.Kind.REQUEST_TRAILERS)
                : isHead ? InlineHeaders.Kind.RESPONSE_HEADERS : InlineHeaders.Kind.RESPONSE_TRAILERS;
        // Room for the lines, and for a request the pseudo-headers and what the proxy adds
        // (x-forwarded-proto, x-request-id, timeouts...); a response's :status and its additions.
        out.ensureCapacity(count + (!isHead ? 0 : head.request ? 8 : 4));
        boolean moveTarget = isHead && head.target != null && head.target.array() == b;
        boolean moveMethod = isHead && head.method != null && head.method.array() == b;
        keep += (moveTarget ? head.target.length() : 0) + (moveMethod ? head.method.length() : 0);
        byte[] kept = keep == 0 ? null : new byte[keep];
        int at = 0;
        if (moveTarget) {
            head.target = copy(b, head.target.arrayOffset(), head.target.length(), kept, at, false);
            at += head.target.length();
        }
        if (moveMethod) {
            head.method = copy(b, head.method.arrayOffset(), head.method.length(), kept, at, false);
            at += head.method.length();
        }
        for (int n = 0; n < count; n++) {
            AsciiString name = names[n];
            names[n] = null;
            if (name == null) {
                int len = lines[4 * n + 1];
                name = copy(b, lines[4 * n], len, kept, at, true);
                at += len;
            }
            AsciiString value = values[n];
            values[n] = null;
            if (value == null) {
                int len = lines[4 * n + 3];
                System.arraycopy(b, lines[4 * n + 2], kept, at, len);
                value = len == 0 ? AsciiString.EMPTY_STRING : new AsciiString(kept, at, len, false);
                at += len;
            }
            if (isHead) {
                String error = Http1FieldNotes.note(head, name, value);
                if (error != null) {
                    return error;
                }
                head.noted(name);
            }
            InlineHeaders.add(out, kind, name, value);
        }
        return null;
    }

    /** {@code b[o, o + n)} copied into {@code into} at {@code at} (lower-cased with {@code lower}), as a view of it. */
    private static AsciiString copy(byte[] b, int o, int n, byte[] into, int at, boolean lower) {
        for (int k = 0; k < n; k++) {
            into[at + k] = lower ? lower(b[o + k]) : b[o + k];
        }
        return new AsciiString(into, at, n, false);
    }

    private static byte lower(byte c) {
        return c >= 'A' && c <= 'Z' ? (byte) (c + 32) : c;
    }

    /** Where the line ending at {@code end} (just after its LF) has its content end: before CR LF or LF. */
    static int lineEnd(byte[] b, int end) {
        int e = end - 1; // the LF
        return e > 0 && b[e - 1] == '\r' ? e - 1 : e;
    }

    /** Whether {@code b[off, off + len)} spells {@code s}, in any case with {@code ignoreCase}. */
    static boolean sameBytes(AsciiString s, byte[] b, int off, int len, boolean ignoreCase) {
        if (s.length() != len) {
            return false;
        }
        byte[] a = s.array();
        int ao = s.arrayOffset();
        for (int k = 0; k < len; k++) {
            byte x = a[ao + k];
            byte y = b[off + k];
            if (x != y && !(ignoreCase && lower(x) == lower(y))) {
                return false;
            }
        }
        return true;
    }
}
