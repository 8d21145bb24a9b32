package io.remora.upstream;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Name to addresses; blocking, so only the cluster manager's DNS thread calls it. */
@FunctionalInterface
public interface DnsResolver {

    DnsResolver SYSTEM = InetAddress::getAllByName;

    InetAddress[] resolve(String name) throws UnknownHostException;
}
