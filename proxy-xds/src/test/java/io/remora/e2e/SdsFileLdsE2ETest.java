package io.remora.e2e;

import io.remora.testing.TempPaths;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * SDS files named by a listener that comes over LDS (a path_config_source LDS file): the secret is read when the
 * listener is applied; an LDS update naming a secret file that does not exist is rejected whole, and the listener
 * in place keeps serving.
 */
class SdsFileLdsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();

    static String lds(Path secretFile, Path watched) {
        String item = SdsFileE2ETest.listener(secretFile, watched).replaceFirst("- name: tls",
                "- \"@type\": type.googleapis.com/envoy.config.listener.v3.Listener\n  name: tls");
        return ProxyProcess.render("resources:\n" + item + "\n", Map.of("tls", stack.port));
    }

    @Test
    void aDynamicListenerTakesItsCertificateFromTheFileAndABadFileRejectsTheUpdate() throws Exception {
        Path dir = TempPaths.directory("sds-lds");
        TestCerts.ca("sds-lds-ca").issue("first", "first.test").write(dir, "first");
        Path secret = Files.writeString(dir.resolve("secret.yaml"), SdsFileE2ETest.secretFile(dir, "first"));
        Path lds = Files.writeString(dir.resolve("lds.yaml"), lds(secret, dir));
        ProxyProcess proxy = stack.start("""
                node: { id: sds-lds, cluster: local }
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                dynamic_resources:
                  lds_config: { path_config_source: { path: "%s" } }
                """.formatted(stack.adminPort, lds), List.of());
        assertEquals("ok", SdsFileE2ETest.get(dir, "first.test", stack.port).text());

        Path next = dir.resolve("lds.yaml.tmp");
        Files.writeString(next, lds(dir.resolve("absent.yaml"), dir));
        Files.move(next, lds, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (proxy.metric("envoy_listener_manager_lds_update_rejected") < 1 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(1.0, proxy.metric("envoy_listener_manager_lds_update_rejected"));
        assertEquals("ok", SdsFileE2ETest.get(dir, "first.test", stack.port).text(), "the old listener stays");
    }
}
