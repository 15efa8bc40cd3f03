package teacup.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardingLinkTest {

    @Test
    void declaresEveryMethodOfLink() {
        List<String> missing = new ArrayList<>();
        for (Method m : Link.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            try {
                ForwardingLink.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
            } catch (NoSuchMethodException e) {
                missing.add(m.getName());
            }
        }
        assertTrue(missing.isEmpty(), "a wrapper built on ForwardingLink would hide " + missing + " of the link it wraps");
    }

    @Test
    void passesTheOffloadFactsOfTheInnerLinkThrough() throws IOException {
        List<String> calls = new ArrayList<>();
        Link inner = new Link() {
            @Override public int mtu() { return 1500; }
            @Override public int maxFrameLength() { return 65549; }
            @Override public int receive(byte[] buf, int off) { calls.add("receive " + off); return 7; }
            @Override public void send(byte[] buf, int off, int len) { calls.add("send " + len); }
            @Override public int receiveHeadroom() { return 10; }
            @Override public boolean receivedChecksumTrusted() { return true; }
            @Override public int segmentationOffload() { return 65535; }
            @Override public void sendSegmented(byte[] buf, int off, int len, int segmentSize) {
                calls.add("segmented " + len + "/" + segmentSize);
            }
            @Override public void await(long timeoutNanos) { calls.add("await " + timeoutNanos); }
            @Override public void wakeup() { calls.add("wakeup"); }
            @Override public void close() { calls.add("close"); }
        };
        Link link = new ForwardingLink(inner);
        byte[] b = new byte[100];
        assertEquals(1500, link.mtu());
        assertEquals(65549, link.maxFrameLength());
        assertEquals(10, link.receiveHeadroom());
        assertEquals(65535, link.segmentationOffload());
        assertEquals(7, link.receive(b, 10));
        assertTrue(link.receivedChecksumTrusted());
        link.send(b, 0, 60);
        link.sendSegmented(b, 0, 90, 30);
        link.await(5);
        link.wakeup();
        link.close();
        assertEquals(List.of("receive 10", "send 60", "segmented 90/30", "await 5", "wakeup", "close"), calls);
    }
}
