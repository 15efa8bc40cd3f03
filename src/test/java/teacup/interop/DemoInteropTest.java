package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import teacup.cli.Main;

/** The README's main job: {@code teacup demo} pings both ways and fetches a page with teacup curl, then cleans up. */
@Tag("interop")
class DemoInteropTest {
    @Test
    @DisplayName("teacup demo: pings answered, the page fetched by teacup curl has the served checksum, nothing left behind")
    void demo() throws Exception {
        TapNetwork.requireRoot("teacup demo makes a network namespace and a TAP");
        TapNetwork.requirePrograms("ping", "python3", "ss");
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            code = Main.run("demo", "-c", "2");
        } finally {
            System.setOut(stdout);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        assertTrue(out.contains("demo: OK, every ping answered and the page arrived whole both ways"), out);
        String namespace = out.lines().filter(l -> l.startsWith("== removed network namespace ")).findFirst().orElseThrow()
                .substring("== removed network namespace ".length());
        Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
        String list = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        assertTrue(!list.contains(namespace), "the namespace is gone: " + list);
    }
}
