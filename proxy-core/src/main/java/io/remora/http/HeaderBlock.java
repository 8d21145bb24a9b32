package io.remora.http;

import io.netty.handler.codec.Headers;
import io.netty.handler.codec.http2.Http2Headers;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A header block as Envoy keeps one: names and values side by side in one array, in insertion
 * order, pseudo-headers first (as Netty's {@code DefaultHttp2Headers} keeps them, so they lead on
 * the wire). A request has a dozen headers, so a lookup is a linear scan, of the pseudo-headers
 * or of the others only, comparing names ASCII case-insensitively (RFC 9110 5.1); values compare
 * as the caller asks. No entry object per header, no hash buckets, no head entry: one object and
 * one array per block.
 *
 * <p>It is Netty's {@link Http2Headers}, so HPACK, the HTTP/1.1 writer, filters and matchers use
 * it unchanged, with {@code DefaultHttp2Headers}' semantics: {@code set} removes every value of
 * the name and appends the new one; {@code get} answers the first value; {@code getAll} and
 * {@link #valueIterator} keep insertion order. Hot paths walk it by index ({@link #name(int)},
 * {@link #value(int)}) instead of iterating entries.
 *
 * <p>A block decoding an HTTP/2 request or response ({@link #validating}) refuses what Netty's validating
 * block refused (empty or upper-case names, unknown, repeated or empty pseudo-headers) with the
 * same {@code Http2Exception} ({@link Http2FieldRules}), which the HPACK decoder turns into a stream error.
 *
 * <p>Not thread-safe; one stream's block lives on its event loop.
 */
public class HeaderBlock extends HeaderEntries {

    private boolean validate;
    /**
     * While a codec decodes into it: 1 + the ordinal of the kind of Envoy header map it is, whose
     * inline names join; 0 otherwise. A byte, not the enum: a reference took the block from 32 to
     * 40 bytes, and two are made per request.
     */
    private byte joins;
    /** In {@link #joins}, above the kind: a cookie was decoded, and goes last when decoding ends. */
    private static final int COOKIE_SEEN = 0x40;
    /** Set between {@link #beginSinglePass()} and {@link #endSinglePass()}; the cursor lent then. */
    private boolean singlePass;
    private HeaderBlockCursors.SinglePass cursor;

    /** A block with room for {@code capacity} headers before it grows. */
    public HeaderBlock(int capacity) {
        super(capacity);
    }

    public HeaderBlock() {
        this(8);
    }

    /** A block that refuses what RFC 9113 8.2 and 8.3 forbid as it is filled (HPACK decoding of requests). */
    public static HeaderBlock validating(int capacity) {
        HeaderBlock b = new HeaderBlock(capacity);
        b.validate = true;
        return b;
    }

    /** {@code h} itself when it is a block, otherwise a copy of it: for walking any header map by index. */
    public static HeaderBlock of(Http2Headers h) {
        if (h instanceof HeaderBlock b) {
            return b;
        }
        HeaderBlock b = new HeaderBlock(h.size());
        b.add(h);
        return b;
    }

    /** A copy with room for {@code extra} more headers. */
    public HeaderBlock copy(int extra) {
        HeaderBlock b = sized(size() + extra);
        b.copyEntries(this);
        return b;
    }

    /** An empty block of this kind with room for {@code capacity} headers. */
    HeaderBlock sized(int capacity) {
        return new HeaderBlock(capacity);
    }

    /**
     * The case the names are written in over HTTP/1.1 when they arrived on a connection with
     * preserve_case ({@link CasedHeaderBlock}); null, as nearly always, for the writing connection's.
     */
    public io.remora.http.upstream.HeaderNameCase nameCase() {
        return null;
    }

    /** Validation ends with decoding: what filters add later is theirs to get right, as with any block. */
    void stopValidating() {
        validate = false;
        if ((joins & COOKIE_SEEN) != 0) {
            // Envoy's HTTP/2 codec keeps the crumbs aside and adds the joined cookie after the
            // other fields (ConnectionImpl::onHeaders), wherever the crumbs came.
            moveLast(InlineHeaders.indexOfCookie(this));
        }
        joins = 0;
    }

    /**
     * Until decoding ends, repeats of {@code kind}'s inline names, and of cookie (the HTTP/2
     * codec's crumbs), are appended to the first entry as Envoy's codecs and header maps do.
     */
    void joinAs(InlineHeaders.Kind kind) {
        joins = kind == null ? 0 : (byte) (kind.ordinal() + 1);
    }

    /** Whether two names are the same header: ASCII case-insensitive, the cheap checks first. */
    public static boolean sameName(CharSequence a, CharSequence b) {
        return HeaderNames.same(a, b);
    }

    // ---------------------------------------------------------------- text operations

    @Override
    public CharSequence get(CharSequence name) {
        int i = indexOf(Objects.requireNonNull(name, "name"), 0);
        return i < 0 ? null : kv[2 * i + 1];
    }

    /** Removes every value of {@code name}; answers the first. */
    @Override
    public CharSequence getAndRemove(CharSequence name) {
        int i = indexOf(Objects.requireNonNull(name, "name"), 0);
        if (i < 0) {
            return null;
        }
        CharSequence v = kv[2 * i + 1];
        removeFrom(name, i);
        return v;
    }

    @Override
    public List<CharSequence> getAll(CharSequence name) {
        return HeaderBlockBulk.getAll(this, Objects.requireNonNull(name, "name"));
    }

    @Override
    public List<CharSequence> getAllAndRemove(CharSequence name) {
        List<CharSequence> all = getAll(name);
        if (!all.isEmpty()) {
            remove(name);
        }
        return all;
    }

    @Override
    public boolean contains(CharSequence name) {
        return indexOf(Objects.requireNonNull(name, "name"), 0) >= 0;
    }

    @Override
    public boolean contains(CharSequence name, CharSequence value, boolean caseInsensitive) {
        return HeaderBlockBulk.contains(this, Objects.requireNonNull(name, "name"), value, caseInsensitive);
    }

    @Override
    public Set<CharSequence> names() {
        return HeaderBlockBulk.names(this);
    }

    @Override
    public Http2Headers add(CharSequence name, CharSequence value) {
        check(name, value, true);
        if (joins != 0) {
            if (InlineHeaders.joinInto(this, InlineHeaders.KINDS[(joins & ~COOKIE_SEEN) - 1], name, value)
                    || InlineHeaders.joinCookie(this, name, value)) {
                return this;
            }
            if (InlineHeaders.isCookie(name)) {
                joins |= COOKIE_SEEN;
            }
        }
        return append(name, value);
    }

    @Override
    public Http2Headers add(Headers<? extends CharSequence, ? extends CharSequence, ?> headers) {
        HeaderBlockBulk.addAll(this, headers);
        return this;
    }

    /** Removes every value of {@code name}, then adds {@code value} (last of its section). */
    @Override
    public Http2Headers set(CharSequence name, CharSequence value) {
        check(name, value, false);
        int i = indexOf(name, 0);
        if (i >= 0) {
            removeFrom(name, i);
        }
        return append(name, value);
    }

    @Override
    public Http2Headers set(Headers<? extends CharSequence, ? extends CharSequence, ?> headers) {
        if (headers != this) {
            clear();
            if (headers instanceof HeaderBlock b) {
                copyEntries(b);
            } else {
                add(headers);
            }
        }
        return this;
    }

    @Override
    public boolean remove(CharSequence name) {
        int i = indexOf(Objects.requireNonNull(name, "name"), 0);
        if (i < 0) {
            return false;
        }
        removeFrom(name, i);
        return true;
    }

    private void check(CharSequence name, CharSequence value, boolean forAdd) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (validate) {
            Http2FieldRules.check(this, name, value, forAdd);
        }
    }

    // ---------------------------------------------------------------- iteration

    @Override
    public Iterator<Map.Entry<CharSequence, CharSequence>> iterator() {
        if (singlePass) {
            if (cursor == null) {
                cursor = new HeaderBlockCursors.SinglePass(this);
            }
            return cursor.reset();
        }
        return new HeaderBlockCursors.Entries(this);
    }

    /**
     * Until {@link #endSinglePass()}, {@link #iterator()} lends one reused cursor that is its own
     * entry: for handing the block to Netty's HPACK encoder, which reads each entry's name and
     * value before asking for the next and keeps none (no entry object per header, no iterator per
     * walk). Anything else that walks the block in between must not keep entries either.
     */
    public void beginSinglePass() {
        singlePass = true;
    }

    public void endSinglePass() {
        singlePass = false;
    }

    /** The values of {@code name} in insertion order; {@code remove()} removes the last one returned. */
    @Override
    public Iterator<CharSequence> valueIterator(CharSequence name) {
        return new HeaderBlockCursors.Values(this, Objects.requireNonNull(name, "name"));
    }

    // ---------------------------------------------------------------- Object

    /** Equal to any {@link Http2Headers} with the same names and, per name, the same values in the same order. */
    @Override
    public boolean equals(Object o) {
        return this == o || (o instanceof Http2Headers h && HeaderBlockEquality.sameHeaders(this, h));
    }

    @Override
    public int hashCode() {
        return HeaderBlockEquality.hash(this);
    }

    @Override
    public String toString() {
        return HeaderBlockEquality.describe(this);
    }
}
