package teacup.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.ip.Interface;
import teacup.link.VirtualWire;
import teacup.stats.Counter;
import teacup.tcp.TcpSettings;
import teacup.time.Clock;
import teacup.wire.Ipv4Address;

/** The stack's own loop thread: handing work to it, getting results and failures back, stopping it. */
class NetStackTest {
    private static final Duration BOUND = Duration.ofSeconds(5);

    private final VirtualWire wire = new VirtualWire(Simulation.MTU);
    private final NetStack stack = new NetStack(wire.a(),
            new Interface(Simulation.A_MAC, Simulation.A_IP, 24, Ipv4Address.ANY, Simulation.MTU),
            Clock.SYSTEM, new SplittableRandom(1));

    @AfterEach
    void stop() throws IOException {
        stack.close();
        wire.close();
    }

    @Test
    @DisplayName("call() runs the task on the loop thread and returns its value")
    void callReturns() throws IOException {
        stack.start();
        Thread loop = assertTimeoutPreemptively(BOUND, () -> stack.call(Thread::currentThread));
        assertTrue(loop != Thread.currentThread());
        assertEquals("teacup-loop", loop.getName());
        assertEquals(42, assertTimeoutPreemptively(BOUND, () -> stack.call(() -> 42)));
        assertTrue(stack.isRunning());
    }

    @Test
    @DisplayName("call() rethrows the task's IOException and RuntimeException as they are, and wraps checked ones")
    void callRethrows() {
        stack.start();
        IOException io = new IOException("from the loop");
        assertSame(io, assertThrows(IOException.class, () -> stack.call(() -> { throw io; })));
        IllegalStateException ise = new IllegalStateException("bad state");
        assertSame(ise, assertThrows(IllegalStateException.class, () -> stack.call(() -> { throw ise; })));
        Exception checked = new Exception("checked");
        IOException wrapped = assertThrows(IOException.class, () -> stack.call(() -> { throw checked; }));
        assertSame(checked, wrapped.getCause());
        assertTrue(stack.isRunning(), "a failing task does not stop the loop");
        assertTimeoutPreemptively(BOUND, () -> assertEquals(1, stack.call(() -> 1)));
    }

    @Test
    @DisplayName("call() from the loop thread itself runs inline instead of waiting for itself")
    void callFromLoopIsInline() {
        stack.start();
        String result = assertTimeoutPreemptively(BOUND, () -> stack.call(() -> {
            Thread outer = Thread.currentThread();
            return stack.call(() -> Thread.currentThread() == outer ? "inline" : "queued");
        }));
        assertEquals("inline", result);
    }

    @Test
    @DisplayName("close() stops the loop thread within the bound; a later call() throws instead of hanging")
    void closeStops() throws Exception {
        stack.start();
        Thread loop = stack.call(Thread::currentThread);
        assertTimeoutPreemptively(BOUND, stack::close);
        loop.join(TimeUnit.SECONDS.toMillis(5));
        assertFalse(loop.isAlive(), "loop thread ended");
        assertFalse(stack.isRunning());
        IOException e = assertTimeoutPreemptively(BOUND, () -> assertThrows(IOException.class, () -> stack.call(() -> 1)));
        assertTrue(e.getMessage().contains("stopped"), e.getMessage());
        assertTrue(wire.a().isClosed(), "close() closes the link");
    }

    @Test
    @DisplayName("start() twice is refused")
    void startTwice() {
        stack.start();
        assertThrows(IllegalStateException.class, stack::start);
    }

