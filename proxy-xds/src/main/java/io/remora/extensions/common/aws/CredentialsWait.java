package io.remora.extensions.common.aws;

import io.netty.channel.EventLoop;
import io.remora.http.filter.DecoderFilterCallbacks;

import java.util.concurrent.RejectedExecutionException;

/**
 * One request held while its credentials are fetched (Envoy's filters on
 * addCallbackIfCredentialsPending): made only when a provider is pending, so fixed credentials cost
 * nothing per request. Event-loop confined but for the fetch's callback, which hops to the loop.
 */
public final class CredentialsWait {

    private final DecoderFilterCallbacks cb;
    private boolean waiting;
    private boolean destroyed;

    private CredentialsWait(DecoderFilterCallbacks cb) {
        this.cb = cb;
    }

    /**
     * When {@code signer}'s credentials are pending: a wait that runs {@code then} on the stream's
     * loop once the fetch ends and then lets the request go on; else null (sign now).
     *
     * @param previous this filter's earlier wait, reused, or null
     */
    public static CredentialsWait ifPending(SigV4Signer signer, DecoderFilterCallbacks cb, CredentialsWait previous,
                                            Runnable then) {
        if (!signer.credentials().pending()) {
            return null;
        }
        CredentialsWait w = previous != null ? previous : new CredentialsWait(cb);
        EventLoop loop = cb.eventLoop();
        w.waiting = signer.credentials().whenReady(() -> {
            try {
                loop.execute(() -> {
                    if (!w.destroyed) {
                        w.waiting = false;
                        then.run();
                        w.cb.continueDecoding();
                    }
                });
            } catch (RejectedExecutionException e) {
                // The loop shuts down, and its streams with it; other waiters still go on.
            }
        });
        return w.waiting ? w : null;
    }

    /** Whether {@code w} still holds its request. */
    public static boolean holding(CredentialsWait w) {
        return w != null && w.waiting;
    }

    /** The stream is gone: a fetch ending later leaves it alone. */
    public static void destroy(CredentialsWait w) {
        if (w != null) {
            w.destroyed = true;
        }
    }
}
