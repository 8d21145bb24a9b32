package io.remora.xds.ads;

import com.google.protobuf.Message;

import java.time.Instant;

/** One resource as held by the client: what the server sent, the version it gave it, and when it arrived. */
public record XdsResource(String name, Message resource, String version, Instant lastUpdated) {
}
