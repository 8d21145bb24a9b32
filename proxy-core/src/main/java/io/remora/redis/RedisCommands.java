package io.remora.redis;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * Envoy's {@code SupportedCommands}: what the redis proxy forwards, by how it routes. Lower case;
 * each has its {@code redis.<stat_prefix>.command.<name>.*} stats.
 */
public final class RedisCommands {

    /** Hashed on their first argument, to one server. */
    public static final Set<String> SIMPLE = Set.of(
            "append", "bf.add", "bf.card", "bf.exists", "bf.info", "bf.insert", "bf.loadchunk", "bf.madd",
            "bf.mexists", "bf.reserve", "bf.scandump", "bitcount", "bitfield", "bitpos", "decr", "decrby", "dump",
            "expire", "expireat", "geoadd", "geodist", "geohash", "geopos", "georadius_ro", "georadiusbymember_ro",
            "get", "getbit", "getdel", "getrange", "getset", "hdel", "hexists", "hget", "hgetall", "hincrby",
            "hincrbyfloat", "hkeys", "hlen", "hmget", "hmset", "hscan", "hset", "hsetnx", "hstrlen", "hvals", "incr",
            "incrby", "incrbyfloat", "lindex", "linsert", "llen", "lmove", "lpop", "lpush", "lpushx", "lrange",
            "lrem", "lset", "ltrim", "persist", "pexpire", "pexpireat", "pfadd", "pfcount", "psetex", "pttl",
            "publish", "restore", "rpop", "rpush", "rpushx", "sadd", "scard", "set", "setbit", "setex", "setnx",
            "setrange", "sismember", "smembers", "spop", "srandmember", "srem", "sscan", "strlen", "ttl", "type",
            "watch", "xack", "xadd", "xautoclaim", "xclaim", "xdel", "xlen", "xpending", "xrange", "xrevrange",
            "xtrim", "zadd", "zcard", "zcount", "zincrby", "zlexcount", "zpopmin", "zpopmax", "zrange",
            "zrangebylex", "zrangebyscore", "zrank", "zrem", "zremrangebylex", "zremrangebyrank",
            "zremrangebyscore", "zrevrange", "zrevrangebylex", "zrevrangebyscore", "zrevrank", "zscan", "zscore");

    /** Hashed on their first key (the fourth argument: EVAL script numkeys key...). */
    public static final Set<String> EVAL = Set.of("eval", "evalsha", "eval_ro", "evalsha_ro");

    /** One request per key, the integer replies summed. */
    public static final Set<String> SUM_RESULT = Set.of("del", "exists", "touch", "unlink");

    public static final String MGET = "mget";
    public static final String MSET = "mset";

    /** Commands that change data: a mirror policy's exclude_read_commands keeps only these. */
    private static final Set<String> WRITE = Set.of(
            "append", "bitfield", "decr", "decrby", "del", "discard", "exec", "expire", "expireat", "eval",
            "evalsha", "geoadd", "getdel", "hdel", "hincrby", "hincrbyfloat", "hmset", "hset", "hsetnx", "incr",
            "incrby", "incrbyfloat", "linsert", "lmove", "lpop", "lpush", "lpushx", "lrem", "lset", "ltrim",
            "mset", "multi", "persist", "pexpire", "pexpireat", "pfadd", "psetex", "restore", "rpop", "rpush",
            "rpushx", "sadd", "set", "setbit", "setex", "setnx", "setrange", "spop", "srem", "zadd", "zincrby",
            "touch", "zpopmin", "zpopmax", "zrem", "zremrangebylex", "zremrangebyrank", "zremrangebyscore",
            "unlink");

    /** Every command with stats, sorted. */
    public static final List<String> ALL;

    static {
        List<String> all = new ArrayList<>(SIMPLE);
        all.addAll(EVAL);
        all.addAll(SUM_RESULT);
        all.add(MGET);
        all.add(MSET);
        Collections.sort(all);
        ALL = List.copyOf(all);
    }

    private RedisCommands() {
    }

    public static boolean isRead(String lowerCaseCommand) {
        return !WRITE.contains(lowerCaseCommand);
    }

    public static boolean isSupported(String lowerCaseCommand) {
        return SIMPLE.contains(lowerCaseCommand) || EVAL.contains(lowerCaseCommand)
                || SUM_RESULT.contains(lowerCaseCommand) || lowerCaseCommand.equals(MGET)
                || lowerCaseCommand.equals(MSET);
    }
}
