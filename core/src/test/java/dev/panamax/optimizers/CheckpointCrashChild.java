package dev.panamax.optimizers;

import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The process {@link CheckpointCrashTest} kills: it resumes an Adam from the checkpoint if there is
 * one, then steps and saves in a loop, printing {@code saved <iterations>;} after each save, until
 * it is killed. Its gradients depend only on the step, so the optimizer's state after {@code k}
 * steps is the same in every process (the model's values are not part of the checkpoint).
 */
public final class CheckpointCrashChild {

    /** Elements of the one variable: a checkpoint of about {@code 8 * SIZE} bytes (512 KiB), so that a save takes a few milliseconds. */
    static final int SIZE = 1 << 16;

    private CheckpointCrashChild() {
    }

    static Adam newOptimizer() {
        return Adam.builder().learningRate(0.01).threads(1).build();
    }

    static Variable newVariable() {
        return new Variable("dense/kernel", Tensor.wrap(new float[SIZE]));
    }

    /** The gradient of step {@code step}: cheap to compute and different every step. */
    static Tensor gradient(long step) {
        float[] g = new float[SIZE];
        for (int i = 0; i < g.length; i++) {
            g[i] = ((step * 31 + i) % 17 - 8) * 0.01f;
        }
        return Tensor.wrap(g);
    }

    /** @param args the checkpoint file */
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        Variable w = newVariable();
        try (Adam adam = newOptimizer()) {
            adam.build(List.of(w));
            if (Files.exists(file)) {
                adam.load(file); // a failure here ends the process with a stack trace and a non-zero status
            }
            System.out.println("resumed " + adam.getIterations());
            System.out.flush();
            while (true) {
                adam.apply(List.of(gradient(adam.getIterations())), List.of(w));
                adam.save(file);
                System.out.println("saved " + adam.getIterations() + ";"); // ';': the line is whole
                System.out.flush();
            }
        }
    }
}
