package io.remora.stats;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The name and labels a meter is exported under (Prometheus, metrics service). Without custom
 * {@code stats_tags} that is the meter as registered (Envoy's default tags). With them, the
 * meter's dotted Envoy name goes through the {@link TagProducer} as in Envoy: the tag-extracted
 * name, sanitized and prefixed {@code envoy_}, and the extracted tags as labels
 * ({@code cluster.xds-grpc;.upstream_cx_total} with Istio's rules is
 * {@code envoy_cluster_upstream_cx_total{cluster_name="xds-grpc"}}). Meters outside Envoy's
 * namespace (not named {@code envoy_*}, e.g. Istio's {@code istio_requests_total}) keep their
 * own name and tags. Results are cached per meter id: names are fixed once a meter exists.
 */
public final class ExportedNames {

    /**
     * A meter's exported identity.
     *
     * @param dottedName       the full Envoy name ({@code cluster.a.upstream_rq_200}), what filters match
     * @param help             the family's description: the Envoy stat template it exposes
     * @param tagExtractedName Envoy's tag-extracted name ({@code cluster.upstream_rq})
     * @param tags             the extracted tags under their own names ({@code envoy.cluster_name})
     */
    public record Exported(String name, List<Tag> labels, String dottedName, String help, String tagExtractedName,
                           List<Tag> tags) {
    }

    /** Envoy's default extraction, for sinks that want tag-extracted names when no stats_tags are set. */
    private static final TagProducer DEFAULTS = new TagProducer(true, List.of());

    private final TagProducer producer;
    private final ConcurrentMap<Meter.Id, Exported> cache = new ConcurrentHashMap<>();

    /** @param producer the configured tag extraction, or null for the registered names */
    public ExportedNames(TagProducer producer) {
        this.producer = producer;
    }

    /** The {@code stats_tags} fixed values as Prometheus labels (empty without stats_tags). */
    public List<Tag> fixedLabels() {
        if (producer == null) {
            return List.of();
        }
        List<Tag> out = new ArrayList<>();
        for (Tag t : producer.fixedTags()) {
            out.add(Tag.of(StatNames.sanitize(t.getKey()), t.getValue()));
        }
        return out;
    }

    public Exported of(Meter.Id id) {
        Exported e = cache.get(id);
        if (e == null) {
            e = compute(id);
            if (cache.size() < 1_000_000) {
                cache.put(id, e);
            }
        }
        return e;
    }

    private Exported compute(Meter.Id id) {
        String dotted = StatNames.envoyName(id);
        // An alt stat name is the request's text, and a mongo prefix or collection may hold dots:
        // only Envoy's extraction knows what of them is a tag. A network RBAC stat_prefix is the
        // name's first token, which other extractors may take too (Istio's "tcp." is also a tcp_prefix).
        boolean extract = producer != null || AltStatCodeStats.isAltStat(id) || MongoStatNames.isMongo(id)
                || id.getTag(io.remora.rbac.RbacStats.NETWORK_PREFIX_TAG) != null;
        if (!extract || !id.getName().startsWith("envoy_")) {
            TagProducer.Extracted x = (producer == null ? DEFAULTS : producer).produce(dotted);
            Meter.Id shown = SslStatNames.exported(ZoneCodeStats.exported(id));
            return new Exported(shown.getName(), shown.getTags(), dotted, StatNames.envoyTemplate(id), x.name(), x.tags());
        }
        TagProducer.Extracted x = (producer == null ? DEFAULTS : producer).produce(dotted);
        List<Tag> labels = new ArrayList<>(x.tags().size());
        for (Tag t : x.tags()) {
            labels.add(Tag.of(StatNames.sanitize(t.getKey()), t.getValue()));
        }
        return new Exported("envoy_" + StatNames.sanitize(x.name()), List.copyOf(labels), dotted, x.name(), x.name(), x.tags());
    }
}
