package io.remora.http.filter;

/**
 * What a filter tells the filter manager after a decode/encode call (Envoy's
 * {@code FilterHeadersStatus} / {@code FilterDataStatus} / {@code FilterTrailersStatus} in one).
 */
public enum FilterStatus {
    /** Pass the call (and, for data, its buffer) to the next filter now. */
    CONTINUE,
    /**
     * Headers: hold them back from the next filters; body and trailers still reach this filter,
     * and a later {@code CONTINUE} from its data call (or {@code continueDecoding()/continueEncoding()})
     * releases the headers and what follows. Data: the filter has taken ownership of the buffer
     * (Envoy's StopIterationNoBuffer): it releases it or injects it onwards later.
     */
    STOP_ITERATION,
    /**
     * Data and trailers only: the filter manager keeps the buffer (adding later chunks to it) until
     * the filter continues; over the buffer limit the request gets 413 (response: 500).
     */
    STOP_ITERATION_AND_BUFFER,
    /**
     * Headers only: hold everything that follows too; the manager buffers body and trailers without
     * calling this filter until it continues (Envoy's StopAllIterationAndBuffer).
     */
    STOP_ALL_ITERATION_AND_BUFFER
}
