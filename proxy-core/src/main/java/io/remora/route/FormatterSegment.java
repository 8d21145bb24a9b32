package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** One compiled piece of a {@link HeaderFormatter}: literal text or an operator. */
interface FormatterSegment {

    void append(StringBuilder b, Http2Headers requestHeaders, HeaderFormatter.Context context);

    /**
     * The segment for the operator in {@code f[from, to)} (between the '%'s), or null when unknown.
     * Operators with a per-process value (%HOSTNAME%) compile to literals.
     */
    static FormatterSegment of(String f, int from, int to) {
        String body = f.substring(from, to);
        int maxLen = -1;
        int colon = body.lastIndexOf(':');
        if (colon > body.lastIndexOf(')')) {
            try {
                maxLen = Integer.parseInt(body.substring(colon + 1));
            } catch (NumberFormatException tooLong) {
                return null;
            }
            body = body.substring(0, colon);
        }
        String args = null;
        int paren = body.indexOf('(');
        String name = body;
        if (paren >= 0) {
            args = body.substring(paren + 1, body.length() - 1);
            name = body.substring(0, paren);
        }
        if (name.equals("REQ")) {
            if (args == null || args.isEmpty()) {
                return null;
            }
            int q = args.indexOf('?');
            String main = q < 0 ? args : args.substring(0, q);
            String alt = q < 0 ? null : args.substring(q + 1);
            if (main.isEmpty() || (alt != null && alt.isEmpty())) {
                return null;
            }
            return new Req(AsciiString.of(AsciiCase.lower(main)),
                    alt == null ? null : AsciiString.of(AsciiCase.lower(alt)), maxLen);
        }
        if (args != null) {
            return null;
        }
        FormatterSegment s = switch (name) {
            case "DOWNSTREAM_REMOTE_ADDRESS" -> new Address(true, true);
            case "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT" -> new Address(true, false);
            case "DOWNSTREAM_LOCAL_ADDRESS" -> new Address(false, true);
            case "DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT" -> new Address(false, false);
            case "PROTOCOL" -> (b, h, c) -> {
                String p = c == null ? null : c.protocol();
                if (p != null) {
                    b.append(p);
                }
            };
            case "HOSTNAME" -> new Literal(Hostname.VALUE);
            case "START_TIME" -> new StartTime();
            default -> null;
        };
        return s == null || maxLen < 0 ? s : truncated(s, maxLen);
    }

    private static FormatterSegment truncated(FormatterSegment s, int maxLen) {
        if (s instanceof Literal l) {
            return new Literal(l.text().length() > maxLen ? l.text().substring(0, maxLen) : l.text());
        }
        return (b, h, c) -> {
            int start = b.length();
            s.append(b, h, c);
            if (b.length() - start > maxLen) {
                b.setLength(start + maxLen);
            }
        };
    }

    record Literal(String text) implements FormatterSegment {
        @Override
        public void append(StringBuilder b, Http2Headers h, HeaderFormatter.Context c) {
            b.append(text);
        }
    }

    /** %REQ(name?alternative):max% — the first value of the header (or its alternative). */
    record Req(AsciiString name, AsciiString alternative, int maxLen) implements FormatterSegment {
        @Override
        public void append(StringBuilder b, Http2Headers h, HeaderFormatter.Context c) {
            if (h == null) {
                return;
            }
            CharSequence v = h.get(name);
            if (v == null && alternative != null) {
                v = h.get(alternative);
            }
            if (v != null) {
                b.append(v, 0, maxLen >= 0 ? Math.min(maxLen, v.length()) : v.length());
            }
        }
    }

    /** Envoy's address formatting: "1.2.3.4:80", "[::1]:80"; without port "1.2.3.4", "::1". */
    record Address(boolean remote, boolean withPort) implements FormatterSegment {
        @Override
        public void append(StringBuilder b, Http2Headers h, HeaderFormatter.Context c) {
            if (c == null) {
                return;
            }
            SocketAddress a = remote ? c.downstreamRemoteAddress() : c.downstreamLocalAddress();
            appendAddress(b, a, withPort);
        }

        static void appendAddress(StringBuilder b, SocketAddress a, boolean withPort) {
            if (a instanceof InetSocketAddress isa) {
                InetAddress ip = isa.getAddress();
                if (ip == null) {
                    b.append(isa.getHostString());
                } else if (ip instanceof java.net.Inet6Address) {
                    String s = NetUtil.toAddressString(ip);
                    int scope = s.indexOf('%');
                    if (scope >= 0) {
                        s = s.substring(0, scope);
                    }
                    if (withPort) {
                        b.append('[').append(s).append(']');
                    } else {
                        b.append(s);
                    }
                } else {
                    b.append(ip.getHostAddress());
                }
                if (withPort) {
                    b.append(':').append(isa.getPort());
                }
            } else if (a != null) {
                // Pipes (unix domain sockets) print as their path, with no port.
                b.append(a);
            }
        }
    }

    /** %START_TIME% in Envoy's default format, "%Y-%m-%dT%H:%M:%E3SZ" (UTC, milliseconds). */
    final class StartTime implements FormatterSegment {
        private static final DateTimeFormatter FORMAT =
                DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

        @Override
        public void append(StringBuilder b, Http2Headers h, HeaderFormatter.Context c) {
            if (c != null) {
                FORMAT.formatTo(Instant.ofEpochMilli(c.startTimeMillis()), b);
            }
        }
    }

    /** The machine's host name as gethostname(2) reports it, read once without DNS. */
    final class Hostname {
        static final String VALUE = read();

        private static String read() {
            try {
                String s = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII).trim();
                if (!s.isEmpty()) {
                    return s;
                }
            } catch (IOException | RuntimeException ignored) {
                // Not Linux: fall through.
            }
            String env = System.getenv("HOSTNAME");
            if (env != null && !env.isEmpty()) {
                return env;
            }
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                return "-";
            }
        }
    }
}
