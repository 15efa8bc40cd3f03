package teacup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** --batch / --no-batch, spelled as --offload / --no-offload are: unset means the default (TapLink.batchByDefault). */
class LinkOptionsBatchTest {
    @Command
    static final class Holder {
        @Mixin
        LinkOptions link;
    }

    private static LinkOptions parse(String... args) {
        Holder h = new Holder();
        new CommandLine(h).parseArgs(args);
        return h.link;
    }

    @Test
    void batchIsUnsetUnlessGivenAndEachSpellingSetsIt() {
        assertNull(parse("--tap", "t0").batch);
        assertEquals(Boolean.FALSE, parse("--tap", "t0", "--no-batch").batch);
        assertEquals(Boolean.TRUE, parse("--tap", "t0", "--batch").batch);
        assertEquals(Boolean.FALSE, parse("--interface", "eth9", "--no-batch").batch);
    }

    @Test
    void gsoIsUnsetUnlessGivenAndIndependentOfOffload() {
        assertNull(parse("--tap", "t0").gso);
        assertEquals(Boolean.FALSE, parse("--tap", "t0", "--no-gso").gso);
        assertEquals(Boolean.TRUE, parse("--interface", "eth9", "--gso").gso);
        LinkOptions plainCut = parse("--tap", "t0", "--no-offload");
        assertEquals(Boolean.FALSE, plainCut.offload);
        assertNull(plainCut.gso, "--no-offload leaves software segmentation at its default");
    }
}
