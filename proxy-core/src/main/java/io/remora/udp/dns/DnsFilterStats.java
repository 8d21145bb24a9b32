package io.remora.udp.dns;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.EnvoyBuckets;
import io.remora.stats.StatNames;

import java.util.List;

/**
 * Envoy's {@code dns_filter.<stat_prefix>.*} stats. Envoy extracts no tag from that scope, so in
 * Prometheus the prefix stays in the metric name: {@code envoy_dns_filter_<prefix>_a_record_queries}.
 */
public final class DnsFilterStats {

    /** Every stat of the scope, for telling the prefix apart from the stat in a metric name. */
    public static final List<String> NAMES = List.of("queries_with_ans_or_authority_rrs",
            "external_unsupported_answers", "external_unsupported_queries", "external_aaaa_record_answers",
            "external_aaaa_record_queries", "cluster_unsupported_answers", "downstream_rx_invalid_queries",
            "queries_with_additional_rrs", "cluster_aaaa_record_answers", "downstream_rx_query_latency",
            "externally_resolved_queries", "external_a_record_answers", "external_a_record_queries",
            "local_unsupported_answers", "cluster_srv_record_answers", "local_aaaa_record_answers",
            "cluster_a_record_answers", "local_srv_record_answers", "downstream_tx_responses",
            "local_a_record_answers", "query_buffer_underflow", "query_parsing_failure", "record_name_overflow",
            "known_domain_queries", "downstream_rx_queries", "downstream_rx_errors", "downstream_rx_bytes",
            "downstream_tx_bytes", "aaaa_record_queries", "unsupported_queries", "unanswered_queries",
            "srv_record_queries", "a_record_queries");

    final Counter aRecordQueries;
    final Counter aaaaRecordQueries;
    final Counter srvRecordQueries;
    final Counter unsupportedQueries;
    final Counter clusterARecordAnswers;
    final Counter clusterAaaaRecordAnswers;
    final Counter clusterSrvRecordAnswers;
    final Counter clusterUnsupportedAnswers;
    final Counter localARecordAnswers;
    final Counter localAaaaRecordAnswers;
    final Counter localSrvRecordAnswers;
    final Counter localUnsupportedAnswers;
    final Counter externalARecordQueries;
    final Counter externalAaaaRecordQueries;
    final Counter externalUnsupportedQueries;
    final Counter externalARecordAnswers;
    final Counter externalAaaaRecordAnswers;
    final Counter externalUnsupportedAnswers;
    final Counter externallyResolvedQueries;
    final Counter knownDomainQueries;
    final Counter unansweredQueries;
    final Counter downstreamRxErrors;
    final Counter downstreamRxInvalidQueries;
    final Counter downstreamRxQueries;
    final Counter downstreamTxResponses;
    final Counter queryBufferUnderflow;
    final Counter queryParsingFailure;
    final Counter queriesWithAdditionalRrs;
    final Counter queriesWithAnsOrAuthorityRrs;
    final Counter recordNameOverflow;
    final DistributionSummary downstreamRxBytes;
    final DistributionSummary downstreamTxBytes;
    final DistributionSummary downstreamRxQueryLatency;

