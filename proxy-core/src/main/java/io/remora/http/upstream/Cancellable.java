package io.remora.http.upstream;

/** A pending pool request; cancel() withdraws it (no callback follows). */
@FunctionalInterface
public interface Cancellable {
    Cancellable NOOP = () -> { };

    void cancel();
}
