package io.remora.http;

import io.netty.util.NetUtil;
import io.remora.matching.CompiledCidr;

import java.net.InetAddress;
import java.util.List;

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

    /**
     * Envoy's getLastNonTrustedAddressFromXFF: the rightmost entry outside {@code trusted}, the
     * leftmost when all are inside, null at an entry that is not an address.
     */
    static InetAddress lastNonTrusted(CharSequence xff, List<CompiledCidr> trusted) {
        InetAddress last = null;
        int end = xff.length();
        while (true) {
            int comma = lastIndexOf(xff, ',', end - 1);
            InetAddress a = NetUtil.createInetAddressFromIpAddressString(xff.subSequence(comma + 1, end).toString().trim());
            if (a == null) {
                return null;
            }
            if (!inAny(trusted, a)) {
                return a;
            }
            last = a;
            if (comma < 0) {
                return last;
            }
            end = comma;
        }
    }

    static boolean inAny(List<CompiledCidr> ranges, InetAddress a) {
        for (int i = 0; i < ranges.size(); i++) {
            if (ranges.get(i).contains(a)) {
                return true;
            }
        }
        return false;
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
