package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.kernels.ScalarKernels;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.HalfFloats;
import dev.panamax.tensor.IndexedSlices;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bfloat16 and float16 variables updated directly: the step computes in float32 from the widened
 * variable and slots and rounds the new variable to nearest or, with {@code stochasticRounding},
 * stochastically with bits that depend on the seed, step, variable and element only.
 */
class HalfPrecisionVariablesTest {

    private static short[] halfData(DType dtype, long seed, double scale, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        short[] out = new short[n];
        for (int i = 0; i < n; i++) {
            float f = (float) (r.nextGaussian() * scale);
            out[i] = dtype == DType.BFLOAT16 ? HalfFloats.toBfloat16(f) : HalfFloats.toFloat16(f);
        }
        return out;
    }

    private static float[] data(long seed, double scale, int n) {
        return HalfPrecisionSlotsTest.data(seed, scale, n);
    }

    private static float widen(DType dtype, short h) {
        return dtype == DType.BFLOAT16 ? HalfFloats.bfloat16ToFloat(h) : HalfFloats.float16ToFloat(h);
    }

    private static short round(DType dtype, float f) {
        return dtype == DType.BFLOAT16 ? HalfFloats.toBfloat16(f) : HalfFloats.toFloat16(f);
    }

    @Test
    void adamOnA16BitVariableFollowsTheFloat32FormulaRoundedToNearest() {
        int n = 41;
        for (DType dtype : List.of(DType.BFLOAT16, DType.FLOAT16)) {
            short[] w = halfData(dtype, 1, 1, n);
            short[] expected = w.clone();
            short[] m = new short[n];
            short[] v = new short[n];
            Variable var = new Variable("w", Tensor.wrap(w, dtype, n));
            try (Adam adam = Adam.builder().learningRate(0.01).build()) {
                for (int step = 1; step <= 4; step++) {
                    float[] g = data(100 + step, 0.3, n);
                    adam.apply(List.of(Tensor.wrap(g)), List.of(var));
                    float b1p = (float) Math.pow(0.9f, step);
                    float b2p = (float) Math.pow(0.999f, step);
                    float alpha = (0.01f * (float) Math.sqrt(1 - b2p)) / (1 - b1p);
                    for (int i = 0; i < n; i++) {
                        // The slots default to the variable's dtype, as Keras makes them.
                        float mi = widen(dtype, m[i]) + (g[i] - widen(dtype, m[i])) * (1 - 0.9f);
                        float vi = widen(dtype, v[i]) + (g[i] * g[i] - widen(dtype, v[i])) * (1 - 0.999f);
                        expected[i] = round(dtype, widen(dtype, expected[i]) - (mi * alpha) / ((float) Math.sqrt(vi) + 1e-7f));
                        m[i] = round(dtype, mi);
                        v[i] = round(dtype, vi);
                    }
                    assertArrayEquals(expected, w, dtype.kerasName() + " step " + step);
                }
                assertEquals(dtype, adam.getSlot(var, "m").dtype());
                assertEquals(dtype, adam.getSlot(var, "v").dtype());
            }
        }
    }

    @Test
    void plainSgdOnAFloat16VariableIsTheRoundedFloat32Step() {
        int n = 19;
        short[] w = halfData(DType.FLOAT16, 5, 1, n);
        short[] expected = w.clone();
        Variable v = new Variable("w", Tensor.wrap(w, DType.FLOAT16, n));
        try (SGD sgd = SGD.builder().learningRate(0.1).build()) {
            for (int step = 1; step <= 3; step++) {
                float[] g = data(500 + step, 1, n);
                sgd.apply(List.of(Tensor.wrap(g)), List.of(v));
                for (int i = 0; i < n; i++) {
                    expected[i] = round(DType.FLOAT16, widen(DType.FLOAT16, expected[i]) - g[i] * 0.1f);
                }
                assertArrayEquals(expected, w, "step " + step);
            }
        }
    }

    @Test
    void stochasticRoundingMovesAVariableByUpdatesBelowHalfAnUlp() {
        // bfloat16's spacing at 1 is 2^-7; each step moves the variable by lr * grad = 1e-3, under
        // half of it, so rounding to nearest never moves it. Stochastic rounding moves it on average.
        int n = 100_000;
        for (Long seed : new Long[] {null, 7L}) {
            short[] w = new short[n];
            Arrays.fill(w, HalfFloats.toBfloat16(1f));
            Variable var = new Variable("w", Tensor.wrap(w, DType.BFLOAT16, n));
            float[] g = new float[n];
            Arrays.fill(g, 1f);
            SGD.Builder b = SGD.builder().learningRate(1e-3).momentum(0.0000001).slotDtype(DType.FLOAT32);
            if (seed != null) {
                b.stochasticRounding(seed);
            }
            try (SGD sgd = b.build()) {
                for (int step = 0; step < 10; step++) {
                    sgd.apply(List.of(Tensor.wrap(g)), List.of(var));
                }
            }
            double mean = 0;
            for (short h : w) {
                mean += HalfFloats.bfloat16ToFloat(h);
            }
            mean /= n;
            if (seed == null) {
                assertEquals(1.0, mean, 0.0, "to nearest, a step of 1e-3 rounds back to 1");
            } else {
                assertEquals(1.0 - 10 * 1e-3, mean, 2e-4, "stochastic rounding keeps the expected value");
            }
        }
    }

