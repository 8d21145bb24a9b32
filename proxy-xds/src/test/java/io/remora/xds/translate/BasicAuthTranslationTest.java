package io.remora.xds.translate;

import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** basic_auth refuses htpasswd lines Envoy refuses, naming the users field. */
class BasicAuthTranslationTest {

    private static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no colon              | user1                                    | username:password is expected",
            "apr1 hash             | user1:$apr1$abc$def                      | please use {SHA} for 'user1'",
            "short hash            | user1:{SHA}abc=                          | invalid SHA hash length for 'user1'",
            "duplicate             | u:{SHA}tESsBmE/yNY3lb6a0L6vVQEZNqw=\\nu:{SHA}tESsBmE/yNY3lb6a0L6vVQEZNqw= | duplicate user 'u'",
            "empty password        | user1:                                   | empty user name or password"})
    void refusedUsers(String name, String users, String message) {
        String yaml = HcmListenerYaml.listener("", HcmListenerYaml.filter("envoy.filters.http.basic_auth",
                "type.googleapis.com/envoy.extensions.filters.http.basic_auth.v3.BasicAuth",
                "users: { inline_string: \"" + users + "\" }"), "") + HcmListenerYaml.CLUSTER_C1;
        TranslationException e = assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(yaml, "basic_auth.yaml"));
        assertEquals(FILTER + ".users", e.path(), e.getMessage());
        assertTrue(e.reason().contains(message), e.reason());
    }
}
