package io.remora.upstream.lb;

import io.remora.upstream.Host;

/** A consistent-hash table built once per host-set change and shared by every worker. */
public interface HashLoadBalancer {

    /**
     * @param attempt 0 for the first pick; a retry host predicate asks again with 1, 2, ... and
     *                gets a different place in the table
     */
    Host chooseHost(long hash, int attempt);
}
