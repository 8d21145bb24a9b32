package io.remora.extensions.filters.http.credential_injector;

import io.micrometer.core.instrument.Counter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.SecretConfig;
import io.remora.extensions.filters.http.common.HcmCounters;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;

/**
 * Envoy's credential injector with a generic credential, for one request: the secret's value
 * goes into the header unless the request carries one already and {@code overwrite} is off; with
 * no value to inject the request gets 401 unless {@code allow_request_without_credential}.
 */
final class CredentialInjectorFilter implements StreamDecoderFilter {
    static final String INJECTED = "envoy_http_credential_injector_injected";
    static final String FAILED = "envoy_http_credential_injector_failed";
    static final String ALREADY_EXISTS = "envoy_http_credential_injector_already_exists";

    private final CredentialInjectorConfig config;
    private final AsciiString header;
    private final HcmCounters counters;
    private DecoderFilterCallbacks cb;

    CredentialInjectorFilter(CredentialInjectorConfig config, AsciiString header, HcmCounters counters) {
        this.config = config;
        this.header = header;
        this.counters = counters;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        Counter[] stats = counters.of(cb);
        if (!config.overwrite() && headers.contains(header)) {
            stats[2].increment();
            return FilterStatus.CONTINUE;
        }
        String credential = credential();
        if (credential.isEmpty()) {
            stats[1].increment();
            if (config.allowWithoutCredential()) {
                return FilterStatus.CONTINUE;
            }
            cb.sendLocalReply(401, "Failed to inject credential.", null, "failed_to_inject_credential");
            return FilterStatus.STOP_ITERATION;
        }
        headers.set(header, credential);
        stats[0].increment();
        return FilterStatus.CONTINUE;
    }

    /** The secret's value without the newline secret files usually end with (not allowed in a header); "" when none. */
    private String credential() {
        SecretConfig s = cb.serverContext().secrets().get(config.secretName());
        String v = s == null || s.genericSecret() == null ? "" : s.genericSecret();
        int end = v.length();
        while (end > 0 && (v.charAt(end - 1) == '\n' || v.charAt(end - 1) == '\r')) {
            end--;
        }
        return end == v.length() ? v : v.substring(0, end);
    }
}
