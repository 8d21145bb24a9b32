package io.remora.http.filter;

/** Told when a write side crosses its high or low watermark (Netty's writability). */
public interface WatermarkCallbacks {
    void onAboveWriteBufferHighWatermark();

    void onBelowWriteBufferLowWatermark();
}
