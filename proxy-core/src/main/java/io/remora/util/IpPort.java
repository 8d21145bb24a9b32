package io.remora.util;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** Literal socket addresses as Envoy writes them in headers and metadata. */
public final class IpPort {

    private IpPort() {
    }

    /**
     * {@code ip:port} or {@code [ipv6]:port} with a port of 1-65535, surrounding blanks ignored;
     * null for anything else (names are never resolved).
     */
    public static InetSocketAddress parse(String v) {
        String s = v.trim();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            return null;
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            return null; // an IPv6 address needs brackets before the port
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        if (port < 1 || port > 65535) {
            return null;
        }
        byte[] addr = io.netty.util.NetUtil.createByteArrayFromIpAddressString(host);
        if (addr == null) {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(addr), port);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
