package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Each Keras 3 {@code test_correctness_with_golden} of the classics (keras/src/optimizers/*_test.py,
 * Keras 3.15: a variable of ten ones, one step of 0.01, then steps of {@code arange(0.1, 1.1, 0.1)}),
 * run in float64 against the optimizer's {@code update_step} written in double: 1e-12 relative at
 * every step. In Keras 3 the learning rate is a float32 variable, so it enters as {@code (float) lr};
 * every other hyperparameter is a Python float, exact in double. (Adam, Ftrl, Lion, Lamb, Adafactor
 * and ScheduleFreeAdamW have theirs beside their other tests.)
 */
class Keras3GoldenFloat64Test {

    /** One step of the reference on every element: w, the slots, the gradient, t (1-based). */
    @FunctionalInterface
    private interface Reference {
        void step(double[] w, double[][] slots, double[] g, int t);
    }

    private static void check(Supplier<Optimizer> make, int slots, Reference reference) {
        double[] w = new double[10];
        Arrays.fill(w, 1);
        double[][] s = new double[slots][10];
        Variable x = new Variable("x", Tensor.wrap(w.clone()));
        try (Optimizer opt = make.get()) {
            for (int t = 1; t <= 6; t++) {
                double[] g = new double[10];
                for (int i = 0; i < 10; i++) {
                    g[i] = t == 1 ? 0.01 : 0.1 * (i + 1);
                }
                opt.apply(List.of(Tensor.wrap(g.clone())), List.of(x));
                reference.step(w, s, g, t);
                for (int i = 0; i < 10; i++) {
                    assertEquals(w[i], x.value().getDouble(i), 1e-12 * Math.abs(w[i]),
                            opt.getName() + " step " + t + " element " + i);
                }
            }
        }
    }

    @Test
    void sgdNesterov() {
        // sgd_test.py: SGD(nesterov=True); momentum 0, so var -= g * lr.
        double lr = (float) 0.01;
        check(() -> SGD.builder().keras3(true).nesterov(true).build(), 0, (w, s, g, t) -> {
            for (int i = 0; i < 10; i++) {
                w[i] -= g[i] * lr;
            }
        });
    }

    @Test
    void rmspropCentered() {
        // rmsprop_test.py: RMSprop(centered=True).
        double lr = (float) 0.001;
        check(() -> RMSprop.builder().keras3(true).centered(true).build(), 2, (w, s, g, t) -> {
            double[] velocity = s[0];
            double[] average = s[1];
            for (int i = 0; i < 10; i++) {
                velocity[i] = 0.9 * velocity[i] + (1 - 0.9) * (g[i] * g[i]);
                average[i] = 0.9 * average[i] + (1 - 0.9) * g[i];
                double denominator = velocity[i] - average[i] * average[i] + 1e-7;
                w[i] -= lr * g[i] / Math.sqrt(denominator);
            }
        });
    }

    @Test
    void adagrad() {
        // adagrad_test.py: Adagrad(learning_rate=0.2, initial_accumulator_value=0.3, epsilon=1e-6).
        double lr = (float) 0.2;
        check(() -> Adagrad.builder().keras3(true).learningRate(0.2).initialAccumulatorValue(0.3).epsilon(1e-6).build(), 1,
                (w, s, g, t) -> {
                    double[] accumulator = s[0];
                    for (int i = 0; i < 10; i++) {
                        if (t == 1) {
                            accumulator[i] = 0.3;
                        }
                        accumulator[i] += g[i] * g[i];
                        w[i] -= lr * g[i] / Math.sqrt(accumulator[i] + 1e-6);
                    }
                });
    }

    @Test
    void nadam() {
        // nadam_test.py: Nadam(learning_rate=0.5, beta_1=0.5, beta_2=0.67, epsilon=1e-5); _backend_update_step first
        // multiplies u_product by beta_1 * (1 - 0.5 * 0.96^t).
        double lr = (float) 0.5;
        double[] uProduct = {1.0};
        check(() -> Nadam.builder().keras3(true).learningRate(0.5).beta1(0.5).beta2(0.67).epsilon(1e-5).build(), 2,
                (w, s, g, t) -> {
                    double[] m = s[0];
                    double[] v = s[1];
                    double uT = 0.5 * (1.0 - 0.5 * Math.pow(0.96, t));
                    double uT1 = 0.5 * (1.0 - 0.5 * Math.pow(0.96, t + 1));
                    uProduct[0] *= uT;
                    double uProductT1 = uProduct[0] * uT1;
                    double beta2Power = Math.pow(0.67, t);
                    for (int i = 0; i < 10; i++) {
                        m[i] += (g[i] - m[i]) * (1 - 0.5);
                        v[i] += (g[i] * g[i] - v[i]) * (1 - 0.67);
                        double mHat = uT1 * m[i] / (1 - uProductT1) + (1 - uT) * g[i] / (1 - uProduct[0]);
                        double vHat = v[i] / (1 - beta2Power);
                        w[i] -= mHat * lr / (Math.sqrt(vHat) + 1e-5);
                    }
                });
    }

    @Test
    void adadelta() {
        // adadelta_test.py: Adadelta(learning_rate=1.0, rho=0.8, epsilon=1e-6).
        double lr = (float) 1.0;
        check(() -> Adadelta.builder().keras3(true).learningRate(1.0).rho(0.8).epsilon(1e-6).build(), 2, (w, s, g, t) -> {
            double[] accumulatedGrad = s[0];
            double[] accumulatedDelta = s[1];
            for (int i = 0; i < 10; i++) {
                accumulatedGrad[i] = 0.8 * accumulatedGrad[i] + (1 - 0.8) * (g[i] * g[i]);
                double delta = -(Math.sqrt(accumulatedDelta[i] + 1e-6) * g[i] / Math.sqrt(accumulatedGrad[i] + 1e-6));
                accumulatedDelta[i] = 0.8 * accumulatedDelta[i] + (1 - 0.8) * (delta * delta);
                w[i] += lr * delta;
            }
        });
    }

    @Test
    void adamax() {
        // adamax_test.py: Adamax(learning_rate=0.2, beta_1=0.85, beta_2=0.95, epsilon=1e-6).
        double lr = (float) 0.2;
        check(() -> Adamax.builder().keras3(true).learningRate(0.2).beta1(0.85).beta2(0.95).epsilon(1e-6).build(), 2,
                (w, s, g, t) -> {
                    double[] m = s[0];
                    double[] u = s[1];
                    double beta1Power = Math.pow(0.85, t);
                    for (int i = 0; i < 10; i++) {
                        m[i] += (g[i] - m[i]) * (1 - 0.85);
                        u[i] = Math.max(0.95 * u[i], Math.abs(g[i]));
                        w[i] -= lr * m[i] / ((1 - beta1Power) * (u[i] + 1e-6));
                    }
                });
    }

    @Test
    void adamw() {
        // adamw_test.py: AdamW(learning_rate=1.0, weight_decay=0.5, epsilon=2): decay var -= var * wd * lr first, then
        // adam.py's update_step.
        double lr = (float) 1.0;
        check(() -> AdamW.builder().learningRate(1.0).weightDecay(0.5).epsilon(2).build(), 2, (w, s, g, t) -> {
            double[] m = s[0];
            double[] v = s[1];
            double alpha = lr * Math.sqrt(1 - Math.pow(0.999, t)) / (1 - Math.pow(0.9, t));
            for (int i = 0; i < 10; i++) {
                w[i] -= w[i] * 0.5 * lr;
                m[i] += (g[i] - m[i]) * (1 - 0.9);
                v[i] += (g[i] * g[i] - v[i]) * (1 - 0.999);
                w[i] -= m[i] * alpha / (Math.sqrt(v[i]) + 2);
            }
        });
    }
}
