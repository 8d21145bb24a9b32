package io.remora.extensions.filters.istio.wasm;

import com.google.protobuf.Any;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.StringValue;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.extensions.wasm.v3.PluginConfig;
import io.envoyproxy.envoy.extensions.wasm.v3.VmConfig;
import io.remora.extensions.filters.istio.common.IstioProtos;
import io.remora.xds.translate.FieldPath;

/**
 * A Wasm filter's {@code config} (an {@code envoy.extensions.wasm.v3.PluginConfig}) as Envoy runs
 * Istio's built-in plugins: with {@code vm_config.runtime: envoy.wasm.runtime.null}, the code
 * {@code local.inline_string} names a plugin compiled into the proxy. Remora has the two Istio
 * ships — {@code envoy.wasm.metadata_exchange} and {@code envoy.wasm.stats} — natively; no Wasm
 * runtime runs any other code.
 *
 * @param code          the plugin's name
 * @param configuration the plugin's {@code configuration} (an Any), or null
 */
record NullVmPlugin(String code, Any configuration) {

    static final String NULL_RUNTIME = "envoy.wasm.runtime.null";
    static final String METADATA_EXCHANGE = "envoy.wasm.metadata_exchange";
    static final String STATS = "envoy.wasm.stats";

    /** The null-VM plugin a PluginConfig names, or null when it is anything else (nothing throws). */
    static NullVmPlugin peek(PluginConfig config) {
        try {
            return read(config, FieldPath.ROOT);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The null-VM plugin a PluginConfig names; anything else fails naming the field. */
    static NullVmPlugin read(PluginConfig config, FieldPath path) {
        if (!config.hasVmConfig()) {
            throw path.field("vm_config").error("Remora runs no Wasm VM: only Istio's null-VM plugins ("
                    + METADATA_EXCHANGE + ", " + STATS + ") are supported");
        }
        VmConfig vm = config.getVmConfig();
        FieldPath vp = path.field("vm_config");
        if (!vm.getRuntime().equals(NULL_RUNTIME)) {
            String runtime = vm.getRuntime().isEmpty() ? "unset (Envoy's default, V8)" : "'" + vm.getRuntime() + "'";
            throw vp.field("runtime").error("Wasm runtime " + runtime + " is not supported: Remora runs only"
                    + " Istio's null-VM plugins (" + NULL_RUNTIME + "), not Wasm bytecode");
        }
        if (!vm.getCode().hasLocal() || !vm.getCode().getLocal().hasInlineString()) {
            throw vp.field("code").field("local").field("inline_string")
                    .error("a null-VM plugin is named by code.local.inline_string");
        }
        String code = vm.getCode().getLocal().getInlineString();
        if (!code.equals(METADATA_EXCHANGE) && !code.equals(STATS)) {
            throw vp.field("code").field("local").field("inline_string").error("no null-VM plugin '" + code
                    + "' in Remora (it has " + METADATA_EXCHANGE + " and " + STATS + ")");
        }
        return new NullVmPlugin(code, config.hasConfiguration() ? config.getConfiguration() : null);
    }

    /**
     * The stats plugin's configuration as a {@code stats.PluginConfig}: an Any of it, or the JSON
     * string (a {@code google.protobuf.StringValue}) older Istio sends; null when absent.
     */
    Message statsConfig(FieldPath path) {
        if (configuration == null) {
            return null;
        }
        FieldPath cp = path.field("configuration");
        String url = configuration.getTypeUrl();
        try {
            if (url.endsWith("/" + IstioProtos.PLUGIN_CONFIG.getFullName())) {
                return DynamicMessage.parseFrom(IstioProtos.PLUGIN_CONFIG, configuration.getValue());
            }
            if (url.endsWith("/google.protobuf.StringValue")) {
                String json = io.remora.xds.translate.GeneratedMessages.unpack(configuration, StringValue.class).getValue();
                if (json.isBlank()) {
                    return null;
                }
                DynamicMessage.Builder b = DynamicMessage.newBuilder(IstioProtos.PLUGIN_CONFIG);
                JsonFormat.parser().ignoringUnknownFields().merge(json, b);
                return b.build();
            }
        } catch (InvalidProtocolBufferException e) {
            throw cp.error("not a stats plugin configuration: " + e.getMessage());
        }
        throw cp.error("the stats plugin takes a stats.PluginConfig or its JSON, not " + url);
    }
}
