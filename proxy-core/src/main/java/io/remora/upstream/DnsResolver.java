package io.remora.upstream;

import io.remora.config.ClusterConfig.DnsLookupFamily;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Name to addresses. {@link #lookup} is what DNS clusters use: a resolver that asks name servers
 * itself answers it without holding a thread; the blocking forms are for the callers that may block.
 */
@FunctionalInterface
public interface DnsResolver {

    DnsResolver SYSTEM = InetAddress::getAllByName;

    InetAddress[] resolve(String name) throws UnknownHostException;

    /**
     * The answer for one lookup family. This default asks for every address and keeps the
     * family's; it knows no TTL. Resolvers that query per record type override it.
     */
    default DnsAnswer resolve(String name, DnsLookupFamily family) throws UnknownHostException {
        return new DnsAnswer(DnsRefresher.filter(resolve(name), family), null);
    }

    /**
     * Starts a lookup; the future fails with an {@link UnknownHostException} when the name has no
     * answer, and cancelling it abandons the lookup. This default runs the blocking lookup on
     * {@code blocking}, for tests' stand-ins; getaddrinfo, which has no asynchronous form either,
     * is run by {@link GetAddrInfoResolver} on its own threads, as Envoy's.
     */
    default CompletableFuture<DnsAnswer> lookup(String name, DnsLookupFamily family, Executor blocking) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return resolve(name, family);
            } catch (UnknownHostException e) {
                throw new CompletionException(e);
            }
        }, blocking);
    }
}
