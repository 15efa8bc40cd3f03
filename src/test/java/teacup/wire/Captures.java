package teacup.wire;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The real captures in src/test/resources/teeceepee, for golden and fuzz tests. */
final class Captures {
    static final String TINIEST = "tiniest-session.pcap";
    static final String WGET = "localhost-wget.pcap";
    static final String NUMS = "wget-36000-nums.pcap";
    static final List<String> ALL = List.of(TINIEST, WGET, NUMS);

    private Captures() {}

    static Path path(String name) {
        URL url = Captures.class.getResource("/teeceepee/" + name);
        if (url == null) {
            throw new IllegalStateException("test capture missing from the classpath: " + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<PcapReader.Record> read(String name) {
        try {
            return PcapReader.readAll(path(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every frame of every capture. */
    static List<byte[]> allFrames() {
        List<byte[]> frames = new ArrayList<>();
        for (String name : ALL) {
            for (PcapReader.Record r : read(name)) {
                frames.add(r.data());
            }
        }
        return frames;
    }
}
