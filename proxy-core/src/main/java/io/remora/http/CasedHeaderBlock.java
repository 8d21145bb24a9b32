package io.remora.http;

import io.remora.http.upstream.HeaderNameCase;

/**
 * A header block read on an HTTP/1.1 connection with preserve_case: it carries its names'
 * spelling wherever it is written over HTTP/1.1 (copies included). A subclass rather than a field
 * of every block, so the blocks of every other message keep their size.
 */
public final class CasedHeaderBlock extends HeaderBlock {

    private final HeaderNameCase nameCase;

    public CasedHeaderBlock(int capacity, HeaderNameCase nameCase) {
        super(capacity);
        this.nameCase = nameCase;
    }

    @Override
    public HeaderNameCase nameCase() {
        return nameCase;
    }

    @Override
    HeaderBlock sized(int capacity) {
        return new CasedHeaderBlock(capacity, nameCase);
    }
}
