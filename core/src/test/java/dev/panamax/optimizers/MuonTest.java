package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.internal.Python;
import dev.panamax.optimizers.state.OptimizerVariable;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Keras 3's Muon: keras/src/optimizers/muon.py and muon_test.py of Keras 3.15.1 (the same files in
 * 3.15.0 and at the 3.16 development head), every muon_test.py test ported with its values; the
 * values Keras 3.15.1 printed on its numpy backend (float32); and muon.py's operations written out
 * below in float32 (with the documented rule for the products: sums in double, rounded to float32)
 * and in double.
 */
class MuonTest {

    // ---- muon.py written out -------------------------------------------------------------------

    /**
     * zeropower_via_newtonschulz5 in float32, naively: each Keras op rounded to float32 (Java float
     * arithmetic), each matrix product's sum over k in double, rounded once (the documented rule).
     */
    static float[] newtonSchulz32(float[] g, int rows, int cols, int steps, float a, float b, float c) {
        boolean tall = rows > cols;
        int r = tall ? cols : rows;
        int n = tall ? rows : cols;
        float[][] x = new float[r][n];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                if (tall) {
                    x[j][i] = g[i * cols + j];
                } else {
                    x[i][j] = g[i * cols + j];
                }
            }
        }
        double sum = 0;
        for (float[] row : x) {
            for (float v : row) {
                sum += (double) v * v;
            }
        }
        float norm = (float) Math.sqrt((float) sum);
        float denominator = norm + 1e-7f;
        for (float[] row : x) {
            for (int j = 0; j < n; j++) {
                row[j] = row[j] / denominator;
            }
        }
        for (int s = 0; s < steps; s++) {
            float[][] xt = new float[n][r];
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < n; j++) {
                    xt[j][i] = x[i][j];
                }
            }
            float[][] gram = matmul32(x, xt);
            float[][] scaled = new float[r][r];
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < r; j++) {
                    scaled[i][j] = c * gram[i][j];
                }
            }
            float[][] product = matmul32(scaled, gram);
            float[][] bMatrix = new float[r][r];
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < r; j++) {
                    bMatrix[i][j] = b * gram[i][j] + product[i][j];
                }
            }
            float[][] bx = matmul32(bMatrix, x);
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < n; j++) {
                    x[i][j] = a * x[i][j] + bx[i][j];
                }
            }
        }
        float[] out = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = tall ? x[j][i] : x[i][j];
            }
        }
        return out;
    }

    private static float[][] matmul32(float[][] left, float[][] right) {
        float[][] out = new float[left.length][right[0].length];
        for (int i = 0; i < left.length; i++) {
            for (int j = 0; j < right[0].length; j++) {
                double sum = 0;
                for (int k = 0; k < right.length; k++) {
                    sum += (double) left[i][k] * right[k][j];
                }
                out[i][j] = (float) sum;
            }
        }
        return out;
    }

    /** zeropower_via_newtonschulz5 in plain double (for float64 variables). */
    static double[] newtonSchulz64(double[] g, int rows, int cols, int steps, double a, double b, double c) {
        boolean tall = rows > cols;
        int r = tall ? cols : rows;
        int n = tall ? rows : cols;
        double[][] x = new double[r][n];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                if (tall) {
                    x[j][i] = g[i * cols + j];
                } else {
                    x[i][j] = g[i * cols + j];
                }
            }
        }
        double sum = 0;
        for (double[] row : x) {
            for (double v : row) {
                sum += v * v;
            }
        }
        double denominator = Math.sqrt(sum) + 1e-7;
        for (double[] row : x) {
            for (int j = 0; j < n; j++) {
                row[j] /= denominator;
            }
        }
        for (int s = 0; s < steps; s++) {
            double[][] gram = new double[r][r];
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < r; j++) {
                    for (int k = 0; k < n; k++) {
                        gram[i][j] += x[i][k] * x[j][k];
                    }
                }
            }
            double[][] bMatrix = new double[r][r];
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < r; j++) {
                    double product = 0;
                    for (int k = 0; k < r; k++) {
                        product += c * gram[i][k] * gram[k][j];
                    }
                    bMatrix[i][j] = b * gram[i][j] + product;
                }
            }
            double[][] next = new double[r][n];
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < n; j++) {
                    double product = 0;
                    for (int k = 0; k < r; k++) {
                        product += bMatrix[i][k] * x[k][j];
                    }
                    next[i][j] = a * x[i][j] + product;
                }
            }
            x = next;
        }
        double[] out = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = tall ? x[j][i] : x[i][j];
            }
        }
        return out;
    }

    /**
     * One float32 Muon-path step as Keras's apply runs it: weight decay {@code w - w * wd * lr},
     * then {@code m += g + m * (momentum - 1)}, {@code u = g + momentum * m} (or m),
     * {@code w -= ((lr * O) * sqrt(max(rows, cols))) * rms_rate}.
     */
    static void muonStep32(float[] w, float[] m, float[] g, int rows, int cols, float lr, Float wd, double momentum,
                           boolean nesterov, int steps, Double rmsRate) {
        if (wd != null) {
            for (int i = 0; i < w.length; i++) {
                w[i] = w[i] - w[i] * wd * lr;
            }
        }
        float momentumMinusOne = (float) (momentum - 1);
        float[] u = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            m[i] = m[i] + (g[i] + m[i] * momentumMinusOne);
            u[i] = nesterov ? g[i] + (float) momentum * m[i] : m[i];
        }
        float[] o = newtonSchulz32(u, rows, cols, steps, 3.4445f, -4.7750f, 2.0315f);
        float sqrt = (float) Math.sqrt(Math.max(rows, cols));
        for (int i = 0; i < w.length; i++) {
            float delta = lr * o[i];
            if (rmsRate != null) {
                delta = delta * sqrt * (float) (double) rmsRate;
            }
            w[i] = w[i] - delta;
        }
    }

    private static float[] floats(Tensor t) {
        return t.toFloatArray();
    }

    private static Variable matrix(String name, int rows, int cols, float... values) {
        return new Variable(name, Tensor.wrap(values.clone(), rows, cols));
    }

    // ---- muon_test.py -----------------------------------------------------------------------------

    @Test
    void config() {
        // test_config: run_class_serialization_test(Muon(learning_rate=0.5, epsilon=1e-5)).
        try (Muon muon = Muon.builder().learningRate(0.5).epsilon(1e-5).build();
             Optimizer fromJson = Optimizers.fromJson(Optimizers.toJson(muon));
             Optimizer fromKeras3 = Optimizers.deserialize(Fixtures.keras3Form("Muon", muon.getConfig()))) {
            assertTrue(fromJson instanceof Muon);
            assertTrue(fromKeras3 instanceof Muon);
            assertEquals(muon.getConfig(), fromJson.getConfig());
            assertEquals(muon.getConfig(), fromKeras3.getConfig());
            assertEquals(1e-5, ((Muon) fromJson).getEpsilon());
            assertEquals(0.5, fromJson.getConfig().get("learning_rate"));
            // keras.optimizers.serialize(Muon(...)): module "keras.optimizers", class_name "Muon", registered_name None.
            Map<String, Object> serialized = Optimizers.serialize(muon);
            assertEquals(List.of("module", "class_name", "config", "registered_name"), List.copyOf(serialized.keySet()));
            assertEquals("keras.optimizers", serialized.get("module"));
            assertEquals("Muon", serialized.get("class_name"));
            assertNull(serialized.get("registered_name"));
        }
    }

    @Test
    void defaultConfigIsKeras() {
        // Keras 3.15.1: Muon().get_config() (the name has Keras's global counter, "muon_2", there).
        try (Muon muon = new Muon()) {
            assertEquals("{'name': 'muon', 'learning_rate': 0.0010000000474974513, 'weight_decay': 0.004, 'clipnorm': None, "
                    + "'global_clipnorm': None, 'clipvalue': None, 'use_ema': False, 'ema_momentum': 0.99, "
                    + "'ema_overwrite_frequency': None, 'loss_scale_factor': None, 'gradient_accumulation_steps': None, "
                    + "'adam_beta_1': 0.9, 'adam_beta_2': 0.999, 'epsilon': 1e-07, 'exclude_layers': [], 'muon_a': 3.4445, "
                    + "'muon_b': -4.775, 'muon_c': 2.0315, 'adam_lr_ratio': 1, 'momentum': 0.95, 'ns_steps': 5, 'nesterov': True, "
                    + "'exclude_embeddings': True, 'adam_weight_decay': 0.004, 'rms_rate': 0.2}", Python.repr(muon.getConfig()));
            assertEquals("muon", muon.getName());
            assertTrue(muon.isKeras3());
        }
    }

    @Test
    void configRoundTripsEveryKey() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", "opt");
        config.put("learning_rate", 0.02);
        config.put("weight_decay", null);
        config.put("adam_beta_1", 0.8);
        config.put("adam_beta_2", 0.99);
        config.put("epsilon", 1e-6);
        config.put("exclude_layers", List.of("last", "head.*bias"));
        config.put("muon_a", 3.0);
        config.put("muon_b", -4.0);
        config.put("muon_c", 2.0);
        config.put("adam_lr_ratio", 0.1);
        config.put("momentum", 0.9);
        config.put("ns_steps", 3);
        config.put("nesterov", false);
        config.put("exclude_embeddings", false);
        config.put("adam_weight_decay", null);
        config.put("rms_rate", null);
        try (Muon muon = (Muon) Optimizers.deserialize(Fixtures.keras3Form("muon", config));
             Optimizer copy = Optimizers.fromJson(Optimizers.toJson(muon))) {
            assertNull(muon.getWeightDecay());
            assertNull(muon.getAdamWeightDecay());
            assertNull(muon.getRmsRate());
            assertEquals(List.of("last", "head.*bias"), muon.getExcludeLayers());
            assertEquals(3, muon.getNsSteps());
            assertFalse(muon.isNesterov());
            assertFalse(muon.isExcludeEmbeddings());
            assertEquals(0.1, muon.getAdamLrRatio());
            Map<String, Object> written = muon.getConfig();
            for (Map.Entry<String, Object> e : config.entrySet()) {
                Object expected = e.getKey().equals("learning_rate") ? (double) (float) 0.02 : e.getValue();
                assertEquals(expected, written.get(e.getKey()), e.getKey());
            }
            assertEquals(List.of("name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema",
                    "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps", "adam_beta_1",
                    "adam_beta_2", "epsilon", "exclude_layers", "muon_a", "muon_b", "muon_c", "adam_lr_ratio", "momentum",
                    "ns_steps", "nesterov", "exclude_embeddings", "adam_weight_decay", "rms_rate"), List.copyOf(written.keySet()));
            assertEquals(written, copy.getConfig());
        }
        try (Optimizer byName = Optimizers.get("MUON"); Optimizer lower = Optimizers.get("muon")) {
            assertTrue(byName instanceof Muon);
            assertTrue(lower instanceof Muon);
        }
    }

    @Test
    void badConfigAndArguments() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.deserialize(Fixtures.keras3Form("Muon", Map.of("beta_1", 0.9))));
        assertEquals("Argument(s) not recognized: {'beta_1': 0.9}", unknown.getMessage());
        IllegalArgumentException layers = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.deserialize(Fixtures.keras3Form("Muon", Map.of("exclude_layers", "last"))));
        assertEquals("Muon config key 'exclude_layers' must be a list of strings, got String last", layers.getMessage());
        IllegalArgumentException steps = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.deserialize(Fixtures.keras3Form("Muon", Map.of("ns_steps", 2.5))));
        assertEquals("Muon config key 'ns_steps' must be an integer, got 2.5", steps.getMessage());
        IllegalArgumentException regex = assertThrows(IllegalArgumentException.class,
                () -> Muon.builder().excludeLayers(List.of("dense[")).build());
        assertTrue(regex.getMessage().startsWith("exclude_layers: 'dense[' is not a valid regular expression"), regex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Muon.builder().keras3(false));
        assertThrows(IllegalArgumentException.class, () -> Muon.builder().epsilon(-1));
    }

    @Test
    void newtonSchulz() {
        // test_Newton_Schulz: zeropower_via_newtonschulz5([[0.2499, 0.9105], [0.2655, 0.8824]], 5) within 1e-3 of
        // [[-0.4422, 0.6457], [0.7285, 0.2968]]. Keras 3.15.1's numpy backend: [[-0.44190204, 0.645592], [0.72815895,
        // 0.29695582]]. Ours differs from those by at most 7.2e-7 (NumPy's float32 matmul adds in float32); it equals, bit for
        // bit, muon.py's operations in float32 with each product summed in double and rounded (written out above, and as
        // NumPy 2.4 computes it with float64 products rounded to float32: [-0.4419018030166626, 0.6455914974212646,
        // 0.7281582355499268, 0.29695582389831543]).
        float[] input = {0.2499f, 0.9105f, 0.2655f, 0.8824f};
        try (Muon muon = new Muon()) {
            Tensor out = muon.zeropowerViaNewtonSchulz5(Tensor.wrap(input.clone(), 2, 2), 5);
            assertArrayEquals(new long[] {2, 2}, out.shape());
            Fixtures.assertClose(new double[] {-0.4422, 0.6457, 0.7285, 0.2968}, out, 1e-3, 1e-3, "test_Newton_Schulz");
            Fixtures.assertClose(new double[] {-0.44190204f, 0.645592f, 0.72815895f, 0.29695582f}, out, 0, 1e-6, "Keras numpy");
            assertArrayEquals(newtonSchulz32(input, 2, 2, 5, 3.4445f, -4.7750f, 2.0315f), floats(out));
            assertArrayEquals(new float[] {(float) -0.4419018030166626, (float) 0.6455914974212646, (float) 0.7281582355499268,
                (float) 0.29695582389831543}, floats(out));
        }
    }

    @Test
    void newtonSchulzTransposesATallMatrix() {
        // Keras 3.15.1 numpy backend, [[1, 2], [3, 4], [5, 6]] (3x2, transposed inside): [[-0.4675188, 0.5734738],
        // [0.07243204, 0.40945303], [0.61238337, 0.2454319]]; ours within 4e-7, and bit for bit the written-out float32 form
        // (NumPy 2.4 with float64 products: [-0.4675182104110718, 0.5734730958938599, 0.07243233919143677,
        // 0.4094526767730713, 0.6123836040496826, 0.2454317808151245]).
        float[] input = {1, 2, 3, 4, 5, 6};
        try (Muon muon = new Muon()) {
            Tensor out = muon.zeropowerViaNewtonSchulz5(Tensor.wrap(input.clone(), 3, 2), 5);
            assertArrayEquals(new long[] {3, 2}, out.shape());
            Fixtures.assertClose(new double[] {-0.4675188f, 0.5734738f, 0.07243204f, 0.40945303f, 0.61238337f, 0.2454319f}, out, 0,
                    1e-6, "Keras numpy");
            assertArrayEquals(newtonSchulz32(input, 3, 2, 5, 3.4445f, -4.7750f, 2.0315f), floats(out));
            assertArrayEquals(new float[] {(float) -0.4675182104110718, (float) 0.5734730958938599, (float) 0.07243233919143677,
                (float) 0.4094526767730713, (float) 0.6123836040496826, (float) 0.2454317808151245}, floats(out));
            // The wide matrix is the same computation: NS(Gᵀ) = NS(G)ᵀ.
            Tensor wide = muon.zeropowerViaNewtonSchulz5(Tensor.wrap(new float[] {1, 3, 5, 2, 4, 6}, 2, 3), 5);
            float[] w = floats(wide);
            float[] t = floats(out);
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 2; j++) {
                    assertEquals(t[i * 2 + j], w[j * 3 + i]);
                }
            }
        }
    }

    @Test
    void newtonSchulzOfLargerMatricesFollowsTheRule() {
        // Matrices that span several row and column blocks of the products (and the threaded path), float32 and float64,
        // against the naive written-out forms: bit for bit.
        Random random = new Random(7);
        int[][] shapes = {{5, 9}, {9, 5}, {101, 300}, {300, 101}, {1, 7}, {6, 1}};
        for (int[] s : shapes) {
            int rows = s[0];
            int cols = s[1];
            float[] g = new float[rows * cols];
            double[] gd = new double[rows * cols];
            for (int i = 0; i < g.length; i++) {
                gd[i] = random.nextGaussian();
                g[i] = (float) gd[i];
            }
            for (int threads : new int[] {1, 2}) {
                try (Muon muon = Muon.builder().threads(threads).muonA(3.0).muonB(-3.2).muonC(1.2).build()) {
                    Tensor out = muon.zeropowerViaNewtonSchulz5(Tensor.wrap(g.clone(), rows, cols), 4);
                    assertArrayEquals(newtonSchulz32(g, rows, cols, 4, 3.0f, -3.2f, 1.2f), floats(out),
                            rows + "x" + cols + " float32, " + threads + " threads");
                    Tensor out64 = muon.zeropowerViaNewtonSchulz5(Tensor.wrap(gd.clone(), rows, cols), 4);
                    assertArrayEquals(newtonSchulz64(gd, rows, cols, 4, 3.0, -3.2, 1.2), out64.toDoubleArray(), 0,
                            rows + "x" + cols + " float64, " + threads + " threads");
                }
            }
        }
    }

    @Test
    void newtonSchulzOfABatchAndOfZeros() {
        // A rank-3 input: each matrix of the last two dimensions on its own (Keras's @ and norm(axis=(-2, -1))).
        float[] first = {0.2499f, 0.9105f, 0.2655f, 0.8824f};
        float[] second = {1, -2, 0.5f, 3};
        float[] both = new float[8];
        System.arraycopy(first, 0, both, 0, 4);
        System.arraycopy(second, 0, both, 4, 4);
        try (Muon muon = new Muon()) {
            float[] out = floats(muon.zeropowerViaNewtonSchulz5(Tensor.wrap(both, 2, 2, 2), 5));
            assertArrayEquals(newtonSchulz32(first, 2, 2, 5, 3.4445f, -4.7750f, 2.0315f), Arrays.copyOfRange(out, 0, 4));
            assertArrayEquals(newtonSchulz32(second, 2, 2, 5, 3.4445f, -4.7750f, 2.0315f), Arrays.copyOfRange(out, 4, 8));
            // A zero matrix stays zero: 0 / (0 + 1e-7).
            assertArrayEquals(new float[6], floats(muon.zeropowerViaNewtonSchulz5(Tensor.wrap(new float[6], 2, 3), 5)));
            // ns_steps 0: the normalised input only.
            float[] normalised = floats(muon.zeropowerViaNewtonSchulz5(Tensor.wrap(new float[] {3, 4}, 1, 2), 0));
            assertArrayEquals(new float[] {3f / (5f + 1e-7f), 4f / (5f + 1e-7f)}, normalised);
        }
    }

    @Test
    void newtonSchulzNeedsTwoDimensions() {
        // muon.py's only error, reachable by calling zeropower_via_newtonschulz5 directly; Keras 3.15.1 prints shape=(2,).
        try (Muon muon = new Muon()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> muon.zeropowerViaNewtonSchulz5(Tensor.wrap(new float[] {1, 2}), 5));
            assertEquals("Expected gradient or momentum to have at least 2 dimensions. Received: shape=(2,)", e.getMessage());
            IllegalArgumentException scalar = assertThrows(IllegalArgumentException.class,
                    () -> muon.zeropowerViaNewtonSchulz5(Tensor.scalar(DType.FLOAT32, 1), 5));
            assertEquals("Expected gradient or momentum to have at least 2 dimensions. Received: shape=()", scalar.getMessage());
            IllegalArgumentException ints = assertThrows(IllegalArgumentException.class,
                    () -> muon.zeropowerViaNewtonSchulz5(Tensor.wrap(new int[] {1, 2, 3, 4}, 2, 2), 5));
            assertEquals("Expected a float32 or float64 tensor, got int32[2, 2]", ints.getMessage());
        }
    }

    @Test
    void adamwSingleStep() {
        // test_adamw_single_step: Muon().update_step([1, 6, 7, 2], var [1, 2, 3, 4], 0.5) -> [0.5, 1.5, 2.5, 3.5] (1e-4);
        // Keras 3.15.1 numpy backend: [0.50000495, 1.5000036, 2.5000036, 3.500004]. update_step alone has no weight decay:
        // here learning rate 0.5 and adam_weight_decay None. It is Keras 3's Adam step, bit for bit.
        Variable v = new Variable("test_vars", Tensor.wrap(new float[] {1, 2, 3, 4}));
        Variable a = new Variable("test_vars", Tensor.wrap(new float[] {1, 2, 3, 4}));
        try (Muon muon = Muon.builder().learningRate(0.5).adamWeightDecay(null).build();
             Adam adam = Adam.builder().keras3(true).learningRate(0.5).build()) {
            muon.apply(List.of(Tensor.wrap(new float[] {1, 6, 7, 2})), List.of(v));
            adam.apply(List.of(Tensor.wrap(new float[] {1, 6, 7, 2})), List.of(a));
            Fixtures.assertClose(new double[] {0.5, 1.5, 2.5, 3.5}, v.value(), 1e-4, 1e-4, "test_adamw_single_step");
            assertArrayEquals(new float[] {0.50000495f, 1.5000036f, 2.5000036f, 3.500004f}, floats(v.value()));
            assertArrayEquals(floats(a.value()), floats(v.value()));
            assertArrayEquals(floats(adam.getSlot(a, "velocity")), floats(muon.getSlot(v, "velocity")));
        }
    }

    @Test
    void shouldUseAdamW() {
        // test_should_use_adamw: an unnamed backend.Variable has path "variable"; Embedding(2, 2)'s weight is
        // "embedding/embeddings"; Dense(2)'s kernel "dense/kernel".
        Variable vars = matrix("variable", 2, 2, 1, 2, 3, 4);
        try (Muon muon = Muon.builder().excludeLayers(List.of("var")).build()) {
            assertTrue(muon.shouldUseAdamW(vars));
            assertTrue(muon.shouldUseAdamW(matrix("embedding/embeddings", 2, 2, 1, 2, 3, 4)));
        }
        try (Muon muon = new Muon()) {
            assertFalse(muon.shouldUseAdamW(vars));
            assertFalse(muon.shouldUseAdamW(matrix("dense/kernel", 2, 2, 1, 2, 3, 4)));
            // Any rank but 2: AdamW, not configurable.
            assertTrue(muon.shouldUseAdamW(new Variable("s", Tensor.scalar(DType.FLOAT32, 1))));
            assertTrue(muon.shouldUseAdamW(new Variable("b", Tensor.wrap(new float[] {1, 2}))));
            assertTrue(muon.shouldUseAdamW(new Variable("conv/kernel", Tensor.wrap(new float[8], 2, 2, 2))));
            // "embedding" anywhere in the lower-cased path (Keras 3.15.1: MyEMBEDDING_proj/kernel is AdamW).
            assertTrue(muon.shouldUseAdamW(matrix("MyEMBEDDING_proj/kernel", 2, 2, 1, 2, 3, 4)));
        }
        try (Muon muon = Muon.builder().excludeEmbeddings(false).build()) {
            assertFalse(muon.shouldUseAdamW(matrix("MyEMBEDDING_proj/kernel", 2, 2, 1, 2, 3, 4)));
        }
        // exclude_layers: re.search in the path, case-sensitive (Keras 3.15.1 on Output_Dense/kernel: "output" no,
        // "Output" and "Out.*kern" yes).
        Variable output = matrix("Output_Dense/kernel", 2, 2, 1, 2, 3, 4);
        try (Muon lower = Muon.builder().excludeLayers(List.of("output")).build();
             Muon upper = Muon.builder().excludeLayers(List.of("Output")).build();
             Muon regex = Muon.builder().excludeLayers(List.of("Out.*kern")).build()) {
            assertFalse(lower.shouldUseAdamW(output));
            assertTrue(upper.shouldUseAdamW(output));
            assertTrue(regex.shouldUseAdamW(output));
        }
    }

    @Test
    void muonSingleStep() {
        // test_muon_single_step: Muon(learning_rate=0.5, weight_decay=0).update_step([[1, 6], [7, 2]], [[1, 2], [3, 4]], 0.5)
        // -> [[0.988775, 1.887053], [2.873428, 3.97035]] (1e-2). Keras 3.15.1 numpy backend: [[0.98877496, 1.8870527],
        // [2.8734276, 3.9703503]], momentum [[1, 6], [7, 2]]; ours is within one float32 ulp of that, and bit for bit the
        // written-out float32 step.
        Variable v = matrix("variable", 2, 2, 1, 2, 3, 4);
        try (Muon muon = Muon.builder().learningRate(0.5).weightDecay(0.0).build()) {
            muon.apply(List.of(Tensor.wrap(new float[] {1, 6, 7, 2}, 2, 2)), List.of(v));
            Fixtures.assertClose(new double[] {0.988775, 1.887053, 2.873428, 3.97035}, v.value(), 1e-2, 1e-2,
                    "test_muon_single_step");
            Fixtures.assertWithinUlps(new double[] {0.98877496f, 1.8870527f, 2.8734276f, 3.9703503f}, v.value(), 1, "Keras numpy");
            assertArrayEquals(new float[] {1, 6, 7, 2}, floats(muon.getSlot(v, "momentum")));
            float[] w = {1, 2, 3, 4};
            muonStep32(w, new float[4], new float[] {1, 6, 7, 2}, 2, 2, 0.5f, 0f, 0.95, true, 5, 0.2);
            assertArrayEquals(w, floats(v.value()));
            assertEquals(List.of("momentum"), muon.getSlotNames());
        }
    }

    @Test
    void clipNorm() {
        // test_clip_norm: Muon(clipnorm=1) clips [100, 100] to [sqrt(2)/2, sqrt(2)/2]; seen here in the AdamW path's first
        // momentum, (g - 0) * (1 - 0.9).
        Variable v = new Variable("v", Tensor.wrap(new float[] {1, 2}));
        try (Muon muon = Muon.builder().clipnorm(1).build()) {
            muon.apply(List.of(Tensor.wrap(new float[] {100, 100})), List.of(v));
            float[] m = floats(muon.getSlot(v, "momentum"));
            for (float mi : m) {
                assertEquals(Math.sqrt(2) / 2, mi / (float) (1 - 0.9), 1e-6);
            }
        }
    }

    @Test
    void clipValue() {
        // test_clip_value: Muon(clipvalue=1) clips [100, 100] to [1, 1].
        Variable v = new Variable("v", Tensor.wrap(new float[] {1, 2}));
        try (Muon muon = Muon.builder().clipvalue(1).build()) {
            muon.apply(List.of(Tensor.wrap(new float[] {100, 100})), List.of(v));
            assertArrayEquals(new float[] {(float) (1 - 0.9), (float) (1 - 0.9)}, floats(muon.getSlot(v, "momentum")));
        }
    }

    @Test
    void muonWeightDecay() {
        // test_muon_weight_decay: Muon(learning_rate=1.0, weight_decay=0.01)._apply_weight_decay([[[1, 2], [3, 4]]]) ->
        // var - var * 0.01 (Keras 3.15.1: [[0.99, 1.98], [2.97, 3.96]]). A zero gradient adds nothing on the Muon path.
        Variable v = matrix("variable", 2, 2, 1, 2, 3, 4);
        try (Muon muon = Muon.builder().learningRate(1.0).weightDecay(0.01).build()) {
            muon.apply(List.of(Tensor.wrap(new float[4], 2, 2)), List.of(v));
            Fixtures.assertClose(new double[] {0.99, 1.98, 2.97, 3.96}, v.value(), 1e-4, 1e-4, "test_muon_weight_decay");
            float[] expected = {1, 2, 3, 4};
            for (int i = 0; i < 4; i++) {
                expected[i] = expected[i] - expected[i] * 0.01f * 1f;
            }
            assertArrayEquals(expected, floats(v.value()));
        }
    }

    @Test
    void adamwWeightDecay() {
        // test_adamw_weight_decay: Muon(learning_rate=1.0, adam_weight_decay=0.01) on the scalar 2.0 -> 1.98.
        Variable v = new Variable("variable", Tensor.scalar(DType.FLOAT32, 2));
        try (Muon muon = Muon.builder().learningRate(1.0).adamWeightDecay(0.01).build()) {
            assertArrayEquals(new long[0], v.shape());
            muon.apply(List.of(Tensor.scalar(DType.FLOAT32, 0)), List.of(v));
            assertEquals(1.98, v.value().getDouble(0), 1e-4);
            assertEquals(2f - 2f * 0.01f * 1f, (float) v.value().getDouble(0));
        }
    }

    @Test
    void eachPathHasItsOwnWeightDecay() {
        // Muon._apply_weight_decay: adam_weight_decay for the AdamW path, weight_decay for the Muon path, None skips; the
        // learning rate is the plain one (not times adam_lr_ratio). Zero gradients: only the decay moves the variables.
        Variable kernel = matrix("dense/kernel", 2, 2, 1, 2, 3, 4);
        Variable bias = new Variable("dense/bias", Tensor.wrap(new float[] {1, 2}));
        Tensor zeroKernel = Tensor.wrap(new float[4], 2, 2);
        Tensor zeroBias = Tensor.wrap(new float[2]);
        try (Muon muon = Muon.builder().learningRate(0.5).weightDecay(0.1).adamWeightDecay(0.2).adamLrRatio(0.1).build()) {
            muon.apply(List.of(zeroKernel, zeroBias), List.of(kernel, bias));
            assertArrayEquals(new float[] {1 - 1 * 0.1f * 0.5f, 2 - 2 * 0.1f * 0.5f, 3 - 3 * 0.1f * 0.5f, 4 - 4 * 0.1f * 0.5f},
                    floats(kernel.value()));
            assertArrayEquals(new float[] {1 - 1 * 0.2f * 0.5f, 2 - 2 * 0.2f * 0.5f}, floats(bias.value()));
        }
        Variable k2 = matrix("dense/kernel", 2, 2, 1, 2, 3, 4);
        Variable b2 = new Variable("dense/bias", Tensor.wrap(new float[] {1, 2}));
        try (Muon muon = Muon.builder().learningRate(0.5).weightDecay(null).adamWeightDecay(0.2).build()) {
            assertNull(muon.getWeightDecay());
            assertNull(muon.getConfig().get("weight_decay"));
            muon.apply(List.of(zeroKernel, zeroBias), List.of(k2, b2));
            assertArrayEquals(new float[] {1, 2, 3, 4}, floats(k2.value()));
            assertArrayEquals(new float[] {1 - 1 * 0.2f * 0.5f, 2 - 2 * 0.2f * 0.5f}, floats(b2.value()));
        }
        Variable k3 = matrix("dense/kernel", 2, 2, 1, 2, 3, 4);
        Variable b3 = new Variable("dense/bias", Tensor.wrap(new float[] {1, 2}));
        try (Muon muon = Muon.builder().learningRate(0.5).weightDecay(0.1).adamWeightDecay(null).build()) {
            muon.apply(List.of(zeroKernel, zeroBias), List.of(k3, b3));
            assertEquals(1 - 1 * 0.1f * 0.5f, (float) k3.value().getDouble(0));
            assertArrayEquals(new float[] {1, 2}, floats(b3.value()));
        }
        // exclude_from_weight_decay applies to both paths, also when weight_decay is None (Muon has no early return).
        Variable k4 = matrix("dense/kernel", 2, 2, 1, 2, 3, 4);
        Variable b4 = new Variable("dense/bias", Tensor.wrap(new float[] {1, 2}));
        try (Muon muon = Muon.builder().learningRate(0.5).weightDecay(null).adamWeightDecay(0.2).build()) {
            muon.excludeFromWeightDecay(null, List.of("bias"));
            muon.apply(List.of(zeroKernel, zeroBias), List.of(k4, b4));
            assertArrayEquals(new float[] {1, 2}, floats(b4.value()));
        }
        Fixtures.assertKeras3WeightDecay(() -> Muon.builder().learningRate(1.0).weightDecay(0.004).adamWeightDecay(0.004).build());
    }

    @Test
    void lrAdjust() {
        // test_lr_adjust_none: Muon(rms_rate=None).lr_adjust(ones((4, 4))) is x. test_lr_adjust_2d: rms_rate 0.2 on
        // ones((4, 2)) -> x * 0.2 * 2 (Keras 3.15.1: 0.4 everywhere).
        float[] ones = new float[16];
        Arrays.fill(ones, 1);
        try (Muon none = Muon.builder().rmsRate(null).build(); Muon muon = Muon.builder().rmsRate(0.2).build()) {
            Tensor x = Tensor.wrap(ones, 4, 4);
            assertSame(x, none.lrAdjust(x));
            Tensor y = Tensor.wrap(Arrays.copyOf(ones, 8), 4, 2);
            Tensor adjusted = muon.lrAdjust(y);
            assertNotSame(y, adjusted);
            float[] expected = new float[8];
            Arrays.fill(expected, 1f * 2f * 0.2f);
            assertArrayEquals(expected, floats(adjusted));
            Fixtures.assertClose(new double[] {0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4}, adjusted, 1e-6, 1e-6, "test_lr_adjust_2d");
            assertArrayEquals(Arrays.copyOf(ones, 8), floats(y));
        }
    }

    @Test
    void modelFit() {
        // test_model_fit: Sequential([Input((10,)), Dense(5), Dense(1, name="last")]), Muon(learning_rate=1e-3,
        // exclude_layers=["last"]), fit on ones. Here: those four variables and a step with a gradient for each. Only
        // dense/kernel takes the Muon path.
        Variable kernel = new Variable("dense/kernel", Tensor.wrap(new float[50], 10, 5));
        Variable bias = new Variable("dense/bias", Tensor.wrap(new float[5]));
        Variable last = new Variable("last/kernel", Tensor.wrap(new float[5], 5, 1));
        Variable lastBias = new Variable("last/bias", Tensor.wrap(new float[1]));
        List<Variable> vars = List.of(kernel, bias, last, lastBias);
        try (Muon muon = Muon.builder().learningRate(1e-3).excludeLayers(List.of("last")).build()) {
            Random random = new Random(3);
            List<Tensor> grads = new ArrayList<>();
            for (Variable v : vars) {
                float[] g = new float[(int) v.value().size()];
                for (int i = 0; i < g.length; i++) {
                    g[i] = (float) random.nextGaussian();
                }
                grads.add(Tensor.wrap(g, v.shape()));
            }
            muon.apply(grads, vars);
            assertEquals(List.of(false, true, true, true), vars.stream().map(muon::shouldUseAdamW).toList());
            assertEquals(List.of("muon/iteration", "muon/learning_rate", "muon/dense_kernel_momentum", "muon/dense_bias_momentum",
                    "muon/dense_bias_velocity", "muon/last_kernel_momentum", "muon/last_kernel_velocity",
                    "muon/last_bias_momentum", "muon/last_bias_velocity"), muon.variables().stream().map(OptimizerVariable::path)
                    .toList());
            for (Variable v : vars) {
                for (float x : floats(v.value())) {
                    assertTrue(Float.isFinite(x) && x != 0, v.name());
                }
            }
            assertEquals(1, muon.getIterations());
        }
    }

    // ---- the whole step, Keras's numbers, float64 -----------------------------------------------------

    @Test
    void slotsInKerasOrderAndPaths() {
        // Keras 3.15.1: Muon(learning_rate=0.1) built on w (2x3) and b (1-D): ['muon_14/iteration', 'muon_14/learning_rate',
        // 'muon_14/w_momentum', 'muon_14/b_momentum', 'muon_14/b_velocity'] (its counter in the name).
        Variable w = matrix("w", 2, 3, 1, 2, 3, 4, 5, 6);
        Variable b = new Variable("b", Tensor.wrap(new float[] {0.5f, -0.5f}));
        try (Muon muon = Muon.builder().learningRate(0.1).build()) {
            muon.build(List.of(w, b));
            assertEquals(List.of("muon/iteration", "muon/learning_rate", "muon/w_momentum", "muon/b_momentum", "muon/b_velocity"),
                    muon.variables().stream().map(OptimizerVariable::path).toList());
            assertEquals(List.of("momentum", "velocity"), muon.getSlotNames());
            assertArrayEquals(new long[] {2, 3}, muon.getSlot(w, "momentum").shape());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> muon.getSlot(w, "velocity"));
            assertEquals("Slot 'velocity' not found for variable 'w'; its slots are [momentum]", e.getMessage());
            assertEquals(4, muon.getWeights().size()); // iterations, then the three slots
        }
    }

    @Test
    void twoStepsMatchKeras() {
        // Keras 3.15.1 numpy backend: Muon(learning_rate=0.1) (weight decay 0.004 on both paths), two apply_gradients calls on
        // w = [[1, 2, 3], [4, 5, 6]] (Muon path) with g = [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]] and b = [0.5, -0.5] (AdamW path)
        // with g = [0.3, -0.1]: w -> [[0.9635256, 2.0135334, 2.9684143], [3.9643722, 4.9695196, 6.0243845]],
        // b -> [0.29964358, -0.29964715]. Products of two or three terms: here the sums agree with NumPy's bit for bit.
        Variable w = matrix("w", 2, 3, 1, 2, 3, 4, 5, 6);
        Variable b = new Variable("b", Tensor.wrap(new float[] {0.5f, -0.5f}));
        float[] gw = {0.1f, -0.2f, 0.3f, 0.4f, 0.5f, -0.6f};
        float[] gb = {0.3f, -0.1f};
        try (Muon muon = Muon.builder().learningRate(0.1).build()) {
            for (int step = 0; step < 2; step++) {
                muon.apply(List.of(Tensor.wrap(gw.clone(), 2, 3), Tensor.wrap(gb.clone())), List.of(w, b));
            }
            assertArrayEquals(new float[] {0.9635256f, 2.0135334f, 2.9684143f, 3.9643722f, 4.9695196f, 6.0243845f}, floats(w.value()));
            assertArrayEquals(new float[] {0.29964358f, -0.29964715f}, floats(b.value()));
            assertEquals(2, muon.getIterations());
        }
        float[] ww = {1, 2, 3, 4, 5, 6};
        float[] m = new float[6];
        for (int step = 0; step < 2; step++) {
            muonStep32(ww, m, gw, 2, 3, (float) 0.1, 0.004f, 0.95, true, 5, 0.2);
        }
        assertArrayEquals(new float[] {0.9635256f, 2.0135334f, 2.9684143f, 3.9643722f, 4.9695196f, 6.0243845f}, ww);
    }

    /** The same two steps (and a third) in float64, against muon.py's formulas in plain double: 1e-12 relative. */
    @Test
    void twoStepsInFloat64() {
        double[] w = {1, 2, 3, 4, 5, 6};
        double[] b = {0.5, -0.5};
        double[] gw = {0.1, -0.2, 0.3, 0.4, 0.5, -0.6};
        double[] gb = {0.3, -0.1};
        Variable wv = new Variable("w", Tensor.wrap(w.clone(), 2, 3));
        Variable bv = new Variable("b", Tensor.wrap(b.clone()));
        double lr = (float) 0.1; // Keras 3's learning rate is a float32 variable
        double sqrt3 = (float) Math.sqrt(3); // ops.sqrt(ops.maximum(2, 3)): the square root of an int32 is float32
        double[] m = new double[6];
        double[] mb = new double[2];
        double[] vb = new double[2];
        try (Muon muon = Muon.builder().learningRate(0.1).build()) {
            for (int step = 1; step <= 3; step++) {
                muon.apply(List.of(Tensor.wrap(gw.clone(), 2, 3), Tensor.wrap(gb.clone())), List.of(wv, bv));
                for (int i = 0; i < 6; i++) {
                    w[i] = w[i] - w[i] * 0.004 * lr;
                    m[i] = m[i] + (gw[i] + m[i] * (0.95 - 1));
                }
                double[] u = new double[6];
                for (int i = 0; i < 6; i++) {
                    u[i] = gw[i] + 0.95 * m[i];
                }
                double[] o = newtonSchulz64(u, 2, 3, 5, 3.4445, -4.7750, 2.0315);
                for (int i = 0; i < 6; i++) {
                    w[i] = w[i] - lr * o[i] * sqrt3 * 0.2;
                }
                double alpha = lr * Math.sqrt(1 - Math.pow(0.999, step)) / (1 - Math.pow(0.9, step));
                for (int i = 0; i < 2; i++) {
                    b[i] = b[i] - b[i] * 0.004 * lr;
                    mb[i] = mb[i] + (gb[i] - mb[i]) * (1 - 0.9);
                    vb[i] = vb[i] + (gb[i] * gb[i] - vb[i]) * (1 - 0.999);
                    b[i] = b[i] - mb[i] * alpha / (Math.sqrt(vb[i]) + 1e-7);
                }
                for (int i = 0; i < 6; i++) {
                    assertEquals(w[i], wv.value().getDouble(i), 1e-12 * Math.abs(w[i]), "w, step " + step);
                    assertEquals(m[i], muon.getSlot(wv, "momentum").getDouble(i), 1e-12 * Math.abs(m[i]), "m, step " + step);
                }
                for (int i = 0; i < 2; i++) {
                    assertEquals(b[i], bv.value().getDouble(i), 1e-12 * Math.abs(b[i]), "b, step " + step);
                }
            }
        }
    }

    @Test
    void otherOptionsFollowMuonPy() {
        // nesterov False (u = m), ns_steps 3, rms_rate None (no lr_adjust), another momentum, adam_lr_ratio 0.1 (the AdamW
        // path's learning rate is lr * 0.1 in float32) and weight decays, over three steps of random gradients, float32:
        // bit for bit the written-out steps.
        Random random = new Random(11);
        int rows = 4;
        int cols = 6;
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        Variable tall = new Variable("tall", Tensor.wrap(w.clone(), cols, rows));
        Variable wide = new Variable("wide", Tensor.wrap(w.clone(), rows, cols));
        Variable bias = new Variable("bias", Tensor.wrap(new float[] {0.25f, -1.5f, 2f}));
        float[] wt = w.clone();
        float[] ww = w.clone();
        float[] mt = new float[w.length];
        float[] mw = new float[w.length];
        float[] b = {0.25f, -1.5f, 2f};
        float[] mb = new float[3];
        float[] vb = new float[3];
        float lr = (float) 0.05;
        try (Muon muon = Muon.builder().learningRate(0.05).nesterov(false).nsSteps(3).rmsRate(null).momentum(0.8)
                .adamLrRatio(0.1).weightDecay(0.01).adamWeightDecay(0.03).adamBeta1(0.5).adamBeta2(0.75).epsilon(1e-3).build()) {
            for (int step = 1; step <= 3; step++) {
                float[] g = new float[w.length];
                for (int i = 0; i < g.length; i++) {
                    g[i] = (float) random.nextGaussian();
                }
                float[] gb = {(float) random.nextGaussian(), (float) random.nextGaussian(), (float) random.nextGaussian()};
                muon.apply(List.of(Tensor.wrap(g.clone(), cols, rows), Tensor.wrap(g.clone(), rows, cols), Tensor.wrap(gb.clone())),
                        List.of(tall, wide, bias));
                muonStep32(wt, mt, g, cols, rows, lr, 0.01f, 0.8, false, 3, null);
                muonStep32(ww, mw, g, rows, cols, lr, 0.01f, 0.8, false, 3, null);
                float adamLr = lr * 0.1f;
                float alpha = adamLr * (float) Math.sqrt(1 - (float) Math.pow(0.75f, step)) / (1 - (float) Math.pow(0.5f, step));
                for (int i = 0; i < 3; i++) {
                    b[i] = b[i] - b[i] * 0.03f * lr;
                    mb[i] = mb[i] + (gb[i] - mb[i]) * (float) (1 - 0.5);
                    vb[i] = vb[i] + (gb[i] * gb[i] - vb[i]) * (float) (1 - 0.75);
                    b[i] = b[i] - (mb[i] * alpha) / ((float) Math.sqrt(vb[i]) + 1e-3f);
                }
                assertArrayEquals(wt, floats(tall.value()), "tall, step " + step);
                assertArrayEquals(ww, floats(wide.value()), "wide, step " + step);
                assertArrayEquals(mt, floats(muon.getSlot(tall, "momentum")), "momentum, step " + step);
                assertArrayEquals(b, floats(bias.value()), "bias, step " + step);
            }
        }
    }

    @Test
    void arraysAndOffHeapTensorsAndThreadsGiveTheSameBits() {
        // A variable wrapping a Java array runs through an off-heap working copy; one and two threads; the scalar
        // reference kernels: every combination gives the same bits.
        Random random = new Random(5);
        float[] w = new float[40 * 70];
        float[] g = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
            g[i] = (float) random.nextGaussian();
        }
        List<float[]> results = new ArrayList<>();
        for (int variant = 0; variant < 3; variant++) {
            Muon.Builder builder = Muon.builder().learningRate(0.02).threads(variant == 1 ? 2 : 1);
            if (variant == 2) {
                builder.kernels(Fixtures.SCALAR);
            }
            try (Muon muon = builder.build();
                 Tensor value = variant == 0 ? Tensor.wrap(w.clone(), 40, 70) : Tensor.of(w, 40, 70)) {
                Variable v = new Variable("dense/kernel", value);
                for (int step = 0; step < 2; step++) {
                    muon.apply(List.of(Tensor.wrap(g.clone(), 40, 70)), List.of(v));
                }
                results.add(floats(value));
            }
        }
        assertArrayEquals(results.get(0), results.get(1));
        assertArrayEquals(results.get(0), results.get(2));
        float[] expected = w.clone();
        float[] m = new float[w.length];
        for (int step = 0; step < 2; step++) {
            muonStep32(expected, m, g, 40, 70, (float) 0.02, 0.004f, 0.95, true, 5, 0.2);
        }
        assertArrayEquals(expected, results.get(0));
    }

    // ---- device variables --------------------------------------------------------------------------

    @Test
    void deviceVariablesAreOrthogonalisedOnTheHost() {
        // A Muon-path variable on a device: its value, momentum and gradient are copied to the host for the step and
        // back; the AdamW path runs on the device's kernels. The same bits as on the host; slots stay on the device.
        float[] w0 = {1, 2, 3, 4, 5, 6};
        float[] gw = {0.1f, -0.2f, 0.3f, 0.4f, 0.5f, -0.6f};
        try (Tensor hostW = Tensor.wrap(w0.clone(), 2, 3);
             Tensor deviceW = FakeDevice.toDevice(Tensor.of(w0, 2, 3), true);
             Tensor deviceB = FakeDevice.toDevice(Tensor.of(0.5f, -0.5f), true);
             Tensor deviceGw = FakeDevice.toDevice(Tensor.of(gw, 2, 3), true);
             Tensor deviceGb = FakeDevice.toDevice(Tensor.of(0.3f, -0.1f), true);
             Muon onDevice = Muon.builder().learningRate(0.1).build();
             Muon onHost = Muon.builder().learningRate(0.1).build()) {
            Variable w = new Variable("w", deviceW);
            Variable b = new Variable("b", deviceB);
            Variable hw = new Variable("w", hostW);
            for (int step = 0; step < 2; step++) {
                onDevice.apply(List.of(deviceGw, deviceGb), List.of(w, b));
                onHost.apply(List.of(Tensor.wrap(gw.clone(), 2, 3)), List.of(hw));
            }
            assertEquals("fake:0", onDevice.getSlot(w, "momentum").storage().device());
            assertArrayEquals(floats(hostW), floats(FakeDevice.toHost(deviceW)));
            assertArrayEquals(floats(onHost.getSlot(hw, "momentum")), floats(FakeDevice.toHost(onDevice.getSlot(w, "momentum"))));
            assertArrayEquals(new float[] {0.9635256f, 2.0135334f, 2.9684143f, 3.9643722f, 4.9695196f, 6.0243845f},
                    floats(FakeDevice.toHost(deviceW)));
            assertArrayEquals(new float[] {0.29964358f, -0.29964715f}, floats(FakeDevice.toHost(deviceB)));
            // zeropower_via_newtonschulz5 of a device tensor: a host result.
            Tensor ns = onDevice.zeropowerViaNewtonSchulz5(deviceGw, 5);
            assertTrue(ns.isHost());
            assertArrayEquals(newtonSchulz32(gw, 2, 3, 5, 3.4445f, -4.7750f, 2.0315f), floats(ns));
        }
    }

    @Test
    void aDeviceThatCannotCopyToTheHostIsRefusedAtTheBuild() {
        try (Tensor kernel = FakeDevice.toDevice(Tensor.of(new float[] {1, 2, 3, 4}, 2, 2), false);
             Tensor bias = FakeDevice.toDevice(Tensor.of(1f, 2f), false);
             Muon muon = new Muon(); Muon adamOnly = new Muon()) {
            Variable k = new Variable("dense/kernel", kernel);
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> muon.build(List.of(k)));
            assertEquals("Muon orthogonalises the update of 'dense/kernel' on the host, and its storage on device 'fake:0' cannot "
                    + "be copied there: Storage on device 'fake:0' cannot be copied to the host", e.getMessage());
            assertTrue(muon.variables().stream().noneMatch(v -> v.path().contains("dense_kernel")));
            // The AdamW path never leaves the device.
            Variable b = new Variable("dense/bias", bias);
            try (Tensor g = FakeDevice.toDevice(Tensor.of(0.5f, 0.5f), true)) {
                adamOnly.apply(List.of(g), List.of(b));
            }
            assertEquals(List.of("momentum", "velocity"), adamOnly.getSlotNames());
        }
    }
}
