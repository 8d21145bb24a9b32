package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.ClusterSpecifier;

import java.util.List;

/**
 * A route's {@link ClusterSpecifier}, compiled: the single name, the cumulative weight table of a
 * split (Envoy walks it with {@code random % total_weight}), the header naming the cluster, or a
 * cluster specifier plugin.
 */
abstract sealed class ClusterPicker {

    abstract String pick(Http2Headers headers, long random);

    /** As above; a split with a runtime_key_prefix reads its weights from {@code runtime}. */
    String pick(Http2Headers headers, long random, io.remora.runtime.Runtime runtime) {
        return pick(headers, random);
    }

    /** The split member named {@code cluster}, or -1 (also for non-weighted pickers). */
    int weightedIndex(String cluster) {
        return -1;
    }

    static ClusterPicker of(ClusterSpecifier spec) {
        if (spec instanceof ClusterSpecifier.Single s) {
            return new Single(s.cluster());
        } else if (spec instanceof ClusterSpecifier.Weighted w) {
            return new Weighted(w.clusters(), w.runtimeKeyPrefix(), w.randomValueHeader());
        } else if (spec instanceof ClusterSpecifier.FromHeader h) {
            return new FromHeader(h.headerName());
        } else if (spec instanceof ClusterSpecifier.Plugin p) {
            return new FromPlugin(p.plugin());
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
        /** A member's cluster_header (lower case), or null for a named member. */
        private final AsciiString[] headerNames;
        /** The first member named by a header, or -1. */
        private final int firstFromHeader;
        /** Exclusive upper bound of each member's slice of [0, total). */
        private final long[] ends;
        private final long total;
        /** {@code <runtime_key_prefix>.<name>} per member, null without a prefix; weights then read per pick. */
        private final String[] runtimeKeys;
        private final long[] weights;
        /** header_name: the request header giving the pick's random value, or null. */
        private final AsciiString randomValueHeader;

        Weighted(List<ClusterSpecifier.WeightedCluster> clusters, String runtimeKeyPrefix, String randomValueHeader) {
            this.randomValueHeader = randomValueHeader == null ? null : AsciiString.of(AsciiCase.lower(randomValueHeader));
            runtimeKeys = runtimeKeyPrefix == null ? null : new String[clusters.size()];
            weights = new long[clusters.size()];
            names = new String[clusters.size()];
            headerNames = new AsciiString[clusters.size()];
            ends = new long[clusters.size()];
            long sum = 0;
            int fromHeader = -1;
            for (int i = 0; i < clusters.size(); i++) {
                names[i] = clusters.get(i).name();
                String h = clusters.get(i).clusterHeader();
                if (h != null) {
                    headerNames[i] = AsciiString.of(AsciiCase.lower(h));
                    fromHeader = fromHeader < 0 ? i : fromHeader;
                }
                weights[i] = Math.max(0, clusters.get(i).weight());
                sum += weights[i];
                ends[i] = sum;
                if (runtimeKeys != null) {
                    // Envoy's key: a member named by a header has an empty name here.
                    runtimeKeys[i] = runtimeKeyPrefix + "." + (names[i] == null ? "" : names[i]);
                }
            }
            if (sum <= 0) {
                throw new IllegalArgumentException("weighted_clusters: total weight must be greater than 0");
            }
            total = sum;
            firstFromHeader = fromHeader;
        }

        @Override
        String pick(Http2Headers headers, long random) {
            // Envoy's random is a uint64: take the remainder unsigned so any long works.
            long selected = Long.remainderUnsigned(randomValue(headers, random), total);
            for (int i = 0; i < ends.length; i++) {
                if (selected < ends[i]) {
                    return member(i, headers);
                }
            }
            return member(names.length - 1, headers);
        }

        /**
         * Envoy's pickClusterIndex with runtime weights: each member's {@code <prefix>.<name>}
         * value, else its configured weight; no member when they add up to 0.
         */
        @Override
        String pick(Http2Headers headers, long random, io.remora.runtime.Runtime runtime) {
            if (runtimeKeys == null) {
                return pick(headers, random);
            }
            long sum = 0;
            for (int i = 0; i < weights.length; i++) {
                sum += runtime.getInteger(runtimeKeys[i], weights[i]);
            }
            if (sum <= 0) {
                return null;
            }
            long selected = Long.remainderUnsigned(randomValue(headers, random), sum);
            long end = 0;
            for (int i = 0; i < weights.length; i++) {
                end += runtime.getInteger(runtimeKeys[i], weights[i]);
                if (selected < end) {
                    return member(i, headers);
                }
            }
            return member(names.length - 1, headers);
        }

        /**
         * Envoy's pickWeightedCluster: the header's value when it has exactly one that parses as an
         * unsigned integer (absl::SimpleAtoi), else the stream's random. Unlike Envoy's uint64,
         * values past 2^63-1 count as unparsable.
         */
        private long randomValue(Http2Headers headers, long random) {
            if (randomValueHeader == null) {
                return random;
            }
            java.util.Iterator<CharSequence> values = headers.valueIterator(randomValueHeader);
            if (!values.hasNext()) {
                return random;
            }
            CharSequence v = values.next();
            if (values.hasNext()) {
                return random;
            }
            try {
                long parsed = CompiledHeaderMatcher.simpleAtoi(v);
                return parsed < 0 ? random : parsed;
            } catch (NumberFormatException e) {
                return random;
            }
        }

        private String member(int i, Http2Headers headers) {
            return headerNames[i] == null ? names[i] : FromHeader.value(headers, headerNames[i]);
        }

        /** A named member first; a cluster no member names came from a header, the first such member's. */
        @Override
        int weightedIndex(String cluster) {
            for (int i = 0; i < names.length; i++) {
                if (names[i] != null && names[i].equals(cluster)) {
                    return i;
                }
            }
            return cluster == null ? -1 : firstFromHeader;
        }
    }

    static final class FromHeader extends ClusterPicker {
        private final AsciiString header;

        FromHeader(String header) {
            this.header = AsciiString.of(AsciiCase.lower(header));
        }

        @Override
        String pick(Http2Headers headers, long random) {
            return value(headers, header);
        }

        static String value(Http2Headers headers, AsciiString header) {
            CharSequence v = headers.get(header);
            // Envoy uses the first value; an empty one names no cluster either (cluster_not_found).
            return v == null || v.length() == 0 ? null : v.toString();
        }
    }

    static final class FromPlugin extends ClusterPicker {
        private final io.remora.config.ClusterSpecifierPlugin plugin;

        FromPlugin(io.remora.config.ClusterSpecifierPlugin plugin) {
            this.plugin = plugin;
        }

        @Override
        String pick(Http2Headers headers, long random) {
            String cluster = plugin.cluster(headers);
            return cluster == null || cluster.isEmpty() ? null : cluster;
        }
    }
}
