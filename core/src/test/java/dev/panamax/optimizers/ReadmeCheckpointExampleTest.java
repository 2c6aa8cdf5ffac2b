package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's "Checkpoints" snippet runs as shown, does what its comments say, and is still in the README. */
class ReadmeCheckpointExampleTest {

    @TempDir
    Path dir;

    // The body below, between the markers, is the README's snippet.
    @Test
    void checkpointSnippetRunsAsShown() throws IOException {
        Variable kernel = new Variable("dense/kernel", Tensor.wrap(new float[] {0.5f, -0.5f, 1, 2}, 2, 2));
        Variable bias = new Variable("dense/bias", Tensor.wrap(new float[] {0.1f, 0.2f}));
        List<Tensor> grads = List.of(Tensor.wrap(new float[] {0.1f, 0.2f, -0.3f, 0.4f}, 2, 2), Tensor.wrap(new float[] {0.5f, -0.5f}));
        Variable twinKernel = new Variable("dense/kernel", Tensor.wrap(new float[] {0.5f, -0.5f, 1, 2}, 2, 2));
        Variable twinBias = new Variable("dense/bias", Tensor.wrap(new float[] {0.1f, 0.2f}));
        // --- snippet start
        List<Variable> model = List.of(kernel, bias);
        try (Adam adam = Adam.builder().learningRate(1e-3).build()) {
            adam.apply(grads, model);
            adam.save(dir.resolve("optimizer.safetensors"));    // replaces the file atomically
        }
        // Later, perhaps in another JVM, with the model's weights restored (they are not in the file):
        try (Optimizer resumed = Optimizers.load(dir.resolve("optimizer.safetensors"), model)) {
            resumed.apply(grads, model);                        // the bits of training that never stopped
        }
        // --- snippet end
        // The same two steps without stopping.
        List<Variable> twin = List.of(twinKernel, twinBias);
        try (Adam adam = Adam.builder().learningRate(1e-3).build()) {
            adam.apply(grads, twin);
            adam.apply(grads, twin);
        }
        for (int i = 0; i < model.size(); i++) {
            assertEquals(CheckpointFixtures.bits(twin.get(i).value()), CheckpointFixtures.bits(model.get(i).value()));
        }
    }

    @Test
    void readmeShowsThisSnippet() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        String source = Files.readString(Path.of("src", "test", "java", "dev", "panamax", "optimizers",
                "ReadmeCheckpointExampleTest.java"));
        String snippet = source.substring(source.indexOf("// --- snippet start") + "// --- snippet start".length(),
                source.indexOf("        // --- snippet end"));
        // The test indents the snippet by 8 spaces; the README by none.
        String block = snippet.strip().lines().map(l -> l.startsWith("        ") ? l.substring(8) : l.strip())
                .collect(Collectors.joining("\n"));
        assertTrue(readme.contains(block), "README.md does not show the checkpoint snippet as tested:\n" + block);
    }
}
