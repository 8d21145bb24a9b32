package io.remora.upstream;

import io.remora.config.ClusterConfig.DnsLookupFamily;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Name to addresses; blocking, so only the cluster manager's DNS thread calls it. */
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
}
