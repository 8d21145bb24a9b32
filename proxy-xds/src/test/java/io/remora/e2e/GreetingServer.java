package io.remora.e2e;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A server-first TCP upstream on loopback: it sends "220 hello\r\n" to each connection, then waits
 * for the client to go. Closing the returned socket stops it.
 */
final class GreetingServer {

    private GreetingServer() {
    }

    static ServerSocket start() throws Exception {
        ServerSocket greeter = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!greeter.isClosed()) {
                try {
                    Socket s = greeter.accept();
                    // One thread per connection: a test's connection that lingers never holds up the next.
                    Thread c = new Thread(() -> {
                        try (s) {
                            s.getOutputStream().write("220 hello\r\n".getBytes(StandardCharsets.US_ASCII));
                            s.getOutputStream().flush();
                            s.getInputStream().read(); // until the client goes
                        } catch (Exception e) {
                            // the client went
                        }
                    }, "greeting");
                    c.setDaemon(true);
                    c.start();
                } catch (Exception e) {
                    // closed
                }
            }
        }, "greeter");
        t.setDaemon(true);
        t.start();
        return greeter;
    }
}
