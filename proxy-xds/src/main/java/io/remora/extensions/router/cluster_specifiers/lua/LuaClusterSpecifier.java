package io.remora.extensions.router.cluster_specifiers.lua;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ClusterSpecifierPlugin;
import io.remora.log.Logging;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaValue;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The Lua cluster specifier's runtime: runs {@code envoy_on_route} in this thread's Lua state and
 * takes what it returns (a string, or a number as Lua coerces it) as the cluster; a script error or
 * any other return value gives {@code default_cluster}, as Envoy. A name no cluster has is left to
 * the router (503, cluster not found), as Envoy does.
 */
final class LuaClusterSpecifier implements ClusterSpecifierPlugin {

    private static final Logger LOG = Logging.logger("lua");

    private final String chunkName;
    private final String code;
    private final String defaultCluster;
    /** Each event loop's own state: a Lua state is not thread-safe, and each loop is one thread. */
    private final ThreadLocal<RouteScript> scripts;

    LuaClusterSpecifier(String chunkName, String code, String defaultCluster) {
        this.chunkName = chunkName;
        this.code = code;
        this.defaultCluster = defaultCluster;
        this.scripts = ThreadLocal.withInitial(this::load);
    }

    private RouteScript load() {
        try {
            return new RouteScript(chunkName, code);
        } catch (LuaError | StackOverflowError e) {
            LOG.log(Level.SEVERE, "cluster specifier script load error: " + e.getMessage());
            return null;
        }
    }

    @Override
    public String cluster(Http2Headers requestHeaders) {
        RouteScript script = scripts.get();
        if (script == null) {
            return defaultCluster;
        }
        LuaValue result;
        try {
            result = script.run(requestHeaders);
        } catch (RuntimeException | StackOverflowError e) {
            LOG.log(Level.SEVERE, "script log: " + e.getMessage() + ", use default cluster");
            return defaultCluster;
        }
        if (!result.isstring()) {
            LOG.log(Level.SEVERE, "script log: return value is not string, use default cluster");
            return defaultCluster;
        }
        return result.tojstring();
    }
}
