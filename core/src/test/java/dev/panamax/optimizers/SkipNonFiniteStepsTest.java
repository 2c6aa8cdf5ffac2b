package dev.panamax.optimizers;

import static dev.panamax.optimizers.Fixtures.assertSameSnapshot;
import static dev.panamax.optimizers.Fixtures.snapshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.IndexedSlices;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;
import org.junit.jupiter.api.Test;

/** skipNonFiniteSteps: a step whose gradients hold NaN or Infinity changes nothing but the skipped-step counter. */
class SkipNonFiniteStepsTest {

    @Test
    void aStepWithOneInfinityChangesNothingButTheCounter() {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                try (Optimizer adam = Adam.builder().globalClipnorm(1).skipNonFiniteSteps(true).build();
                     Tensor a = Tensor.full(dtype, 1, 5); Tensor b = Tensor.full(dtype, 2, 300_000);
                     Tensor ga = Tensor.full(dtype, 0.5, 5); Tensor gb = Tensor.full(dtype, 0.25, 300_000)) {
                    List<Variable> vars = List.of(new Variable("a", a), new Variable("b", b));
                    adam.apply(List.of(ga, gb), vars);
                    gb.setDouble(299_999, bad);
                    List<long[]> before = snapshot(adam, vars);
                    adam.apply(List.of(ga, gb), vars);
                    assertSameSnapshot(before, snapshot(adam, vars));
                    assertEquals(1, adam.getIterations());
                    assertEquals(1, adam.getSkippedSteps());
                    gb.setDouble(299_999, 0.25);
                    adam.apply(List.of(ga, gb), vars);
                    assertEquals(2, adam.getIterations());
                    assertTrue(Double.isFinite(b.getDouble(0)));
                }
            }
        }
    }

    @Test
    void hugeFiniteFloat64GradientsAreNotSkipped() {
        // Their squares overflow a double; the confirming pass on a scaled copy sees they are finite.
        try (Optimizer sgd = SGD.builder().learningRate(() -> 1e-300).skipNonFiniteSteps(true).build();
             Tensor w = Tensor.full(DType.FLOAT64, 1, 4); Tensor g = Tensor.full(DType.FLOAT64, 1e300, 4)) {
            sgd.apply(List.of(g), List.of(new Variable("w", w)));
            assertEquals(0, sgd.getSkippedSteps());
            assertEquals(1, sgd.getIterations());
            assertEquals(0.0, w.getDouble(0), 1e-12);
        }
    }

    @Test
    void sparseGradientsAreCheckedToo() {
        try (Optimizer sgd = SGD.builder().skipNonFiniteSteps(true).build(); Tensor w = Tensor.full(DType.FLOAT32, 1, 4, 2)) {
            IndexedSlices g = new IndexedSlices(Tensor.of(new float[] {1, Float.NaN}, 1, 2), Tensor.wrap(new int[] {2}), 4, 2);
            sgd.apply(List.of(g), List.of(new Variable("emb", w)));
            assertEquals(1, sgd.getSkippedSteps());
            assertEquals(0, sgd.getIterations());
            assertEquals(1.0, w.getDouble(4));
        }
    }

    @Test
    void withoutTheOptionKerasAppliesTheStep() {
        try (Optimizer sgd = SGD.builder().build(); Tensor w = Tensor.full(DType.FLOAT32, 1, 2);
             Tensor g = Tensor.of(new float[] {Float.NaN, 1}, 2)) {
            sgd.apply(List.of(g), List.of(new Variable("w", w)));
            assertTrue(Double.isNaN(w.getDouble(0)));
            assertEquals(0, sgd.getSkippedSteps());
        }
    }
}
