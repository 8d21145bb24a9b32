package io.remora.upstream;

import io.remora.config.ClusterConfig.DnsLookupFamily;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Which names are their own answer, as c-ares' fake_addrinfo takes them. */
class NameServerResolverTest {

    @Test
    void aDottedIpv4AddressAnswersEveryFamily() {
        for (DnsLookupFamily f : DnsLookupFamily.values()) {
            InetAddress a = NameServerResolver.literal("10.1.2.3", f);
            assertNotNull(a, f.toString());
            assertArrayEquals(new byte[] {10, 1, 2, 3}, a.getAddress());
        }
    }

    @Test
    void anIpv6AddressAnswersUnlessOnlyIpv4IsAsked() {
        assertNull(NameServerResolver.literal("::1", DnsLookupFamily.V4_ONLY));
        for (DnsLookupFamily f : new DnsLookupFamily[] {DnsLookupFamily.AUTO, DnsLookupFamily.V6_ONLY,
                DnsLookupFamily.V4_PREFERRED, DnsLookupFamily.ALL}) {
            assertNotNull(NameServerResolver.literal("::1", f), f.toString());
        }
    }

    @Test
    void namesAndShortFormsAreLookedUp() {
        assertNull(NameServerResolver.literal("example.com", DnsLookupFamily.AUTO));
        assertNull(NameServerResolver.literal("1.2.3", DnsLookupFamily.AUTO));
        assertNull(NameServerResolver.literal("256.1.1.1", DnsLookupFamily.AUTO));
    }
}
