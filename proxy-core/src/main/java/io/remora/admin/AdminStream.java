package io.remora.admin;

/**
 * A streamed admin reply (Envoy's admin streams, e.g. {@code POST /tap}): a 200 answered with
 * chunked transfer encoding whose chunks are written as they come, until the handler ends it or
 * the client goes away. Its methods may be called from any thread.
 */
public interface AdminStream {

    /** Writes one chunk; dropped once the stream is closed or while the client is not reading. */
    void send(byte[] chunk);

    /** Ends the reply and closes the connection. */
    void end();

    /** Runs {@code r} once the client has gone (or the stream ended); at once if it already has. */
    void onClose(Runnable r);

    /** An endpoint answering with a stream. Called on the admin's thread. */
    interface Handler {
        /**
         * Starts the stream for a request body (empty when none): returns null to accept (the
         * 200 and its chunks follow), or the reply to send instead (e.g. a 400 naming what is wrong).
         */
        AdminResponse start(String body, AdminStream stream);
    }
}
