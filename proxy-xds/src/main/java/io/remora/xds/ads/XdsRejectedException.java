package io.remora.xds.ads;

/** Thrown by the applier to NACK an update; the message goes to the control plane in error_detail. */
public class XdsRejectedException extends Exception {
    private final String resourceName;
    private final String reason;

    public XdsRejectedException(String resourceName, String reason) {
        super(resourceName + ": " + reason);
        this.resourceName = resourceName;
        this.reason = reason;
    }

    public XdsRejectedException(String resourceName, String reason, Throwable cause) {
        super(resourceName + ": " + reason, cause);
        this.resourceName = resourceName;
        this.reason = reason;
    }

    public String resourceName() {
        return resourceName;
    }

    public String reason() {
        return reason;
    }
}
