package io.remora.e2e.capture;

import com.sun.net.httpserver.HttpServer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The workloads of the capture tests, run as their own JVMs inside network namespaces (a JVM
 * cannot enter one itself). Plain JDK code only, so it needs nothing but the test classes.
 *
 * <pre>
 * serve NAME http=PORT tcp=PORT ...   HTTP: answers "NAME saw REMOTE at LOCAL path P [xfcc X]"; TCP: sends that
 *                                     line, then echoes lines; tcp-client-first=PORT: the same once the
 *                                     client's first line is in; grpc=PORT. Prints "ready" once bound.
 * tcp-client HOST PORT LINE           sends LINE, prints the greeting and the echo of LINE, exits 0
 * </pre>
 */
public final class CaptureApp {

    private CaptureApp() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "serve" -> serve(args);
            case "tcp-client" -> tcpClient(args[1], Integer.parseInt(args[2]), args[3]);
            case "grpc-client" -> {
                CaptureGrpc.call(args[1], Integer.parseInt(args[2]), args[3]);
                System.exit(0);
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static String seen(String name, java.net.SocketAddress remote, java.net.SocketAddress local) {
        return name + " saw " + hostPort(remote) + " at " + hostPort(local);
    }

    private static String hostPort(java.net.SocketAddress a) {
        InetSocketAddress i = (InetSocketAddress) a;
        return i.getAddress().getHostAddress() + ":" + i.getPort();
    }

    private static void serve(String[] args) throws Exception {
        String name = args[1];
        for (int i = 2; i < args.length; i++) {
            String[] kv = args[i].split("=");
            int port = Integer.parseInt(kv[1]);
            if (kv[0].equals("grpc")) {
                CaptureGrpc.serve(name, port);
            } else if (kv[0].equals("http")) {
                HttpServer http = HttpServer.create(new InetSocketAddress("0.0.0.0", port), 128);
                http.createContext("/", ex -> {
                    // The client certificate a sidecar in front forwarded (Istio's inbound HCM sets it).
                    String xfcc = ex.getRequestHeaders().getFirst("x-forwarded-client-cert");
                    byte[] body = (seen(name, ex.getRemoteAddress(), ex.getLocalAddress()) + " path "
                            + ex.getRequestURI() + (xfcc == null ? "" : " xfcc " + xfcc) + "\n")
                            .getBytes(StandardCharsets.UTF_8);
                    ex.sendResponseHeaders(200, body.length);
                    try (OutputStream out = ex.getResponseBody()) {
                        out.write(body);
                    }
                });
                http.setExecutor(Executors.newCachedThreadPool());
                http.start();
            } else {
                ServerSocket server = new ServerSocket();
                server.setReuseAddress(true);
                server.bind(new InetSocketAddress("0.0.0.0", port), 128);
                boolean clientFirst = kv[0].equals("tcp-client-first");
                Thread t = new Thread(() -> acceptLoop(name, server, clientFirst), "tcp-" + port);
                t.start();
            }
        }
        System.out.println("ready");
        System.out.flush();
        // Runs until the test stops the process.
        Thread.currentThread().join();
    }

    private static void acceptLoop(String name, ServerSocket server, boolean clientFirst) {
        while (true) {
            try {
                Socket s = server.accept();
                new Thread(() -> echo(name, s, clientFirst)).start();
            } catch (Exception e) {
                return;
            }
        }
    }

    private static void echo(String name, Socket s, boolean clientFirst) {
        try (s) {
            PrintStream out = new PrintStream(s.getOutputStream(), true, StandardCharsets.UTF_8);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String first = clientFirst ? in.readLine() : null;
            if (clientFirst && first == null) {
                return;
            }
            out.println(seen(name, s.getRemoteSocketAddress(), s.getLocalSocketAddress()));
            if (first != null) {
                out.println("echo " + first);
            }
            for (String line; (line = in.readLine()) != null; ) {
                out.println("echo " + line);
            }
        } catch (Exception ignored) {
            // the client went away
        }
    }

    private static void tcpClient(String host, int port, String line) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 10_000);
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            PrintStream out = new PrintStream(s.getOutputStream(), true, StandardCharsets.UTF_8);
            // The client speaks first: inbound, the proxy's tls_inspector waits for the first
            // bytes before it picks a chain (server-first protocols stall there, as in Istio).
            out.println(line);
            String greeting = in.readLine();
            String echo = in.readLine();
            System.out.println(greeting);
            System.out.println(echo);
            if (greeting == null || echo == null) {
                System.exit(3);
            }
        }
    }
}
