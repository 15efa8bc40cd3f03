package teacup.interop;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import teacup.cli.Main;

/** The {@code teacup} command as users run it: a JVM of its own, the same Java and class path as the tests. */
final class TeacupCommand {
    private TeacupCommand() {
    }

    /** {@code java ... teacup.cli.Main args...}. */
    static List<String> argvList(String... args) {
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> argv = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Main.class.getName()));
        argv.addAll(List.of(args));
        return argv;
    }

    static String[] argv(String... args) {
        return argvList(args).toArray(String[]::new);
    }
}
