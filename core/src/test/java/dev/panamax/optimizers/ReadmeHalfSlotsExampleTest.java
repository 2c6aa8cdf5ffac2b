package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README's "16-bit slots" snippet builds the optimizers it says, and is still in the README. */
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
    void readmeShowsThisSnippet() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        String source = Files.readString(Path.of("src", "test", "java", "dev", "panamax", "optimizers",
                "ReadmeHalfSlotsExampleTest.java"));
        String snippet = source.substring(source.indexOf("// --- snippet start") + "// --- snippet start".length(),
                source.indexOf("        // --- snippet end"));
        String block = snippet.strip().lines().map(l -> l.startsWith("        ") ? l.substring(8) : l.strip())
                .collect(Collectors.joining("\n"));
        assertTrue(readme.contains(block), "README.md does not show the 16-bit slots snippet as tested:\n" + block);
    }
}
