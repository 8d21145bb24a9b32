package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.ClusterSpecifier;

import java.util.List;

/**
 * A route's {@link ClusterSpecifier}, compiled: the single name, the cumulative weight table of a
 * split (Envoy walks it with {@code random % total_weight}), or the header naming the cluster.
 */
abstract sealed class ClusterPicker {

    abstract String pick(Http2Headers headers, long random);

    /** The split member named {@code cluster}, or -1 (also for non-weighted pickers). */
    int weightedIndex(String cluster) {
        return -1;
    }

    static ClusterPicker of(ClusterSpecifier spec) {
        if (spec instanceof ClusterSpecifier.Single s) {
            return new Single(s.cluster());
        } else if (spec instanceof ClusterSpecifier.Weighted w) {
            return new Weighted(w.clusters());
        } else if (spec instanceof ClusterSpecifier.FromHeader h) {
            return new FromHeader(h.headerName());
        }
        throw new IllegalArgumentException("unsupported cluster specifier " + spec);
    }

    static final class Single extends ClusterPicker {
        private final String cluster;

        Single(String cluster) {
            this.cluster = cluster;
        }

        @Override
        String pick(Http2Headers headers, long random) {
            return cluster;
        }
    }

    static final class Weighted extends ClusterPicker {
        private final String[] names;
        /** Exclusive upper bound of each member's slice of [0, total). */
        private final long[] ends;
        private final long total;

        Weighted(List<ClusterSpecifier.WeightedCluster> clusters) {
            names = new String[clusters.size()];
            ends = new long[clusters.size()];
            long sum = 0;
            for (int i = 0; i < clusters.size(); i++) {
                names[i] = clusters.get(i).name();
                sum += Math.max(0, clusters.get(i).weight());
                ends[i] = sum;
            }
            if (sum <= 0) {
                throw new IllegalArgumentException("weighted_clusters: total weight must be greater than 0");
            }
            total = sum;
        }

        @Override
        String pick(Http2Headers headers, long random) {
            // Envoy's random is a uint64: take the remainder unsigned so any long works.
            long selected = Long.remainderUnsigned(random, total);
            for (int i = 0; i < ends.length; i++) {
                if (selected < ends[i]) {
                    return names[i];
                }
            }
            return names[names.length - 1];
        }

        @Override
        int weightedIndex(String cluster) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(cluster)) {
                    return i;
                }
            }
            return -1;
        }
    }

    static final class FromHeader extends ClusterPicker {
        private final AsciiString header;

        FromHeader(String header) {
            this.header = AsciiString.of(AsciiCase.lower(header));
        }

        @Override
        String pick(Http2Headers headers, long random) {
            CharSequence v = headers.get(header);
            // Envoy uses the first value; an empty one names no cluster either.
            return v == null || v.length() == 0 ? null : v.toString();
        }
    }
}
