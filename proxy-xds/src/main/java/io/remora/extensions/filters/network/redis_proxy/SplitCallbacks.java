package io.remora.extensions.filters.network.redis_proxy;

/** What the splitter asks of the downstream connection a request came on. */
interface SplitCallbacks extends SplitRequest.Reply {
    /** False until AUTH succeeded when downstream auth is configured. */
    boolean connectionAllowed();

    /** AUTH [username] password: the connection answers it. */
    void onAuth(byte[] username, byte[] password);

    /** QUIT: answered OK, then the connection closes once every reply before it is out. */
    void onQuit();
}
