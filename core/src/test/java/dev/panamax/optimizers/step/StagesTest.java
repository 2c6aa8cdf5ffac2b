package dev.panamax.optimizers.step;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.kernels.HostTensorKernels;
import dev.panamax.kernels.ScalarKernels;
import dev.panamax.kernels.TensorKernelsLookup;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.state.OptimizerVariables;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.IndexedSlices;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each stage of a step on its own, with hand-computed float32 results in Keras's operation order. */
class StagesTest {

    private final TensorKernelsLookup kernels = new TensorKernelsLookup(new HostTensorKernels(new ScalarKernels(),
            ChunkedExecutor.shared(1)));
    private final GradientBuffers buffers = new GradientBuffers(kernels);
    private final OptimizerVariables store = new OptimizerVariables("opt");

    @AfterEach
    void close() {
        buffers.close();
        store.close();
    }

    private static Variable variable(String name, float... values) {
        return new Variable(name, Tensor.of(values));
    }

    private static List<GradientAndVariable> pairs(Variable v, float... gradient) {
        return List.of(new GradientAndVariable(Tensor.wrap(gradient), v));
    }

    private static float[] values(List<GradientAndVariable> pairs, int i) {
        return GradientBuffers.denseValues(pairs.get(i).gradient()).toFloatArray();
    }

    private void build(Variable... vars) {
        store.startBuild(List.of(vars));
        store.finishBuild();
    }

