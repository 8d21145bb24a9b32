package io.remora.e2e;

import io.remora.testing.HttpHeads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP/1.1 upstream on a plain socket that records each request exactly as it arrived (head
 * bytes, then the body as framed on the wire), so header case, request-target form and framing are
 * observable, and answers with the raw bytes {@code answer} gives for the request's head.
 * Keep-alive: requests on one connection are served in turn.
 */
final class RawHeadUpstream implements AutoCloseable {
    private static final Pattern LENGTH = Pattern.compile("(?i)\r\ncontent-length: *(\\d+)");
    private static final Pattern CHUNKED = Pattern.compile("(?i)\r\ntransfer-encoding: *chunked");

    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final Function<String, String> answer;
    /** Each request's head and body as received. */
    final BlockingQueue<String> requests = new LinkedBlockingQueue<>();

    RawHeadUpstream(Function<String, String> answer) throws IOException {
        this.answer = answer;
        io.remora.testing.SocketServers.acceptEach(server, "raw-head-upstream", this::serve);
    }

    int port() {
        return server.getLocalPort();
    }

    /** The next request received, waiting up to 10 s; fails when none came. */
    String next() throws InterruptedException {
        String r = requests.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no request reached the upstream");
        }
        return r;
    }

    private void serve(Socket s) {
        try (s) {
            s.setSoTimeout(20_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (true) {
                String head = HttpHeads.read(in);
                if (head.isEmpty()) {
                    return;
                }
                requests.add(head + body(in, head));
                out.write(answer.apply(head).getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        } catch (IOException e) {
            // the proxy closed the connection: the next one is served all the same
        }
    }

    /** The body as framed on the wire: content-length bytes, or chunks up to the last one. */
    private static String body(InputStream in, String head) throws IOException {
        Matcher length = LENGTH.matcher(head);
        if (length.find()) {
            return new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.ISO_8859_1);
        }
        if (!CHUNKED.matcher(head).find()) {
            return "";
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (!body.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n0\r\n\r\n")
                && !body.toString(StandardCharsets.ISO_8859_1).equals("0\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            body.write(b);
        }
        return body.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
