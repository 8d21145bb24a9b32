package io.remora.testing;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback listener whose accept queue is full: the kernel drops further SYNs, so a connect to
 * it neither succeeds nor fails until the connecting side gives up (a cluster's connect_timeout).
 */
public final class FullBacklog implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> fillers = new ArrayList<>();

    private FullBacklog(ServerSocket server) {
        this.server = server;
    }

    public static FullBacklog open() throws Exception {
        FullBacklog b = new FullBacklog(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
        try {
            // backlog 1 holds two completed connections on Linux; a third is queued by no one
            for (int i = 0; i < 2; i++) {
                Socket s = new Socket();
                b.fillers.add(s);
                s.connect(new InetSocketAddress(b.server.getInetAddress(), b.server.getLocalPort()), 2000);
            }
        } catch (Exception e) {
            b.close();
            throw e;
        }
        return b;
    }

    public int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        for (Socket s : fillers) {
            s.close();
        }
        server.close();
    }
}
