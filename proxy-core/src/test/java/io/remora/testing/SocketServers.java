package io.remora.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.Consumer;

/** Blocking test peers on plain sockets: a thread accepts, each connection is served on a daemon thread of its own. */
public final class SocketServers {

    private SocketServers() {
    }

    /** Accepts on {@code server} until it closes, handing each connection to {@code serve} on a thread named {@code name}. */
    public static void acceptEach(ServerSocket server, String name, Consumer<Socket> serve) {
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> serve.accept(s), name + "-connection");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, name);
        acceptor.setDaemon(true);
        acceptor.start();
    }
}