    @Test
    void stochasticRoundingGivesTheSameBitsOnEveryThreadCountMemoryAndKernel() {
        int n = 100_003;
        for (DType dtype : List.of(DType.BFLOAT16, DType.FLOAT16)) {
            short[] reference = run(dtype, n, () -> Lion.builder().learningRate(1e-3).threads(1)
                    .kernels(new ScalarKernels()).stochasticRounding(42), true);
            for (int threads : new int[] {1, 2}) {
                for (boolean heap : new boolean[] {true, false}) {
                    short[] got = run(dtype, n, () -> Lion.builder().learningRate(1e-3).threads(threads).stochasticRounding(42),
                            heap);
                    assertArrayEquals(reference, got, dtype.kerasName() + " threads " + threads + " heap " + heap);
                }
            }
            short[] otherSeed = run(dtype, n, () -> Lion.builder().learningRate(1e-3).stochasticRounding(43), true);
            assertFalse(Arrays.equals(reference, otherSeed), "another seed rounds otherwise");
            short[] nearest = run(dtype, n, () -> Lion.builder().learningRate(1e-3), true);
            assertFalse(Arrays.equals(reference, nearest), "stochastic rounding differs from rounding to nearest");
        }
    }

    /** Three Lion steps on a 16-bit variable (a wrapped short[] or off-heap) with a float32 gradient; its final bits. */
    private static short[] run(DType dtype, int n, Supplier<Lion.Builder> builder, boolean heap) {
        short[] w = halfData(dtype, 3, 1, n);
        Tensor value = Tensor.wrap(w, dtype, n);
        if (!heap) {
            Tensor offHeap = Tensor.zeros(dtype, n);
            offHeap.copyFrom(value);
            value = offHeap;
        }
        Variable var = new Variable("w", value);
        try (Lion lion = builder.get().build()) {
            for (int step = 1; step <= 3; step++) {
                lion.apply(List.of(Tensor.wrap(data(200 + step, 1, n))), List.of(var));
            }
        }
        short[] out = new short[n];
        for (int i = 0; i < n; i++) {
            out[i] = round(dtype, (float) value.getDouble(i));
        }
        if (!heap) {
            value.close();
        }
        return out;
    }

    @Test
    void float32SlotsOfA16BitVariableAndTheConfigRoundTrip() {
        try (Adam adam = Adam.builder().keras3(true).slotDtype(DType.FLOAT32).stochasticRounding(-5).build()) {
            Map<String, Object> config = adam.getConfig();
            assertEquals(-5L, config.get("stochastic_rounding_seed"));
            assertEquals(Map.of("momentum", "float32", "velocity", "float32", "velocity_hat", "float32"), config.get("slot_dtypes"));
            Variable v = new Variable("w", Tensor.zeros(DType.BFLOAT16, 3));
            adam.build(List.of(v));
            assertEquals(DType.FLOAT32, adam.getSlot(v, "momentum").dtype());
            try (Optimizer back = Optimizers.deserialize(Optimizers.serialize(adam))) {
                assertEquals(config, back.getConfig());
            }
        }
    }

