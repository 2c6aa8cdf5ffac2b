package dev.panamax.examples.mnist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** The plot's default name says what ran, and a default name never replaces a file. */
class MnistPlotFileTest {

    @TempDir
    Path tmp;

    private static ParseResult parse(String... args) {
        return new CommandLine(new MnistTrainer()).parseArgs(args);
    }

    @Test
    void theDefaultNameListsTheOptionsTypedThatChangeTheResult() {
        assertEquals("mnist-adam", PlotFile.defaultBase(List.of("Adam"), false, false, parse()));
        assertEquals("mnist-rmsprop_lr=0.002_exponential_clipnorm=1_l2=0.0001_dropout=0.2_shift=0_batch=32"
                        + "_hidden=128x64_epochs=3_seed=7_limit=2000_data=full",
                PlotFile.defaultBase(List.of("RMSprop"), false, false, parse("--optimizer", "rmsprop", "--lr", "0.002",
                        "--schedule", "exponential", "--clipnorm", "1", "--l2", "0.0001", "--dropout", "0.2", "--shift",
                        "0", "--batch-size", "32", "--hidden", "128,64", "--epochs", "3", "--seed", "7", "--limit",
                        "2000", "--data", "/data/full")));
        // Threads, kernels, --out and --verbose change nothing in the curves.
        assertEquals("mnist-adam", PlotFile.defaultBase(List.of("Adam"), false, false,
                parse("--threads", "1", "--kernels", "scalar", "--out", "x", "--verbose")));
    }

    @Test
    void aComparisonIsNamedByItsOptimizers() {
        assertEquals("mnist-compare-all_epochs=1",
                PlotFile.defaultBase(List.of("SGD", "Adam"), true, true, parse("--epochs", "1")));
        assertEquals("mnist-compare-adam+sgd", PlotFile.defaultBase(List.of("Adam", "SGD"), true, false, parse()));
        assertEquals("mnist-compare-adam+adam__2", PlotFile.defaultBase(List.of("Adam", "Adam #2"), true, false, parse()));
        assertEquals("mnist-compare-5-optimizers",
                PlotFile.defaultBase(List.of("A", "B", "C", "D", "E"), true, false, parse()));
    }

    @Test
    void aDefaultNameNeverReplacesAFile() throws IOException {
        Path first = PlotFile.write(tmp, "mnist-adam", false, out -> out.write(1));
        Path second = PlotFile.write(tmp, "mnist-adam", false, out -> out.write(2));
        Path third = PlotFile.write(tmp, "mnist-adam", false, out -> out.write(3));
        assertEquals(List.of(tmp.resolve("mnist-adam.png"), tmp.resolve("mnist-adam-2.png"), tmp.resolve("mnist-adam-3.png")),
                List.of(first, second, third));
        assertEquals(1, Files.readAllBytes(first)[0]);
        assertEquals(3, Files.readAllBytes(third)[0]);
    }

    @Test
    void aGivenNameIsReplaced() throws IOException {
        PlotFile.write(tmp, "mine", true, out -> out.write(1));
        Path again = PlotFile.write(tmp, "mine", true, out -> out.write(2));
        assertEquals(tmp.resolve("mine.png"), again);
        assertEquals(2, Files.readAllBytes(again)[0]);
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count());
        }
    }
}
