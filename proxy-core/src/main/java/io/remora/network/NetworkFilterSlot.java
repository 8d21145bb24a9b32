package io.remora.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.remora.server.ServerContext;

/** One network filter's place in its connection's {@link NetworkFilterManager}: the callbacks it is given. */
final class NetworkFilterSlot implements ConnectionFilterCallbacks {
    private final NetworkFilterManager manager;
    private final ConnectionInfo info;
    private final ServerContext context;
    final int index;
    final ConnectionFilter filter;

    NetworkFilterSlot(NetworkFilterManager manager, ConnectionInfo info, ServerContext context, int index,
               ConnectionFilter filter) {
        this.manager = manager;
        this.info = info;
        this.context = context;
        this.index = index;
        this.filter = filter;
    }

    @Override
    public Channel channel() {
        return manager.ctx().channel();
    }

    @Override
    public ConnectionInfo connection() {
        return info;
    }

    @Override
    public ServerContext serverContext() {
        return context;
    }

    @Override
    public FilterState filterState() {
        return FilterState.of(channel());
    }

    @Override
    public void continueReading() {
        manager.continueOutsideRead(index);
    }

    @Override
    public boolean closedLocally() {
        return manager.closedLocally();
    }

    @Override
    public boolean drainClose() {
        return manager.draining();
    }

    @Override
    public void injectReadDataToFilterChain(ByteBuf data, boolean endStream) {
        manager.injectRead(index + 1, data, endStream);
    }

    @Override
    public void injectWriteDataToFilterChain(ByteBuf data, boolean endStream) {
        manager.injectWrite(index - 1, data);
    }

    @Override
    public void close(String terminationDetails) {
        if (terminationDetails != null) {
            filterState().set(ConnectionFilterCallbacks.TERMINATION_DETAILS_KEY, terminationDetails,
                    FilterState.Mutability.MUTABLE);
        }
        manager.ctx().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
}
