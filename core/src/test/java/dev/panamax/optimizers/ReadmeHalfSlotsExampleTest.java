package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.HalfFloats;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README's "16-bit slots" and "16-bit variables" snippets do what they say, and are still in the README. */
class ReadmeHalfSlotsExampleTest {

    // The body below, between the markers, is the README's snippet.
    @Test
    void snippetMakesTheSlotsItSays() {
        // --- snippet start
        Adam adam = Adam.builder().learningRate(1e-3).slotDtype(DType.BFLOAT16).build();   // m and v in bfloat16
        Adam optax = Adam.builder().slotDtype("m", DType.BFLOAT16).build();                // Optax's mu_dtype: m only
        SGD sgd = SGD.builder().momentum(0.9).slotDtype(DType.FLOAT16).build();
        // --- snippet end
        Variable w = new Variable("w", Tensor.wrap(new float[] {1, 2, 3}));
        try (adam; optax; sgd) {
            for (Optimizer o : List.of(adam, optax, sgd)) {
                o.apply(List.of(Tensor.wrap(new float[] {0.1f, -0.2f, 0.3f})), List.of(w));
            }
            assertEquals(DType.BFLOAT16, adam.getSlot(w, "m").dtype());
            assertEquals(DType.BFLOAT16, adam.getSlot(w, "v").dtype());
            assertEquals(DType.BFLOAT16, optax.getSlot(w, "m").dtype());
            assertEquals(DType.FLOAT32, optax.getSlot(w, "v").dtype());
            assertEquals(DType.FLOAT16, sgd.getSlot(w, "momentum").dtype());
        }
    }

    @Test
    void variablesSnippetRoundsBfloat16WeightsStochastically() {
        short[] bits = new short[784 * 128];
        Arrays.fill(bits, HalfFloats.toBfloat16(0.5f));
        Tensor floatGradient = Tensor.full(DType.FLOAT32, 0.01, 784, 128);
        // --- variables snippet start
        Tensor weights = Tensor.wrap(bits, DType.BFLOAT16, 784, 128);      // a short[] of bfloat16 bits
        Variable w = new Variable("dense/kernel", weights);
        Adam adam = Adam.builder().learningRate(1e-3).stochasticRounding(42).build();  // slots bfloat16 too
        adam.applyGradients(List.of(new GradientAndVariable(floatGradient, w)));
        // --- variables snippet end
        try (adam; floatGradient) {
            assertEquals(DType.BFLOAT16, adam.getSlot(w, "m").dtype());
            // Adam's first step moves each weight down by about lr = 1e-3, 0.512 of bfloat16's spacing
            // 2^-9 just below 0.5: about half the weights round down to the next value, the others stay.
            long moved = 0;
            for (short b : bits) {
                moved += b != HalfFloats.toBfloat16(0.5f) ? 1 : 0;
            }
            assertEquals(0.512, moved / (double) bits.length, 0.01);
        }
    }

    @Test
    void readmeShowsTheseSnippets() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        String source = Files.readString(Path.of("src", "test", "java", "dev", "panamax", "optimizers",
                "ReadmeHalfSlotsExampleTest.java"));
        for (String marker : List.of("snippet", "variables snippet")) {
            String start = "// --- " + marker + " start";
            String snippet = source.substring(source.indexOf(start) + start.length(), source.indexOf("        // --- " + marker + " end"));
            String block = snippet.strip().lines().map(l -> l.startsWith("        ") ? l.substring(8) : l.strip())
                    .collect(Collectors.joining("\n"));
            assertTrue(readme.contains(block), "README.md does not show the " + marker + " as tested:\n" + block);
        }
    }
}
