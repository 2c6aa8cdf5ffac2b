package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.kernels.ScalarKernels;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small helpers shared by the optimizer tests. */
final class Fixtures {

    private Fixtures() {
    }

    static final ScalarKernels SCALAR = new ScalarKernels();

    /** A heap-backed (no close needed) rank-1 variable of {@code dtype} holding {@code values} rounded to it. */
    static Variable variable(String name, DType dtype, double... values) {
        return new Variable(name, tensor(dtype, values));
    }

    /** A heap-backed rank-1 tensor of {@code dtype} holding {@code values} rounded to it. */
    static Tensor tensor(DType dtype, double... values) {
        return switch (dtype) {
            case FLOAT32 -> {
                float[] f = new float[values.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) values[i];
                }
                yield Tensor.wrap(f);
            }
            case FLOAT64 -> Tensor.wrap(values.clone());
            default -> throw new IllegalArgumentException(dtype.toString());
        };
    }

    /**
     * Keras 3's {@code test_weight_decay} (the same in every optimizer's test file): with zero
     * gradients, var1 is decayed by three optimizers (lr 1, weight decay 0.004), to 2 * 0.996^3 =
     * 1.9760959; var2, excluded by name, and var3, excluded as a variable, stay 2. The float32 result
     * is also Keras's operation order, {@code var - ((var * wd) * lr)} three times.
     */
    static void assertKeras3WeightDecay(java.util.function.Supplier<Optimizer> make) {
        Variable var1 = new Variable("var1", Tensor.wrap(new float[] {2}, new long[0]));
        Variable var2 = new Variable("exclude", Tensor.wrap(new float[] {2}, new long[0]));
        Variable var3 = new Variable("var3", Tensor.wrap(new float[] {2}, new long[0]));
        Tensor zero = Tensor.wrap(new float[] {0}, new long[0]);
        try (Optimizer o1 = make.get(); Optimizer o2 = make.get(); Optimizer o3 = make.get()) {
            o1.apply(List.of(zero), List.of(var1));
            o2.excludeFromWeightDecay(null, List.of("exclude"));
            o2.apply(List.of(zero, zero), List.of(var1, var2));
            o3.excludeFromWeightDecay(List.of(var3), null);
            o3.apply(List.of(zero, zero), List.of(var1, var3));
        }
        assertEquals(1.9760959, var1.value().getDouble(0), 1e-6);
        assertEquals(2.0, var2.value().getDouble(0));
        assertEquals(2.0, var3.value().getDouble(0));
        float w = 2;
        for (int i = 0; i < 3; i++) {
            w = w - w * 0.004f * 1.0f;
        }
        assertEquals(w, (float) var1.value().getDouble(0));
    }

    /** A serialized optimizer in Keras 3's form: module, class_name, config, registered_name. */
    static Map<String, Object> keras3Form(String className, Map<String, ?> config) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("module", "keras.optimizers");
        m.put("class_name", className);
        m.put("config", config);
        m.put("registered_name", null);
        return m;
    }

    /** The exact bits of every variable and every optimizer weight (iterations and slots). */
    static List<long[]> snapshot(Optimizer opt, List<Variable> vars) {
        List<long[]> out = new ArrayList<>();
        for (Variable v : vars) {
            out.add(bits(v.value()));
        }
        for (Tensor w : opt.getWeights()) {
            out.add(bits(w));
        }
        return out;
    }

    static long[] bits(Tensor t) {
        long[] b = new long[Math.toIntExact(t.size())];
        for (int i = 0; i < b.length; i++) {
            b[i] = Double.doubleToRawLongBits(t.getDouble(i));
        }
        return b;
    }

    static void assertSameSnapshot(List<long[]> before, List<long[]> after) {
        assertEquals(before.size(), after.size(), "number of tensors");
        for (int i = 0; i < before.size(); i++) {
            assertTrue(Arrays.equals(before.get(i), after.get(i)), "tensor " + i + " was modified");
        }
    }

    /** Bit-exact comparison of a tensor with expected values (already rounded to its dtype). */
    static void assertExactly(double[] expected, Tensor actual, String what) {
        assertEquals(expected.length, actual.size(), what + ": size");
        for (int i = 0; i < expected.length; i++) {
            double e = actual.dtype().round(expected[i]);
            double a = actual.getDouble(i);
            if (Double.doubleToRawLongBits(e) != Double.doubleToRawLongBits(a)) {
                throw new AssertionError(what + "[" + i + "]: expected " + e + " but was " + a + " (" + actual.dtype().kerasName() + ")");
            }
        }
    }

    /** |actual - expected| <= atol + rtol * |expected| for each element (numpy's allclose). */
    static void assertClose(double[] expected, Tensor actual, double rtol, double atol, String what) {
        assertClose(expected, actual.toDoubleArray(), rtol, atol, what);
    }

    static void assertClose(double[] expected, double[] actual, double rtol, double atol, String what) {
        assertEquals(expected.length, actual.length, what + ": size");
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs(actual[i] - expected[i]);
            if (!(diff <= atol + rtol * Math.abs(expected[i]))) {
                throw new AssertionError(what + "[" + i + "]: expected " + expected[i] + " but was " + actual[i]
                        + " (|diff| " + diff + ", rtol " + rtol + ", atol " + atol + ")");
            }
        }
    }

    /** Each float element within {@code ulps} float ulps of the (double) reference. */
    static void assertWithinUlps(double[] expected, Tensor actual, int ulps, String what) {
        assertEquals(DType.FLOAT32, actual.dtype());
        float[] a = actual.toFloatArray();
        assertEquals(expected.length, a.length, what + ": size");
        for (int i = 0; i < a.length; i++) {
            float e = (float) expected[i];
            double diff = Math.abs((double) a[i] - expected[i]);
            if (!(diff <= ulps * Math.ulp(e))) {
                throw new AssertionError(what + "[" + i + "]: expected " + expected[i] + " but was " + a[i]
                        + " (" + diff / Math.ulp(e) + " ulps; allowed " + ulps + ")");
            }
        }
    }

    // ---- helpers for the RMSprop, Adagrad, Adadelta, Adamax, Nadam, Ftrl and convergence tests ----

    /**
     * A Keras 2 numeric hyperparameter as a TF kernel sees it: {@code _set_hyper} stores it in a float32
     * variable and {@code _get_hyper(name, var_dtype)} casts it to the variable's dtype (see {@link AdamTest#hyper}).
     */
    static double hyper(double x) {
        return (float) x;
    }

    /** {@code n} values cycling through {@code pattern}: a Keras fixture stretched to an awkward length (not a multiple of 16). */
    static double[] cycle(int n, double... pattern) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = pattern[i % pattern.length];
        }
        return out;
    }

    /** {@code values} rounded to {@code dtype}: what a tensor of that dtype holds, and what a NumPy port must start from. */
    static double[] rounded(DType dtype, double... values) {
        double[] out = new double[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = dtype.round(values[i]);
        }
        return out;
    }

    /** {@code n} copies of {@code value}. */
    static double[] filled(int n, double value) {
        double[] out = new double[n];
        Arrays.fill(out, value);
        return out;
    }

    /** Heap tensors of {@code dtype}, one per row of {@code values}. */
    static List<Tensor> tensors(DType dtype, double[]... values) {
        List<Tensor> out = new ArrayList<>(values.length);
        for (double[] v : values) {
            out.add(tensor(dtype, v));
        }
        return out;
    }

    /**
     * float64: relative 1e-12 of the reference (the same formula, operation order aside); float32: within
     * {@code ulps} float ulps of the tensor's largest element (cancellation in {@code var - update} leaves small
     * elements with the rounding error of the large operands) of the float64 reference fed the same rounded inputs.
     */
    static void assertMatchesReference(double[] expected, Tensor actual, int ulps, String what) {
        if (actual.dtype() == DType.FLOAT64) {
            assertClose(expected, actual, 1e-12, 1e-300, what);
        } else {
            assertEquals(DType.FLOAT32, actual.dtype(), what);
            float scale = 0;
            for (double e : expected) {
                scale = Math.max(scale, (float) Math.abs(e));
            }
            assertClose(expected, actual, 0, ulps * Math.ulp(scale), what + " (float32, " + ulps + " ulps of " + scale + ")");
        }
    }

    /** Every float element bit for bit equal to {@code expected}. */
    static void assertFloatsExactly(float[] expected, Tensor actual, String what) {
        assertEquals(DType.FLOAT32, actual.dtype(), what);
        float[] a = actual.toFloatArray();
        assertEquals(expected.length, a.length, what + ": size");
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(a[i])) {
                throw new AssertionError(what + "[" + i + "]: expected " + expected[i] + " but was " + a[i]
                        + " (" + Math.abs((double) a[i] - expected[i]) / Math.ulp(expected[i]) + " ulps)");
            }
        }
    }

    /**
     * The protocol of Keras 3's {@code test_correctness_with_golden} ({@code keras/src/optimizers/*_test.py}): x = ones(10),
     * one step with gradient 0.01 everywhere, then, before each further step with arange(0.1, 1.1, 0.1), x must equal the
     * next golden row (rtol = atol = 5e-4). {@code rows}: one value per row, tiled over the 10 elements.
     */
    static void runKeras3Golden(Optimizer opt, DType dtype, double[] rows) {
        double[][] golden = new double[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            golden[r] = filled(10, rows[r]);
        }
        runKeras3Golden(opt, dtype, golden);
    }

    static void runKeras3Golden(Optimizer opt, DType dtype, double[][] golden) {
        Variable x = variable("x", dtype, filled(10, 1.0));
        double[] arange = new double[10];
        for (int i = 0; i < 10; i++) {
            arange[i] = 0.1 * (i + 1);
        }
        opt.apply(List.of(tensor(dtype, filled(10, 0.01))), List.of(x));
        for (int i = 0; i < golden.length; i++) {
            assertClose(golden[i], x.value(), 5e-4, 5e-4, "x row " + i + " " + dtype.kerasName());
            opt.apply(List.of(tensor(dtype, arange)), List.of(x));
        }
    }
}
