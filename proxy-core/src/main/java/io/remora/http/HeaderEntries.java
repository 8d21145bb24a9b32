package io.remora.http;

import java.util.Arrays;
import java.util.Objects;

/**
 * The entries of a {@link HeaderBlock}: names and values side by side in one array, in insertion
 * order, pseudo-headers first, and what a block does to them by index (read, replace, insert,
 * remove, find a name). The base of the block rather than an object of its own, so a block stays
 * one object and one array; public, so that its by-index methods, on every request's path, are
 * called directly rather than through the accessors javac adds for a hidden base's.
 */
public abstract class HeaderEntries extends TypedHeaderAccess {

    private static final CharSequence[] EMPTY = {};

    /** name at 2i, value at 2i + 1; read directly by the block's lookups. */
    CharSequence[] kv;
    private int size;
    /** Entries [0, pseudo) are pseudo-headers. */
    private int pseudo;

    /** Room for {@code capacity} headers before it grows. */
    HeaderEntries(int capacity) {
        kv = capacity <= 0 ? EMPTY : new CharSequence[2 * capacity];
    }

    /** Room for {@code capacity} headers in all, so that filling it up to that allocates nothing more. */
    public void ensureCapacity(int capacity) {
        if (kv.length < 2 * capacity) {
            kv = Arrays.copyOf(kv, 2 * capacity);
        }
    }

    /** This block's entries become {@code b}'s (the same values, no copy of them). */
    final void copyEntries(HeaderEntries b) {
        if (kv.length < 2 * b.size) {
            kv = new CharSequence[2 * b.size];
        }
        System.arraycopy(b.kv, 0, kv, 0, 2 * b.size);
        size = b.size;
        pseudo = b.pseudo;
    }

    /** Moves the i-th entry after all others. */
    final void moveLast(int i) {
        CharSequence n = kv[2 * i];
        CharSequence v = kv[2 * i + 1];
        System.arraycopy(kv, 2 * i + 2, kv, 2 * i, 2 * (size - i - 1));
        kv[2 * size - 2] = n;
        kv[2 * size - 1] = v;
    }

    // ---------------------------------------------------------------- by index

    /** The i-th name, pseudo-headers first. */
    public CharSequence name(int i) {
        Objects.checkIndex(i, size);
        return kv[2 * i];
    }

    public CharSequence value(int i) {
        Objects.checkIndex(i, size);
        return kv[2 * i + 1];
    }

    /** How many of the entries are pseudo-headers (they come first). */
    public int pseudoCount() {
        return pseudo;
    }

    /** Replaces the i-th value in place. */
    public void value(int i, CharSequence value) {
        Objects.checkIndex(i, size);
        kv[2 * i + 1] = Objects.requireNonNull(value, "value");
    }

    /** Removes the i-th entry; the ones after it move up. */
    public void removeAt(int i) {
        Objects.checkIndex(i, size);
        System.arraycopy(kv, 2 * i + 2, kv, 2 * i, 2 * (size - i - 1));
        size--;
        kv[2 * size] = kv[2 * size + 1] = null;
        if (i < pseudo) {
            pseudo--;
        }
    }

    /** The index of the first entry named {@code name} from {@code from}, or -1. */
    public int indexOf(CharSequence name, int from) {
        boolean p = HeaderNames.isPseudo(name);
        int end = p ? pseudo : size;
        for (int i = Math.max(from, p ? 0 : pseudo); i < end; i++) {
            if (HeaderNames.same(kv[2 * i], name)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean isEmpty() {
        return size == 0;
    }

    @Override
    public io.netty.handler.codec.http2.Http2Headers clear() {
        Arrays.fill(kv, 0, 2 * size, null);
        size = pseudo = 0;
        return this;
    }

    /** At the end of its section: pseudo-headers before the rest, as Netty's block keeps them. */
    final io.netty.handler.codec.http2.Http2Headers append(CharSequence name, CharSequence value) {
        if (HeaderNames.isPseudo(name)) {
            insert(pseudo, name, value);
            pseudo++;
        } else {
            insert(size, name, value);
        }
        return this;
    }

    /** Removes the entries named {@code name} from {@code first} (the first of them) on, in one pass. */
    final void removeFrom(CharSequence name, int first) {
        boolean pseudoName = first < pseudo;
        int end = pseudoName ? pseudo : size;
        int w = first;
        for (int r = first + 1; r < end; r++) {
            if (!HeaderNames.same(kv[2 * r], name)) {
                kv[2 * w] = kv[2 * r];
                kv[2 * w + 1] = kv[2 * r + 1];
                w++;
            }
        }
        int removed = end - w;
        if (pseudoName) { // the regular headers move up behind the pseudo-headers left
            System.arraycopy(kv, 2 * end, kv, 2 * w, 2 * (size - end));
            pseudo -= removed;
        }
        Arrays.fill(kv, 2 * (size - removed), 2 * size, null);
        size -= removed;
    }

    private void insert(int at, CharSequence name, CharSequence value) {
        if (2 * size == kv.length) {
            kv = Arrays.copyOf(kv, Math.max(8, 2 * kv.length));
        }
        if (at < size) {
            System.arraycopy(kv, 2 * at, kv, 2 * at + 2, 2 * (size - at));
        }
        kv[2 * at] = name;
        kv[2 * at + 1] = value;
        size++;
    }
}
