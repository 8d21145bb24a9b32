package io.remora.tcp;

import io.netty.channel.unix.FileDescriptor;

import java.io.IOException;

/**
 * One way through a {@link SpliceRelay}: the sockets it joins, its pipe and what sits in it, and
 * how far the sender's FIN has got.
 */
final class SpliceDirection {
    final SpliceRelay.Side src;
    final SpliceRelay.Side dst;
    final boolean toUpstream;
    final FileDescriptor pipeRead;
    final FileDescriptor pipeWrite;
    int inPipe;
    /** The sender's FIN was read. */
    boolean eof;
    /** The FIN was passed on. */
    boolean shut;

    SpliceDirection(SpliceRelay.Side src, SpliceRelay.Side dst, boolean toUpstream) throws IOException {
        this.src = src;
        this.dst = dst;
        this.toUpstream = toUpstream;
        FileDescriptor[] p = FileDescriptor.pipe();
        this.pipeRead = p[0];
        this.pipeWrite = p[1];
    }

    void closePipe() {
        try {
            pipeRead.close();
            pipeWrite.close();
        } catch (IOException e) {
            // nothing left to do with a pipe that will not close
        }
    }
}
