package io.remora.e2e;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.thrift.TApplicationException;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.protocol.TField;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.protocol.TProtocolUtil;
import org.apache.thrift.protocol.TStruct;
import org.apache.thrift.protocol.TType;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.TTransport;
import org.apache.thrift.transport.layered.TFramedTransport;

/**
 * A Thrift server written by hand with libthrift's protocols (no IDL): {@code greet(1: string)}
 * answers {@code "<id>:hello <arg>"}, {@code fail} a declared exception (result field 1),
 * {@code crash} a TApplicationException, and oneway {@code notify(1: string)} only records its
 * argument (a health check's {@code ping} has none: its reply is a success). Every call's method
 * name is recorded.
 */
final class ThriftUpstream implements AutoCloseable {

    private final String id;
    private final boolean framed;
    private final boolean compact;
    private final ServerSocket server;
    final List<String> methods = new CopyOnWriteArrayList<>();
    final BlockingQueue<String> notified = new LinkedBlockingQueue<>();
    /** While set, every call is answered with a TApplicationException. */
    volatile boolean sick;

    ThriftUpstream(String id, boolean framed, boolean compact) throws Exception {
        this.id = id;
        this.framed = framed;
        this.compact = compact;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "thrift-upstream-" + id);
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** A client or server protocol over a connected socket, framed or not, binary or compact. */
    static TProtocol protocol(Socket s, boolean framed, boolean compact) throws Exception {
        TTransport t = new TSocket(s);
        if (framed) {
            t = new TFramedTransport(t);
        }
        return compact ? new TCompactProtocol(t) : new TBinaryProtocol(t);
    }

    /** Writes a call (or oneway) with one string argument as field 1. */
    static void writeCall(TProtocol p, String method, byte type, int seqId, String arg) throws Exception {
        p.writeMessageBegin(new TMessage(method, type, seqId));
        p.writeStructBegin(new TStruct("args"));
        p.writeFieldBegin(new TField("arg", TType.STRING, (short) 1));
        p.writeString(arg);
        p.writeFieldEnd();
        p.writeFieldStop();
        p.writeStructEnd();
        p.writeMessageEnd();
        p.getTransport().flush();
    }

    /** Reads the first string argument (field 1) of a struct, skipping the rest; null when absent. */
    static String readStringField(TProtocol p, short id) throws Exception {
        String value = null;
        p.readStructBegin();
        while (true) {
            TField f = p.readFieldBegin();
            if (f.type == TType.STOP) {
                break;
            }
            if (f.id == id && f.type == TType.STRING) {
                value = p.readString();
            } else {
                TProtocolUtil.skip(p, f.type);
            }
            p.readFieldEnd();
        }
        p.readStructEnd();
        return value;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve(s), "thrift-upstream-conn-" + id);
                t.setDaemon(true);
                t.start();
            } catch (Exception e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            TProtocol p = protocol(s, framed, compact);
            while (true) {
                TMessage m = p.readMessageBegin();
                String arg = readStringField(p, (short) 1);
                p.readMessageEnd();
                methods.add(m.name);
                if (m.type == TMessageType.ONEWAY) {
                    notified.add(arg);
                    continue;
                }
                switch (sick ? "crash" : m.name) {
                    case "fail" -> reply(p, m, (short) 1, "boom");
                    case "crash" -> {
                        p.writeMessageBegin(new TMessage(m.name, TMessageType.EXCEPTION, m.seqid));
                        new TApplicationException(TApplicationException.INTERNAL_ERROR, "crashed").write(p);
                        p.writeMessageEnd();
                        p.getTransport().flush();
                    }
                    default -> reply(p, m, (short) 0, id + ":hello " + arg);
                }
            }
        } catch (Exception e) {
            // the peer closed
        }
    }

    /** A reply whose result struct has field 0 (success) or field 1 (a declared exception struct). */
    private static void reply(TProtocol p, TMessage m, short field, String value) throws Exception {
        p.writeMessageBegin(new TMessage(m.name, TMessageType.REPLY, m.seqid));
        p.writeStructBegin(new TStruct("result"));
        if (field == 0) {
            p.writeFieldBegin(new TField("success", TType.STRING, (short) 0));
            p.writeString(value);
        } else {
            p.writeFieldBegin(new TField("error", TType.STRUCT, field));
            p.writeStructBegin(new TStruct("Error"));
            p.writeFieldBegin(new TField("message", TType.STRING, (short) 1));
            p.writeString(value);
            p.writeFieldEnd();
            p.writeFieldStop();
            p.writeStructEnd();
        }
        p.writeFieldEnd();
        p.writeFieldStop();
        p.writeStructEnd();
        p.writeMessageEnd();
        p.getTransport().flush();
    }

    @Override
    public void close() throws Exception {
        server.close();
    }
}
