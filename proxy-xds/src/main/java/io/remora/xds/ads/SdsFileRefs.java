package io.remora.xds.ads;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.MessageScan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Every SdsSecretConfig in a config whose sds_config is a file (path_config_source or the deprecated path),
 * wherever it sits: TLS transport sockets, and the generic secrets of filters (oauth2) inside typed_config. A walk
 * over the whole message rather than a list of known places, so that any extension naming a secret is covered.
 */
public final class SdsFileRefs {
    /** One reference: the secret's name, its file, and where the reference is (for errors). */
    public record Ref(String name, Path file, FieldPath path) {
    }

    private SdsFileRefs() {
    }

    public static List<Ref> find(Message root, FieldPath path) {
        List<Ref> out = new ArrayList<>();
        walk(root, path, out);
        return out;
    }

    /** The file of a path_config_source or legacy path sds_config, or null for any other source. */
    @SuppressWarnings("deprecation") // ConfigSource.path: Envoy still reads it
    public static Path file(ConfigSource cs) {
        if (cs.hasPathConfigSource()) {
            return Path.of(cs.getPathConfigSource().getPath());
        }
        return cs.getPath().isEmpty() ? null : Path.of(cs.getPath());
    }

    /**
     * The name of a generic secret a filter reads at use (oauth2, credential_injector). Like a TLS one it comes
     * from static_resources.secrets, a file (read and watched), ADS or a gRPC SDS stream (subscribed to for the
     * listener or cluster naming it); a REST source is never fetched, so one named with it is refused.
     */
    public static String genericSecretName(SdsSecretConfig s, FieldPath p) {
        if (s.getName().isEmpty()) {
            throw p.field("name").error("missing required field");
        }
        if (s.hasSdsConfig() && file(s.getSdsConfig()) == null && !s.getSdsConfig().hasAds()
                && !XdsDependencies.isGrpcSource(s.getSdsConfig())) {
            throw p.field("sds_config").error("generic secrets are fetched over ADS, a GRPC or DELTA_GRPC"
                    + " api_config_source or from a path_config_source file; got "
                    + s.getSdsConfig().getConfigSourceSpecifierCase());
        }
        return s.getName();
    }

    private static void walk(Message m, FieldPath path, List<Ref> out) {
        forEach(m, path, (sds, at) -> {
            Path file = sds.hasSdsConfig() ? file(sds.getSdsConfig()) : null;
            if (file != null) {
                out.add(new Ref(sds.getName(), file, at));
            }
        });
    }

    /** Every SdsSecretConfig in {@code m}, inside typed configs too, with where it is. */
    public static void forEach(Message m, FieldPath path, java.util.function.BiConsumer<SdsSecretConfig, FieldPath> each) {
        if (m instanceof SdsSecretConfig s) {
            each.accept(s, path);
            return;
        }
        MessageScan.forEach(m, SdsSecretConfig.getDescriptor(), path, (bytes, at) -> {
            SdsSecretConfig s;
            try {
                s = SdsSecretConfig.parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                return; // not one after all: the translator names the field
            }
            each.accept(s, at);
        });
    }
}