    @Test
    void whatCannotUpdateA16BitVariableIsRefusedBeforeAnythingIsWritten() {
        short[] w = halfData(DType.BFLOAT16, 1, 1, 4);
        short[] before = w.clone();
        Variable v = new Variable("dense/kernel", Tensor.wrap(w, DType.BFLOAT16, 4));
        try (RMSprop rms = RMSprop.builder().build()) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> rms.apply(List.of(Tensor.of(1f, 2f, 3f, 4f)), List.of(v)));
            assertEquals("Variable 'dense/kernel' has dtype bfloat16: RMSprop updates float32 and float64 variables; SGD, Adam,"
                    + " AdamW and Lion also update bfloat16 and float16 ones. Or keep the variable in float32 (as Keras's mixed"
                    + " precision policies do) and store the optimizer's slots in bfloat16 with slotDtype", e.getMessage());
        }
        try (Adam adam = Adam.builder().keras3(true).useEma(true).build()) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> adam.apply(List.of(Tensor.of(1f, 2f, 3f, 4f)), List.of(v)));
            assertEquals("Variable 'dense/kernel' has dtype bfloat16: use_ema keeps averages of float32 and float64 variables only",
                    e.getMessage());
        }
        try (Lion lion = Lion.builder().weightDecay(0.1).build()) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> lion.apply(List.of(Tensor.of(1f, 2f, 3f, 4f)), List.of(v)));
            assertEquals("Variable 'dense/kernel' has dtype bfloat16: weight_decay on a 16-bit variable runs inside the fused"
                    + " kernels of Adam and AdamW only", e.getMessage());
        }
        try (Adam adam = Adam.builder().build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> adam.apply(List.of(Tensor.wrap(new short[4], DType.BFLOAT16, 4)), List.of(v)));
            assertEquals("Gradient for variable 'dense/kernel' has dtype bfloat16, expected float32 (the gradient of a bfloat16"
                    + " variable)", e.getMessage());
            IndexedSlices sparse = new IndexedSlices(Tensor.of(2f), Tensor.wrap(new long[] {1}), 4);
            UnsupportedOperationException u = assertThrows(UnsupportedOperationException.class,
                    () -> adam.apply(List.of(sparse), List.of(v)));
            assertTrue(u.getMessage().endsWith("16-bit variables take dense float32 gradients"), u.getMessage());
            assertEquals(0, adam.getIterations());
        }
        assertArrayEquals(before, w);
    }

    @Test
    void adamWDecaysA16BitVariableInItsKernelAndACheckpointResumesTheSameBits(@TempDir Path dir) throws Exception {
        int n = 64;
        short[] a = halfData(DType.BFLOAT16, 9, 1, n);
        short[] b = a.clone();
        Variable va = new Variable("w", Tensor.wrap(a, DType.BFLOAT16, n));
        Variable vb = new Variable("w", Tensor.wrap(b, DType.BFLOAT16, n));
        Path file = dir.resolve("adamw.safetensors");
        try (AdamW one = AdamW.builder().learningRate(1e-2).weightDecay(0.1).stochasticRounding(3).build()) {
            for (int step = 1; step <= 4; step++) {
                one.apply(List.of(Tensor.wrap(data(300 + step, 1, n))), List.of(va));
            }
        }
        try (AdamW first = AdamW.builder().learningRate(1e-2).weightDecay(0.1).stochasticRounding(3).build()) {
            for (int step = 1; step <= 2; step++) {
                first.apply(List.of(Tensor.wrap(data(300 + step, 1, n))), List.of(vb));
            }
            first.save(file);
        }
        try (AdamW second = AdamW.builder().learningRate(1e-2).weightDecay(0.1).stochasticRounding(3).build()) {
            second.build(List.of(vb));
            second.load(file);
            for (int step = 3; step <= 4; step++) {
                second.apply(List.of(Tensor.wrap(data(300 + step, 1, n))), List.of(vb));
            }
        }
        assertArrayEquals(a, b);
    }

    @Test
    void lossScaleOptimizerStepsAFloat16VariableAndSkipsAnOverflow() {
        // float16 training as Keras 3 runs it: the loss is scaled (here by 2^15) so that small
        // gradients survive the float16 backward pass, and the wrapper divides them back before the
        // inner optimizer's step; a gradient that overflowed skips the step and halves the scale.
        int n = 8;
        short[] w = halfData(DType.FLOAT16, 4, 1, n);
        short[] expected = w.clone();
        Variable v = new Variable("w", Tensor.wrap(w, DType.FLOAT16, n));
        float[] g = data(400, 1e-3, n);
        float[] scaled = new float[n];
        for (int i = 0; i < n; i++) {
            scaled[i] = g[i] * 0x1p15f;
        }
        try (LossScaleOptimizer lso = LossScaleOptimizer.builder(SGD.builder().keras3(true).learningRate(0.5).momentum(0.5).build())
                .initialScale(0x1p15).build()) {
            lso.apply(List.of(Tensor.wrap(scaled)), List.of(v));
            for (int i = 0; i < n; i++) {
                // SGD's first step with momentum: accum = -g * lr, var += accum; g is scaled back exactly (a power of two).
                float accum = 0 * 0.5f - g[i] * 0.5f;
                expected[i] = round(DType.FLOAT16, widen(DType.FLOAT16, expected[i]) + accum);
            }
            assertArrayEquals(expected, w);
            float[] overflow = scaled.clone();
            overflow[3] = Float.POSITIVE_INFINITY;
            lso.apply(List.of(Tensor.wrap(overflow)), List.of(v));
            assertArrayEquals(expected, w, "a step with a non-finite gradient changes nothing");
            assertEquals(0x1p14, lso.getDynamicScale());
            assertEquals(1, lso.getIterations());
        }
    }
}
