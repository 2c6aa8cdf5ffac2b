package dev.panamax.examples.mnist;

import static dev.panamax.examples.mnist.MnistTrainerTest.assertOneErrorLine;
import static dev.panamax.examples.mnist.MnistTrainerTest.execute;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every nonsensical command line ends with one {@code error:} line that names the option, what
 * came and what was expected, and exit code 2, before any data is read: each case also points
 * {@code --data} at a directory whose header is fine (100 digits) but whose pixels are cut off,
 * so a check that ran after loading would report the data instead.
 */
class MnistOptionsTest {

    @TempDir
    static Path tmp;

    /** 100 digits declared, 10 pixels present. */
    static Path truncatedData;

    @BeforeAll
    static void writeTruncatedData() throws IOException {
        truncatedData = Files.createDirectories(tmp.resolve("truncated"));
        ByteBuffer images = ByteBuffer.allocate(16 + 10).putInt(MnistData.IMAGES_MAGIC).putInt(100).putInt(28).putInt(28);
        ByteBuffer labels = ByteBuffer.allocate(8 + 100).putInt(MnistData.LABELS_MAGIC).putInt(100);
        Files.write(truncatedData.resolve("images-idx3-ubyte.gz"), gzip(images.array()));
        Files.write(truncatedData.resolve("labels-idx1-ubyte.gz"), gzip(labels.array()));
    }

    static Stream<Arguments> nonsense() {
        String names = String.join(", ", OptimizerChoice.validNames());
        return Stream.of(
                bad(List.of("--optimizer", "adamw2"), "--optimizer: unknown optimizer 'adamw2', expected one of " + names),
                bad(List.of("--compare", "adam,nope"), "--compare: unknown optimizer 'nope', expected one of " + names),
                bad(List.of("--optimizer", "{\"class_name\": \"Adam\", \"config\": {"),
                        "--optimizer: Could not parse the optimizer JSON: Unexpected end-of-input",
                        "(start marker at line 1, column 34) (at line: 1, column: 35)"),
                bad(List.of("--optimizer", "{\"class_name\": \"Adam\", \"config\": {\"learning_rate\": -1}}"),
                        "--optimizer: ", "learning_rate"),
                bad(List.of("--schedule", "linear"), "--schedule must be one of cosine, exponential, got 'linear'"),
                bad(List.of("--kernels", "gpu"), "--kernels must be one of scalar, simd, got 'gpu'"),
                bad(List.of("--slot-dtype", "half"), "--slot-dtype must be one of bfloat16, float16, float32, got 'half'"),
                bad(List.of("--optimizer", "rmsprop", "--slot-dtype", "bfloat16"),
                        "--slot-dtype bfloat16 with --optimizer: RMSprop cannot store its slots in another dtype"),
                bad(List.of("--variable-dtype", "int8"), "--variable-dtype must be one of bfloat16, float16, float32, got 'int8'"),
                bad(List.of("--optimizer", "rmsprop", "--variable-dtype", "bfloat16"),
                        "--variable-dtype bfloat16 with --optimizer: Variable 'dense/kernel' has dtype bfloat16: RMSprop updates"
                                + " float32 and float64 variables; SGD, Adam, AdamW and Lion"),
                bad(List.of("--policy", "fp16"), "--policy must be one of float32, mixed_bfloat16, mixed_float16, got 'fp16'"),
                bad(List.of("--policy", "mixed_bfloat16", "--variable-dtype", "bfloat16"),
                        "--policy mixed_bfloat16 keeps the weights float32 (the layers compute in 16 bits); leave"
                                + " --variable-dtype out, or the policy"),
                bad(List.of("--stochastic-rounding", "3"),
                        "--stochastic-rounding rounds 16-bit weights: give --variable-dtype bfloat16 or float16 too"),
                bad(List.of("--variable-dtype", "float32", "--stochastic-rounding", "3"),
                        "--stochastic-rounding rounds 16-bit weights: give --variable-dtype bfloat16 or float16 too"),
                bad(List.of("--batch-size", "81"), "--batch-size must be in 1..80 (the training digits), got 81"),
                bad(List.of("--batch-size", "0"), "--batch-size must be >= 1, got 0"),
                bad(List.of("--limit", "3"), "--limit must be >= 10", "got 3"),
                bad(List.of("--threads", "0"), "--threads must be in 1..", "got 0"),
                bad(List.of("--threads", "100000"), "--threads must be in 1.." + OptionChecks.maxThreads(),
                        "cores this JVM sees), got 100000"),
                bad(List.of("--l2", "-1"), "--l2 must be a finite number >= 0 (0 turns the penalty off), got -1"),
                bad(List.of("--lr", "0"), "--lr must be a finite number > 0, got 0"),
                bad(List.of("--lr", "NaN"), "--lr must be a finite number > 0, got NaN"),
                bad(List.of("--clipnorm", "-0.5"), "--clipnorm must be a finite number > 0, got -0.5"),
                bad(List.of("--epochs", "-1"), "--epochs must be in 1..100000, got -1"),
                bad(List.of("--epochs", "0"), "--epochs must be in 1..100000, got 0"),
                bad(List.of("--hidden", "128,0"), "--hidden sizes must be in 1..65536, got 0 in 128,0"),
                bad(List.of("--hidden", "-5"), "--hidden sizes must be in 1..65536, got -5"),
                bad(List.of("--dropout", "1"), "--dropout must be in [0, 1)", "got 1"),
                bad(List.of("--dropout", "-0.1"), "--dropout must be in [0, 1)", "got -0.1"),
                bad(List.of("--shift", "-1"), "--shift must be in 0..8 pixels, got -1"),
                bad(List.of("--shift", "9"), "--shift must be in 0..8 pixels, got 9"),
                bad(List.of("--name", "../elsewhere"), "--name must be a file name", "got '../elsewhere'"),
                bad(List.of("--compare", "all,adam"), "--compare all stands alone", "got 'all,adam'"),
                bad(List.of("--compare", "adam", "--optimizer", "sgd"), "--compare and --optimizer exclude each other"),
                bad(List.of("--optimizer", "{\"class_name\": \"Adam\", \"config\": {\"learning_rate\": {\"class_name\":"
                                + " \"ExponentialDecay\", \"config\": {\"initial_learning_rate\": 0.1, \"decay_steps\": 10,"
                                + " \"decay_rate\": 0.5}}}}", "--schedule", "cosine"),
                        "--schedule needs a constant learning rate", "ExponentialDecay", "pass --lr"),
                // picocli's own parse errors: the same one line and exit code.
                bad(List.of("--epochs", "many"), "Invalid value for option '--epochs': 'many' is not an int"),
                bad(List.of("--bogus"), "Unknown option: '--bogus'"));
    }

