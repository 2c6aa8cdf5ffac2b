package dev.panamax.optimizers;

import static dev.panamax.optimizers.CheckpointFixtures.copyOf;
import static dev.panamax.optimizers.CheckpointFixtures.fingerprint;
import static dev.panamax.optimizers.CheckpointFixtures.model;
import static dev.panamax.optimizers.CheckpointFixtures.rewrite;
import static dev.panamax.optimizers.CheckpointFixtures.train;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a checkpoint can be wrong is refused before anything is written: the optimizer keeps
 * its config, counters, learning rate and every variable's bits, and the message names the file,
 * the key, what was expected and what came.
 */
class CheckpointValidationTest {

    @TempDir
    Path dir;

    private Path file;
    private List<Variable> savedModel;

    /** An Adam checkpoint of the fixtures' model after two steps. */
    @BeforeEach
    void save() throws IOException {
        file = dir.resolve("adam.safetensors");
        savedModel = model(DType.FLOAT32);
        try (Adam adam = Adam.builder().learningRate(0.01).build()) {
            train(adam, savedModel, 0, 2);
            adam.save(file);
        }
    }

    /** An Adam built on the same model, after five steps of its own: a state the failed load must keep. */
    private static Adam trained(List<Variable> model) {
        Adam adam = Adam.builder().learningRate(0.02).build();
        train(adam, model, 0, 5);
        return adam;
    }

    /** Loads {@code file} into {@code optimizer}, expects a CheckpointException and checks that nothing changed. */
    private static CheckpointException refused(Optimizer optimizer, Path file, String... messageParts) {
        String before = fingerprint(optimizer);
        CheckpointException e = assertThrows(CheckpointException.class, () -> optimizer.load(file));
        assertEquals(before, fingerprint(optimizer), "the optimizer changed: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        for (String part : messageParts) {
            assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
        }
        return e;
    }

