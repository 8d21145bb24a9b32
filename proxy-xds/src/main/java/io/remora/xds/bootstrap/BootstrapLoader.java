package io.remora.xds.bootstrap;

import com.google.gson.JsonObject;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.remora.xds.translate.BootstrapTranslator;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TranslationException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Loads an Envoy v3 bootstrap as Envoy does: the file ({@code -c}, YAML or JSON), then
 * {@code --config-yaml} merged over it with protobuf merge semantics (scalars replace, lists
 * append, messages merge), then translation into the model.
 */
public final class BootstrapLoader {

    private String serviceNode;
    private String serviceCluster;
    private String serviceZone;
    private boolean allowUnknownStaticFields;

    static final String UNKNOWN_FIELD_HINT = " (a field of a newer Envoy API than the one Remora reads is unknown too:"
            + " --allow-unknown-static-fields ignores unknown fields with a warning)";
    private Duration drainTime = Duration.ofSeconds(600);

    /** {@code --service-zone}: overrides node.locality.zone. */
    public BootstrapLoader serviceZone(String zone) {
        this.serviceZone = zone;
        return this;
    }

    /**
     * {@code --allow-unknown-static-fields}: a bootstrap field this build does not know is ignored with a warning
     * (as Envoy does with the flag) instead of failing the load.
     */
    public BootstrapLoader allowUnknownStaticFields(boolean allow) {
        this.allowUnknownStaticFields = allow;
        return this;
    }

    /** {@code --service-node}: overrides node.id. */
    public BootstrapLoader serviceNode(String id) {
        this.serviceNode = id;
        return this;
    }

    /** {@code --service-cluster}: overrides node.cluster. */
    public BootstrapLoader serviceCluster(String cluster) {
        this.serviceCluster = cluster;
        return this;
    }

    /** {@code --drain-time-s}. */
    public BootstrapLoader drainTime(Duration d) {
        this.drainTime = d;
        return this;
    }

    /**
     * @param configPath the bootstrap file, or null
     * @param configYaml YAML merged over the file, or null
     * @throws TranslationException when the config is unreadable, malformed or refused
     */
    /** An I/O failure in words: "no such file", "permission denied", ... (not the exception's class name). */
    static String ioReason(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    public LoadedBootstrap load(Path configPath, String configYaml) {
        if (configPath == null && (configYaml == null || configYaml.isBlank())) {
            throw new TranslationException("", "no configuration: give -c/--config-path or --config-yaml");
        }
        TranslationContext ctx = new TranslationContext(null);
        Bootstrap.Builder b = Bootstrap.newBuilder();
        if (configPath != null) {
            String text;
            try {
                text = Files.readString(configPath, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new TranslationException("", "cannot read " + configPath + ": " + ioReason(e), e);
            }
            b.mergeFrom(parseStatic(text, configPath.toString(), ctx));
        }
        if (configYaml != null && !configYaml.isBlank()) {
            b.mergeFrom(parseStatic(configYaml, "--config-yaml", ctx));
        }
        return translate(b.build(), ctx);
    }

    /** Loads a bootstrap from text (sourceName decides YAML or JSON and names it in errors). */
    public LoadedBootstrap loadString(String text, String sourceName) {
        TranslationContext ctx = new TranslationContext(null);
        return translate(parseStatic(text, sourceName, ctx), ctx);
    }

    /** {@link #loadString} with YAML merged over it, as {@code --config-yaml} merges over a file. */
    public LoadedBootstrap loadString(String text, String sourceName, String overrideYaml) {
        TranslationContext ctx = new TranslationContext(null);
        Bootstrap.Builder b = parseStatic(text, sourceName, ctx).toBuilder();
        b.mergeFrom(parseStatic(overrideYaml, "override", ctx));
        return translate(b.build(), ctx);
    }

    /** A bootstrap already in proto form (built in code), translated as a file's would be. */
    public LoadedBootstrap load(Bootstrap proto) {
        return translate(proto, new TranslationContext(null));
    }

    private LoadedBootstrap translate(Bootstrap proto, TranslationContext ctx) {
        proto = withNodeOverrides(proto);
        ctx = ctx.withLocalClusterName(proto.getClusterManager().getLocalClusterName());
        var model = BootstrapTranslator.translate(proto, ctx, serviceNode, serviceCluster, drainTime);
        // As Envoy reads a file SDS source at once: a file that cannot serve its secret fails the config.
        io.remora.xds.ads.SdsFileSecrets.read(io.remora.xds.ads.SdsFileRefs.find(proto.getStaticResources(),
                io.remora.xds.translate.FieldPath.ROOT.field("static_resources")));
        return new LoadedBootstrap(proto, model, ctx.warnings());
    }

    /**
     * Envoy's local node: the bootstrap's node with --service-node, --service-cluster and --service-zone over it.
     * It is what the control plane is told (xDS requests), what the config dump shows, what stats and filters read.
     */
    Bootstrap withNodeOverrides(Bootstrap proto) {
        if (serviceNode == null && serviceCluster == null && serviceZone == null) {
            return proto;
        }
        var node = proto.getNode().toBuilder();
        if (serviceNode != null) {
            node.setId(serviceNode);
        }
        if (serviceCluster != null) {
            node.setCluster(serviceCluster);
        }
        if (serviceZone != null) {
            node.getLocalityBuilder().setZone(serviceZone);
        }
        return proto.toBuilder().setNode(node).build();
    }

    private Bootstrap parseStatic(String text, String sourceName, TranslationContext ctx) {
        if (!allowUnknownStaticFields) {
            try {
                return parse(text, sourceName, ctx);
            } catch (TranslationException e) {
                if (!e.reason().startsWith("unknown field")) {
                    throw e;
                }
                // Envoy's docs list fields newer than the API jar Remora reads with (its own example
                // configs use them): say so, and how to run without them, as Envoy's flag does.
                throw new TranslationException(e.path(), e.reason() + UNKNOWN_FIELD_HINT, e);
            }
        }
        JsonObject json = ConfigDocuments.parse(text, sourceName);
        return ProtoJson.mergeIgnoringUnknownFields(json, Bootstrap.newBuilder(), FieldPath.ROOT, ctx).build();
    }

    /** Text to a Bootstrap proto (no translation); optional unknown extensions are dropped into ctx's warnings. */
    public static Bootstrap parse(String text, String sourceName, TranslationContext ctx) {
        JsonObject json = ConfigDocuments.parse(text, sourceName);
        return ProtoJson.merge(json, Bootstrap.newBuilder(), FieldPath.ROOT, ctx).build();
    }
}
