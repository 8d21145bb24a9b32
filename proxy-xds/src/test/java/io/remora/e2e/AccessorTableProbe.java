package io.remora.e2e;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.GeneratedMessageV3;
import io.remora.xds.Main;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Run by {@link AccessorTableE2ETest} in a JVM of its own: starts the proxy as {@code --mode
 * init_only} on the config named by its argument, then prints, per generated message class the
 * start touched, whether its field-accessor table (protobuf's reflection over the class, a
 * {@code Method} per accessor) was built. Read from the generated outer class's static field, so
 * that looking does not build it.
 */
public final class AccessorTableProbe {

    static final List<Class<? extends GeneratedMessageV3>> TYPES = List.of(
            io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap.class,
            io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap.StaticResources.class,
            io.envoyproxy.envoy.config.listener.v3.Listener.class,
            io.envoyproxy.envoy.config.listener.v3.FilterChain.class,
            io.envoyproxy.envoy.config.listener.v3.Filter.class,
            io.envoyproxy.envoy.config.core.v3.Address.class,
            io.envoyproxy.envoy.config.core.v3.SocketAddress.class,
            io.envoyproxy.envoy.config.cluster.v3.Cluster.class,
            io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.class,
            io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.class,
            io.envoyproxy.envoy.config.route.v3.RouteConfiguration.class,
            io.envoyproxy.envoy.config.route.v3.Route.class,
            io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.class,
            io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext.class);

    private AccessorTableProbe() {
    }

    public static void main(String[] args) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream quiet = new PrintStream(log, true, StandardCharsets.UTF_8);
        int rc = new Main(quiet, quiet).run(new String[] {"--mode", "init_only", "-c", args[0]});
        if (rc != 0) {
            System.out.println("start failed: " + log.toString(StandardCharsets.UTF_8));
            System.exit(1);
        }
        for (Class<? extends GeneratedMessageV3> type : TYPES) {
            System.out.println(type.getSimpleName() + " " + built(type));
        }
        System.exit(0);
    }

    private static boolean built(Class<?> type) throws ReflectiveOperationException {
        Descriptor d = (Descriptor) type.getMethod("getDescriptor").invoke(null);
        var file = d.getFile().getOptions();
        Class<?> outer = Class.forName(file.getJavaPackage() + "." + file.getJavaOuterClassname());
        var f = outer.getDeclaredField("internal_static_" + d.getFullName().replace('.', '_') + "_fieldAccessorTable");
        f.setAccessible(true);
        Object table = f.get(null);
        var initialized = com.google.protobuf.GeneratedMessage.FieldAccessorTable.class.getDeclaredField("initialized");
        initialized.setAccessible(true);
        return initialized.getBoolean(table);
    }
}
