package dev.panamax.examples.mnist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.kernels.KernelProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Short runs of the main job, in process: what they print, train and write. */
class MnistTrainerTest {

    @TempDir
    Path tmp;

    /** The result of one command: exit code, stdout, stderr and the command object. */
    record Result(int exitCode, String out, String err, MnistTrainer trainer) {
    }

    /** Runs the command as {@code main} does, but in this JVM and into strings. */
    static Result execute(String... args) {
        CommandLine cmd = MnistTrainer.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Result(code, out.toString(), err.toString(), cmd.getCommand());
    }

    /** Exactly one line on stderr, {@code error: ...} holding every fragment, and nothing on stdout. */
    static void assertOneErrorLine(Result r, int exitCode, String... fragments) {
        assertEquals(exitCode, r.exitCode(), r.err());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("error: "), r.err());
        for (String fragment : fragments) {
            assertTrue(lines.get(0).contains(fragment), "'" + fragment + "' missing from: " + r.err());
        }
        assertEquals("", r.out(), "nothing is printed before an error of the options or the files");
    }

    @Test
    void versionIsTheBuildsVersion() throws IOException {
        String version = new MnistTrainer.Version().getVersion()[0];
        // The pom's version, written by Maven's resource filtering (0.1.0-SNAPSHOT, not a number typed in the code).
        assertTrue(version.matches("panamax mnist \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), version);
    }

    @Test
    void shortRunPrintsItsHeaderWritesThePlotAndReducesTheLoss() {
        Path out = tmp.resolve("plots");
        Result r = execute("--epochs", "2", "--limit", "1000", "--threads", "1", "--seed", "7", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("", r.err());
        Path png = out.resolve("mnist-adam_epochs=2_seed=7_limit=1000.png");
        assertEquals(png, r.trainer().plot);
        assertTrue(Files.isRegularFile(png));
        MnistTrainer.Run run = r.trainer().runs.get(0);
        assertTrue(run.evalLoss()[1] < run.initialEvalLoss(), r.out());
        assertTrue(run.trainLoss()[1] < run.trainLoss()[0], r.out());

        List<String> lines = r.out().lines().toList();
        assertEquals("MNIST: 800 training and 200 evaluation digits (shipped), MLP 784-128-10, batch 64, 2 epochs,"
                + " shift 1, l2 0, dropout 0", lines.get(0));
        assertEquals("kernels: " + KernelProvider.kernels().description() + ", threads: 1, seed: 7", lines.get(1));
        assertTrue(lines.get(2).startsWith("optimizer: {\"class_name\":\"Adam\",\"config\":{"), lines.get(2));
        assertTrue(lines.get(2).contains("\"learning_rate\":0.001"), lines.get(2));
        assertEquals("schedule: none (constant learning rate 0.001)", lines.get(3));
        assertTrue(r.out().contains("epoch 2/2"), r.out());
        assertTrue(r.out().contains("Adam: final eval accuracy"), r.out());
        assertTrue(r.out().endsWith("plot: " + png.toAbsolutePath().normalize() + System.lineSeparator()), r.out());
    }

    @Test
    void bfloat16SlotsTrainAndAreInTheHeader() {
        Result half = execute("--epochs", "2", "--limit", "1000", "--threads", "1", "--slot-dtype", "bfloat16", "--out",
                tmp.toString());
        Result full = execute("--epochs", "2", "--limit", "1000", "--threads", "1", "--out", tmp.toString());
        assertEquals(0, half.exitCode(), half.err());
        assertTrue(half.out().contains("\"slot_dtypes\":{\"m\":\"bfloat16\",\"v\":\"bfloat16\",\"vhat\":\"bfloat16\"}"),
                half.out());
        MnistTrainer.Run h = half.trainer().runs.get(0);
        MnistTrainer.Run f = full.trainer().runs.get(0);
        assertTrue(h.evalLoss()[1] < h.initialEvalLoss(), half.out());
        // Rounded moments change the bits of the run, not its course.
        assertNotEquals(f.evalLoss()[1], h.evalLoss()[1]);
        assertEquals(f.evalLoss()[1], h.evalLoss()[1], 0.05);
    }

    @Test
    void bfloat16WeightsWithStochasticRoundingTrainAndAreInTheHeader() {
        Result half = execute("--epochs", "2", "--limit", "1000", "--threads", "1", "--variable-dtype", "bfloat16",
                "--stochastic-rounding", "5", "--out", tmp.toString());
        Result nearest = execute("--epochs", "2", "--limit", "1000", "--threads", "1", "--variable-dtype", "bfloat16",
                "--out", tmp.toString());
        Result full = execute("--epochs", "2", "--limit", "1000", "--threads", "1", "--out", tmp.toString());
        assertEquals(0, half.exitCode(), half.err());
        assertTrue(half.out().lines().findFirst().orElseThrow().endsWith(", bfloat16 weights"), half.out());
        assertTrue(half.out().contains("\"stochastic_rounding_seed\":5"), half.out());
        MnistTrainer.Run h = half.trainer().runs.get(0);
        MnistTrainer.Run n = nearest.trainer().runs.get(0);
        MnistTrainer.Run f = full.trainer().runs.get(0);
        assertTrue(h.evalLoss()[1] < h.initialEvalLoss(), half.out());
        // bfloat16 weights and their rounding change the bits of the run, not its course.
        assertNotEquals(f.evalLoss()[1], h.evalLoss()[1]);
        assertNotEquals(n.evalLoss()[1], h.evalLoss()[1]);
        assertEquals(f.evalLoss()[1], h.evalLoss()[1], 0.1);
    }

    @Test
    void mixedPoliciesTrainAndMixedFloat16ScalesTheLoss() {
        Result bf16 = execute("--epochs", "2", "--limit", "1000", "--threads", "1", "--policy", "mixed_bfloat16", "--out",
                tmp.toString());
        Result f16 = execute("--epochs", "2", "--limit", "1000", "--threads", "1", "--policy", "mixed_float16", "--out",
                tmp.toString());
        Result full = execute("--epochs", "2", "--limit", "1000", "--threads", "1", "--out", tmp.toString());
        assertEquals(0, bf16.exitCode(), bf16.err());
        assertEquals(0, f16.exitCode(), f16.err());
        assertTrue(bf16.out().lines().findFirst().orElseThrow().endsWith(", policy mixed_bfloat16"), bf16.out());
        assertTrue(f16.out().contains("optimizer: {\"module\":\"keras.optimizers\",\"class_name\":\"LossScaleOptimizer\""),
                f16.out());
        MnistTrainer.Run b = bf16.trainer().runs.get(0);
        MnistTrainer.Run h = f16.trainer().runs.get(0);
        MnistTrainer.Run f = full.trainer().runs.get(0);
        assertNotEquals(f.evalLoss()[1], b.evalLoss()[1]);
        assertEquals(f.evalLoss()[1], b.evalLoss()[1], 0.1);
        assertEquals(f.evalLoss()[1], h.evalLoss()[1], 0.1);
    }

    @Test
    void theHeaderNamesTheScheduleAndTheVectorWidth() {
        Result r = execute("--epochs", "1", "--limit", "100", "--lr", "0.002", "--schedule", "cosine",
                "--batch-size", "16", "--out", tmp.toString());
        assertEquals(0, r.exitCode(), r.err());
        // 80 digits in batches of 16: 5 steps for the one epoch.
        assertTrue(r.out().contains("schedule: CosineDecay {initial_learning_rate=0.002, decay_steps=5, alpha=0,"),
                r.out());
        assertTrue(r.out().contains("\"learning_rate\":{\"class_name\":\"CosineDecay\""), r.out());
        String kernels = KernelProvider.kernels().name().equals("simd") ? "-bit vectors: " : "scalar (";
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("kernels: ") && l.contains(kernels)), r.out());
    }

    @Test
    void compareWritesOnePlotWithBothOptimizersAndATable() {
        Path out = tmp.resolve("compare");
        Result r = execute("--compare", "sgd,adam", "--epochs", "1", "--limit", "600", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Files.isRegularFile(out.resolve("mnist-compare-sgd+adam_epochs=1_limit=600.png")));
        assertEquals(2, r.trainer().runs.size());
        assertEquals("SGD", r.trainer().runs.get(0).label());
        assertEquals("Adam", r.trainer().runs.get(1).label());
        // Same seed, same data: the two runs start from the same weights.
        assertEquals(r.trainer().runs.get(0).initialEvalLoss(), r.trainer().runs.get(1).initialEvalLoss());
        assertTrue(r.out().contains("SGD (1 of 2)"), r.out());
        assertTrue(r.out().contains("Adam (2 of 2)"), r.out());
        // The table, best first: Adam learns faster than SGD in one epoch.
        List<String> lines = r.out().lines().toList();
        int header = lines.indexOf(SummaryTable.lines(r.trainer().runs).get(0));
        assertTrue(header > 0, r.out());
        assertTrue(lines.get(header + 1).startsWith("Adam "), r.out());
        assertTrue(lines.get(header + 2).startsWith("SGD "), r.out());
    }

    @Test
    void theSameOptimizerTwiceGetsTwoLabels() {
        Result r = execute("--compare", "adam,adam", "--epochs", "1", "--limit", "100", "--hidden", "8",
                "--out", tmp.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(List.of("Adam", "Adam #2"), r.trainer().runs.stream().map(MnistTrainer.Run::label).toList());
    }

    @Test
    void oneAndTwoThreadsGiveTheSameRun() {
        // The 784 x 128 kernel spans two executor chunks; dropout exercises the seeded masks too.
        Result one = execute("--epochs", "1", "--limit", "400", "--threads", "1", "--dropout", "0.2", "--out", tmp.toString());
        Result two = execute("--epochs", "1", "--limit", "400", "--threads", "2", "--dropout", "0.2", "--out", tmp.toString());
        assertEquals(0, one.exitCode(), one.err());
        assertEquals(0, two.exitCode(), two.err());
        MnistTrainer.Run a = one.trainer().runs.get(0);
        MnistTrainer.Run b = two.trainer().runs.get(0);
        assertEquals(a.trainLoss()[0], b.trainLoss()[0]);
        assertEquals(a.evalLoss()[0], b.evalLoss()[0]);
        assertEquals(a.evalAccuracy()[0], b.evalAccuracy()[0]);
        // Different threads, otherwise the same options: the second plot does not replace the first.
        assertNotEquals(one.trainer().plot, two.trainer().plot);
        assertTrue(Files.isRegularFile(one.trainer().plot));
        assertTrue(Files.isRegularFile(two.trainer().plot));
    }

    @Test
    void compareAllTrainsEveryBuiltInOptimizer() {
        Result r = execute("--compare", "all", "--epochs", "1", "--limit", "200", "--hidden", "16", "--out", tmp.toString());
        assertEquals(0, r.exitCode(), r.err());
        List<String> labels = r.trainer().runs.stream().map(MnistTrainer.Run::label).toList();
        assertEquals(dev.panamax.optimizers.Optimizers.builtInNames(), labels);
        assertTrue(Files.isRegularFile(tmp.resolve("mnist-compare-all_hidden=16_epochs=1_limit=200.png")));
        assertEquals(labels.size() + 1, SummaryTable.lines(r.trainer().runs).size());
        SummaryTable.lines(r.trainer().runs).forEach(line -> assertTrue(r.out().contains(line), line));
    }

    @Test
    void aNamedPlotTakesThatNameAndReplacesIt() throws IOException {
        Files.writeString(tmp.resolve("mine.png"), "old");
        Result r = execute("--epochs", "1", "--limit", "100", "--name", "mine.png", "--out", tmp.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(tmp.resolve("mine.png"), r.trainer().plot);
        assertFalse(Files.readString(tmp.resolve("mine.png"), java.nio.charset.StandardCharsets.ISO_8859_1).equals("old"));
    }

    @Test
    void helpListsTheOptimizersAndExitCodes() {
        Result r = execute("--help");
        assertEquals(0, r.exitCode());
        String help = r.out().replaceAll("\\s+", " ");
        assertTrue(help.contains(String.join(", ", OptimizerChoice.validNames())), r.out());
        assertTrue(r.out().contains("Exit codes:"), r.out());
        assertTrue(r.out().contains("--name"), r.out());
    }
}