    @Test
    void filterEmptyGradientsDropsNullsAndRefusesAllNull() {
        Variable a = variable("a", 1);
        Variable b = variable("b", 1);
        List<GradientAndVariable> in = new ArrayList<>();
        in.add(new GradientAndVariable(null, a));
        in.add(new GradientAndVariable(Tensor.wrap(new float[] {1}), b));
        assertEquals(List.of(in.get(1)), FilterEmptyGradients.apply(in));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FilterEmptyGradients.apply(List.of(new GradientAndVariable(null, a))));
        assertEquals("No gradients provided for any variable: ['a'].", e.getMessage());
    }

    @Test
    void gradientStagesWriteCopiesNeverTheCallersTensor() {
        Variable v = variable("v", 0, 0);
        List<GradientAndVariable> in = pairs(v, 3, -4);
        List<GradientAndVariable> scaled = new ScaleLoss(4, buffers, kernels).apply(in);
        assertArrayEquals(new float[] {0.75f, -1}, values(scaled, 0));
        assertArrayEquals(new float[] {3, -4}, values(in, 0));
        assertArrayEquals(new float[] {0.5f, -0.5f}, values(new ClipByValue(0.5, buffers, kernels).apply(in), 0));
        // clip_by_norm: g * 1 / max(5, 1)
        assertArrayEquals(new float[] {3f * 1 / 5, -4f * 1 / 5}, values(new ClipByNorm(1, buffers, kernels).apply(in), 0));
        assertArrayEquals(new float[] {3, -4}, values(new ClipByNorm(10, buffers, kernels).apply(in), 0));
        assertArrayEquals(new float[] {3, -4}, values(in, 0));
    }

    @Test
    void globalNormOfTf2AndKeras3AgreeAndNonFiniteGivesNaN() {
        Variable a = variable("a", 0, 0);
        Variable b = variable("b", 0);
        List<GradientAndVariable> in = List.of(new GradientAndVariable(Tensor.wrap(new float[] {3, 0}), a),
                new GradientAndVariable(Tensor.wrap(new float[] {4}), b));
        for (boolean tf2 : new boolean[] {true, false}) {
            List<GradientAndVariable> out = new ClipByGlobalNorm(1, tf2, buffers, kernels).apply(in);
            float scale = 1f * Math.min(1f / 5, 1f / 1);
            assertArrayEquals(new float[] {3 * scale, 0}, values(out, 0));
            assertArrayEquals(new float[] {4 * scale}, values(out, 1));
        }
        List<GradientAndVariable> inf = List.of(new GradientAndVariable(Tensor.wrap(new float[] {Float.POSITIVE_INFINITY, 1}), a));
        assertTrue(Float.isNaN(values(new ClipByGlobalNorm(1, false, buffers, kernels).apply(inf), 0)[1]));
    }

    @Test
    void accumulationAddsThenAveragesThenResets() {
        Variable v = variable("dense/kernel", 1, 2);
        build(v);
        AccumulateGradients acc = new AccumulateGradients(3, store, buffers, kernels);
        acc.build(List.of(v));
        assertEquals(List.of("dense_kernel_gradient_accumulator"), List.of(store.created().get(0).name()));
        assertFalse(acc.isUpdateStep(0));
        assertFalse(acc.isUpdateStep(1));
        assertTrue(acc.isUpdateStep(2));
        acc.accumulate(pairs(v, 1, 2));
        acc.accumulate(pairs(v, 0.5f, 0.25f));
        assertArrayEquals(new float[] {1.5f, 2.25f}, store.find(v, AccumulateGradients.NAME).toFloatArray());
        assertArrayEquals(new float[] {(0.1f + 1.5f) / 3, (0.2f + 2.25f) / 3}, values(acc.averaged(pairs(v, 0.1f, 0.2f)), 0));
        acc.reset();
        assertArrayEquals(new float[] {0, 0}, store.find(v, AccumulateGradients.NAME).toFloatArray());
        // A sparse gradient is made dense, repeated rows added.
        Variable rows = new Variable("emb", Tensor.of(new float[4], 2, 2));
        OptimizerVariables other = new OptimizerVariables("opt");
        other.startBuild(List.of(rows));
        AccumulateGradients sparse = new AccumulateGradients(2, other, buffers, kernels);
        sparse.build(List.of(rows));
        other.finishBuild();
        sparse.accumulate(List.of(new GradientAndVariable(new IndexedSlices(Tensor.wrap(new float[] {1, 2, 3, 4}, 2, 2),
                Tensor.wrap(new int[] {1, 1}), 2, 2), rows)));
        assertArrayEquals(new float[] {0, 0, 4, 6}, other.find(rows, AccumulateGradients.NAME).toFloatArray());
        other.close();
        rows.value().close();
    }

    @Test
    void weightDecayFollowsKerasAndItsExclusions() {
        Variable kernel = variable("dense/kernel", 2, -4);
        Variable bias = variable("dense/bias", 2);
        Variable other = variable("other/kernel", 2);
        WeightDecay wd = new WeightDecay(0.25, kernels);
        wd.exclude(List.of(other), List.of("bi.s"));
        assertFalse(wd.appliesTo(bias));
        assertFalse(wd.appliesTo(other));
        assertTrue(wd.appliesTo(kernel));
        Variable fused = variable("dense_1/kernel", 2);
        wd.apply(List.of(kernel, bias, other, fused), t -> 0.5, v -> 0.25, v -> v == fused);
        assertArrayEquals(new float[] {2 - 2 * 0.25f * 0.5f, -4 - -4 * 0.25f * 0.5f}, kernel.value().toFloatArray());
        assertArrayEquals(new float[] {2}, fused.value().toFloatArray(), "its update decays it");
        assertEquals(0.25, wd.rateOf(fused, v -> 0.25));
        assertNull(wd.rateOf(bias, v -> 0.25), "excluded");
        assertArrayEquals(new float[] {2}, bias.value().toFloatArray());
        assertArrayEquals(new float[] {2}, other.value().toFloatArray());
        wd.checkExclusions(List.of(kernel, bias, other));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wd.checkExclusions(List.of(kernel, bias)));
        assertTrue(e.getMessage().contains("variable 'other/kernel' is not one of the optimizer's variables"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> wd.exclude(null, List.of("(")));
    }

    @Test
    void movingAverageStartsAsTheVariableThenBlendsThenOverwrites() {
        Variable v = variable("v", 2, 4);
        build(v);
        MovingAverage ema = new MovingAverage(0.5, 2, false, store, kernels);
        ema.build(List.of(v));
        ema.update(0);
        Tensor average = store.find(v, MovingAverage.NAME);
        assertArrayEquals(new float[] {2, 4}, average.toFloatArray());
        v.value().copyFrom(Tensor.wrap(new float[] {0, 0}));
        ema.update(1); // (1 + 1) % 2 == 0: blend, then overwrite the variable
        assertArrayEquals(new float[] {1, 2}, average.toFloatArray());
        assertArrayEquals(new float[] {1, 2}, v.value().toFloatArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ema.overwriteVariables(List.of()));
        assertTrue(e.getMessage().startsWith("The length of model variables (0) to override does not match"), e.getMessage());
    }

    @Test
    void gradientsMeetTheirVariablesInTheSameKindOfMemory() {
        Variable heap = new Variable("h", Tensor.wrap(new float[] {1, 2}));
        Variable offHeap = variable("o", 1, 2);
        build(heap, offHeap);
        Tensor heapGradient = Tensor.wrap(new float[] {3, 4});
        Tensor nativeGradient = Tensor.of(new float[] {5, 6});
        try (GradientBuffers buffers = new GradientBuffers(kernels)) {
            List<GradientAndVariable> same = List.of(new GradientAndVariable(heapGradient, heap),
                    new GradientAndVariable(nativeGradient, offHeap));
            assertSame(same, buffers.inVariableKind(same), "nothing to copy");
            List<GradientAndVariable> crossed = buffers.inVariableKind(List.of(new GradientAndVariable(nativeGradient, heap),
                    new GradientAndVariable(heapGradient, offHeap)));
            Tensor forHeap = (Tensor) crossed.get(0).gradient();
            Tensor forNative = (Tensor) crossed.get(1).gradient();
            assertFalse(forHeap.isNative(), "a Java-array copy for the heap variable");
            assertTrue(forNative.isNative(), "an off-heap copy for the off-heap variable");
            assertArrayEquals(new float[] {5, 6}, forHeap.toFloatArray());
            assertArrayEquals(new float[] {3, 4}, forNative.toFloatArray());
            assertArrayEquals(new float[] {3, 4}, heapGradient.toFloatArray(), "the caller's tensors stay as they are");
        } finally {
            nativeGradient.close();
        }
    }

    @Test
    void checksNameTheVariableAndWhatWasExpected() {
        Variable v = variable("dense/kernel", 1, 2);
        build(v);
        GradientChecks checks = new GradientChecks(store, kernels, false, null, v16 -> { });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> checks.check(pairs(v, 1, 2, 3), ""));
        assertEquals("Gradient for variable 'dense/kernel' has shape [3], expected [2] (the variable's shape)", e.getMessage());
        Variable stranger = variable("x", 1);
        e = assertThrows(IllegalArgumentException.class, () -> checks.check(pairs(stranger, 1), ""));
        assertTrue(e.getMessage().startsWith("The optimizer cannot recognize variable x."), e.getMessage());
        List<GradientAndVariable> twice = new ArrayList<>(pairs(v, 1, 2));
        twice.addAll(pairs(v, 1, 2));
        e = assertThrows(IllegalArgumentException.class, () -> checks.check(twice, ""));
        assertEquals("Variable 'dense/kernel' has two gradients in one step (pairs 0 and 1); add them into one gradient",
                e.getMessage());
        checks.check(pairs(v, 1, 2), ""); // a new pass: the same variable once is fine
        assertEquals(DType.FLOAT32, v.dtype());
    }
}
