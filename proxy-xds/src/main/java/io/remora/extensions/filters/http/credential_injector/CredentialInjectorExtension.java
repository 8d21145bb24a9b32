package io.remora.extensions.filters.http.credential_injector;

import io.envoyproxy.envoy.extensions.filters.http.credential_injector.v3.CredentialInjector;
import io.envoyproxy.envoy.extensions.http.injected_credentials.generic.v3.Generic;
import io.netty.util.AsciiString;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.http.common.HcmCounters;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;
import java.util.Locale;

/**
 * {@code envoy.filters.http.credential_injector}: injects a credential from a generic secret into
 * the request for the upstream. The OAuth2 client-credentials injector is refused (requests would
 * leave without the credentials they need).
 */
public final class CredentialInjectorExtension implements HttpFilterExtension<CredentialInjectorConfig> {

    private static final String TYPE = "envoy.extensions.filters.http.credential_injector.v3.CredentialInjector";
    private static final String GENERIC = "envoy.extensions.http.injected_credentials.generic.v3.Generic";

    /** Envoy registers it as an upstream HTTP filter too. */
    @Override
    public boolean runsUpstream() {
        return true;
    }

    @Override
    public List<String> names() {
        return List.of(CredentialInjectorConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public CredentialInjectorConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field");
        }
        CredentialInjector c = config.unpack(CredentialInjector.class, path);
        FieldPath cp = path.field("credential");
        if (!c.hasCredential()) {
            throw cp.error("missing required field");
        }
        FieldPath tp = cp.field("typed_config");
        if (!c.getCredential().hasTypedConfig()) {
            throw tp.error("missing required field");
        }
        TypedConfig typed = TypedConfig.of(c.getCredential().getTypedConfig(), tp);
        if (!typed.typeName().equals(GENERIC)) {
            throw tp.error("credential '" + typed.typeName() + "' is not supported (only the generic credential, "
                    + GENERIC + ")");
        }
        Generic g = typed.unpack(Generic.class, tp);
        if (!g.hasCredential()) {
            throw tp.field("credential").error("missing required field");
        }
        String secret = io.remora.xds.ads.SdsFileRefs.genericSecretName(g.getCredential(), tp.field("credential"));
        String header = g.getHeader().isEmpty() ? "authorization" : g.getHeader().toLowerCase(Locale.ROOT);
        return new CredentialInjectorConfig(secret, header, c.getOverwrite(), c.getAllowRequestWithoutCredential());
    }

    @Override
    public HttpFilterFactory.Provider<CredentialInjectorConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<CredentialInjectorConfig> configType() {
                return CredentialInjectorConfig.class;
            }

            @Override
            public HttpFilterFactory create(CredentialInjectorConfig config, ServerContext context) {
                HcmCounters counters = new HcmCounters(context.stats().meterRegistry(), CredentialInjectorFilter.INJECTED,
                        CredentialInjectorFilter.FAILED, CredentialInjectorFilter.ALREADY_EXISTS);
                AsciiString header = AsciiString.cached(config.header());
                return () -> new CredentialInjectorFilter(config, header, counters);
            }
        };
    }
}
