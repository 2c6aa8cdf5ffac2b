package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panamax.optimizers.state.OptimizerVariable;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's "Keras 3" snippets, as written there, with assertions on what they claim. */
class ReadmeKeras3ExampleTest {

    /** SGD with momentum, written as a Keras 3 user optimizer (the README's custom optimizer). */
    static final class MomentumSgd extends Optimizer {
        MomentumSgd(Builder b) {
            super(b, "MomentumSgd");
        }

        @Override
        protected double defaultLearningRate() {
            return 0.01;
        }

        @Override
        protected void createSlots(List<Variable> vars) {                 // build(var_list)
            vars.forEach(v -> addVariableFromReference(v, "momentum"));
        }

        @Override
        protected void updateStep(Tensor g, Variable v, double lr) {     // update_step(gradient, variable, learning_rate)
            Tensor m = getSlot(v, "momentum");
            tensorKernels(m).scale(m, v.dtype().round(0.9));           // m = m * 0.9 - g * lr
            tensorKernels(m).axpy(g, m, -lr);
            assignAdd(v.value(), m);                                     // variable += m
        }

        static final class Builder extends Optimizer.Builder<Builder> {
            @Override
            protected Builder self() {
                return this;
            }

            @Override
            public MomentumSgd build() {
                return new MomentumSgd(this);
            }
        }
    }

    @Test
    void tf2AndKeras3SideBySide() {
        Variable kernel = new Variable("dense/kernel", Tensor.wrap(new float[] {0.5f, -0.5f, 1, 2}, 2, 2));
        Variable bias = new Variable("dense/bias", Tensor.wrap(new float[] {0.1f, 0.2f}));
        Tensor grad = Tensor.wrap(new float[] {0.1f, 0.2f, -0.3f, 0.4f}, 2, 2);
        Tensor biasGrad = Tensor.wrap(new float[] {0.5f, -0.5f});

        // README, "Keras 3", first block.
        Adam tf2 = Adam.builder().learningRate(1e-3).clipnorm(1.0).build();
        tf2.applyGradients(List.of(new GradientAndVariable(grad, kernel)));

        Adam k3 = Adam.builder().keras3(true).learningRate(1e-3).weightDecay(0.004)
                .useEma(true).gradientAccumulationSteps(4).build();
        k3.excludeFromWeightDecay(null, List.of("bias"));
        k3.apply(List.of(grad, biasGrad), List.of(kernel, bias));
        k3.finalizeVariableValues(List.of(kernel, bias));

        Map<String, Tensor> store = new HashMap<>();
        k3.saveOwnVariables(store);
        List<String> paths = new ArrayList<>();
        k3.variables().forEach(v -> paths.add(v.path()));
        // end of the README block

        assertEquals(1, tf2.getIterations());
        assertEquals(0, k3.getIterations()); // accumulating: 1 call of 4
        assertEquals(1, k3.getCalls());
        assertEquals(List.of("adam/iteration", "adam/learning_rate", "adam/dense_kernel_average", "adam/dense_bias_average",
                "adam/dense_kernel_gradient_accumulator", "adam/dense_bias_gradient_accumulator", "adam/dense_kernel_momentum",
                "adam/dense_kernel_velocity", "adam/dense_bias_momentum", "adam/dense_bias_velocity"), paths);
        assertEquals(paths.size(), store.size());
        tf2.close();
        k3.close();
    }

    @Test
    void customOptimizerThroughUpdateStep() {
        Variable w = new Variable("w", Tensor.wrap(new float[] {1, 2, 3}));
        Variable reference = new Variable("w", Tensor.wrap(new float[] {1, 2, 3}));
        // README, "A Keras 3 user optimizer".
        try (MomentumSgd opt = new MomentumSgd.Builder().keras3(true).learningRate(0.1).clipvalue(1.0).build();
             SGD sgd = SGD.builder().keras3(true).learningRate(0.1).momentum(0.9).clipvalue(1.0).build()) {
            for (int step = 0; step < 3; step++) {
                opt.apply(List.of(Tensor.wrap(new float[] {0.5f, -2, 1.5f})), List.of(w));
                sgd.apply(List.of(Tensor.wrap(new float[] {0.5f, -2, 1.5f})), List.of(reference));
            }
            assertArrayEquals(reference.value().toFloatArray(), w.value().toFloatArray());
            OptimizerVariable momentum = opt.variables().get(2);
            assertEquals("momentum_sgd/w_momentum", momentum.path());
        }
    }
}
