package io.remora.redis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * One RESP2 value (Envoy's {@code Common::Redis::RespValue}). Strings are bytes: Redis keys and
 * values are binary. Requests are arrays of bulk strings; replies may be any type.
 */
public final class RespValue {

    public enum Type { SIMPLE_STRING, ERROR, INTEGER, BULK_STRING, NULL, ARRAY }

    public static final RespValue NULL = new RespValue(Type.NULL, null, 0, null);
    public static final RespValue OK = simple("OK");

    private final Type type;
    private final byte[] bytes;
    private final long integer;
    private final List<RespValue> array;

    private RespValue(Type type, byte[] bytes, long integer, List<RespValue> array) {
        this.type = type;
        this.bytes = bytes;
        this.integer = integer;
        this.array = array;
    }

    public static RespValue simple(String s) {
        return new RespValue(Type.SIMPLE_STRING, s.getBytes(StandardCharsets.UTF_8), 0, null);
    }

    public static RespValue error(String s) {
        return new RespValue(Type.ERROR, s.getBytes(StandardCharsets.UTF_8), 0, null);
    }

    public static RespValue ofType(Type type, byte[] bytes) {
        return new RespValue(type, bytes, 0, null);
    }

    public static RespValue bulk(byte[] b) {
        return new RespValue(Type.BULK_STRING, b, 0, null);
    }

    public static RespValue bulk(String s) {
        return bulk(s.getBytes(StandardCharsets.UTF_8));
    }

    public static RespValue integer(long v) {
        return new RespValue(Type.INTEGER, null, v, null);
    }

    public static RespValue array(List<RespValue> values) {
        return new RespValue(Type.ARRAY, null, 0, values);
    }

    /** A request: an array of bulk strings. */
    public static RespValue command(String... args) {
        RespValue[] a = new RespValue[args.length];
        for (int i = 0; i < args.length; i++) {
            a[i] = bulk(args[i]);
        }
        return array(Arrays.asList(a));
    }

    public Type type() {
        return type;
    }

    /** The bytes of a simple string, error or bulk string. */
    public byte[] bytes() {
        return bytes;
    }

    public long integer() {
        return integer;
    }

    public List<RespValue> array() {
        return array;
    }

    public boolean isError() {
        return type == Type.ERROR;
    }

    /** The string as UTF-8 (messages, command names); bytes stay bytes elsewhere. */
    public String string() {
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }

    /** Whether this simple string or error reads exactly {@code s} (ASCII). */
    public boolean is(String s) {
        if (bytes == null || bytes.length != s.length()) {
            return false;
        }
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return switch (type) {
            case NULL -> "null";
            case INTEGER -> Long.toString(integer);
            case ARRAY -> array.toString();
            case ERROR -> "-" + string();
            default -> '"' + string() + '"';
        };
    }
}
