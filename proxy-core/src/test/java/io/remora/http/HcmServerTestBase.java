package io.remora.http;

import io.remora.http.testing.LeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.function.UnaryOperator;

/**
 * For tests that drive one {@link HcmServer} with {@link TestFilter}: the filter's records start
 * empty, the server is closed after each test, and Netty buffers are checked for leaks.
 */
@ExtendWith(LeakCheck.class)
abstract class HcmServerTestBase {

    protected HcmServer server;

    @BeforeEach
    void clearTestFilter() {
        TestFilter.REQUESTS.clear();
        TestFilter.EVENTS.clear();
        TestFilter.DESTROYED.set(0);
    }

    @AfterEach
    void closeServer() {
        if (server != null) {
            server.close();
        }
    }

    protected HcmServer start(UnaryOperator<HcmServer.Builder> config) throws Exception {
        server = new HcmServer(HcmServer.config(config));
        return server;
    }
}
