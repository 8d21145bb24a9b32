package io.remora.extensions.filters.http.grpc_json_transcoder;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;


/**
 * Turns the gRPC messages of a transcoded call's response into its JSON body, as they complete:
 * a unary message printed whole; a server stream as a JSON array ({@code [a,b]}, {@code []} when
 * empty) or, with {@code stream_newline_delimited}, one message per line; a google.api.HttpBody
 * response as its {@code data}, with its {@code content_type}. Event-loop confined, one per stream.
 */
final class JsonResponseEncoder {

    private static final int FRAME_HEADER = 5;

    private final GrpcJsonTranscoderConfig config;
    private final TranscodedMethod method;
    private CompositeByteBuf pending;
    private boolean started;
    private String httpBodyContentType;

    JsonResponseEncoder(GrpcJsonTranscoderConfig config, TranscodedMethod method) {
        this.config = config;
        this.method = method;
    }

    /** Takes ownership of {@code data}. */
    void add(ByteBuf data) {
        if (pending == null) {
            pending = ByteBufAllocator.DEFAULT.compositeBuffer(Integer.MAX_VALUE);
        }
        pending.addComponent(true, data);
    }

    /** Response bytes not turned into JSON yet (what the response size limit bounds). */
    int pendingBytes() {
        return pending == null ? 0 : pending.readableBytes();
    }

    /** The content_type of the first HttpBody message seen, or null. */
    String httpBodyContentType() {
        return httpBodyContentType;
    }

    /**
     * The output of the messages complete so far (with the closing of a stream when {@code end}),
     * or null when there is none.
     */
    ByteBuf drain(boolean end) throws InvalidProtocolBufferException {
        StringBuilder json = null;
        ByteBuf raw = null;
        while (pending != null && pending.readableBytes() >= FRAME_HEADER) {
            if ((pending.getByte(pending.readerIndex()) & 1) != 0) {
                throw new InvalidProtocolBufferException("compressed gRPC messages are not supported");
            }
            long length = pending.getUnsignedInt(pending.readerIndex() + 1);
            if (pending.readableBytes() < FRAME_HEADER + length) {
                break;
            }
            pending.skipBytes(FRAME_HEADER);
            byte[] bytes = ByteBufUtil.getBytes(pending, pending.readerIndex(), (int) length);
            pending.skipBytes((int) length);
            pending.discardReadComponents();
            DynamicMessage m = DynamicMessage.parseFrom(method.descriptor().getOutputType(), bytes);
            if (method.responseIsHttpBody()) {
                raw = appendHttpBody(raw, m);
            } else {
                json = appendJson(json == null ? new StringBuilder() : json, m);
            }
        }
        if (end && pending != null && pending.isReadable()) {
            throw new InvalidProtocolBufferException("the response ends within a gRPC message");
        }
        if (end && method.serverStreaming() && !method.responseIsHttpBody() && !config.streamNewlineDelimited()) {
            json = json == null ? new StringBuilder() : json;
            json.append(started ? "]" : "[]");
            started = true;
        }
        if (raw != null) {
            return raw;
        }
        return json == null ? null : ByteBufUtil.writeUtf8(ByteBufAllocator.DEFAULT, json);
    }

    private StringBuilder appendJson(StringBuilder json, Message m) throws InvalidProtocolBufferException {
        if (method.serverStreaming() && !config.streamNewlineDelimited()) {
            json.append(started ? ',' : '[');
        }
        started = true;
        json.append(config.printer().print(m));
        if (method.serverStreaming() && config.streamNewlineDelimited()) {
            json.append('\n');
        }
        return json;
    }

    private ByteBuf appendHttpBody(ByteBuf raw, Message m) {
        Message body = m;
        for (FieldDescriptor f : method.responseBodyPath()) {
            body = (Message) body.getField(f);
        }
        FieldDescriptor ct = body.getDescriptorForType().findFieldByName("content_type");
        FieldDescriptor data = body.getDescriptorForType().findFieldByName("data");
        if (httpBodyContentType == null) {
            httpBodyContentType = (String) body.getField(ct);
        }
        ByteString bytes = (ByteString) body.getField(data);
        ByteBuf out = raw == null ? ByteBufAllocator.DEFAULT.buffer(bytes.size()) : raw;
        out.writeBytes(bytes.asReadOnlyByteBuffer());
        return out;
    }

    /** google.rpc.Status as JSON ({@code convert_grpc_status}). */
    ByteBuf statusJson(com.google.rpc.Status status) throws InvalidProtocolBufferException {
        return ByteBufUtil.writeUtf8(ByteBufAllocator.DEFAULT, config.printer().print(status));
    }

    void release() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }
}
