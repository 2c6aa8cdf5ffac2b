package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamax.tensor.Variable;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety: a child JVM ({@link CheckpointCrashChild}) resumes from the checkpoint and saves in
 * a loop with changing state; this test kills it with SIGKILL ({@link Process#destroyForcibly()})
 * at a random moment, many times. After every kill the checkpoint loads, and it holds the last
 * state the child reported saved or the one after (a save that completed just before the kill),
 * bit for bit. A kill does not lose the page cache, so this checks the rename protocol, not the
 * {@code fsync}s (which only a power cut would).
 */
class CheckpointCrashTest {

    /** 20 by default (about 1 s each on a busy 2-core machine, mostly the child JVM's start); more with -Dpanamax.test.kills=N. */
    private static final int KILLS = Integer.getInteger("panamax.test.kills", 20);

    @TempDir
    Path dir;

    @Test
    void aKilledSaveLeavesTheOldCheckpointOrTheNewOneNeverATornOne() throws Exception {
        long seed = Long.getLong("panamax.test.seed", System.nanoTime());
        Random random = new Random(seed);
        String replay = " (replay with -Dpanamax.test.seed=" + seed + ")";
        Path file = dir.resolve("crash.safetensors");
        long started = System.nanoTime();
        int killedMidSave = 0;
        int kills = 0;
        Variable referenceVariable = CheckpointCrashChild.newVariable();
        try (Adam reference = CheckpointCrashChild.newOptimizer()) {
            reference.build(List.of(referenceVariable));
            long previous = 0;
            // Up to three times the kills while none has landed during a save: on a loaded machine
            // the random delays can all fall between saves, which proves nothing either way.
            int kill = 0;
            for (; kill < KILLS || (killedMidSave == 0 && kill < 3 * KILLS); kill++) {
                Child child = Child.start(file);
                if (!child.firstSave.await(30, TimeUnit.SECONDS) || !child.process.isAlive()) {
                    child.process.destroyForcibly().waitFor();
                    fail("the child did not save (kill " + kill + "): " + child.output());
                }
                Thread.sleep(random.nextInt(80));
                child.process.destroyForcibly();
                child.process.waitFor();
                child.join();
                assertTrue(child.errors.isEmpty(), "the child wrote to stderr: " + child.errors);
                long reported = child.lastSaved.get();
                assertTrue(reported > previous, "the child resumed from " + previous + " and reported " + child.output());

                if (temporaries().size() > 0) {
                    killedMidSave++;
                }
                try (Adam loaded = CheckpointCrashChild.newOptimizer()) {
                    Variable v = CheckpointCrashChild.newVariable();
                    loaded.build(List.of(v));
                    loaded.load(file);
                    long k = loaded.getIterations();
                    assertTrue(k == reported || k == reported + 1, "kill " + kill + ": the file holds step " + k + ", the child last "
                            + "reported " + reported + replay);
                    while (reference.getIterations() < k) {
                        reference.apply(List.of(CheckpointCrashChild.gradient(reference.getIterations())), List.of(referenceVariable));
                    }
                    for (String slot : List.of("m", "v")) {
                        assertEquals(-1, loaded.getSlot(v, slot).segment().mismatch(reference.getSlot(referenceVariable, slot).segment()),
                                "kill " + kill + ": slot " + slot + " after " + k + " steps" + replay);
                    }
                    previous = k;
                }
            }
            kills = kill;
            // Unique names: the temporary files left by killed saves never got in the way. The next save removes them.
            reference.save(file);
            assertEquals(List.of(), temporaries(), "a save removes the temporary files of dead processes");
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("CheckpointCrashTest: %d kills in %.1f s, %d of them during a save (a temporary file was left)%n",
                kills, seconds, killedMidSave);
        assertTrue(killedMidSave > 0, "no kill landed during a save, so the test proved little" + replay);
    }

    private List<Path> temporaries() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    /** A child JVM and the threads that read its output. */
    private static final class Child {
        final Process process;
        final CountDownLatch firstSave = new CountDownLatch(1);
        final AtomicLong lastSaved = new AtomicLong(-1);
        final List<String> lines = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
        private final Thread out;
        private final Thread err;

        private Child(Process process) {
            this.process = process;
            this.out = Thread.ofPlatform().daemon().start(() -> read(process.getInputStream(), this::line));
            this.err = Thread.ofPlatform().daemon().start(() -> read(process.getErrorStream(), line -> {
                synchronized (errors) {
                    errors.add(line);
                }
            }));
        }

        /** The current JVM, class path and kernels; the child uses the scalar kernels, no incubator module. */
        static Child start(Path file) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xmx256m",
                    "--enable-native-access=ALL-UNNAMED", "-Dpanamax.kernels=scalar",
                    CheckpointCrashChild.class.getName(), file.toString());
            return new Child(pb.start());
        }

        private void line(String line) {
            synchronized (lines) {
                lines.add(line);
            }
            if (line.startsWith("saved ") && line.endsWith(";")) { // not a line cut by the kill
                lastSaved.set(Long.parseLong(line.substring(6, line.length() - 1)));
                firstSave.countDown();
            }
        }

        private static void read(InputStream stream, java.util.function.Consumer<String> sink) {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    sink.accept(line);
                }
            } catch (IOException e) {
                // the process is gone
            }
        }

        void join() throws InterruptedException {
            out.join();
            err.join();
        }

        String output() {
            synchronized (lines) {
                synchronized (errors) {
                    int from = Math.max(0, lines.size() - 5);
                    return "stdout (last lines) " + lines.subList(from, lines.size()) + ", stderr " + errors;
                }
            }
        }
    }
}
