package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * Finds where an HTTP/1.1 head (start line and field lines) or a trailer section ends, as its
 * bytes arrive, within the configured limits: each search goes on from where the last one stopped,
 * so a head split over many reads is scanned once. A base of {@link Http1Parser} rather than an
 * object of its own, so a connection's parser stays one object.
 */
abstract class Http1SectionScanner {

    private final int maxLineBytes;
    private final int maxHeaderBytes;
    /** maxLineBytes bounds the whole head, start line and fields together (Envoy's request heads). */
    private final boolean wholeHead;
    /** Bytes of the head (or trailers) already searched for its end, from the reader index. */
    private int scanned;
    /** Where the line being scanned starts, from the reader index. */
    private int lineStart;
    /** The start line's length (with its line end), once found. */
    private int startLineEnd = -1;

    Http1SectionScanner(int maxLineBytes, int maxHeaderBytes, boolean wholeHead) {
        this.maxLineBytes = maxLineBytes;
        this.maxHeaderBytes = maxHeaderBytes;
        this.wholeHead = wholeHead;
    }

    /** Whether no search of the current section has started (nothing of it scanned yet). */
    final boolean scanNotStarted() {
        return scanned == 0;
    }

    /** The start line's length (with its line end), found by the last head search. */
    final int startLineEnd() {
        return startLineEnd;
    }

    /** The next section's search starts at the reader index. */
    final void restartScan() {
        scanned = 0;
        lineStart = 0;
        startLineEnd = -1;
    }

    /**
     * Skips the empty lines tolerated before a message (RFC 9112 2.2): false when nothing else is
     * buffered.
     */
    static boolean skipEmptyLines(ByteBuf in) {
        int r = in.readerIndex();
        int w = in.writerIndex();
        while (r < w) {
            byte b = in.getByte(r);
            if (b != '\r' && b != '\n') {
                break;
            }
            r++;
        }
        in.readerIndex(r);
        return r != w;
    }

    /**
     * Searches for the empty line that ends a head (with {@code startLine}) or a trailer section,
     * from where the last search stopped: the section's length, -1 for more input, -2 when it is
     * longer than allowed.
     */
    final int findSectionEnd(ByteBuf in, boolean startLine) {
        int base = in.readerIndex();
        int limit = startLine ? maxLineBytes + maxHeaderBytes : maxHeaderBytes;
        while (true) {
            int from = base + scanned;
            int lf = in.forEachByte(from, in.writerIndex() - from, ByteProcessor.FIND_LF);
            if (lf < 0) {
                scanned = in.readableBytes();
                return tooLong(startLine, limit) ? -2 : -1;
            }
            int rel = lf - base;
            int lineLength = rel - lineStart;
            boolean empty = lineLength == 0 || (lineLength == 1 && in.getByte(base + lineStart) == '\r');
            scanned = rel + 1;
            if (startLine && startLineEnd < 0) {
                startLineEnd = scanned;
                if (startLineEnd > maxLineBytes) {
                    return -2;
                }
                lineStart = scanned;
                continue;
            }
            lineStart = scanned;
            if (empty) {
                return wholeHead && startLine && scanned > maxLineBytes ? -2 : scanned;
            }
            if (tooLong(startLine, limit)) {
                return -2;
            }
        }
    }

    private boolean tooLong(boolean startLine, int limit) {
        if (startLine) {
            if (wholeHead) {
                return scanned > maxLineBytes;
            }
            return startLineEnd < 0 ? scanned > maxLineBytes : scanned - startLineEnd > maxHeaderBytes;
        }
        return scanned > limit;
    }
}
