package io.remora.extensions.filters.common.tap;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.tap.v3.OutputSink;
import io.envoyproxy.envoy.data.tap.v3.Body;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A body as a trace keeps it: its first {@code max} bytes, and whether more were cut (Envoy's
 * addBufferToProtoBytes with max_buffered_rx/tx_bytes).
 */
public final class BodyCapture {

    private final int max;
    private byte[] bytes = new byte[0];
    private int length;
    private boolean truncated;

    public BodyCapture(int max) {
        this.max = max;
    }

    public void append(ByteBuf data) {
        int n = data.readableBytes();
        int take = Math.min(n, max - length);
        if (take > 0) {
            if (length + take > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.min(max, Math.max(length + take, bytes.length * 2)));
            }
            data.getBytes(data.readerIndex(), bytes, length, take);
            length += take;
        }
        truncated |= take < n;
    }

    /** Bytes kept. */
    public int length() {
        return length;
    }

    /** As {@code as_string} for JSON_BODY_AS_STRING (so JSON shows it as text), else {@code as_bytes}. */
    public Body toProto(OutputSink.Format format) {
        Body.Builder b = Body.newBuilder().setTruncated(truncated);
        if (format == OutputSink.Format.JSON_BODY_AS_STRING) {
            b.setAsString(new String(bytes, 0, length, StandardCharsets.UTF_8));
        } else {
            b.setAsBytes(ByteString.copyFrom(bytes, 0, length));
        }
        return b.build();
    }
}
