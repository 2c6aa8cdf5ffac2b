package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One optimizer used from several threads: its steps are serialised, so none is lost and none sees another half-done. */
class ConcurrentUseTest {

    private static final int THREADS = 4;

    /** Runs {@code body} on {@link #THREADS} threads started together, and rethrows the first failure. */
    private static void onThreads(Callable<Void> body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CyclicBarrier start = new CyclicBarrier(THREADS);
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return body.call();
                }));
            }
            for (Future<Void> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void stepsFromSeveralThreadsOnOneVariableAreNeverLost() throws Exception {
        int steps = 5_000;
        try (Optimizer sgd = SGD.builder().learningRate(1).build();
             Tensor w = Tensor.zeros(DType.FLOAT32, 64);
             Tensor g = Tensor.full(DType.FLOAT32, 1, 64)) {
            Variable v = new Variable("w", w);
            List<GradientAndVariable> pairs = List.of(new GradientAndVariable(g, v));
            onThreads(() -> {
                for (int i = 0; i < steps; i++) {
                    sgd.applyGradients(pairs);
                }
                return null;
            });
            // Each step subtracts exactly 1 (small integers are exact in float32).
            for (float x : w.toFloatArray()) {
                assertEquals(-(double) THREADS * steps, x, "every element after every thread's steps");
            }
            assertEquals((long) THREADS * steps, sgd.getIterations());
        }
    }

    @Test
    void stepsFromSeveralThreadsOnTheirOwnVariablesCountEveryStep() throws Exception {
        int steps = 2_000;
        List<Variable> vars = new ArrayList<>();
        List<Tensor> grads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            vars.add(new Variable("w" + t, Tensor.zeros(DType.FLOAT32, 8)));
            grads.add(Tensor.full(DType.FLOAT32, 0.5, 8));
        }
        try (Optimizer adam = Adam.builder().build()) {
            adam.build(vars);
            java.util.concurrent.atomic.AtomicInteger ids = new java.util.concurrent.atomic.AtomicInteger();
            onThreads(() -> {
                int t = ids.getAndIncrement();
                List<GradientAndVariable> mine = List.of(new GradientAndVariable(grads.get(t), vars.get(t)));
                for (int i = 0; i < steps; i++) {
                    adam.applyGradients(mine);
                }
                return null;
            });
            assertEquals((long) THREADS * steps, adam.getIterations());
        } finally {
            vars.forEach(v -> v.value().close());
            grads.forEach(Tensor::close);
        }
    }

    @Test
    void aFirstStepRacedFromSeveralThreadsBuildsOnce() throws Exception {
        for (int round = 0; round < 20; round++) {
            List<Variable> vars = List.of(new Variable("a", Tensor.zeros(DType.FLOAT32, 4)),
                    new Variable("b", Tensor.zeros(DType.FLOAT32, 3)));
            try (Tensor ga = Tensor.full(DType.FLOAT32, 1, 4); Tensor gb = Tensor.full(DType.FLOAT32, 1, 3);
                 Optimizer rms = RMSprop.builder().momentum(0.5).build()) {
                List<GradientAndVariable> pairs = List.of(new GradientAndVariable(ga, vars.get(0)),
                        new GradientAndVariable(gb, vars.get(1)));
                onThreads(() -> {
                    rms.applyGradients(pairs);
                    return null;
                });
                // iterations, then per variable: rms and momentum (TF2 RMSprop, not centered).
                assertEquals(1 + 2 * 2, rms.getWeights().size(), "weights after a raced first step");
                assertEquals(THREADS, rms.getIterations());
            } finally {
                vars.forEach(v -> v.value().close());
            }
        }
    }
}
