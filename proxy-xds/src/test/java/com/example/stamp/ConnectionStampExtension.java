package com.example.stamp;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import io.remora.config.NetworkFilterConfig;
import io.remora.extensions.NetworkFilterExtension;
import io.remora.network.ConnectionFilter;
import io.remora.network.ConnectionFilterCallbacks;
import io.remora.network.ConnectionFilterFactory;
import io.remora.network.FilterState;
import io.remora.network.NetworkFilterStatus;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * A third-party network filter living only in the test tree: it leaves {@code key=value} in the
 * connection's filter state when a connection opens, for the HTTP filters to read.
 */
public final class ConnectionStampExtension implements NetworkFilterExtension<ConnectionStampExtension.Config> {

    record Config(String key, String value) implements NetworkFilterConfig {
        @Override
        public String filterName() {
            return "example.connection_stamp";
        }
    }

    @Override
    public List<String> names() {
        return List.of("example.connection_stamp");
    }

    @Override
    public List<String> configTypes() {
        return List.of("example.stamp.v1.ConnectionStamp");
    }

    @Override
    public List<Descriptor> descriptors() {
        return List.of(StampProtos.CONNECTION_STAMP);
    }

    @Override
    public Config translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field");
        }
        DynamicMessage m = config.unpack(StampProtos.CONNECTION_STAMP, path);
        return new Config(StampProtos.string(m, "key"), StampProtos.string(m, "value"));
    }

    @Override
    public ConnectionFilterFactory.Provider<Config> runtime() {
        return new ConnectionFilterFactory.Provider<>() {
            @Override
            public Class<Config> configType() {
                return Config.class;
            }

            @Override
            public ConnectionFilterFactory create(Config config, ServerContext context) {
                return () -> new ConnectionFilter() {
                    private ConnectionFilterCallbacks cb;

                    @Override
                    public void initialize(ConnectionFilterCallbacks callbacks) {
                        this.cb = callbacks;
                    }

                    @Override
                    public NetworkFilterStatus onNewConnection() {
                        cb.filterState().set(config.key(), config.value(), FilterState.Mutability.READ_ONLY);
                        return NetworkFilterStatus.CONTINUE;
                    }
                };
            }
        };
    }
}
