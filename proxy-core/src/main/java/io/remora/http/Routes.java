package io.remora.http;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.StreamInfo;
import io.remora.config.RouteConfiguration;
import io.remora.route.RouteEntry;
import io.remora.route.RouteTable;
import io.remora.server.ServerContext;

import java.util.List;

/** The routes one stream uses, read once at its start (a snapshot: RDS may replace it later). */
interface Routes {

    /** @return the matched route or null (404 NR) */
    RouteEntry route(Http2Headers headers, long random);

    /**
     * {@link #route(Http2Headers, long)} for a stream, whose ids tag the "router" debug lines;
     * {@code random} also picks the weighted cluster, so the line names the cluster the router will use.
     */
    default RouteEntry route(Http2Headers headers, long random, StreamInfo stream) {
        return route(headers, random);
    }

    /** {@code internal_only_headers} of the route configuration. */
    List<String> internalOnlyHeaders();

    /** Supplies the current snapshot; called at each stream's start. */
    interface Provider {
        Routes current();

        /** The snapshot for a request: scoped routes choose it by the request's headers. */
        default Routes current(Http2Headers requestHeaders) {
            return current();
        }
    }

    Routes NONE = new Routes() {
        @Override
        public RouteEntry route(Http2Headers headers, long random) {
            return null;
        }

        @Override
        public List<String> internalOnlyHeaders() {
            return List.of();
        }
    };

    static Routes of(RouteTable table) {
        return of(table, null);
    }

    /**
     * The table's routes, with {@code runtime_fraction} reading the context's runtime and, at debug
     * level of the "router" component, Envoy's route-selection lines.
     */
    static Routes of(RouteTable table, ServerContext context) {
        List<String> internalOnly = table.config().internalOnlyHeaders() == null
                ? List.of() : table.config().internalOnlyHeaders();
        return new Routes() {
            @Override
            public RouteEntry route(Http2Headers headers, long random) {
                return route(headers, random, null);
            }

            @Override
            public RouteEntry route(Http2Headers headers, long random, StreamInfo stream) {
                RouteEntry e = table.route(headers, random,
                        context == null ? io.remora.runtime.Runtime.EMPTY : context.runtime(), stream);
                if (RouteLog.LOG.isLoggable(java.util.logging.Level.FINE)) {
                    RouteLog.selected(stream, table, headers, random, e, context);
                }
                return e;
            }

            @Override
            public List<String> internalOnlyHeaders() {
                return internalOnly;
            }
        };
    }

    /** An inline route_config: compiled once, with the connection manager's config. */
    static Provider inline(RouteConfiguration config) {
        return inline(config, null);
    }

    static Provider inline(RouteConfiguration config, ServerContext context) {
        Routes routes = of(RouteTable.compile(config), context);
        return () -> routes;
    }

    /**
     * RDS: the table the server compiled (on its control thread) is read at each stream start;
     * its wrapper is cached by the table's identity.
     */
    static Provider rds(ServerContext context, String name) {
        Routes pending = new Routes() {
            @Override
            public RouteEntry route(Http2Headers headers, long random) {
                return route(headers, random, null);
            }

            @Override
            public RouteEntry route(Http2Headers headers, long random, StreamInfo stream) {
                if (RouteLog.LOG.isLoggable(java.util.logging.Level.FINE)) {
                    RouteLog.notArrived(stream, name, headers);
                }
                return null;
            }

            @Override
            public List<String> internalOnlyHeaders() {
                return List.of();
            }
        };
        return new Provider() {
            private volatile Compiled cache;

            @Override
            public Routes current() {
                RouteTable table = context.routeTable(name);
                if (table == null) {
                    return pending; // logs when a stream asks for its route
                }
                Compiled c = cache;
                if (c == null || c.table != table) {
                    c = new Compiled(table, of(table, context));
                    cache = c;
                }
                return c.routes;
            }
        };
    }

    record Compiled(RouteTable table, Routes routes) {
    }
}
