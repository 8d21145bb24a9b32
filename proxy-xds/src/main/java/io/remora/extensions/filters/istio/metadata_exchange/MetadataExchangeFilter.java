package io.remora.extensions.filters.istio.metadata_exchange;

import io.netty.buffer.ByteBuf;
import io.netty.handler.ssl.SslHandler;
import io.remora.extensions.filters.istio.common.LocalWorkload;
import io.remora.extensions.filters.istio.common.PeerMetadataCodec;
import io.remora.extensions.filters.istio.common.PeerState;
import io.remora.network.ConnectionFilter;
import io.remora.network.ConnectionFilterCallbacks;
import io.remora.network.NetworkFilterStatus;
import java.util.logging.Level;
import java.util.logging.Logger;


/**
 * Istio's TCP metadata exchange for one connection: when TLS negotiated the exchange's ALPN, this
 * proxy writes its node metadata (magic, length, an Any of a Struct) ahead of the connection's
 * bytes and reads the peer's from the head of the stream before the bytes go on. On a listener
 * (the server side) it writes as soon as either side speaks; on a cluster's connection (the
 * client side) with its first write, as istio-proxy's upstream filter does. The peer found is
 * left in the connection's filter state; any other connection passes untouched and is marked
 * "peer unknown".
 */
final class MetadataExchangeFilter implements ConnectionFilter {

    private static final Logger LOG = Logger.getLogger(MetadataExchangeFilter.class.getName());
    /** A peer's metadata is a few KiB; a length beyond this is not Istio's exchange. */
    static final int MAX_PAYLOAD = 1 << 20;

    private enum State { PROTOCOL_NOT_READ, READING, DONE, INVALID }

    private final MetadataExchangeConfig config;
    private final MetadataExchangeStats stats;
    private ConnectionFilterCallbacks cb;
    private State state = State.PROTOCOL_NOT_READ;
    private boolean wrote;

    MetadataExchangeFilter(MetadataExchangeConfig config, MetadataExchangeStats stats) {
        this.config = config;
        this.stats = stats;
    }

    @Override
    public void initialize(ConnectionFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public NetworkFilterStatus onData(ByteBuf data, boolean endStream) {
        checkProtocol();
        if (!config.upstream()) {
            writeOnce();
        }
        if (state != State.READING) {
            return NetworkFilterStatus.CONTINUE;
        }
        int readable = data.readableBytes();
        if (readable < PeerMetadataCodec.INITIAL_HEADER_LENGTH) {
            stats.initialHeaderNotFound.increment();
            return endStream ? invalid() : NetworkFilterStatus.STOP_ITERATION;
        }
        int at = data.readerIndex();
        if (data.getInt(at) != PeerMetadataCodec.MAGIC) {
            stats.initialHeaderNotFound.increment();
            LOG.log(Level.WARNING, "Incorrect istio-peer-exchange ALPN magic. Peer missing TCP MetadataExchange filter.");
            return invalid();
        }
        long length = data.getUnsignedInt(at + 4);
        if (length > MAX_PAYLOAD) {
            stats.headerNotFound.increment();
            cb.close("metadata exchange payload of " + length + " bytes");
            state = State.INVALID;
            return NetworkFilterStatus.STOP_ITERATION;
        }
        if (readable < PeerMetadataCodec.INITIAL_HEADER_LENGTH + length) {
            return endStream ? invalid() : NetworkFilterStatus.STOP_ITERATION;
        }
        byte[] payload = new byte[(int) length];
        data.getBytes(at + PeerMetadataCodec.INITIAL_HEADER_LENGTH, payload);
        PeerMetadataCodec.TcpPeer peer = PeerMetadataCodec.fromTcpPayload(payload);
        if (peer == null) {
            stats.headerNotFound.increment();
            LOG.log(Level.WARNING, "Alpn protocol matched. Magic matched. Metadata Not found.");
            return invalid();
        }
        data.skipBytes(PeerMetadataCodec.INITIAL_HEADER_LENGTH + (int) length);
        PeerState.set(cb.filterState(), !config.upstream(), peer.workload(), peer.id());
        state = State.DONE;
        return NetworkFilterStatus.CONTINUE;
    }

    @Override
    public NetworkFilterStatus onWrite(ByteBuf data, boolean endStream) {
        checkProtocol();
        writeOnce(); // our metadata goes ahead of this side's first bytes
        return NetworkFilterStatus.CONTINUE;
    }

    private void checkProtocol() {
        if (state != State.PROTOCOL_NOT_READ) {
            return;
        }
        SslHandler ssl = cb.channel().pipeline().get(SslHandler.class);
        String alpn = ssl == null ? null : ssl.applicationProtocol();
        if (!config.protocol().equals(alpn)) {
            stats.alpnProtocolNotFound.increment();
            notFound();
            state = State.INVALID;
            return;
        }
        stats.alpnProtocolFound.increment();
        state = State.READING;
    }

    private void writeOnce() {
        if (wrote || state == State.INVALID || state == State.PROTOCOL_NOT_READ) {
            return;
        }
        wrote = true;
        LocalWorkload local = LocalWorkload.of(cb.serverContext());
        byte[] payload = local.tcpPayload();
        ByteBuf out = cb.channel().alloc().buffer(PeerMetadataCodec.INITIAL_HEADER_LENGTH + payload.length);
        out.writeInt(PeerMetadataCodec.MAGIC).writeInt(payload.length).writeBytes(payload);
        cb.injectWriteDataToFilterChain(out, false);
        stats.metadataAdded.increment();
    }

    /** The bytes were not an exchange: they go on untouched and the peer is unknown. */
    private NetworkFilterStatus invalid() {
        notFound();
        state = State.INVALID;
        return NetworkFilterStatus.CONTINUE;
    }

    private void notFound() {
        String key = config.upstream() ? PeerState.WASM_UPSTREAM_PEER_ID : PeerState.WASM_DOWNSTREAM_PEER_ID;
        if (!cb.filterState().has(key)) {
            cb.filterState().set(key, PeerState.PEER_UNKNOWN, io.remora.network.FilterState.Mutability.MUTABLE);
        }
    }
}