    DnsFilterStats(MeterRegistry r, String statPrefix) {
        String p = "envoy_dns_filter_" + StatNames.sanitize(statPrefix) + "_";
        aRecordQueries = Counter.builder(p + "a_record_queries").register(r);
        aaaaRecordQueries = Counter.builder(p + "aaaa_record_queries").register(r);
        srvRecordQueries = Counter.builder(p + "srv_record_queries").register(r);
        unsupportedQueries = Counter.builder(p + "unsupported_queries").register(r);
        clusterARecordAnswers = Counter.builder(p + "cluster_a_record_answers").register(r);
        clusterAaaaRecordAnswers = Counter.builder(p + "cluster_aaaa_record_answers").register(r);
        clusterSrvRecordAnswers = Counter.builder(p + "cluster_srv_record_answers").register(r);
        clusterUnsupportedAnswers = Counter.builder(p + "cluster_unsupported_answers").register(r);
        localARecordAnswers = Counter.builder(p + "local_a_record_answers").register(r);
        localAaaaRecordAnswers = Counter.builder(p + "local_aaaa_record_answers").register(r);
        localSrvRecordAnswers = Counter.builder(p + "local_srv_record_answers").register(r);
        localUnsupportedAnswers = Counter.builder(p + "local_unsupported_answers").register(r);
        externalARecordQueries = Counter.builder(p + "external_a_record_queries").register(r);
        externalAaaaRecordQueries = Counter.builder(p + "external_aaaa_record_queries").register(r);
        externalUnsupportedQueries = Counter.builder(p + "external_unsupported_queries").register(r);
        externalARecordAnswers = Counter.builder(p + "external_a_record_answers").register(r);
        externalAaaaRecordAnswers = Counter.builder(p + "external_aaaa_record_answers").register(r);
        externalUnsupportedAnswers = Counter.builder(p + "external_unsupported_answers").register(r);
        externallyResolvedQueries = Counter.builder(p + "externally_resolved_queries").register(r);
        knownDomainQueries = Counter.builder(p + "known_domain_queries").register(r);
        unansweredQueries = Counter.builder(p + "unanswered_queries").register(r);
        downstreamRxErrors = Counter.builder(p + "downstream_rx_errors").register(r);
        downstreamRxInvalidQueries = Counter.builder(p + "downstream_rx_invalid_queries").register(r);
        downstreamRxQueries = Counter.builder(p + "downstream_rx_queries").register(r);
        downstreamTxResponses = Counter.builder(p + "downstream_tx_responses").register(r);
        queryBufferUnderflow = Counter.builder(p + "query_buffer_underflow").register(r);
        queryParsingFailure = Counter.builder(p + "query_parsing_failure").register(r);
        queriesWithAdditionalRrs = Counter.builder(p + "queries_with_additional_rrs").register(r);
        queriesWithAnsOrAuthorityRrs = Counter.builder(p + "queries_with_ans_or_authority_rrs").register(r);
        recordNameOverflow = Counter.builder(p + "record_name_overflow").register(r);
        downstreamRxBytes = DistributionSummary.builder(p + "downstream_rx_bytes").register(r);
        downstreamTxBytes = DistributionSummary.builder(p + "downstream_tx_bytes").register(r);
        downstreamRxQueryLatency = DistributionSummary.builder(p + "downstream_rx_query_latency")
                .serviceLevelObjectives(EnvoyBuckets.MILLIS).register(r);
    }

    /** A query of this type arrived (Envoy's a/aaaa/srv_record_queries, else unsupported_queries). */
    void query(int type) {
        (type == DnsWire.TYPE_A ? aRecordQueries : type == DnsWire.TYPE_AAAA ? aaaaRecordQueries
                : type == DnsWire.TYPE_SRV ? srvRecordQueries : unsupportedQueries).increment();
    }

    void clusterAnswer(int type) {
        (type == DnsWire.TYPE_A ? clusterARecordAnswers : type == DnsWire.TYPE_AAAA ? clusterAaaaRecordAnswers
                : type == DnsWire.TYPE_SRV ? clusterSrvRecordAnswers : clusterUnsupportedAnswers).increment();
    }

    void localAnswer(int type) {
        (type == DnsWire.TYPE_A ? localARecordAnswers : type == DnsWire.TYPE_AAAA ? localAaaaRecordAnswers
                : type == DnsWire.TYPE_SRV ? localSrvRecordAnswers : localUnsupportedAnswers).increment();
    }

    void externalQuery(int type) {
        (type == DnsWire.TYPE_A ? externalARecordQueries : type == DnsWire.TYPE_AAAA ? externalAaaaRecordQueries
                : externalUnsupportedQueries).increment();
    }

    void externalAnswer(int type) {
        (type == DnsWire.TYPE_A ? externalARecordAnswers : type == DnsWire.TYPE_AAAA ? externalAaaaRecordAnswers
                : externalUnsupportedAnswers).increment();
    }
}