    private static Arguments bad(List<String> args, String... fragments) {
        return Arguments.of(args, fragments);
    }

    @ParameterizedTest
    @MethodSource("nonsense")
    void rejectedBeforeTheDataLoadsWithOneLineAndExitCode2(List<String> args, String[] fragments) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of("--data", truncatedData.toString(), "--out", tmp.resolve("out").toString()));
        assertOneErrorLine(execute(all.toArray(String[]::new)), MnistTrainer.USAGE, fragments);
    }

    @Test
    void theTruncatedDataItselfIsADataErrorWithExitCode1() {
        // The control: with sound options the same directory fails when loaded.
        assertOneErrorLine(execute("--data", truncatedData.toString(), "--out", tmp.resolve("out").toString()),
                MnistTrainer.FAILED, "--data " + truncatedData, "ends after 10 of 78400 bytes");
    }

    @Test
    void jacksonInternalsStayOut() {
        MnistTrainerTest.Result r = execute("--optimizer", "{\"class_name\": \"Adam\",\n \"config\": {");
        assertFalse(r.err().contains("Source"), r.err());
        assertFalse(r.err().contains("StreamReadFeature"), r.err());
        assertFalse(r.err().contains("REDACTED"), r.err());
        assertTrue(r.err().contains("line 2, column 12"), r.err());
    }

    @Test
    void missingDataDirectoryIsOneLineAndExitCode1() {
        assertOneErrorLine(execute("--data", tmp.resolve("nope").toString(), "--out", tmp.resolve("out").toString()),
                MnistTrainer.FAILED, "--data " + tmp.resolve("nope") + ": no such directory");
    }

    @Test
    void corruptDataFileIsOneLineWithoutStackTrace() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("corrupt"));
        byte[] garbage = {0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1};
        Files.write(dir.resolve("train-images-idx3-ubyte"), garbage);
        Files.write(dir.resolve("train-labels-idx1-ubyte"), garbage);
        MnistTrainerTest.Result r = execute("--data", dir.toString(), "--out", tmp.resolve("out").toString());
        assertOneErrorLine(r, MnistTrainer.FAILED, "--data ", "train-images-idx3-ubyte");
        assertFalse(r.err().contains("\tat "), r.err());
    }

    static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }
}
