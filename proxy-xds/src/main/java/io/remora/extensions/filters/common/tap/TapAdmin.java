package io.remora.extensions.filters.common.tap;

import io.envoyproxy.envoy.admin.v3.TapRequest;
import io.remora.admin.AdminResponse;
import io.remora.admin.AdminStream;
import io.remora.xds.bootstrap.ConfigDocuments;
import io.remora.xds.bootstrap.ProtoJson;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Envoy's tap AdminHandler: the server's {@code POST /tap}, and the tap extensions configured with
 * {@code admin_config}, by config id. A posted {@code TapRequest} installs its tap config in every
 * extension of that id (and in any added while it lasts) until the client disconnects; one
 * session at a time, as in Envoy.
 */
public final class TapAdmin implements AdminStream.Handler {

    public static final String PATH = "/tap";
    public static final String HELP = "tap filter control";

    private static final Map<Object, TapAdmin> BY_SERVER = new WeakHashMap<>();

    /** Weakly held: an extension replaced by a config update simply goes away. */
    private final Map<String, Set<TapExtensionConfig>> configs = new HashMap<>();
    private TapAdminSession attached;

    /** The handler of one server (its ServerContext is the key). */
    public static TapAdmin of(Object server) {
        Object key = server instanceof io.remora.server.ServerContext c ? c.root() : server;
        synchronized (BY_SERVER) {
            return BY_SERVER.computeIfAbsent(key, s -> new TapAdmin());
        }
    }

    public synchronized void register(String configId, TapExtensionConfig config) {
        configs.computeIfAbsent(configId, k -> Collections.newSetFromMap(new WeakHashMap<>())).add(config);
        if (attached != null && attached.configId.equals(configId)) {
            config.install(attached.active);
        }
    }

    @Override
    public synchronized AdminResponse start(String body, AdminStream stream) {
        if (attached != null) {
            return AdminResponse.text(400, "An attached /tap admin stream already exists. Detach it.");
        }
        if (body == null || body.isBlank()) {
            return AdminResponse.text(400, "/tap requires a JSON/YAML body");
        }
        TapRequest request;
        TapSpec spec;
        try {
            TranslationContext ctx = TranslationContext.lenient();
            request = ProtoJson.merge(ConfigDocuments.parse(body, PATH), TapRequest.newBuilder(), FieldPath.ROOT, ctx)
                    .build();
            if (request.getConfigId().isEmpty()) {
                throw FieldPath.ROOT.field("config_id").error("value length must be at least 1 characters");
            }
            if (!request.hasTapConfig()) {
                throw FieldPath.ROOT.field("tap_config").error("value is required");
            }
            spec = TapConfigTranslator.translate(request.getTapConfig(), true, FieldPath.ROOT.field("tap_config"), ctx);
        } catch (RuntimeException e) {
            return AdminResponse.text(400, String.valueOf(e.getMessage()));
        }
        if (spec.sink() instanceof TapSpec.FilePerTap) {
            // Envoy's admin handler has no per-tap file sink (it aborts); refuse instead.
            return AdminResponse.text(400, "tap_config.output_config.sinks[0]: /tap streams its traces;"
                    + " use streaming_admin or buffered_admin");
        }
        Set<TapExtensionConfig> targets = configs.get(request.getConfigId());
        if (targets == null || targets.isEmpty()) {
            return AdminResponse.text(400, "Unknown config id '" + request.getConfigId()
                    + "'. No extension has registered with this id.");
        }
        TapAdminSession session = new TapAdminSession(request.getConfigId(), spec, stream);
        attached = session;
        for (TapExtensionConfig c : targets) {
            c.install(session.active);
        }
        stream.onClose(() -> detach(session));
        return null;
    }

    private synchronized void detach(TapAdminSession session) {
        if (attached != session) {
            return;
        }
        attached = null;
        Set<TapExtensionConfig> targets = configs.get(session.configId);
        if (targets != null) {
            for (TapExtensionConfig c : targets) {
                c.clear();
            }
        }
    }
}
