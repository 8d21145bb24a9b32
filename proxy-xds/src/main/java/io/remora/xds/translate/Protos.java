package io.remora.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.type.v3.FractionalPercent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Small conversions shared by the translators: durations, wrappers, typed configs, data sources. */
public final class Protos {

    static final String TYPED_STRUCT_UDPA = "udpa.type.v1.TypedStruct";
    static final String TYPED_STRUCT_XDS = "xds.type.v3.TypedStruct";

    private Protos() {
    }

    public static Duration duration(com.google.protobuf.Duration d) {
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }

    /** The duration if the field is set, else the default. */
    public static Duration duration(boolean has, com.google.protobuf.Duration d, Duration dflt) {
        return has ? duration(d) : dflt;
    }

    public static boolean bool(boolean has, BoolValue v, boolean dflt) {
        return has ? v.getValue() : dflt;
    }

    public static int uint(boolean has, UInt32Value v, int dflt) {
        return has ? clampInt(v.getValue()) : dflt;
    }

    /** uint32 values above Integer.MAX_VALUE arrive negative in Java; they mean "unlimited". */
    public static int clampInt(int unsigned) {
        return unsigned < 0 ? Integer.MAX_VALUE : unsigned;
    }

    /** The message type name of a typed config; a TypedStruct's is its inner type URL's. */
    public static String typeName(Any any) {
        String name = any.getTypeUrl().substring(any.getTypeUrl().lastIndexOf('/') + 1);
        if (name.equals(TYPED_STRUCT_UDPA) || name.equals(TYPED_STRUCT_XDS)) {
            try {
                String inner = name.equals(TYPED_STRUCT_UDPA)
                        ? GeneratedMessages.unpack(any, com.github.udpa.udpa.type.v1.TypedStruct.class).getTypeUrl()
                        : GeneratedMessages.unpack(any, com.github.xds.type.v3.TypedStruct.class).getTypeUrl();
                return inner.substring(inner.lastIndexOf('/') + 1);
            } catch (InvalidProtocolBufferException e) {
                return name;
            }
        }
        return name;
    }

    public static boolean isTypedStruct(Any any) {
        return any.getTypeUrl().endsWith("/" + TYPED_STRUCT_UDPA) || any.getTypeUrl().endsWith("/" + TYPED_STRUCT_XDS);
    }

    public static <T extends Message> T unpack(Any any, Class<T> type, FieldPath path) {
        if (isTypedStruct(any)) {
            throw path.error("a TypedStruct for " + type.getSimpleName()
                    + " is not supported here; give the typed proto itself");
        }
        try {
            return GeneratedMessages.unpack(any, type);
        } catch (InvalidProtocolBufferException e) {
            throw path.error("expected a " + type.getSimpleName() + " but got '" + any.getTypeUrl() + "': "
                    + e.getMessage());
        }
    }

    /**
     * A data source's text: inline string/bytes, or the content of a file read now. Its {@code watched_directory}
     * (Envoy re-reads the file when one is moved into that directory, where the parent supports it) is warned
     * about: here the file is read once, when the config is translated.
     */
    public static String dataSource(DataSource ds, FieldPath path) {
        warnUnwatched(ds, path);
        return switch (ds.getSpecifierCase()) {
            case INLINE_STRING -> ds.getInlineString();
            case INLINE_BYTES -> ds.getInlineBytes().toString(StandardCharsets.UTF_8);
            case FILENAME -> {
                try {
                    yield Files.readString(Path.of(ds.getFilename()));
                } catch (IOException e) {
                    throw path.field("filename").error("cannot read '" + ds.getFilename() + "': " + e);
                }
            }
            case ENVIRONMENT_VARIABLE -> {
                String v = System.getenv(ds.getEnvironmentVariable());
                if (v == null) {
                    throw path.field("environment_variable").error("environment variable '"
                            + ds.getEnvironmentVariable() + "' is not set");
                }
                yield v;
            }
            case SPECIFIER_NOT_SET -> null;
        };
    }

    private static void warnUnwatched(DataSource ds, FieldPath path) {
        if (ds.hasWatchedDirectory()) {
            TranslationContext.warnOnceWithoutContext("watched_directory:" + path, "watched_directory is not supported"
                    + " (the file is read once, when the config is loaded); ignoring " + path.field("watched_directory"));
        }
    }

    /** A data source's bytes as they are (inline bytes, a file), for payloads that need not be text. */
    public static byte[] dataSourceBytes(DataSource ds, FieldPath path) {
        warnUnwatched(ds, path);
        return switch (ds.getSpecifierCase()) {
            case INLINE_BYTES -> ds.getInlineBytes().toByteArray();
            case FILENAME -> {
                try {
                    yield Files.readAllBytes(Path.of(ds.getFilename()));
                } catch (IOException e) {
                    throw path.field("filename").error("cannot read '" + ds.getFilename() + "': " + e);
                }
            }
            default -> {
                String text = dataSource(ds, path);
                yield text == null ? null : text.getBytes(StandardCharsets.UTF_8);
            }
        };
    }

    /** A fraction as parts per million. */
    public static int perMillion(FractionalPercent f) {
        long n = Integer.toUnsignedLong(f.getNumerator());
        long pm = switch (f.getDenominator()) {
            case HUNDRED -> n * 10_000;
            case TEN_THOUSAND -> n * 100;
            case MILLION -> n;
            default -> n * 10_000;
        };
        return (int) Math.min(pm, 1_000_000);
    }

    /**
     * A Struct as plain Java values for equality matching (transport_socket_matches against
     * endpoint metadata): strings, numbers as Double, booleans, nested maps and lists.
     */
    /** {@code metadata.filter_metadata} as plain Java values by namespace. */
    static java.util.Map<String, java.util.Map<String, Object>> filterMetadata(
            io.envoyproxy.envoy.config.core.v3.Metadata m) {
        if (m.getFilterMetadataCount() == 0) {
            return java.util.Map.of();
        }
        java.util.Map<String, java.util.Map<String, Object>> out = new java.util.TreeMap<>();
        m.getFilterMetadataMap().forEach((ns, s) -> out.put(ns, structMap(s)));
        return java.util.Collections.unmodifiableMap(out);
    }

    static java.util.Map<String, Object> structMap(com.google.protobuf.Struct s) {
        java.util.Map<String, Object> out = new java.util.TreeMap<>();
        s.getFieldsMap().forEach((k, v) -> out.put(k, value(v)));
        return out;
    }

    private static Object value(com.google.protobuf.Value v) {
        return switch (v.getKindCase()) {
            case STRING_VALUE -> v.getStringValue();
            case NUMBER_VALUE -> v.getNumberValue();
            case BOOL_VALUE -> v.getBoolValue();
            case STRUCT_VALUE -> structMap(v.getStructValue());
            case LIST_VALUE -> v.getListValue().getValuesList().stream().map(Protos::value).toList();
            default -> "";
        };
    }
}
