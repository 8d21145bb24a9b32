package io.remora.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** HTTP/1.1 heads read off a raw socket as they came: repeated lines stay repeated, for tests of what is joined. */
public final class HttpHeads {

    private HttpHeads() {
    }

    /** Reads up to and including the blank line that ends a head; at EOF before it, what came. */
    public static String read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            byte[] h = head.toByteArray();
            int n = h.length;
            if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                break;
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** The values of every line named {@code name} (lower case) in a lower-cased head, in order. */
    public static List<String> lines(String head, String name) {
        List<String> out = new ArrayList<>();
        for (String l : head.split("\r\n")) {
            if (l.startsWith(name + ":")) {
                out.add(l.substring(name.length() + 1).trim());
            }
        }
        return out;
    }
}