    @Test
    void truncatedFilesAreRefused() throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        try (Adam adam = trained(copyOf(savedModel))) {
            Path cut = dir.resolve("cut.safetensors");
            for (int length : new int[] {0, 1, 7, 8, 9, (int) headerLength / 2, (int) headerLength + 7, (int) headerLength + 8,
                    (int) headerLength + 9, bytes.length - 4, bytes.length - 1}) {
                Files.write(cut, Arrays.copyOf(bytes, length));
                refused(adam, cut);
            }
            Files.write(cut, Arrays.copyOf(bytes, bytes.length - 1));
            refused(adam, cut, "the file is truncated");
            Files.write(cut, Arrays.copyOf(bytes, 4));
            refused(adam, cut, "4 bytes", "truncated");
        }
    }

    @Test
    void everyFlippedByteIsRefused() throws IOException {
        // CRC32C catches any error in up to 32 consecutive bits; the structure checks catch the rest
        // (the length prefix, the checksum's own digits).
        byte[] bytes = Files.readAllBytes(file);
        Path flipped = dir.resolve("flipped.safetensors");
        try (Adam adam = trained(copyOf(savedModel))) {
            String before = fingerprint(adam);
            int checksumErrors = 0;
            for (int mask : new int[] {0x01, 0x80}) {
                for (int i = 0; i < bytes.length; i++) {
                    byte[] copy = bytes.clone();
                    copy[i] ^= (byte) mask;
                    Files.write(flipped, copy);
                    try {
                        adam.load(flipped);
                        fail("byte " + i + " flipped with 0x" + Integer.toHexString(mask) + " was loaded");
                    } catch (CheckpointException e) {
                        if (e.getMessage().contains("checksum mismatch")) {
                            checksumErrors++;
                        }
                    }
                }
            }
            assertEquals(before, fingerprint(adam));
            assertTrue(checksumErrors > bytes.length / 2, "many flips are caught by the checksum: " + checksumErrors);
        }
        // A flipped bit in a slot's data names the checksum.
        byte[] copy = bytes.clone();
        copy[bytes.length - 3] ^= 0x10;
        Files.write(flipped, copy);
        try (Adam adam = trained(copyOf(savedModel))) {
            refused(adam, flipped, "checksum mismatch: the header records crc32c:", "the file is corrupt");
        }
    }

    @Test
    void theWrongClassIsRefused() throws IOException {
        Path sgdFile = dir.resolve("sgd.safetensors");
        try (SGD sgd = SGD.builder().momentum(0.9).build()) {
            train(sgd, copyOf(savedModel), 0, 1);
            sgd.save(sgdFile);
        }
        try (Adam adam = trained(copyOf(savedModel))) {
            refused(adam, sgdFile, "metadata 'class'", "dev.panamax.optimizers.SGD", "expected a dev.panamax.optimizers.Adam");
        }
    }

    @Test
    void anotherConfigIsRefused() throws IOException {
        List<Variable> m = copyOf(savedModel);
        try (Adam adam = Adam.builder().learningRate(0.02).beta1(0.8).build()) {
            train(adam, m, 0, 5);
            refused(adam, file, "'config.beta_1' is 0.9 in the file, expected 0.8", "Optimizers.load(file, variables)");
        }
        try (Adam keras3 = Adam.builder().keras3(true).build()) {
            train(keras3, m, 0, 1);
            refused(keras3, file, "metadata 'config': 'config.");
        }
    }

    @Test
    void theWrongShapeIsRefused() {
        try (Adam adam = trained(model(DType.FLOAT32, new long[] {4, 3}, "dense/kernel", "dense/bias"))) {
            refused(adam, file, "key 'dense/kernel/m': expected float32[4, 3], found float32[3, 4]");
        }
    }

    @Test
    void theWrongDtypeIsRefused() {
        try (Adam adam = trained(model(DType.FLOAT64))) {
            refused(adam, file, "key 'dense/kernel/m': expected float64[3, 4], found float32[3, 4]");
        }
    }

    @Test
    void otherVariableNamesAreRefused() {
        try (Adam adam = trained(model(DType.FLOAT32, new long[] {3, 4}, "dense/weights", "dense/bias"))) {
            refused(adam, file, "missing [dense/weights/m (float32[3, 4]), dense/weights/v (float32[3, 4])]",
                    "not in the optimizer [dense/kernel/m (float32[3, 4]), dense/kernel/v (float32[3, 4])]");
        }
    }

    @Test
    void aMissingSlotIsRefused() throws IOException {
        rewrite(file, tensors -> {
            tensors.remove("dense/bias/v");
            return tensors;
        });
        try (Adam adam = trained(copyOf(savedModel))) {
            refused(adam, file, "missing [dense/bias/v (float32[4])]");
        }
    }

    @Test
    void anExtraSlotIsRefused() throws IOException {
        rewrite(file, tensors -> {
            tensors.put("dense/bias/vhat", CheckpointFixtures.heapZeros(DType.FLOAT32, 4));
            return tensors;
        });
        try (Adam adam = trained(copyOf(savedModel))) {
            refused(adam, file, "not in the optimizer [dense/bias/vhat (float32[4])]");
        }
    }

    @Test
    void aSlotOfTheWrongDtypeIsRefused() throws IOException {
        rewrite(file, tensors -> {
            tensors.put("dense/bias/v", CheckpointFixtures.heapZeros(DType.FLOAT64, 4));
            return tensors;
        });
        try (Adam adam = trained(copyOf(savedModel))) {
            refused(adam, file, "key 'dense/bias/v': expected float32[4], found float64[4]");
        }
    }

    @Test
    void aStepCounterOutOfRangeIsRefused() throws IOException {
        for (long bad : new long[] {-1, 1L << 53, Long.MIN_VALUE}) {
            rewrite(file, tensors -> {
                tensors.put("iteration", Tensor.scalar(bad));
                return tensors;
            });
            try (Adam adam = trained(copyOf(savedModel))) {
                refused(adam, file, "key 'iteration': expected a step count in [0, 2^53), found " + bad);
            }
        }
        rewrite(file, tensors -> {
            tensors.put("iteration", Tensor.scalar(DType.INT32, 3));
            return tensors;
        });
        try (Adam adam = trained(copyOf(savedModel))) {
            refused(adam, file, "key 'iteration': expected int64[], found int32[]");
        }
    }

    @Test
    void anUnbuiltOptimizerSaysToBuildItFirst() {
        try (Adam adam = Adam.builder().learningRate(0.01).build()) {
            refused(adam, file, "not in the optimizer [dense/kernel/m", "The optimizer is not built: build it first",
                    "Optimizers.load(file, variables)");
        }
    }

    @Test
    void filesThatAreNotCheckpointsAreRefused() throws IOException {
        try (Adam adam = trained(copyOf(savedModel))) {
            Path other = dir.resolve("other");
            Files.write(other, "PK\u0003\u0004 certainly not a checkpoint".getBytes(StandardCharsets.ISO_8859_1));
            refused(adam, other, "the header length is");
            Files.write(other, safetensors("{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,2]}}", new byte[2]));
            refused(adam, other, "tensor 'x' has dtype 'U8'; expected one of F32, F64, I32, I64, BF16, F16");
            Files.write(other, safetensors("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[4]));
            refused(adam, other, "tensor 'x' data_offsets [0, 4] span 4 bytes, expected 8 for float32[2]");
            Files.write(other, safetensors("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                    + "\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]));
            refused(adam, other, "tensor 'x' starts at byte 4 of the data, expected 0");
            Files.write(other, safetensors("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                    + "\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]));
            refused(adam, other, "not valid JSON", "Duplicate field 'x'");
            Files.write(other, safetensors("[1, 2]", new byte[0]));
            refused(adam, other, "expected '{'");
            Files.write(other, safetensors("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]));
            refused(adam, other, "no 'checksum' in __metadata__");
            // A well-formed safetensors file with a valid checksum, but not a checkpoint.
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("x", Tensor.wrap(new float[] {1}));
            rewrite(other, Map.of("format", "pt"), tensors);
            refused(adam, other, "metadata 'format' is 'pt', expected 'panamax.optimizer'");
            rewrite(other, Map.of("format", "panamax.optimizer", "format_version", "2"), tensors);
            refused(adam, other, "metadata 'format_version' is '2', expected '1'");
            rewrite(other, Map.of("format", "panamax.optimizer", "format_version", "1"), tensors);
            refused(adam, other, "metadata 'class' is missing");
        }
        try (Adam adam = Adam.builder().build()) {
            assertThrows(NoSuchFileException.class, () -> adam.load(dir.resolve("absent.safetensors")));
        }
    }

    @Test
    void unknownMetadataIsRefused() throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (SafeTensorsReader reader = SafeTensorsReader.open(file)) {
            metadata.putAll(reader.metadata());
            for (SafeTensorsHeader.Entry e : reader.entries()) {
                Tensor t = CheckpointFixtures.heapZeros(e.dtype(), e.shape());
                reader.read(e, t);
                tensors.put(e.name(), t);
            }
        }
        metadata.remove(SafeTensorsHeader.CHECKSUM_KEY);
        metadata.put("comment", "hello");
        rewrite(file, metadata, tensors);
        try (Adam adam = trained(copyOf(savedModel))) {
            refused(adam, file, "metadata 'comment' is unknown");
        }
    }

    /** A safetensors file: the header's length, the header, the data. */
    private static byte[] safetensors(String header, byte[] data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length).put(json).put(data).array();
    }
}
