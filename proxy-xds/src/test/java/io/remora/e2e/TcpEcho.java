package io.remora.e2e;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;

/** A TCP echo upstream for tcp_proxy tests: every connection gets its bytes back until it closes. */
final class TcpEcho {

    private TcpEcho() {
    }

    /** Serves {@code server} on a daemon thread until it is closed. */
    static void serve(ServerSocket server) {
        Thread accept = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> echo(s), "echo");
                    t.setDaemon(true);
                    t.start();
                } catch (Exception e) {
                    return;
                }
            }
        }, "echo-accept");
        accept.setDaemon(true);
        accept.start();
    }

    private static void echo(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[4096];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
            }
        } catch (Exception ignored) {
            // the client side asserts
        }
    }
}
