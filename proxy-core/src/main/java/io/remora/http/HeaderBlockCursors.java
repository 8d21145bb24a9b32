package io.remora.http;

import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * The iterators of a {@link HeaderBlock}, by index over its entries. Only APIs and code that do
 * not know the block use them (HPACK, filters); Remora's own walks go by index.
 */
final class HeaderBlockCursors {

    private HeaderBlockCursors() {
    }

    static final class Entries implements Iterator<Map.Entry<CharSequence, CharSequence>> {
        private final HeaderBlock b;
        private int next;

        Entries(HeaderBlock b) {
            this.b = b;
        }

        @Override
        public boolean hasNext() {
            return next < b.size();
        }

        @Override
        public Map.Entry<CharSequence, CharSequence> next() {
            if (next >= b.size()) {
                throw new NoSuchElementException();
            }
            int i = next++;
            return new Entry(b, i, b.name(i), b.value(i));
        }

        @Override
        public void remove() {
            if (next == 0) {
                throw new IllegalStateException();
            }
            b.removeAt(--next);
        }
    }

    /**
     * The iterator lent to a reader that takes each entry's name and value before asking for the
     * next and keeps no entry (Netty's HPACK encoder): it is its own entry, and reused for the
     * block's next single pass.
     */
    static final class SinglePass implements Iterator<Map.Entry<CharSequence, CharSequence>>,
            Map.Entry<CharSequence, CharSequence> {
        private final HeaderBlock b;
        private int next;

        SinglePass(HeaderBlock b) {
            this.b = b;
        }

        SinglePass reset() {
            next = 0;
            return this;
        }

        @Override
        public boolean hasNext() {
            return next < b.size();
        }

        @Override
        public Map.Entry<CharSequence, CharSequence> next() {
            if (next >= b.size()) {
                throw new NoSuchElementException();
            }
            next++;
            return this;
        }

        @Override
        public CharSequence getKey() {
            return b.name(next - 1);
        }

        @Override
        public CharSequence getValue() {
            return b.value(next - 1);
        }

        @Override
        public CharSequence setValue(CharSequence value) {
            CharSequence old = b.value(next - 1);
            b.value(next - 1, value);
            return old;
        }

        @Override
        public void remove() {
            if (next == 0) {
                throw new IllegalStateException();
            }
            b.removeAt(--next);
        }
    }

    /** One header as the entry iterator hands it out; {@code setValue} writes through while the entry is still there. */
    static final class Entry implements Map.Entry<CharSequence, CharSequence> {
        private final HeaderBlock b;
        private final int index;
        private final CharSequence name;
        private CharSequence value;

        Entry(HeaderBlock b, int index, CharSequence name, CharSequence value) {
            this.b = b;
            this.index = index;
            this.name = name;
            this.value = value;
        }

        @Override
        public CharSequence getKey() {
            return name;
        }

        @Override
        public CharSequence getValue() {
            return value;
        }

        @Override
        public CharSequence setValue(CharSequence v) {
            Objects.requireNonNull(v, "value");
            CharSequence old = value;
            if (index < b.size() && b.name(index) == name && b.value(index) == old) {
                b.value(index, v);
            }
            value = v;
            return old;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Map.Entry<?, ?> e && Objects.equals(name, e.getKey()) && Objects.equals(value, e.getValue());
        }

        @Override
        public int hashCode() {
            return Objects.hashCode(name) ^ Objects.hashCode(value);
        }

        @Override
        public String toString() {
            return name + "=" + value;
        }
    }

    static final class Values implements Iterator<CharSequence> {
        private final HeaderBlock b;
        private final CharSequence name;
        private int next;
        private int last = -1;

        Values(HeaderBlock b, CharSequence name) {
            this.b = b;
            this.name = name;
            this.next = b.indexOf(name, 0);
        }

        @Override
        public boolean hasNext() {
            return next >= 0;
        }

        @Override
        public CharSequence next() {
            if (next < 0) {
                throw new NoSuchElementException();
            }
            last = next;
            next = b.indexOf(name, next + 1);
            return b.value(last);
        }

        @Override
        public void remove() {
            if (last < 0) {
                throw new IllegalStateException();
            }
            b.removeAt(last);
            if (next > 0) {
                next--;
            }
            last = -1;
        }
    }
}
