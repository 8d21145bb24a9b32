package io.remora.accesslog;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CoalesceOperatorTest {

    private static final String SNI_OR_AUTHORITY =
            "%COALESCE({\"operators\": [\"REQUESTED_SERVER_NAME\", {\"command\": \"REQ\", \"param\": \":authority\"}]})%";

    @Test
    void theFirstPresentValueWins() {
        StreamInfo i = AccessLogFormatterTest.http();
        assertEquals("locations", AccessLogFormatter.text(SNI_OR_AUTHORITY).format(i));
        i.fromConnection(new io.remora.network.ConnectionInfo("l", null, null, null, "sni.example", "tls",
                java.util.List.of(), null, null, null, 7, io.remora.network.ConnectionInfo.DEFAULT_BUFFER_LIMIT, null,
                null), null);
        assertEquals("sni.example", AccessLogFormatter.text(SNI_OR_AUTHORITY).format(i));
    }

    @Test
    void lengthsApplyPerOperatorAndToTheResult() {
        StreamInfo i = AccessLogFormatterTest.http();
        assertEquals("loc", AccessLogFormatter.text("%COALESCE({\"operators\": [{\"command\": \"REQ\", \"param\": "
                + "\"x-missing\"}, {\"command\": \"REQ\", \"param\": \":authority\", \"max_length\": 5}]}):3%").format(i));
        assertEquals("locat", AccessLogFormatter.text("%COALESCE({\"operators\": [{\"command\": \"REQ\", \"param\": "
                + "\":authority\", \"max_length\": 5}]})%").format(i));
    }

    @Test
    void nothingPresentIsMissingAndNumbersKeepTheirType() {
        StreamInfo i = AccessLogFormatterTest.http();
        String none = "%COALESCE({\"operators\": [\"REQUESTED_SERVER_NAME\", {\"command\": \"REQ\", \"param\": \"x-no\"}]})%";
        assertEquals("-", AccessLogFormatter.text(none).format(i));
        Map<String, String> json = new LinkedHashMap<>();
        json.put("none", none);
        json.put("code", "%COALESCE({\"operators\": [\"REQUESTED_SERVER_NAME\", \"RESPONSE_CODE\"]})%");
        assertEquals("{\"code\":204,\"none\":null}\n", AccessLogFormatter.json(json).format(i));
    }

    @Test
    void malformedConfigsAreRefusedWithEnvoysWords() {
        refused("%COALESCE%", "COALESCE requires parameters");
        refused("%COALESCE({\"ops\": []})%", "COALESCE: JSON configuration must contain 'operators' array");
        refused("%COALESCE({\"operators\": []})%", "COALESCE: 'operators' array must not be empty");
        refused("%COALESCE({\"operators\": \"REQ\"})%", "COALESCE: 'operators' must be an array");
        refused("%COALESCE({\"operators\": [\"NO_SUCH\"]})%",
                "COALESCE: failed to parse operator at index 0: unknown command: 'NO_SUCH'");
        refused("%COALESCE({\"operators\": [\"PROTOCOL\", {\"param\": \"x\"}]})%",
                "COALESCE: failed to parse operator at index 1: operator object must have 'command' field");
        refused("%COALESCE({\"operators\": [{\"command\": \"REQ\", \"param\": \"a\", \"max_length\": 0}]})%",
                "COALESCE: failed to parse operator at index 0: 'max_length' must be a positive integer");
        refused("%COALESCE({\"operators\": [\"REQ\"]})%",
                "COALESCE: failed to parse operator at index 0: REQ requires parameters");
    }

    private static void refused(String format, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.text(format));
        assertEquals("access log format: " + message, e.getMessage());
    }
}
