package dev.panamax.optimizers;

import static dev.panamax.optimizers.Fixtures.assertSameSnapshot;
import static dev.panamax.optimizers.Fixtures.snapshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A step either happens whole or changes nothing; the one exception, a failing constraint, leaves a consistent optimizer. */
class AllOrNothingStepTest {

    private static List<Variable> twoVariables(dev.panamax.tensor.Constraint constraintOfB) {
        return List.of(new Variable("a", Tensor.full(DType.FLOAT32, 1, 4)),
                new Variable("b", Tensor.full(DType.FLOAT32, 2, 3), true, constraintOfB));
    }

    private static List<Tensor> gradients() {
        return List.of(Tensor.full(DType.FLOAT32, 0.5, 4), Tensor.full(DType.FLOAT32, -0.5, 3));
    }

    @Test
    void aClosedSlotOfTheSecondVariableIsFoundBeforeTheFirstIsWritten() {
        List<Variable> vars = twoVariables(null);
        List<Tensor> grads = gradients();
        try (Optimizer adam = Adam.builder().build()) {
            adam.apply(grads, vars);
            adam.getSlot(vars.get(1), "v").close();
            List<long[]> before = snapshotOfVariables(vars);
            long iterations = adam.getIterations();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> adam.apply(grads, vars));
            assertEquals("Optimizer variable 'adam/b_v' is closed; the optimizer owns its slots and frees them when it is"
                    + " closed", e.getMessage());
            assertSameSnapshot(before, snapshotOfVariables(vars));
            assertEquals(iterations, adam.getIterations());
        } finally {
            close(vars, grads);
        }
    }

    @Test
    void aThrowingConstraintIsReportedNamingItsVariableAndTheStepStaysWhole() {
        for (boolean keras3 : new boolean[] {false, true}) {
            List<Variable> vars = twoVariables(t -> {
                throw new ArithmeticException("user bug");
            });
            List<Tensor> grads = gradients();
            try (Optimizer sgd = SGD.builder().keras3(keras3).learningRate(0.1).build()) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> sgd.apply(grads, vars));
                assertTrue(e.getMessage().startsWith("The constraint of variable 'b' threw java.lang.ArithmeticException: user bug;"
                        + " the step went on"), e.getMessage());
                assertTrue(e.getCause() instanceof ArithmeticException);
                // Both variables were updated once and the step was counted.
                assertEquals(0.95f, vars.get(0).value().toFloatArray()[0], "a, keras3=" + keras3);
                assertEquals(2.05f, vars.get(1).value().toFloatArray()[0], "b, keras3=" + keras3);
                assertEquals(1, sgd.getIterations());
            } finally {
                close(vars, grads);
            }
        }
    }

    @Test
    void aSupplierThatGivesNaNMidTrainingChangesNothing() {
        double[] lr = {0.01};
        List<Variable> vars = twoVariables(null);
        List<Tensor> grads = gradients();
        try (Optimizer adam = Adam.builder().learningRate(() -> lr[0]).build()) {
            adam.apply(grads, vars);
            lr[0] = Double.NaN;
            List<long[]> before = snapshot(adam, vars);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> adam.apply(grads, vars));
            assertEquals("Optimizer 'Adam': learning_rate for step 1 is NaN (from its supplier); expected a finite learning_rate"
                    + " >= 0. The step changed nothing", e.getMessage());
            assertSameSnapshot(before, snapshot(adam, vars));
            lr[0] = 0.01;
            adam.apply(grads, vars); // and the optimizer goes on
            assertEquals(2, adam.getIterations());
        } finally {
            close(vars, grads);
        }
    }

    @Test
    void setWeightsRefusesAStepCounterThatWouldOverflowAndWritesNothing() {
        List<Variable> vars = twoVariables(null);
        List<Tensor> grads = gradients();
        try (Optimizer adam = Adam.builder().build()) {
            adam.apply(grads, vars);
            List<Tensor> weights = new java.util.ArrayList<>(adam.getWeights());
            List<long[]> before = snapshot(adam, vars);
            weights.set(0, Tensor.scalar(DType.FLOAT64, 1e30));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> adam.setWeights(weights));
            assertEquals("weight 0 (iterations) must be a non-negative integer below 2^53, got 1.0E30", e.getMessage());
            assertSameSnapshot(before, snapshot(adam, vars));
        } finally {
            close(vars, grads);
        }
    }

    @Test
    void aClosedOptimizerSaysItIsClosed() {
        List<Variable> vars = twoVariables(null);
        List<Tensor> grads = gradients();
        try {
            Optimizer adam = Adam.builder().build();
            adam.apply(grads, vars);
            adam.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> adam.getSlot(vars.get(0), "m"));
            assertEquals("Optimizer 'Adam' is closed", e.getMessage());
        } finally {
            close(vars, grads);
        }
    }

    private static List<long[]> snapshotOfVariables(List<Variable> vars) {
        return vars.stream().map(v -> Fixtures.bits(v.value())).toList();
    }

    private static void close(List<Variable> vars, List<Tensor> grads) {
        vars.forEach(v -> v.value().close());
        grads.forEach(Tensor::close);
    }
}
