package io.remora.extensions.cel;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.AccessLogFormatter;
import io.remora.accesslog.StreamInfo;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code %TYPED_CEL(expr)%}: %CEL%'s text in text formats; in JSON ones the value keeps its JSON type. */
class TypedCelFormatTest {

    private final List<io.remora.accesslog.FormatterCommand> cel =
            List.of(new CelFormatterCommand(FieldPath.of("f"), TranslationContext.lenient()));

    private static StreamInfo stream() {
        StreamInfo i = new StreamInfo();
        Http2Headers req = new DefaultHttp2Headers().method("GET").path("/p").authority("example.com");
        i.requestHeaders = req;
        i.requestLine(req);
        i.responseCode = 503;
        i.bytesSent = 7;
        return i;
    }

    private String json(Map<String, String> format) {
        return AccessLogFormatter.json(format, false, cel).format(stream(), 256);
    }

    @Test
    void jsonKeepsNumbersBooleansNullsObjectsAndLists() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("code", "%TYPED_CEL(response.code)%");
        f.put("untyped", "%CEL(response.code)%");
        f.put("error", "%TYPED_CEL(response.code >= 500)%");
        f.put("ratio", "%TYPED_CEL(double(response.code) / 2.0)%");
        f.put("nothing", "%TYPED_CEL(null)%");
        f.put("map", "%TYPED_CEL({'a': 1, 'b': [true, 'x']})%");
        f.put("host", "%TYPED_CEL(request.host):4%");
        f.put("missing", "%TYPED_CEL(request.headers['absent'])%");
        assertEquals("{\"code\":503,\"error\":true,\"host\":\"exam\",\"map\":{\"a\":1,\"b\":[true,\"x\"]},"
                + "\"missing\":null,\"nothing\":null,\"ratio\":251.5,\"untyped\":\"503\"}\n", json(f));
    }

    @Test
    void bytesDurationsAndTimestampsBecomeEnvoysStrings() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("bytes", "%TYPED_CEL(b'hi')%");
        f.put("duration", "%TYPED_CEL(duration('1h30m'))%");
        f.put("time", "%TYPED_CEL(timestamp('2023-08-26T12:39:00-07:00'))%");
        assertEquals("{\"bytes\":\"aGk=\",\"duration\":\"5400s\",\"time\":\"2023-08-26T19:39:00+00:00\"}\n", json(f));
    }

    @Test
    void textFormatsPrintAsCelDoes() {
        assertEquals("503 true exam -", AccessLogFormatter.text("%TYPED_CEL(response.code)% "
                + "%TYPED_CEL(response.code >= 500)% %TYPED_CEL(request.host):4% %TYPED_CEL(request.headers['absent'])%",
                false, cel).format(stream()));
    }
}
