package io.remora.extensions.filters.network.redis_proxy;

import io.netty.channel.EventLoop;
import io.remora.redis.RedisCommands;
import io.remora.redis.RespValue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Envoy's {@code CommandSplitter::InstanceImpl}: checks a request, answers AUTH, PING, ECHO,
 * TIME and QUIT itself, and sends the others upstream by their key (simple commands by the
 * first argument, EVAL by the first key, MGET/MSET/DEL/EXISTS/TOUCH/UNLINK one request per key).
 * Errors are Envoy's words: "invalid request", "unsupported command 'x'", "wrong number of
 * arguments for 'x' command", "no upstream host", "NOAUTH Authentication required.".
 */
final class CommandSplitter {
    static final String NOAUTH = "NOAUTH Authentication required.";
    static final String FAULT_ERROR = "Fault Injected: Error";
    private static final Set<String> TRANSACTION = Set.of("multi", "exec", "discard");
    private static final RespValue GET = RespValue.bulk("get");
    private static final RespValue SET = RespValue.bulk("set");

    private enum Kind { SIMPLE, EVAL, MGET, MSET, SUM }

    private final PrefixRouter router;
    private final RedisProxyStats stats;
    private final FaultPicker faults;
    private final Map<String, Kind> kinds = new HashMap<>();
    private final Map<String, RedisProxyStats.CommandStats> commandStats;

    CommandSplitter(PrefixRouter router, RedisProxyStats stats, FaultPicker faults, List<String> customCommands,
                    boolean latencyInMicros) {
        this.router = router;
        this.stats = stats;
        this.faults = faults;
        RedisCommands.SIMPLE.forEach(c -> kinds.put(c, Kind.SIMPLE));
        customCommands.forEach(c -> kinds.put(c, Kind.SIMPLE));
        RedisCommands.EVAL.forEach(c -> kinds.put(c, Kind.EVAL));
        RedisCommands.SUM_RESULT.forEach(c -> kinds.put(c, Kind.SUM));
        kinds.put(RedisCommands.MGET, Kind.MGET);
        kinds.put(RedisCommands.MSET, Kind.MSET);
        commandStats = stats.commands(customCommands, latencyInMicros);
    }

    /** Handles one request; the handle of what went upstream, or null when already answered. */
    SplitRequest makeRequest(RespValue request, SplitCallbacks cb, EventLoop loop) {
        if (request.type() != RespValue.Type.ARRAY || request.array().isEmpty()) {
            return invalid(cb);
        }
        List<RespValue> args = request.array();
        for (RespValue v : args) {
            if (v.type() != RespValue.Type.BULK_STRING) {
                return invalid(cb);
            }
        }
        String command = lower(args.get(0).bytes());
        if (command.equals("auth")) {
            if (args.size() < 2) {
                return invalid(cb);
            }
            cb.onAuth(args.size() == 3 ? args.get(1).bytes() : null, args.get(args.size() == 3 ? 2 : 1).bytes());
            return null;
        }
        if (!cb.connectionAllowed()) {
            cb.onResponse(RespValue.error(NOAUTH));
            return null;
        }
        switch (command) {
            case "ping" -> {
                cb.onResponse(RespValue.simple("PONG"));
                return null;
            }
            case "echo" -> {
                if (args.size() != 2) {
                    return invalid(cb);
                }
                cb.onResponse(args.get(1));
                return null;
            }
            case "time" -> {
                // As Envoy's: seconds, and the time in microseconds (not just the fraction).
                long micros = java.time.Instant.now().toEpochMilli() * 1000;
                cb.onResponse(RespValue.array(List.of(RespValue.bulk(Long.toString(micros / 1_000_000)),
                        RespValue.bulk(Long.toString(micros)))));
                return null;
            }
            case "quit" -> {
                cb.onQuit();
                return null;
            }
            default -> {
            }
        }
        if (args.size() < 2 && !TRANSACTION.contains(command)) {
            return invalid(cb);
        }
        Kind kind = kinds.get(command);
        if (kind == null) {
            stats.unsupportedCommand.increment();
            cb.onResponse(RespValue.error("unsupported command '" + args.get(0).string() + "'"));
            return null;
        }
        RedisProxyStats.CommandStats cs = commandStats.get(command);
        RedisProxyConfig.Fault fault = faults.pick(command);
        SplitRequest.Delayed delayed = fault != null && fault.delay().toNanos() > 0
                ? new SplitRequest.Delayed(cb, cs, loop, fault.delay().toNanos()) : null;
        SplitRequest.Reply reply = delayed != null ? delayed : cb;
        cs.total.increment();
        SplitRequest r;
        if (fault != null && fault.error()) {
            new SplitRequest.Single(reply, cs, delayed == null).finished(false);
            cs.errorFault.increment();
            reply.onResponse(RespValue.error(FAULT_ERROR));
            r = null;
        } else {
            r = start(kind, command, request, reply, cs, delayed == null, loop);
        }
        if (delayed != null) {
            delayed.wrapped = r;
            return delayed;
        }
        return r;
    }

