package dev.panamax.examples.mnist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main job as a user starts it, each in a JVM of its own: {@code scripts/mnist.sh} (the
 * README's command, here without its build, since this test runs inside one) and the main class
 * with plain {@code java}. What comes out is the program's own lines and its exit code.
 */
class MnistLauncherTest {

    /** Surefire runs in the module's directory. */
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
    private static final Path SCRIPT = ROOT.resolve("scripts/mnist.sh");
    private static final String INCUBATOR_WARNING = "WARNING: Using incubator modules: jdk.incubator.vector";

    @TempDir
    Path cwd;

    private record Exit(int code, String out, String err) {
    }

    private Exit run(List<String> command, boolean viaScript) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile())
                .redirectOutput(cwd.resolve("stdout").toFile()).redirectError(cwd.resolve("stderr").toFile());
        if (viaScript) {
            pb.environment().put("MNIST_SKIP_BUILD", "1");
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        }
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "still running after 120 s: " + command);
        return new Exit(p.exitValue(), Files.readString(cwd.resolve("stdout"), StandardCharsets.UTF_8),
                Files.readString(cwd.resolve("stderr"), StandardCharsets.UTF_8));
    }

    private Exit script(String... args) throws IOException, InterruptedException {
        assumeTrue(new File("/bin/bash").canExecute(), "bash");
        assumeTrue(Files.isRegularFile(ROOT.resolve("examples/target/runtime-classpath.txt")),
                "examples/target/runtime-classpath.txt, which Maven's generate-resources phase writes");
        List<String> command = new ArrayList<>(List.of("/bin/bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        return run(command, true);
    }

    @Test
    void theScriptShowsOnlyTheErrorLineAndExits2ForABadOption() throws Exception {
        Exit e = script("--epochs", "0");
        assertEquals("error: --epochs must be in 1..100000, got 0" + System.lineSeparator(), e.err());
        assertEquals("", e.out());
        assertEquals(MnistTrainer.USAGE, e.code());
    }

    @Test
    void theScriptExits1ForMissingData() throws Exception {
        Exit e = script("--data", cwd.resolve("no-such-dir").toString());
        assertEquals("error: --data " + cwd.resolve("no-such-dir") + ": no such directory, expected a folder holding"
                + " MNIST IDX files" + System.lineSeparator(), e.err());
        assertEquals("", e.out());
        assertEquals(MnistTrainer.FAILED, e.code());
    }

    @Test
    void theScriptRunsCleanlyAndWritesThePlotUnderTheCurrentDirectory() throws Exception {
        Exit e = script("--epochs", "1", "--limit", "100", "--hidden", "8");
        assertEquals("", e.err(), "the JVM's incubator warning is the one line the script filters");
        assertEquals(MnistTrainer.OK, e.code());
        assertTrue(e.out().startsWith("MNIST: 80 training and 20 evaluation digits"), e.out());
        assertTrue(Files.isRegularFile(cwd.resolve("out/mnist-adam_hidden=8_epochs=1_limit=100.png")), e.out());
    }

    @Test
    void theMainClassExitsWithTheCodeItReports() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), MnistTrainer.class.getName(), "--l2", "-1");
        Exit e = run(command, false);
        List<String> lines = e.err().lines().filter(l -> !l.equals(INCUBATOR_WARNING)).toList();
        assertEquals(List.of("error: --l2 must be a finite number >= 0 (0 turns the penalty off), got -1"), lines);
        assertEquals(MnistTrainer.USAGE, e.code());
    }
}
