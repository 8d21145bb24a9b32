package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listener's access_log: an entry for each connection when it ends. One that matches no filter
 * chain says NR / filter_chain_not_found (Istio logs only those, with a response_flag_filter); one
 * closed by the listener filters (timeout, a refused PROXY header) has no flag; a served one has
 * what tcp_proxy knew. Addresses are the client's and the destination the chain match saw.
 */
class ListenerAccessLogE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ServerSocket greeter;
    static ProxyProcess proxy;
    static final Map<String, Integer> PORTS = new HashMap<>();
    static Path nrLog;
    static Path allLog;
    static Path ppLog;

    static String fileLog(Path path, String format, String filter) {
        return """
                - name: envoy.access_loggers.file
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: PATH
                    log_format: { text_format_source: { inline_string: "FORMAT\\n" } }
                FILTER""".replace("FILTER", filter == null ? "" : "  filter: " + filter)
                .replace("PATH", path.toString()).replace("FORMAT", format);
    }

    static final String TCP_CHAIN = """
            filters:
            - name: envoy.filters.network.tcp_proxy
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                stat_prefix: tcp
                cluster: greeter
            """;

    @BeforeAll
    static void start() throws Exception {
        greeter = stack.own(GreetingServer.start());
        nrLog = io.remora.testing.TempPaths.file("listener-nr", ".log");
        allLog = io.remora.testing.TempPaths.file("listener-all", ".log");
        ppLog = io.remora.testing.TempPaths.file("listener-pp", ".log");
        PORTS.put("nr", ProxyProcess.freePort());
        PORTS.put("pp", ProxyProcess.freePort());
        String listeners = """
                - name: nr
                  address: { socket_address: { address: 127.0.0.1, port_value: ${nr} } }
                  access_log:
                NRLOG
                ALLLOG
                  filter_chains:
                  - filter_chain_match: { source_prefix_ranges: [{ address_prefix: 127.0.0.1, prefix_len: 32 }] }
                CHAIN
                - name: pp
                  address: { socket_address: { address: 127.0.0.1, port_value: ${pp} } }
                  listener_filters_timeout: 0.5s
                  listener_filters:
                  - name: envoy.filters.listener.proxy_protocol
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol }
                  access_log:
                PPLOG
                  filter_chains:
                  - name: served
                CHAIN
                """
                .replace("NRLOG", Bootstraps.indent(fileLog(nrLog,
                        "%RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %DOWNSTREAM_REMOTE_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS%",
                        "{ response_flag_filter: { flags: [NR] } }"), 2))
                .replace("ALLLOG", Bootstraps.indent(fileLog(allLog,
                        "%RESPONSE_FLAGS% %UPSTREAM_CLUSTER% %DOWNSTREAM_REMOTE_ADDRESS%", null), 2))
                .replace("PPLOG", Bootstraps.indent(fileLog(ppLog, "%RESPONSE_FLAGS% %DOWNSTREAM_REMOTE_ADDRESS%"
                        + " %DOWNSTREAM_DIRECT_REMOTE_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %FILTER_CHAIN_NAME%", null), 2))
                .replace("CHAIN\n", Bootstraps.indent(TCP_CHAIN, 4) + "\n");
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, listeners,
                Bootstraps.cluster("greeter", false, null, greeter.getLocalPort()), PORTS), List.of());
    }

    /** A connection from {@code source} that sends {@code hello} (if any) and reads until the line ends or EOF. */
    static String exchange(String source, String listener, String hello, Socket[] out) throws Exception {
        Socket s = new Socket();
        out[0] = s;
        s.bind(new InetSocketAddress(source, 0));
        s.connect(new InetSocketAddress("127.0.0.1", PORTS.get(listener)));
        s.setSoTimeout(10_000);
        if (hello != null) {
            s.getOutputStream().write(hello.getBytes(StandardCharsets.US_ASCII));
        }
        InputStream in = s.getInputStream();
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
            sb.append((char) c);
        }
        return sb.toString();
    }

    @Test
    void noMatchingChainIsLoggedWithNr() throws Exception {
        int listenerPort = PORTS.get("nr");
        Socket[] served = new Socket[1];
        Socket[] refused = new Socket[1];
        assertEquals("220 hello\r", exchange("127.0.0.1", "nr", null, served));
        int servedPort = served[0].getLocalPort();
        served[0].close();
        assertEquals("", exchange("127.0.0.3", "nr", null, refused), "no chain for 127.0.0.3: closed");
        int refusedPort = refused[0].getLocalPort();
        refused[0].close();

        List<String> all = LogFiles.await(allLog, 2);
        assertTrue(all.contains("- greeter 127.0.0.1:" + servedPort), all::toString);
        assertTrue(all.contains("NR - 127.0.0.3:" + refusedPort), all::toString);
        // In order: the served connection (ended first) would come first had the filter let it through.
        List<String> nr = LogFiles.await(nrLog, 1);
        assertEquals("NR filter_chain_not_found 127.0.0.3:" + refusedPort + " 127.0.0.1:" + listenerPort, nr.get(0));
        assertEquals(1.0, proxy.metric("envoy_listener_no_filter_chain_match{envoy_listener_address=\"127.0.0.1_"
                + listenerPort + "\"}"));
    }

    @Test
    void connectionsTheListenerFiltersEndAreLogged() throws Exception {
        int listenerPort = PORTS.get("pp");
        Socket[] silent = new Socket[1];
        Socket[] garbage = new Socket[1];
        Socket[] proxied = new Socket[1];
        assertEquals("", exchange("127.0.0.1", "pp", null, silent), "closed at listener_filters_timeout");
        assertEquals("", exchange("127.0.0.1", "pp", "hello there\r\n", garbage), "no PROXY header: closed");
        assertEquals("220 hello\r", exchange("127.0.0.1", "pp",
                "PROXY TCP4 10.9.8.7 127.0.0.1 4321 " + listenerPort + "\r\n", proxied));
        int proxiedPort = proxied[0].getLocalPort();
        proxied[0].close();
        String local = " 127.0.0.1:" + listenerPort + " -";
        List<String> lines = LogFiles.await(ppLog, 3);
        assertTrue(lines.contains("- 127.0.0.1:" + silent[0].getLocalPort() + " 127.0.0.1:"
                + silent[0].getLocalPort() + local), lines::toString);
        assertTrue(lines.contains("- 127.0.0.1:" + garbage[0].getLocalPort() + " 127.0.0.1:"
                + garbage[0].getLocalPort() + local), lines::toString);
        assertTrue(lines.contains("- 10.9.8.7:4321 127.0.0.1:" + proxiedPort + " 127.0.0.1:" + listenerPort
                + " served"), lines::toString);
        silent[0].close();
        garbage[0].close();
    }
}
