package dev.panamax.examples.mnist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.distributed.Collective;
import dev.panamax.distributed.LocalCollective;
import dev.panamax.optimizers.Adam;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --workers 3}: three JVMs train as one, and end with the bits of three worker threads in
 * one JVM that take the same shares of every batch and add their gradients in the same order.
 */
@Timeout(180)
class MnistWorkersTest {

    @TempDir
    Path tmp;

    /**
     * 628 digits: 502 train in batches of 50, the last of 2, whose share for worker 0 is empty (it
     * still adds the L2 penalty's gradient, once for the batch). Dropout draws from each worker's
     * own stream.
     */
    private static final String[] ARGS = {"--epochs", "1", "--limit", "628", "--batch-size", "50", "--dropout", "0.2",
        "--l2", "0.0001", "--threads", "1", "--hidden", "32"};

    @Test
    void threeWorkerJvmsEndWithTheBitsOfThreeWorkerThreads() throws Exception {
        List<String> args = new ArrayList<>(List.of(ARGS));
        args.addAll(List.of("--workers", "3", "--out", tmp.toString()));
        MnistTrainerTest.Result jvms = MnistTrainerTest.execute(args.toArray(String[]::new));
        assertEquals(0, jvms.exitCode(), jvms.err());
        assertEquals("", jvms.err());
        assertTrue(jvms.out().contains("workers: 3, this one worker 0; gradients added in worker order"),
                jvms.out());
        MnistTrainer.Run expected = jvms.trainer().runs.get(0);
        assertTrue(expected.evalLoss()[0] < expected.initialEvalLoss(), jvms.out());

        MnistTrainer.Run threads = onThreeThreads();
        assertEquals(expected.initialEvalLoss(), threads.initialEvalLoss());
        assertArrayEquals(expected.trainLoss(), threads.trainLoss(), "training loss per epoch");
        assertArrayEquals(expected.evalLoss(), threads.evalLoss(), "evaluation loss per epoch");
        assertArrayEquals(expected.evalAccuracy(), threads.evalAccuracy(), "evaluation accuracy per epoch");
    }

    /** The same run by three threads of this JVM, through {@link Training} with a {@link LocalCollective}. */
    private static MnistTrainer.Run onThreeThreads() throws Exception {
        MnistData all = MnistData.loadShipped();
        MnistData train = all.slice(0, 502);
        MnistData eval = all.slice(502, 628);
        float background = MnistTrainer.standardize(train, eval);
        Training.Settings settings = new Training.Settings(new int[] {784, 32, 10}, 1, 50, 42, 0.0001, 0.2, 1);
        List<Collective> group = LocalCollective.group(3, Duration.ofSeconds(60));
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<MnistTrainer.Run>> runs = new ArrayList<>();
            for (Collective worker : group) {
                runs.add(pool.submit(() -> {
                    try (Adam adam = Adam.builder().threads(1).build()) {
                        return Training.run("Adam", adam, settings, train, eval, background,
                                new PrintWriter(OutputStream.nullOutputStream()), worker);
                    }
                }));
            }
            assertNull(runs.get(1).get(120, TimeUnit.SECONDS), "only worker 0 evaluates");
            assertNull(runs.get(2).get(120, TimeUnit.SECONDS), "only worker 0 evaluates");
            return runs.get(0).get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
            group.forEach(Collective::close);
        }
    }

    @Test
    void aWorkerCountOutsideItsRangeIsAUsageError() {
        MnistTrainerTest.assertOneErrorLine(MnistTrainerTest.execute("--workers", "0"), MnistTrainer.USAGE,
                "--workers must be in 1..16 JVMs, got 0");
        MnistTrainerTest.assertOneErrorLine(MnistTrainerTest.execute("--workers", "17"), MnistTrainer.USAGE,
                "--workers must be in 1..16 JVMs, got 17");
    }
}
