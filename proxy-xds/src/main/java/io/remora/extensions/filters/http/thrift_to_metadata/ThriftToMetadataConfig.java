package io.remora.extensions.filters.http.thrift_to_metadata;

import io.remora.config.HttpFilterConfig;
import io.remora.extensions.filters.network.thrift_proxy.ThriftMessageInfo;
import io.remora.extensions.filters.network.thrift_proxy.ThriftProxyConfig;

import java.util.List;
import java.util.Set;

/**
 * {@code envoy.filters.http.thrift_to_metadata}: rules turning what a request's or response's
 * Thrift message says (method, protocol, transport, types, sequence id, header flags) into
 * dynamic metadata.
 *
 * @param contentTypes whole {@code content-type} values whose bodies are read
 */
record ThriftToMetadataConfig(List<Rule> requestRules, List<Rule> responseRules,
                              ThriftProxyConfig.Transport transport, ThriftProxyConfig.Protocol protocol,
                              Set<String> contentTypes, boolean allowEmptyContentType) implements HttpFilterConfig {

    static final String NAME = "envoy.filters.http.thrift_to_metadata";

    ThriftToMetadataConfig {
        requestRules = List.copyOf(requestRules);
        responseRules = List.copyOf(responseRules);
        contentTypes = Set.copyOf(contentTypes);
    }

    @Override
    public String filterName() {
        return NAME;
    }

    boolean allows(CharSequence contentType) {
        return contentType == null || contentType.length() == 0 ? allowEmptyContentType
                : contentTypes.contains(contentType.toString());
    }

    /** The message fields a rule reads, as Envoy's {@code Field}. */
    enum Field {
        METHOD_NAME, PROTOCOL, TRANSPORT, HEADER_FLAGS, SEQUENCE_ID, MESSAGE_TYPE, REPLY_TYPE;

        /** The field's value in the message (String or Double), or null when it has none. */
        Object of(ThriftMessageInfo m) {
            return switch (this) {
                case METHOD_NAME -> m.methodName();
                case PROTOCOL -> m.protocol();
                case TRANSPORT -> m.transport();
                case HEADER_FLAGS -> m.headerFlags() == null ? null : (Object) m.headerFlags().doubleValue();
                case SEQUENCE_ID -> (double) m.sequenceId();
                case MESSAGE_TYPE -> m.messageType();
                case REPLY_TYPE -> m.replyType();
            };
        }
    }

    /**
     * @param onPresent null: nothing when the field has a value
     * @param onMissing null: nothing when it has none (or the body could not be read)
     */
    record Rule(Field field, KeyValue onPresent, KeyValue onMissing) {
    }

    /** @param value a fixed value (String, Double, Boolean, List or Map), or null to take the field's */
    record KeyValue(String namespace, String key, Object value) {
    }
}