    private SplitRequest invalid(SplitCallbacks cb) {
        stats.invalidRequest.increment();
        cb.onResponse(RespValue.error("invalid request"));
        return null;
    }

    private static SplitRequest wrongArguments(SplitRequest.Reply reply, RedisProxyStats.CommandStats cs,
                                               RespValue name) {
        cs.error.increment();
        reply.onResponse(RespValue.error("wrong number of arguments for '" + name.string() + "' command"));
        return null;
    }

    private SplitRequest start(Kind kind, String command, RespValue request, SplitRequest.Reply reply,
                               RedisProxyStats.CommandStats cs, boolean timed, EventLoop loop) {
        List<RespValue> args = request.array();
        switch (kind) {
            case SIMPLE, EVAL -> {
                int keyAt = kind == Kind.EVAL ? 3 : 1;
                if (args.size() <= keyAt) {
                    return wrongArguments(reply, cs, args.get(0));
                }
                SplitRequest.Single single = new SplitRequest.Single(reply, cs, timed);
                byte[] key = args.get(keyAt).bytes();
                PrefixRouter.Target route = router.route(key);
                if (route != null) {
                    byte[] k = route.rewrite(key);
                    single.handle = send(route, command, k, with(request, keyAt, k), single, loop);
                }
                if (single.handle == null) {
                    cs.error.increment();
                    reply.onResponse(RespValue.error(SplitRequest.NO_UPSTREAM_HOST));
                    return null;
                }
                return single;
            }
            case MSET -> {
                if ((args.size() - 1) % 2 != 0) {
                    return wrongArguments(reply, cs, args.get(0));
                }
                return fragments(SplitRequest.Fragmented.Kind.MSET, 2, "set", args, reply, cs, timed, loop);
            }
            case MGET -> {
                return fragments(SplitRequest.Fragmented.Kind.MGET, 1, "get", args, reply, cs, timed, loop);
            }
            default -> {
                return fragments(SplitRequest.Fragmented.Kind.SUM, 1, command, args, reply, cs, timed, loop);
            }
        }
    }

    private SplitRequest fragments(SplitRequest.Fragmented.Kind kind, int step, String partCommand,
                                   List<RespValue> args, SplitRequest.Reply reply, RedisProxyStats.CommandStats cs,
                                   boolean timed, EventLoop loop) {
        int parts = (args.size() - 1) / step;
        SplitRequest.Fragmented f = new SplitRequest.Fragmented(kind, parts, reply, cs, timed);
        for (int i = 0; i < parts; i++) {
            byte[] key = args.get(1 + i * step).bytes();
            PrefixRouter.Target route = router.route(key);
            RedisUpstream.Handle h = null;
            if (route != null) {
                byte[] k = route.rewrite(key);
                RespValue name = kind == SplitRequest.Fragmented.Kind.MGET ? GET
                        : kind == SplitRequest.Fragmented.Kind.MSET ? SET : args.get(0);
                RespValue part = step == 2 ? RespValue.array(List.of(name, RespValue.bulk(k), args.get(2 + i * step)))
                        : RespValue.array(List.of(name, RespValue.bulk(k)));
                h = send(route, partCommand, k, part, f.part(i), loop);
            }
            f.sent(i, h);
        }
        return f.done() ? null : f;
    }

    /** Envoy's makeSingleServerRequest: the route's upstream, then a copy to each mirror that wants it. */
    private static RedisUpstream.Handle send(PrefixRouter.Target route, String command, byte[] key, RespValue request,
                                             RedisClient.Callbacks callbacks, EventLoop loop) {
        RedisUpstream.Handle h = route.upstream(command).request(loop, key, request, command, callbacks);
        if (h != null) {
            for (PrefixRouter.MirrorTarget m : route.mirrors) {
                if (m.shouldMirror(command)) {
                    m.upstream.request(loop, key, request, command, RedisClient.IGNORE);
                }
            }
        }
        return h;
    }

    /** The request with argument {@code at} replaced by {@code key}, when the route rewrote it. */
    private static RespValue with(RespValue request, int at, byte[] key) {
        if (key == request.array().get(at).bytes()) {
            return request;
        }
        List<RespValue> copy = new ArrayList<>(request.array());
        copy.set(at, RespValue.bulk(key));
        return RespValue.array(copy);
    }

    private static String lower(byte[] b) {
        byte[] l = null;
        for (int i = 0; i < b.length; i++) {
            if (b[i] >= 'A' && b[i] <= 'Z') {
                if (l == null) {
                    l = b.clone();
                }
                l[i] = (byte) (b[i] + ('a' - 'A'));
            }
        }
        return new String(l == null ? b : l, StandardCharsets.ISO_8859_1);
    }
}
