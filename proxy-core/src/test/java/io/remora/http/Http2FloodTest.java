package io.remora.http;

import io.remora.http.testing.LeakCheck;
import io.remora.config.HttpConnectionManagerConfig.CodecType;
import io.remora.testing.RawH2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTP/2 floods end the abusive connection with GOAWAY(ENHANCE_YOUR_CALM), as Envoy's do; others are served. */
@ExtendWith(LeakCheck.class)
class Http2FloodTest {

    private HcmServer server;

    @BeforeEach
    void start() throws Exception {
        server = new HcmServer(HcmServer.config(b -> b.codec(CodecType.AUTO)));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private void stillServes() throws Exception {
        HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build()
                .send(HttpRequest.newBuilder(URI.create(server.url("/after"))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
    }

    @Test
    void rapidResetGetsEnhanceYourCalm() throws Exception {
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck();
            for (int i = 0; i < 1000; i++) {
                int id = 1 + 2 * i;
                h2.get(id, "a", "/r" + i, false).rst(id, 8);
            }
            h2.flush();
            RawH2.Frame goAway = h2.awaitGoAway();
            assertNotNull(goAway, "no GOAWAY after a rapid-reset flood");
            System.out.println("GOAWAY " + goAway.goAwayError() + " " + new String(goAway.payload(), 8, goAway.payload().length - 8));
            assertEquals(RawH2.ENHANCE_YOUR_CALM, goAway.goAwayError());
        }
        stillServes();
    }

    @Test
    void rapidResetOneStreamAtATimeGetsEnhanceYourCalm() throws Exception {
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck().flush();
            for (int i = 0; i < 400; i++) {
                int id = 1 + 2 * i;
                h2.get(id, "a", "/r" + i, false).rst(id, 8);
                try {
                    h2.flush();
                } catch (java.io.IOException closed) {
                    break;
                }
                Thread.sleep(1);
            }
            RawH2.Frame goAway = h2.awaitGoAway();
            assertNotNull(goAway, "no GOAWAY after a rapid-reset flood");
            System.out.println("GOAWAY " + goAway.goAwayError() + " " + new String(goAway.payload(), 8, goAway.payload().length - 8));
            assertEquals(RawH2.ENHANCE_YOUR_CALM, goAway.goAwayError());
        }
        stillServes();
    }

    @Test
    void pingFloodFromAPeerThatDoesNotReadIsBounded() throws Exception {
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.socket().setReceiveBufferSize(4096);
            h2.settingsAck();
            // PING ACKs pile up unread: past the outbound control frame limit the connection goes.
            for (int round = 0; round < 200; round++) {
                for (int i = 0; i < 1000; i++) {
                    h2.ping(round * 1000L + i);
                }
                try {
                    h2.flush();
                } catch (java.io.IOException closed) {
                    break;
                }
            }
            RawH2.Ending end = h2.awaitEnd();
            assertTrue(end.closedWith(RawH2.ENHANCE_YOUR_CALM), end.toString());
            assertEquals(1.0, server.hcm.stats.http2OutboundControlFlood.count());
        }
        stillServes();
    }

    @Test
    void settingsFloodIsBounded() throws Exception {
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.socket().setReceiveBufferSize(4096);
            for (int round = 0; round < 200; round++) {
                for (int i = 0; i < 1000; i++) {
                    h2.settings(0x3, 100 + i); // MAX_CONCURRENT_STREAMS
                }
                try {
                    h2.flush();
                } catch (java.io.IOException closed) {
                    break;
                }
            }
            RawH2.Ending end = h2.awaitEnd();
            assertTrue(end.closedWith(RawH2.ENHANCE_YOUR_CALM), end.toString());
            assertEquals(1.0, server.hcm.stats.http2OutboundControlFlood.count());
        }
        stillServes();
    }
}
