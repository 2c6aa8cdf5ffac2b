package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.HalfFloats;
import dev.panamax.tensor.IndexedSlices;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slots stored in bfloat16 or float16 ({@code slotDtype}): the step computes in float32 and rounds
 * only the stored slots. Each algorithm is checked against a loop written here from its float32
 * formula, with the stored moments rounded by {@link HalfFloats}.
 */
class HalfPrecisionSlotsTest {

    private static final int N = 37;

    private static float[] data(long seed, double scale) {
        return data(seed, scale, N);
    }

    /** {@code n} Gaussian floats of standard deviation {@code scale} (shared with {@link HalfPrecisionVariablesTest}). */
    static float[] data(long seed, double scale, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (r.nextGaussian() * scale);
        }
        return out;
    }

    private static UnaryOperator<Float> rounding(DType dtype) {
        return dtype == DType.BFLOAT16 ? f -> HalfFloats.bfloat16ToFloat(HalfFloats.toBfloat16(f))
                : dtype == DType.FLOAT16 ? f -> HalfFloats.float16ToFloat(HalfFloats.toFloat16(f)) : f -> f;
    }

    @Test
    void adamWithBfloat16MomentsFollowsTheFloat32FormulaWithRoundedStoredMoments() {
        for (DType mType : List.of(DType.BFLOAT16, DType.FLOAT16, DType.FLOAT32)) {
            DType vType = DType.BFLOAT16;
            float[] w = data(1, 1);
            float[] expected = w.clone();
            float[] m = new float[N];
            float[] v = new float[N];
            UnaryOperator<Float> roundM = rounding(mType);
            UnaryOperator<Float> roundV = rounding(vType);
            Variable var = new Variable("w", Tensor.wrap(w));
            try (Adam adam = Adam.builder().learningRate(0.01).slotDtype(vType).slotDtype("m", mType).build()) {
                for (int step = 1; step <= 4; step++) {
                    float[] g = data(100 + step, 0.3);
                    adam.apply(List.of(Tensor.wrap(g)), List.of(var));
                    // TF2's Adam in float32: alpha = lr * sqrt(1 - b2^t) / (1 - b1^t), as AdaptiveMoments computes it.
                    float b1p = (float) Math.pow(0.9f, step);
                    float b2p = (float) Math.pow(0.999f, step);
                    float alpha = (0.01f * (float) Math.sqrt(1 - b2p)) / (1 - b1p);
                    for (int i = 0; i < N; i++) {
                        float mi = m[i] + (g[i] - m[i]) * (1 - 0.9f);
                        float vi = v[i] + (g[i] * g[i] - v[i]) * (1 - 0.999f);
                        expected[i] = expected[i] - (mi * alpha) / ((float) Math.sqrt(vi) + 1e-7f);
                        m[i] = roundM.apply(mi);
                        v[i] = roundV.apply(vi);
                    }
                    assertArrayEquals(expected, w, "m " + mType.kerasName() + ", step " + step);
                }
                Tensor mSlot = adam.getSlot(var, "m");
                Tensor vSlot = adam.getSlot(var, "v");
                assertEquals(mType, mSlot.dtype());
                assertEquals(vType, vSlot.dtype());
                assertArrayEquals(m, mSlot.toFloatArray());
                assertArrayEquals(v, vSlot.toFloatArray());
                assertTrue(vSlot.isNative(), "16-bit slots are off-heap, even a wrapped variable's");
                assertEquals(mType != DType.FLOAT32, mSlot.isNative(), "a wrapped variable's float32 slots are Java arrays");
            }
        }
    }

    @Test
    void roundingTheStoredSlotsChangesTheResultButNotMuch() {
        float[] a = data(1, 1);
        float[] b = a.clone();
        Variable va = new Variable("w", Tensor.wrap(a));
        Variable vb = new Variable("w", Tensor.wrap(b));
        try (Adam full = Adam.builder().learningRate(0.01).build();
             Adam half = Adam.builder().learningRate(0.01).slotDtype(DType.BFLOAT16).build()) {
            for (int step = 1; step <= 20; step++) {
                float[] g = data(100 + step, 0.3);
                full.apply(List.of(Tensor.wrap(g)), List.of(va));
                half.apply(List.of(Tensor.wrap(g.clone())), List.of(vb));
            }
        }
        assertFalse(java.util.Arrays.equals(a, b), "bfloat16 moments must round");
        for (int i = 0; i < N; i++) {
            assertEquals(a[i], b[i], 0.01, "element " + i);
        }
    }

    @Test
    void sgdMomentumInFloat16AndLionInBfloat16FollowTheirFormulas() {
        float[] w = data(2, 1);
        float[] expected = w.clone();
        float[] accum = new float[N];
        Variable var = new Variable("w", Tensor.of(w, N));
        try (SGD sgd = SGD.builder().learningRate(0.1).momentum(0.9).nesterov(true).slotDtype(DType.FLOAT16).build()) {
            for (int step = 1; step <= 3; step++) {
                float[] g = data(200 + step, 1);
                sgd.apply(List.of(Tensor.of(g, N)), List.of(var));
                for (int i = 0; i < N; i++) {
                    float a = accum[i] * 0.9f - g[i] * 0.1f;
                    expected[i] = expected[i] + (a * 0.9f - g[i] * 0.1f);
                    accum[i] = rounding(DType.FLOAT16).apply(a);
                }
                assertArrayEquals(expected, var.value().toFloatArray(), "SGD step " + step);
            }
            assertEquals(DType.FLOAT16, sgd.getSlot(var, "momentum").dtype());
            assertTrue(sgd.getSlot(var, "momentum").isNative());
        }

        float[] lw = data(3, 1);
        float[] lexpected = lw.clone();
        float[] lm = new float[N];
        Variable lvar = new Variable("w", Tensor.wrap(lw));
        try (Lion lion = Lion.builder().learningRate(0.01).slotDtype(DType.BFLOAT16).build()) {
            for (int step = 1; step <= 3; step++) {
                float[] g = data(300 + step, 1);
                lion.apply(List.of(Tensor.wrap(g)), List.of(lvar));
                for (int i = 0; i < N; i++) {
                    float u = lm[i] * 0.9f + g[i] * (1 - 0.9f);
                    lexpected[i] = lexpected[i] - 0.01f * Math.signum(u);
                    lm[i] = rounding(DType.BFLOAT16).apply(lm[i] * 0.99f + g[i] * (float) (1 - 0.99f));
                }
                assertArrayEquals(lexpected, lw, "Lion step " + step);
            }
            assertArrayEquals(lm, lion.getSlot(lvar, "momentum").toFloatArray());
        }
    }

    @Test
    void float32SlotDtypeIsTheDefault() {
        float[] a = data(4, 1);
        float[] b = a.clone();
        try (Adam plain = Adam.builder().build(); Adam explicit = Adam.builder().slotDtype(DType.FLOAT32).build()) {
            Variable va = new Variable("w", Tensor.wrap(a));
            Variable vb = new Variable("w", Tensor.wrap(b));
            plain.apply(List.of(Tensor.wrap(data(5, 1))), List.of(va));
            explicit.apply(List.of(Tensor.wrap(data(5, 1))), List.of(vb));
            assertArrayEquals(a, b);
            assertEquals(DType.FLOAT32, explicit.getSlot(vb, "m").dtype());
            assertEquals(Map.of("m", "float32", "v", "float32", "vhat", "float32"), explicit.getConfig().get("slot_dtypes"),
                    "a chosen dtype is written, float32 too (16-bit variables' slots would otherwise be 16-bit)");
            assertFalse(plain.getConfig().containsKey("slot_dtypes"), "no choice writes Keras's config unchanged");
        }
    }

    @Test
    void keras3NamesAndTheConfigRoundTrip() {
        try (AdamW adamw = AdamW.builder().slotDtype("momentum", DType.BFLOAT16).build()) {
            Map<String, Object> config = adamw.getConfig();
            assertEquals(Map.of("momentum", "bfloat16"), config.get("slot_dtypes"));
            try (Optimizer back = Optimizers.deserialize(Optimizers.serialize(adamw))) {
                assertEquals(config, back.getConfig());
                Variable v = new Variable("w", Tensor.wrap(new float[] {1, 2}));
                back.build(List.of(v));
                assertEquals(DType.BFLOAT16, back.getSlot(v, "momentum").dtype());
                assertEquals(DType.FLOAT32, back.getSlot(v, "velocity").dtype());
            }
        }
        try (Adam adam = Adam.fromConfig(Map.of("learning_rate", 0.1, "slot_dtypes", Map.of("m", "float16", "v", "bfloat16")))) {
            Variable v = new Variable("w", Tensor.wrap(new float[] {1}));
            adam.build(List.of(v));
            assertEquals(DType.FLOAT16, adam.getSlot(v, "m").dtype());
            assertEquals(DType.BFLOAT16, adam.getSlot(v, "v").dtype());
        }
    }

    @Test
    void badChoicesAreRefusedWithTheirNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RMSprop.builder().slotDtype(DType.BFLOAT16).build());
        assertEquals("RMSprop cannot store its slots in another dtype: slotDtype is supported by SGD (with momentum), Adam, AdamW"
                + " and Lion", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Adam.builder().slotDtype("momentum", DType.BFLOAT16).build());
        assertTrue(e.getMessage().startsWith("slotDtype: Adam has no slot 'momentum' it can store in 16 bits; expected one of "),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Adam.builder().slotDtype(DType.INT32).build());
        assertEquals("slotDtype must be bfloat16, float16 or float32, got int32", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Adam.builder().slotDtype("v", DType.FLOAT64).build());
        assertEquals("slotDtype of slot 'v' must be bfloat16, float16 or float32, got float64", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Adam.builder().lazy(true).slotDtype(DType.BFLOAT16).build());
        assertEquals("lazy sparse updates need float32 slots: the slots are stored in bfloat16 (slotDtype)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Adam.fromConfig(Map.of("slot_dtypes", Map.of("m", "half"))));
        assertTrue(e.getMessage().contains("'half'"), e.getMessage());
    }

    @Test
    void float64VariablesWith16BitSlotsAreRefusedBeforeAnythingIsWritten() {
        double[] values = {1, 2, 3};
        Variable f64 = new Variable("dense/kernel", Tensor.wrap(values.clone()));
        try (Adam adam = Adam.builder().slotDtype(DType.BFLOAT16).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> adam.apply(List.of(Tensor.wrap(new double[] {1, 1, 1})), List.of(f64)));
            assertEquals("Variable 'dense/kernel' has dtype float64: slots stored in bfloat16 (slotDtype) are computed in float32"
                    + " with float32 or 16-bit variables", e.getMessage());
            assertArrayEquals(values, f64.value().toDoubleArray());
            assertEquals(0, adam.getIterations());
        }
    }

    @Test
    void sparseGradientsTakeTheDensePath() {
        float[] a = data(6, 1, 36);
        float[] b = a.clone();
        Variable va = new Variable("e", Tensor.wrap(a, 4, 9));
        Variable vb = new Variable("e", Tensor.wrap(b, 4, 9));
        float[] rows = data(7, 1);
        float[] dense = new float[36];
        System.arraycopy(rows, 0, dense, 9, 18); // rows 1 and 2
        try (SGD sparse = SGD.builder().momentum(0.9).slotDtype(DType.BFLOAT16).build();
             SGD full = SGD.builder().momentum(0.9).slotDtype(DType.BFLOAT16).build()) {
            for (int step = 0; step < 2; step++) {
                IndexedSlices g = new IndexedSlices(Tensor.wrap(java.util.Arrays.copyOf(rows, 18), 2, 9),
                        Tensor.wrap(new long[] {1, 2}), new long[] {4, 9});
                sparse.apply(List.of(g), List.of(va));
                full.apply(List.of(Tensor.wrap(dense.clone(), 4, 9)), List.of(vb));
            }
            assertArrayEquals(b, a);
            assertNotEquals(data(6, 1, 36)[10], a[10]);
        }
    }

    @Test
    void checkpointsKeepTheSlotsBits(@TempDir Path dir) throws Exception {
        Variable v = new Variable("w", Tensor.wrap(data(8, 1)));
        Path file = dir.resolve("adam.safetensors");
        float[] m;
        try (Adam adam = Adam.builder().slotDtype(DType.FLOAT16).build()) {
            adam.apply(List.of(Tensor.wrap(data(9, 1))), List.of(v));
            m = adam.getSlot(v, "m").toFloatArray();
            adam.save(file);
        }
        String header = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(header.contains("\"F16\""), "the slots are stored as float16");
        try (Adam back = Adam.builder().slotDtype(DType.FLOAT16).build()) {
            back.build(List.of(v));
            back.load(file);
            assertArrayEquals(m, back.getSlot(v, "m").toFloatArray());
            assertEquals(1, back.getIterations());
        }
    }
}
