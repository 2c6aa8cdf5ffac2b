package dev.panamax.optimizers;

import static dev.panamax.optimizers.CheckpointFixtures.copyOf;
import static dev.panamax.optimizers.CheckpointFixtures.model;
import static dev.panamax.optimizers.CheckpointFixtures.train;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint read as the safetensors format describes it, with none of our reader's code: the
 * header's length, the JSON header, little-endian data at the offsets it gives, and the metadata
 * (format, version, class, config, and a CRC32C of the file with its own digits read as '0').
 */
class SafeTensorsFormatTest {

    @TempDir
    Path dir;

    @Test
    void aCheckpointIsASafetensorsFileAsTheFormatDescribesIt() throws IOException {
        List<Variable> m = model(DType.FLOAT64);
        Path file = dir.resolve("adam.safetensors");
        try (Adam adam = Adam.builder().keras3(true).learningRate(0.01).build()) {
            train(adam, m, 0, 3);
            adam.save(file);

            byte[] bytes = Files.readAllBytes(file);
            ByteBuffer le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            long n = le.getLong(0);
            assertEquals(0, (8 + n) % 8, "the data section starts 8-byte aligned");
            String json = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
            assertTrue(json.startsWith("{") && json.strip().endsWith("}"), json);
            JsonNode header = new ObjectMapper().readTree(json);

            JsonNode meta = header.get("__metadata__");
            List<String> metaKeys = new ArrayList<>();
            meta.fieldNames().forEachRemaining(metaKeys::add);
            assertEquals(List.of("format", "format_version", "class", "config", "checksum"), metaKeys);
            assertEquals("panamax.optimizer", meta.get("format").textValue());
            assertEquals("1", meta.get("format_version").textValue());
            assertEquals("dev.panamax.optimizers.Adam", meta.get("class").textValue());
            assertEquals(Optimizers.toJson(adam), meta.get("config").textValue());

            String checksum = meta.get("checksum").textValue();
            assertTrue(checksum.matches("crc32c:[0-9a-f]{8}"), checksum);
            byte[] zeroed = bytes.clone();
            int at = json.indexOf("\"checksum\":\"crc32c:") + "\"checksum\":\"crc32c:".length();
            Arrays.fill(zeroed, 8 + at, 8 + at + 8, (byte) '0');
            CRC32C crc = new CRC32C();
            crc.update(zeroed);
            assertEquals("crc32c:" + HexFormat.of().toHexDigits((int) crc.getValue()), checksum);

            int data = 8 + (int) n;
            JsonNode iteration = header.get("iteration");
            assertEquals("I64", iteration.get("dtype").textValue());
            assertEquals(0, iteration.get("shape").size());
            assertEquals(3, le.getLong(data + iteration.get("data_offsets").get(0).intValue()));

            JsonNode lr = header.get("learning_rate");
            assertEquals("F64", lr.get("dtype").textValue());
            assertEquals(0.01, le.getDouble(data + lr.get("data_offsets").get(0).intValue()));

            Variable kernel = m.get(0);
            JsonNode momentum = header.get("dense/kernel/momentum");
            assertEquals("F64", momentum.get("dtype").textValue());
            assertEquals("[3,4]", momentum.get("shape").toString());
            int begin = momentum.get("data_offsets").get(0).intValue();
            assertEquals(begin + 12 * 8, momentum.get("data_offsets").get(1).intValue());
            Tensor slot = adam.getSlot(kernel, "momentum");
            for (int i = 0; i < 12; i++) {
                assertEquals(slot.getDouble(i), le.getDouble(data + begin + 8 * i), "element " + i);
            }
            // The data section holds exactly the tensors, back to back.
            long end = 0;
            for (var it = header.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getKey().equals("__metadata__")) {
                    end = Math.max(end, e.getValue().get("data_offsets").get(1).longValue());
                }
            }
            assertEquals(bytes.length - data, end);
        }
    }

    @Test
    void tensorsLargerThanOneChunkAreStreamedBothWays() throws IOException {
        // 2^18 + 3 float32 elements: a little over the 1 MiB buffer, with a short last chunk.
        int size = (1 << 18) + 3;
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) Math.sin(i);
        }
        Path file = dir.resolve("large.safetensors");
        try (Tensor w = Tensor.of(values.clone(), size); Tensor w2 = Tensor.of(values.clone(), size);
             Tensor g = Tensor.of(values, size);
             Adam adam = Adam.builder().build(); Adam other = Adam.builder().build()) {
            Variable v = new Variable("big", w);
            Variable v2 = new Variable("big", w2);
            adam.apply(List.of(g), List.of(v));
            adam.save(file);
            other.build(List.of(v2));
            other.load(file);
            assertEquals(-1, adam.getSlot(v, "v").segment().mismatch(other.getSlot(v2, "v").segment()));
            assertEquals(-1, adam.getSlot(v, "m").segment().mismatch(other.getSlot(v2, "m").segment()));
        }
    }

    @Test
    void anOptimizerMadeFromTheFileHasTheSavedConfig() throws IOException {
        List<Variable> m = model(DType.FLOAT32);
        Path file = dir.resolve("rmsprop.safetensors");
        try (RMSprop rms = RMSprop.builder().name("my_rms").rho(0.8).centered(true).clipvalue(0.5).build()) {
            train(rms, m, 0, 2);
            rms.save(file);
            try (Optimizer loaded = Optimizers.load(file, copyOf(m))) {
                assertEquals(rms.getConfig(), loaded.getConfig());
                assertEquals(RMSprop.class, loaded.getClass());
                assertEquals(2, loaded.getIterations());
            }
        }
    }
}
