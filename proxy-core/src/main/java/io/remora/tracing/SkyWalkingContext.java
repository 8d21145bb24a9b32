package io.remora.tracing;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.TracingConfig;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * One request's SkyWalking trace segment, as Envoy's tracer (cpp2sky) keeps it: an Entry span
 * (id 0) for the downstream request and an Exit span for the upstream one. When the router spawns
 * a span per try (Envoy's Span::spawnChild) each try is an Exit span of its own (ids 1, 2, ...),
 * and the segment goes once all its spans are finished (cpp2sky's readyToSend); otherwise one
 * Exit span (id 1) stands for the upstream request. The caller's {@code sw8} (v3: sample-traceId-
 * segmentId-spanId-service-instance-endpoint-address, all but the sample flag and span id base64)
 * makes the segment's parent reference; the upstream gets a new {@code sw8} naming the Exit span.
 */
public final class SkyWalkingContext {

    private static final Logger LOG = io.remora.log.Logging.logger("tracing");
    static final AsciiString SW8 = AsciiString.cached("sw8");
    static final int EXIT_SPAN_ID = 1;

    /** The caller's segment and span, from its {@code sw8}. */
    public record Parent(String traceSegmentId, int spanId, String service, String serviceInstance,
                         String endpoint, String addressUsedAtClient) {
    }

    private final String traceId;
    private final String segmentId;
    private final String service;
    private final String serviceInstance;
    private final Parent parent;
    private final String entryOperation;
    private boolean skipAnalysis;
    private final String targetAddress;
    private String exitPeer;
    /** The tries' Exit spans once the router spawns them; null while it has not. */
    private java.util.List<ExitSpan> tries;
    private int openTries;
    /** The Entry span, finished while a try's span was still open: sent when the last one ends. */
    private FinishedSpan waiting;

    /**
     * A try's Exit span, as Envoy's router tags its child span.
     *
     * @param operation the upstream request's path (Envoy's injectContext renames the Exit span so)
     * @param tags      Envoy's tags of the try's span, {@code peer.address} the upstream host
     */
    public record ExitSpan(int spanId, String operation, long startEpochNanos, long endEpochNanos,
                           java.util.Map<String, String> tags, boolean error) {
    }

    private SkyWalkingContext(String traceId, Parent parent, TracingConfig.SkyWalking config, String path,
                              String targetAddress, boolean skipAnalysis) {
        this.traceId = traceId;
        this.segmentId = newId();
        this.service = config.serviceName();
        this.serviceInstance = config.instanceName();
        this.parent = parent;
        this.entryOperation = path;
        this.targetAddress = targetAddress;
        this.exitPeer = targetAddress;
        this.skipAnalysis = skipAnalysis;
    }

    /**
     * Envoy's startSpan: with a valid {@code sw8} the segment continues the caller's trace and is
     * always reported (SkyWalking agents trace whenever the header is there; the sample flag is
     * read but, as cpp2sky, not obeyed), a negative decision only marking it skip-analysis.
     * Without one (or with a malformed one) the decision decides: null when not traced, so no
     * segment and no header, else a new trace.
     */
    static SkyWalkingContext start(Http2Headers headers, TracingConfig.SkyWalking config, BooleanSupplier traced) {
        CharSequence sw8 = headers.get(SW8);
        String path = headers.path() == null ? "" : headers.path().toString();
        String target = headers.authority() == null ? "" : headers.authority().toString();
        if (sw8 != null) {
            String[] fields = parse(sw8.toString());
            if (fields != null) {
                Parent p = new Parent(fields[2], Integer.parseInt(fields[3]), fields[4], fields[5], fields[6],
                        fields[7]);
                return new SkyWalkingContext(fields[1], p, config, path, target, !traced.getAsBoolean());
            }
            LOG.warning(() -> "skywalking: malformed sw8 header '" + sw8 + "': starting a new trace");
        }
        if (!traced.getAsBoolean()) {
            return null;
        }
        return new SkyWalkingContext(newId(), null, config, path, target, false);
    }

    /**
     * The 8 fields of a v3 {@code sw8} value with the base64 ones decoded, or null when it is not
     * one: a count other than 8, a sample flag other than 0 or 1, a span id that is no integer,
     * or bad base64.
     */
    static String[] parse(String value) {
        String[] f = value.split("-", -1);
        if (f.length != 8 || !(f[0].equals("0") || f[0].equals("1"))) {
            return null;
        }
        try {
            Integer.parseInt(f[3].trim());
            f[3] = f[3].trim();
            for (int i : new int[] {1, 2, 4, 5, 6, 7}) {
                f[i] = new String(Base64.getDecoder().decode(f[i]), StandardCharsets.UTF_8);
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        return f;
    }

    /**
     * The connection manager's injection: with spans per try ({@code spawn_upstream_span}) nothing,
     * as Envoy's Entry span writes no {@code sw8} and each try writes its own, and the segment gets
     * no Exit span but the tries'; otherwise the one Exit span's.
     */
    void inject(Http2Headers headers, boolean perTry) {
        if (perTry) {
            tries = new java.util.ArrayList<>(1);
        } else {
            inject(headers);
        }
    }

    /** Writes the upstream's {@code sw8}: this segment's Exit span, with the Entry span's name as endpoint. */
    void inject(Http2Headers headers) {
        Base64.Encoder b64 = Base64.getEncoder();
        headers.set(SW8, "1-" + b64(b64, traceId) + "-" + b64(b64, segmentId) + "-" + EXIT_SPAN_ID + "-"
                + b64(b64, service) + "-" + b64(b64, serviceInstance) + "-" + b64(b64, entryOperation) + "-"
                + b64(b64, targetAddress));
    }

    private static String b64(Base64.Encoder e, String s) {
        return e.encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A try's Exit span starts (Envoy's Span::spawnChild, then injectContext at pool ready): the
     * next span id, written into the upstream's {@code sw8} with the try's host as the target
     * address (the authority without one).
     *
     * @return the Exit span's id
     */
    int startTry(Http2Headers headers, String host) {
        if (tries == null) {
            tries = new java.util.ArrayList<>(1);
        }
        int id = EXIT_SPAN_ID + tries.size() + openTries;
        openTries++;
        String target = host != null ? host : headers.authority() == null ? "" : headers.authority().toString();
        Base64.Encoder b64 = Base64.getEncoder();
        headers.set(SW8, "1-" + b64(b64, traceId) + "-" + b64(b64, segmentId) + "-" + id + "-"
                + b64(b64, service) + "-" + b64(b64, serviceInstance) + "-" + b64(b64, entryOperation) + "-"
                + b64(b64, target));
        return id;
    }

    /** A try's Exit span ended: the Entry span when it was waiting for this one, else null. */
    FinishedSpan tryFinished(ExitSpan span) {
        tries.add(span);
        openTries--;
        FinishedSpan entry = openTries == 0 ? waiting : null;
        if (entry != null) {
            waiting = null;
        }
        return entry;
    }

    /** The Entry span ended: whether the segment can go now (no try's span still open), else it waits. */
    boolean entryFinished(FinishedSpan entry) {
        if (openTries > 0) {
            waiting = entry;
            return false;
        }
        return true;
    }

    /** The tries' Exit spans in the order they ended; null when no span per try is made (one Exit span stands for them). */
    public java.util.List<ExitSpan> tries() {
        return tries;
    }

    /** The Exit span's peer: the upstream host the router used, else the authority the header named. */
    void upstreamHost(SocketAddress host) {
        if (host instanceof InetSocketAddress a && a.getAddress() != null) {
            exitPeer = a.getAddress().getHostAddress() + ":" + a.getPort();
        }
    }

    /** A cpp2sky-style id: a random (version 4) UUID, from the worker's own generator. */
    private static String newId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & ~0xf000L) | 0x4000L;
        long lsb = (r.nextLong() & ~(0xc000L << 48)) | (0x8000L << 48);
        return new UUID(msb, lsb).toString();
    }

    public String traceId() {
        return traceId;
    }

    public String segmentId() {
        return segmentId;
    }

    public String service() {
        return service;
    }

    public String serviceInstance() {
        return serviceInstance;
    }

    /** Null for a new trace. */
    public Parent parent() {
        return parent;
    }

    /** The Entry span's name (the request's path), also the endpoint the upstream's {@code sw8} names. */
    public String entryOperation() {
        return entryOperation;
    }

    /** Envoy's sampling said no for a trace the caller started: reported, but not analysed. */
    public boolean skipAnalysis() {
        return skipAnalysis;
    }

    /** The segment started on the connection manager's decision (no caller's {@code sw8}). */
    boolean localDecision() {
        return parent == null;
    }

    /**
     * Envoy's SkyWalking Span::setSampled: a segment cannot be taken back once started, so a
     * decision not to trace only marks it skip-analysis, and one to trace changes nothing.
     */
    void sampled(boolean traced) {
        if (!traced) {
            skipAnalysis = true;
        }
    }

    public String exitPeer() {
        return exitPeer;
    }
}
