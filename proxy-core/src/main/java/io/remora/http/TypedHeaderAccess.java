package io.remora.http;

import io.netty.handler.codec.Headers;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * The typed writes of Netty's {@link Http2Headers} contract (addLong, setObject, the Iterable and
 * varargs forms, the pseudo-header accessors) over {@link HeaderBlock}'s add, set and remove, with
 * Netty's conversions and its rule that a null value ends an iterable.
 */
abstract class TypedHeaderAccess extends TypedHeaderReads {

    // ---------------------------------------------------------------- add

    @Override
    public Http2Headers add(CharSequence name, Iterable<? extends CharSequence> values) {
        for (CharSequence v : values) {
            add(name, v);
        }
        return this;
    }

    @Override
    public Http2Headers add(CharSequence name, CharSequence... values) {
        for (CharSequence v : values) {
            add(name, v);
        }
        return this;
    }

    @Override
    public Http2Headers addObject(CharSequence name, Object value) {
        return add(name, object(value));
    }

    @Override
    public Http2Headers addObject(CharSequence name, Iterable<?> values) {
        for (Object v : values) {
            add(name, object(v));
        }
        return this;
    }

    @Override
    public Http2Headers addObject(CharSequence name, Object... values) {
        for (Object v : values) {
            add(name, object(v));
        }
        return this;
    }

    @Override
    public Http2Headers addBoolean(CharSequence name, boolean value) {
        return add(name, CONVERT.convertBoolean(value));
    }

    @Override
    public Http2Headers addByte(CharSequence name, byte value) {
        return add(name, CONVERT.convertByte(value));
    }

    @Override
    public Http2Headers addChar(CharSequence name, char value) {
        return add(name, CONVERT.convertChar(value));
    }

    @Override
    public Http2Headers addShort(CharSequence name, short value) {
        return add(name, CONVERT.convertShort(value));
    }

    @Override
    public Http2Headers addInt(CharSequence name, int value) {
        return add(name, CONVERT.convertInt(value));
    }

    @Override
    public Http2Headers addLong(CharSequence name, long value) {
        return add(name, CONVERT.convertLong(value));
    }

    @Override
    public Http2Headers addFloat(CharSequence name, float value) {
        return add(name, CONVERT.convertFloat(value));
    }

    @Override
    public Http2Headers addDouble(CharSequence name, double value) {
        return add(name, CONVERT.convertDouble(value));
    }

    @Override
    public Http2Headers addTimeMillis(CharSequence name, long value) {
        return add(name, CONVERT.convertTimeMillis(value));
    }

    // ---------------------------------------------------------------- set

    @Override
    public Http2Headers set(CharSequence name, Iterable<? extends CharSequence> values) {
        remove(name);
        for (CharSequence v : values) {
            if (v == null) {
                break; // as Netty's DefaultHeaders: a null ends the values
            }
            add(name, v);
        }
        return this;
    }

    @Override
    public Http2Headers set(CharSequence name, CharSequence... values) {
        remove(name);
        for (CharSequence v : values) {
            if (v == null) {
                break;
            }
            add(name, v);
        }
        return this;
    }

    @Override
    public Http2Headers setObject(CharSequence name, Object value) {
        return set(name, object(value));
    }

    @Override
    public Http2Headers setObject(CharSequence name, Iterable<?> values) {
        remove(name);
        for (Object v : values) {
            if (v == null) {
                break;
            }
            add(name, object(v));
        }
        return this;
    }

    @Override
    public Http2Headers setObject(CharSequence name, Object... values) {
        remove(name);
        for (Object v : values) {
            if (v == null) {
                break;
            }
            add(name, object(v));
        }
        return this;
    }

    @Override
    public Http2Headers setBoolean(CharSequence name, boolean value) {
        return set(name, CONVERT.convertBoolean(value));
    }

    @Override
    public Http2Headers setByte(CharSequence name, byte value) {
        return set(name, CONVERT.convertByte(value));
    }

    @Override
    public Http2Headers setChar(CharSequence name, char value) {
        return set(name, CONVERT.convertChar(value));
    }

    @Override
    public Http2Headers setShort(CharSequence name, short value) {
        return set(name, CONVERT.convertShort(value));
    }

    @Override
    public Http2Headers setInt(CharSequence name, int value) {
        return set(name, CONVERT.convertInt(value));
    }

    @Override
    public Http2Headers setLong(CharSequence name, long value) {
        return set(name, CONVERT.convertLong(value));
    }

    @Override
    public Http2Headers setFloat(CharSequence name, float value) {
        return set(name, CONVERT.convertFloat(value));
    }

    @Override
    public Http2Headers setDouble(CharSequence name, double value) {
        return set(name, CONVERT.convertDouble(value));
    }

    @Override
    public Http2Headers setTimeMillis(CharSequence name, long value) {
        return set(name, CONVERT.convertTimeMillis(value));
    }

    @Override
    public Http2Headers setAll(Headers<? extends CharSequence, ? extends CharSequence, ?> headers) {
        if (headers != this) {
            for (CharSequence name : headers.names()) {
                remove(name);
            }
            add(headers);
        }
        return this;
    }

    // ---------------------------------------------------------------- pseudo-headers

    @Override
    public Http2Headers method(CharSequence value) {
        return set(PseudoHeaderName.METHOD.value(), value);
    }

    @Override
    public Http2Headers scheme(CharSequence value) {
        return set(PseudoHeaderName.SCHEME.value(), value);
    }

    @Override
    public Http2Headers authority(CharSequence value) {
        return set(PseudoHeaderName.AUTHORITY.value(), value);
    }

    @Override
    public Http2Headers path(CharSequence value) {
        return set(PseudoHeaderName.PATH.value(), value);
    }

    @Override
    public Http2Headers status(CharSequence value) {
        return set(PseudoHeaderName.STATUS.value(), value);
    }

    @Override
    public CharSequence method() {
        return get(PseudoHeaderName.METHOD.value());
    }

    @Override
    public CharSequence scheme() {
        return get(PseudoHeaderName.SCHEME.value());
    }

    @Override
    public CharSequence authority() {
        return get(PseudoHeaderName.AUTHORITY.value());
    }

    @Override
    public CharSequence path() {
        return get(PseudoHeaderName.PATH.value());
    }

    @Override
    public CharSequence status() {
        return get(PseudoHeaderName.STATUS.value());
    }
}
