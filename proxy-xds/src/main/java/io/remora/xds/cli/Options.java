package io.remora.xds.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The parsed command line (Envoy's flags plus Remora's own).
 *
 * @param configPath          {@code -c/--config-path}, or null
 * @param configYaml          {@code --config-yaml}, or null
 * @param concurrency         {@code --concurrency} (default: available cores)
 * @param logLevel            {@code -l/--log-level}: trace, debug, info, warning, error, critical, off
 * @param componentLogLevels  {@code --component-log-level upstream:debug,connection:trace}
 * @param serviceCluster      {@code --service-cluster}, or null
 * @param serviceNode         {@code --service-node}, or null
 * @param localAddressIpVersion {@code --local-address-ip-version}: v4 or v6
 * @param logFormat           {@code --log-format}, or null for the default
 * @param demo                {@code --demo}: run the bundled demo config with its upstreams
 * @param warnings            one per accepted flag that has no effect in Remora
 * @param logPath             {@code --log-path}: the application log goes to this file instead of stderr; or null
 * @param tlsProvider         {@code --tls-provider boringssl|jdk}, or null for the default (BoringSSL)
 * @param serviceZone         {@code --service-zone}: overrides node.locality.zone; or null
 * @param drainStrategy       {@code --drain-strategy}: how connections learn of a drain (Envoy's default: gradual)
 * @param allowUnknownStaticFields {@code --allow-unknown-static-fields}: unknown bootstrap fields are ignored
 *                            with a warning instead of refused
 */
public record Options(
        Path configPath,
        String configYaml,
        int concurrency,
        String logLevel,
        Map<String, String> componentLogLevels,
        String serviceCluster,
        String serviceNode,
        Duration drainTime,
        Duration parentShutdownTime,
        String localAddressIpVersion,
        String logFormat,
        Duration fileFlushInterval,
        Mode mode,
        boolean demo,
        boolean help,
        boolean version,
        List<String> warnings,
        Path logPath,
        String tlsProvider,
        String serviceZone,
        io.remora.server.DrainStrategy drainStrategy,
        boolean allowUnknownStaticFields) {

    /** {@code --mode}: serve (default), validate (check the config and exit), init_only. */
    public enum Mode { SERVE, VALIDATE, INIT_ONLY }

}
