package io.remora.http;

import io.netty.handler.codec.CharSequenceValueConverter;
import io.netty.handler.codec.http2.Http2Headers;

import java.util.Objects;

/**
 * The typed reads of Netty's {@link Http2Headers} contract (getInt, getLongAndRemove,
 * containsBoolean...) over the text operations {@link HeaderBlock} supplies, with Netty's own
 * conversions ({@link CharSequenceValueConverter}) and its rule that a value that does not convert
 * reads as absent. The writes are {@link TypedHeaderAccess}'s; the block keeps to its storage.
 */
abstract class TypedHeaderReads implements Http2Headers {

    static final CharSequenceValueConverter CONVERT = CharSequenceValueConverter.INSTANCE;

    // ---------------------------------------------------------------- getters

    @Override
    public CharSequence get(CharSequence name, CharSequence defaultValue) {
        CharSequence v = get(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public CharSequence getAndRemove(CharSequence name, CharSequence defaultValue) {
        CharSequence v = getAndRemove(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public Boolean getBoolean(CharSequence name) {
        CharSequence v = get(name);
        try {
            return v != null ? CONVERT.convertToBoolean(v) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public boolean getBoolean(CharSequence name, boolean defaultValue) {
        Boolean v = getBoolean(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public Byte getByte(CharSequence name) {
        CharSequence v = get(name);
        try {
            return v != null ? CONVERT.convertToByte(v) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public byte getByte(CharSequence name, byte defaultValue) {
        Byte v = getByte(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public Character getChar(CharSequence name) {
        CharSequence v = get(name);
        try {
            return v != null ? CONVERT.convertToChar(v) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public char getChar(CharSequence name, char defaultValue) {
        Character v = getChar(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public Short getShort(CharSequence name) {
        CharSequence v = get(name);
        try {
            return v != null ? CONVERT.convertToShort(v) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public short getShort(CharSequence name, short defaultValue) {
        Short v = getShort(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public Integer getInt(CharSequence name) {
        CharSequence v = get(name);
        try {
            return v != null ? CONVERT.convertToInt(v) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public int getInt(CharSequence name, int defaultValue) {
        Integer v = getInt(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public Long getLong(CharSequence name) {
        CharSequence v = get(name);
        try {
            return v != null ? CONVERT.convertToLong(v) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public long getLong(CharSequence name, long defaultValue) {
        Long v = getLong(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public Float getFloat(CharSequence name) {
        CharSequence v = get(name);
        try {
            return v != null ? CONVERT.convertToFloat(v) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public float getFloat(CharSequence name, float defaultValue) {
        Float v = getFloat(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public Double getDouble(CharSequence name) {
        CharSequence v = get(name);
        try {
            return v != null ? CONVERT.convertToDouble(v) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public double getDouble(CharSequence name, double defaultValue) {
        Double v = getDouble(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public Long getTimeMillis(CharSequence name) {
        CharSequence v = get(name);
        try {
            return v != null ? CONVERT.convertToTimeMillis(v) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public long getTimeMillis(CharSequence name, long defaultValue) {
        Long v = getTimeMillis(name);
        return v != null ? v : defaultValue;
    }

    // ---------------------------------------------------------------- getters that remove

    @Override
    public Boolean getBooleanAndRemove(CharSequence name) {
        CharSequence v = getAndRemove(name);
        try {
            return v != null ? CONVERT.convertToBoolean(v) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public boolean getBooleanAndRemove(CharSequence name, boolean defaultValue) {
        Boolean v = getBooleanAndRemove(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public Byte getByteAndRemove(CharSequence name) {
        CharSequence v = getAndRemove(name);
        try {
            return v != null ? CONVERT.convertToByte(v) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public byte getByteAndRemove(CharSequence name, byte defaultValue) {
        Byte v = getByteAndRemove(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public Character getCharAndRemove(CharSequence name) {
        CharSequence v = getAndRemove(name);
        try {
            return v != null ? CONVERT.convertToChar(v) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public char getCharAndRemove(CharSequence name, char defaultValue) {
        Character v = getCharAndRemove(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public Short getShortAndRemove(CharSequence name) {
        CharSequence v = getAndRemove(name);
        try {
            return v != null ? CONVERT.convertToShort(v) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public short getShortAndRemove(CharSequence name, short defaultValue) {
        Short v = getShortAndRemove(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public Integer getIntAndRemove(CharSequence name) {
        CharSequence v = getAndRemove(name);
        try {
            return v != null ? CONVERT.convertToInt(v) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public int getIntAndRemove(CharSequence name, int defaultValue) {
        Integer v = getIntAndRemove(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public Long getLongAndRemove(CharSequence name) {
        CharSequence v = getAndRemove(name);
        try {
            return v != null ? CONVERT.convertToLong(v) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public long getLongAndRemove(CharSequence name, long defaultValue) {
        Long v = getLongAndRemove(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public Float getFloatAndRemove(CharSequence name) {
        CharSequence v = getAndRemove(name);
        try {
            return v != null ? CONVERT.convertToFloat(v) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public float getFloatAndRemove(CharSequence name, float defaultValue) {
        Float v = getFloatAndRemove(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public Double getDoubleAndRemove(CharSequence name) {
        CharSequence v = getAndRemove(name);
        try {
            return v != null ? CONVERT.convertToDouble(v) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public double getDoubleAndRemove(CharSequence name, double defaultValue) {
        Double v = getDoubleAndRemove(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public Long getTimeMillisAndRemove(CharSequence name) {
        CharSequence v = getAndRemove(name);
        try {
            return v != null ? CONVERT.convertToTimeMillis(v) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public long getTimeMillisAndRemove(CharSequence name, long defaultValue) {
        Long v = getTimeMillisAndRemove(name);
        return v != null ? v : defaultValue;
    }

    // ---------------------------------------------------------------- contains

    @Override
    public boolean contains(CharSequence name, CharSequence value) {
        return contains(name, value, false);
    }

    @Override
    public boolean containsObject(CharSequence name, Object value) {
        return contains(name, object(value));
    }

    @Override
    public boolean containsBoolean(CharSequence name, boolean value) {
        return contains(name, CONVERT.convertBoolean(value));
    }

    @Override
    public boolean containsByte(CharSequence name, byte value) {
        return contains(name, CONVERT.convertByte(value));
    }

    @Override
    public boolean containsChar(CharSequence name, char value) {
        return contains(name, CONVERT.convertChar(value));
    }

    @Override
    public boolean containsShort(CharSequence name, short value) {
        return contains(name, CONVERT.convertShort(value));
    }

    @Override
    public boolean containsInt(CharSequence name, int value) {
        return contains(name, CONVERT.convertInt(value));
    }

    @Override
    public boolean containsLong(CharSequence name, long value) {
        return contains(name, CONVERT.convertLong(value));
    }

    @Override
    public boolean containsFloat(CharSequence name, float value) {
        return contains(name, CONVERT.convertFloat(value));
    }

    @Override
    public boolean containsDouble(CharSequence name, double value) {
        return contains(name, CONVERT.convertDouble(value));
    }

    @Override
    public boolean containsTimeMillis(CharSequence name, long value) {
        return contains(name, CONVERT.convertTimeMillis(value));
    }

    static CharSequence object(Object value) {
        return CONVERT.convertObject(Objects.requireNonNull(value, "value"));
    }
}
