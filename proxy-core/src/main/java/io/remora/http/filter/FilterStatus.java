package io.remora.http.filter;

/** What a filter tells the connection manager after a decode/encode call. */
public enum FilterStatus {
    /** Pass the call to the next filter now. */
    CONTINUE,
    /**
     * Hold it: the filter has taken over this call (it will forward later through the callbacks,
     * or it answered locally). Later calls still arrive.
     */
    STOP_ITERATION
}
