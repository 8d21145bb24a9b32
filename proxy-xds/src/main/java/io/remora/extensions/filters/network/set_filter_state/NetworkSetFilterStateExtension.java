package io.remora.extensions.filters.network.set_filter_state;

import io.envoyproxy.envoy.extensions.filters.network.set_filter_state.v3.Config;
import io.remora.accesslog.StreamInfo;
import io.remora.config.NetworkFilterConfig;
import io.remora.extensions.NetworkFilterExtension;
import io.remora.extensions.filters.common.set_filter_state.FilterStateValues;
import io.remora.network.ConnectionFilter;
import io.remora.network.ConnectionFilterCallbacks;
import io.remora.network.ConnectionFilterFactory;
import io.remora.network.ConnectionInfo;
import io.remora.network.NetworkFilterStatus;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * {@code envoy.filters.network.set_filter_state}: on a new connection, stores formatted values
 * (connection operators: %DOWNSTREAM_REMOTE_ADDRESS%, %REQUESTED_SERVER_NAME%...) in the
 * connection's filter state, which every request on it sees.
 */
public final class NetworkSetFilterStateExtension
        implements NetworkFilterExtension<NetworkSetFilterStateExtension.NetworkSetFilterStateConfig> {

    record NetworkSetFilterStateConfig(FilterStateValues onNewConnection) implements NetworkFilterConfig {
        @Override
        public String filterName() {
            return "envoy.filters.network.set_filter_state";
        }
    }

    @Override
    public List<String> names() {
        return List.of("envoy.filters.network.set_filter_state");
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.network.set_filter_state.v3.Config");
    }

    @Override
    public NetworkSetFilterStateConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        Config c = config == null ? Config.getDefaultInstance() : config.unpack(Config.class, path);
        return new NetworkSetFilterStateConfig(FilterStateValues.translate(c.getOnNewConnectionList(),
                path.field("on_new_connection"), ctx));
    }

    @Override
    public ConnectionFilterFactory.Provider<NetworkSetFilterStateConfig> runtime() {
        return new ConnectionFilterFactory.Provider<>() {
            @Override
            public Class<NetworkSetFilterStateConfig> configType() {
                return NetworkSetFilterStateConfig.class;
            }

            @Override
            public ConnectionFilterFactory create(NetworkSetFilterStateConfig config, ServerContext context) {
                FilterStateValues.Setter setter = config.onNewConnection().compile();
                return () -> new ConnectionFilter() {
                    private ConnectionFilterCallbacks cb;

                    @Override
                    public void initialize(ConnectionFilterCallbacks callbacks) {
                        this.cb = callbacks;
                    }

                    @Override
                    public NetworkFilterStatus onNewConnection() {
                        ConnectionInfo ci = cb.connection();
                        StreamInfo info = new StreamInfo();
                        info.downstreamRemoteAddress = ci.remoteAddress();
                        info.downstreamLocalAddress = ci.localAddress();
                        info.requestedServerName(ci.serverName());
                        setter.apply(info, cb.filterState());
                        return NetworkFilterStatus.CONTINUE;
                    }
                };
            }
        };
    }
}
