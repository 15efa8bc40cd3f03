package teacup.dns;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import teacup.socket.TcpServerSocket;
import teacup.socket.TcpSocket;
import teacup.socket.UdpSocket;
import teacup.stack.NetStack;
import teacup.udp.UdpEndpoint;
import teacup.wire.Ipv4Address;

/**
 * A scripted DNS server on a teacup stack, for resolver tests: UDP and TCP on one port, each
 * query handed to a function that returns the messages to send back (none: stay silent). Every
 * query is recorded with the transport, ID and client port it came with. Two virtual threads
 * serve; {@link #close} ends them.
 */
final class FakeDnsServer implements AutoCloseable {
    /** A query as the server saw it. */
    record Query(boolean tcp, int id, String name, int type, Ipv4Address client, int clientPort) {}

    private static final Duration POLL = Duration.ofMillis(50);

    private final UdpSocket udp;
    private final TcpServerSocket tcp;
    private final Thread udpThread;
    private final Thread tcpThread;
    private volatile boolean closed;
    private volatile Function<Query, List<byte[]>> udpAnswers = q -> List.of();
    private volatile Function<Query, List<byte[]>> tcpAnswers = q -> List.of();
    final List<Query> queries = new CopyOnWriteArrayList<>();

    FakeDnsServer(NetStack stack, int port) throws IOException {
        udp = UdpSocket.bind(stack, port);
        tcp = TcpServerSocket.bind(stack, port, 8);
        udpThread = Thread.ofVirtual().name("fake-dns-udp").start(this::serveUdp);
        tcpThread = Thread.ofVirtual().name("fake-dns-tcp").start(this::serveTcp);
    }

    /** What to send for a UDP query. */
    FakeDnsServer onUdp(Function<Query, List<byte[]>> answers) {
        udpAnswers = answers;
        return this;
    }

    /** What to send for a TCP query (each message gets its length prefix). */
    FakeDnsServer onTcp(Function<Query, List<byte[]>> answers) {
        tcpAnswers = answers;
        return this;
    }

    /** Both transports answer the same. */
    FakeDnsServer on(Function<Query, List<byte[]>> answers) {
        return onUdp(answers).onTcp(answers);
    }

    List<Query> queries(boolean overTcp) {
        return queries.stream().filter(q -> q.tcp() == overTcp).toList();
    }

    private static Query parse(boolean tcp, byte[] b, int len, Ipv4Address client, int clientPort) {
        DnsMessage m = new DnsMessage();
        if (!m.wrap(b, 0, len).ok() || m.isResponse() || !m.hasQuestion()) {
            return null;
        }
        return new Query(tcp, m.id(), m.nameText(m.questionName()), m.questionType(), client, clientPort);
    }

    private void serveUdp() {
        while (!closed) {
            UdpEndpoint.Datagram d;
            try {
                d = udp.receive(POLL);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (IOException e) {
                return;
            }
            Query q = parse(false, d.data(), d.data().length, new Ipv4Address(d.source()), d.sourcePort());
            if (q == null) {
                continue;
            }
            queries.add(q);
            try {
                for (byte[] answer : udpAnswers.apply(q)) {
                    udp.send(q.client(), q.clientPort(), answer);
                }
            } catch (IOException e) {
                // the client went away; the next query may do better
            }
        }
    }

    private void serveTcp() {
        while (!closed) {
            TcpSocket s;
            try {
                s = tcp.accept(POLL);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (IOException e) {
                return;
            }
            Thread.ofVirtual().start(() -> serveConnection(s));
        }
    }

    private void serveConnection(TcpSocket s) {
        try (s) {
            s.setSoTimeout(Duration.ofSeconds(5));
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            int hi = in.read();
            int lo = in.read();
            if (hi < 0 || lo < 0) {
                return;
            }
            int length = (hi << 8) | lo;
            byte[] b = in.readNBytes(length);
            Query q = parse(true, b, b.length, s.remoteAddress(), s.remotePort());
            if (q == null) {
                return;
            }
            queries.add(q);
            for (byte[] answer : tcpAnswers.apply(q)) {
                out.write(answer.length >>> 8);
                out.write(answer.length);
                out.write(answer);
            }
            out.flush();
            s.shutdownOutput();
            s.awaitOutputDone(Duration.ofSeconds(5));
        } catch (SocketException e) {
            // reset or closed by the client: nothing to serve
        } catch (IOException e) {
            // likewise
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        udp.close();
        tcp.close();
        try {
            udpThread.join(2000);
            tcpThread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
