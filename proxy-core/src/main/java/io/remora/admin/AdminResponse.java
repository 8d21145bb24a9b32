package io.remora.admin;

/**
 * One admin reply: status code, content type and body, and optionally what to do once it has
 * been written (e.g. quit).
 */
public record AdminResponse(int status, String contentType, String body, Runnable afterSent) {

    public AdminResponse(int status, String contentType, String body) {
        this(status, contentType, body, null);
    }

    public static final String TEXT = "text/plain; charset=UTF-8";
    public static final String JSON = "application/json";
    public static final String HTML = "text/html; charset=UTF-8";

    public static AdminResponse text(int status, String body) {
        return new AdminResponse(status, TEXT, body);
    }

    public static AdminResponse ok(String body) {
        return text(200, body);
    }

    public static AdminResponse json(String body) {
        return new AdminResponse(200, JSON, body);
    }
}
