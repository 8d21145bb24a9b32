package io.remora.http;

import io.netty.util.NetUtil;

import java.net.InetAddress;

/** Reading {@code x-forwarded-for} lists, for the connection manager and filters that trust a number of hops. */
public final class XForwardedFor {

    private XForwardedFor() {
    }

    /**
     * The address {@code skip} entries from the right end of an XFF list, or null (too few
     * entries, or not an address): Envoy's {@code Utility::getLastAddressFromXFF}.
     */
    public static InetAddress fromRight(CharSequence xff, int skip) {
        int end = xff.length();
        for (int n = 0; end > 0; n++) {
            int comma = lastIndexOf(xff, ',', end - 1);
            if (n == skip) {
                String entry = xff.subSequence(comma + 1, end).toString().trim();
                return NetUtil.createInetAddressFromIpAddressString(entry);
            }
            end = comma;
        }
        return null;
    }

    private static int lastIndexOf(CharSequence s, char c, int from) {
        for (int i = from; i >= 0; i--) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }
}