    @Test
    @DisplayName("statistics() is readable from any thread while the loop runs")
    void statisticsFromAnotherThread() throws Exception {
        stack.start();
        // The announcement at start is the first thing the loop does.
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (stack.statistics().getOrDefault(Counter.ARP_ANNOUNCEMENTS_SENT, 0L) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(1L, stack.statistics().get(Counter.ARP_ANNOUNCEMENTS_SENT));
        assertTrue(wire.b().queued() >= 1, "the announcement is on the wire");
    }

    @Test
    @DisplayName("in simulation (no loop thread) call() from another thread completes on the driver's next step")
    void callWhileSimulated() throws Exception {
        Simulation sim = Simulation.clean();
        CompletableFuture<Integer> result = CompletableFuture.supplyAsync(() -> {
            try {
                return sim.a.call(() -> 7);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!result.isDone() && System.nanoTime() < deadline) {
            sim.runFor(1_000_000);
            Thread.sleep(1);
        }
        assertEquals(7, result.get(1, TimeUnit.SECONDS));
    }

    @Test
    @DisplayName("awaitUntil wakes the waiter on the turn that makes its condition true")
    void awaitUntilWakesOnTheTurn() throws Exception {
        stack.start();
        AtomicBoolean flag = new AtomicBoolean();
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return stack.awaitUntil(flag::get, BOUND);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(50);
        assertFalse(waiter.isDone(), "nothing made the condition true yet");
        stack.execute(() -> flag.set(true)); // a turn of the loop makes it true
        assertTrue(waiter.get(BOUND.toSeconds(), TimeUnit.SECONDS));
    }

    @Test
    @DisplayName("awaitUntil gives up after its timeout, and reads the condition on the loop thread")
    void awaitUntilTimesOut() throws IOException {
        stack.start();
        Thread loop = stack.call(Thread::currentThread);
        AtomicBoolean readOffTheLoop = new AtomicBoolean();
        long start = System.nanoTime();
        boolean held = assertTimeoutPreemptively(BOUND, () -> stack.awaitUntil(() -> {
            readOffTheLoop.compareAndSet(false, Thread.currentThread() != loop);
            return false;
        }, Duration.ofMillis(100)));
        assertFalse(held);
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(100), "waited the whole timeout");
        assertFalse(readOffTheLoop.get(), "the condition was read on the loop thread only");
        long before = System.nanoTime();
        assertTrue(assertTimeoutPreemptively(BOUND, () -> stack.awaitUntil(() -> true, BOUND)));
        assertTrue(System.nanoTime() - before < BOUND.toNanos() / 2, "a condition true at once ends the wait at once");
    }

    @Test
    @DisplayName("awaitNoConnections returns once the stack resets its connections on close; false at once on a stopped stack")
    void awaitNoConnectionsAtStop() throws Exception {
        stack.start();
        // A SYN to an address nobody answers: the connection stays in SYN-SENT.
        stack.call(() -> stack.tcp().connect(stack.clock().nanos(), Ipv4Address.parse("198.18.0.9").bits(), 80,
                TcpSettings.defaults(), null));
        assertFalse(stack.awaitNoConnections(Duration.ofMillis(50)), "the connection is still there");
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return stack.awaitNoConnections(BOUND);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(50);
        stack.close();
        assertTrue(waiter.get(BOUND.toSeconds(), TimeUnit.SECONDS), "the reset at stop leaves no connection");
        assertFalse(assertTimeoutPreemptively(BOUND, () -> stack.awaitUntil(() -> true, BOUND)), "a stopped stack waits for nothing");
    }

    @Test
    @DisplayName("awaitUntil rethrows what its condition throws, keeps the loop running, and is refused on the loop thread")
    void awaitUntilFailures() throws IOException {
        stack.start();
        IllegalStateException bad = new IllegalStateException("bad condition");
        assertSame(bad, assertThrows(IllegalStateException.class, () -> stack.awaitUntil(() -> { throw bad; }, BOUND)));
        assertTrue(stack.isRunning());
        IllegalStateException onLoop = assertThrows(IllegalStateException.class,
                () -> stack.call(() -> stack.awaitUntil(() -> true, BOUND)));
        assertTrue(onLoop.getMessage().contains("loop thread"), onLoop.getMessage());
    }

    @Test
    @DisplayName("in simulation awaitUntil is answered by the driver's steps")
    void awaitUntilWhileSimulated() throws Exception {
        Simulation sim = Simulation.clean();
        AtomicBoolean flag = new AtomicBoolean();
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return sim.a.awaitUntil(flag::get, BOUND);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        sim.a.execute(() -> flag.set(true));
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!waiter.isDone() && System.nanoTime() < deadline) {
            sim.runFor(1_000_000);
            Thread.sleep(1);
        }
        assertTrue(waiter.get(1, TimeUnit.SECONDS));
    }

    @Test
    @DisplayName("an interface MTU larger than the link's is refused")
    void mtuChecked() {
        VirtualWire small = new VirtualWire(1000);
        assertThrows(IllegalArgumentException.class, () -> new NetStack(small.a(),
                new Interface(Simulation.A_MAC, Simulation.A_IP, 24, Ipv4Address.ANY, 1500), Clock.SYSTEM, new SplittableRandom(1)));
    }
}
