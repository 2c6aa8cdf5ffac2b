package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Keras 3's Adam and AdamW decay the weights inside the Adam kernel (one pass) instead of in the
 * weight decay stage before it: the result must be the bits of the two passes Keras runs,
 * {@code var - var * wd * lr} then Adam, and an excluded variable must not be decayed at all. The
 * reference is the same optimizer with {@code lazy(true)}, whose updates leave the decay to the
 * stage (its lazy sparse path does not decay), stepped with dense gradients.
 */
class FusedWeightDecayTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"float32", "float64"})
    void adamWithWeightDecayEqualsTheDecayThenAdam(String dtypeName) {
        DType t = DType.fromKerasName(dtypeName);
        double lr = 0.01;
        double wd = 0.004;
        SplittableRandom random = new SplittableRandom(7);
        double[] start = random.doubles(1037, -2, 2).toArray();
        double[] gradients = random.doubles(1037, -1, 1).toArray();
        try (Optimizer fused = AdamW.builder().learningRate(lr).weightDecay(wd).amsgrad(true).build();
             Optimizer plain = AdamW.builder().learningRate(lr).weightDecay(wd).amsgrad(true).lazy(true).build();
             Tensor fusedValue = tensor(t, start); Tensor fusedBias = tensor(t, start);
             Tensor plainValue = tensor(t, start); Tensor plainBias = tensor(t, start);
             Tensor gradient = tensor(t, gradients)) {
            Variable kernel = new Variable("dense/kernel", fusedValue);
            Variable bias = new Variable("dense/bias", fusedBias);
            fused.excludeFromWeightDecay(null, List.of("bias"));
            plain.excludeFromWeightDecay(null, List.of("bias"));
            Variable plainKernel = new Variable("dense/kernel", plainValue);
            Variable plainBiasVariable = new Variable("dense/bias", plainBias);
            for (int step = 0; step < 3; step++) {
                fused.applyGradients(List.of(new GradientAndVariable(gradient, kernel), new GradientAndVariable(gradient, bias)));
                plain.applyGradients(List.of(new GradientAndVariable(gradient, plainKernel),
                        new GradientAndVariable(gradient, plainBiasVariable)));
            }
            assertArrayEquals(plainValue.toDoubleArray(), fusedValue.toDoubleArray(), 0.0, "the decayed kernel");
            assertArrayEquals(plainBias.toDoubleArray(), fusedBias.toDoubleArray(), 0.0, "the excluded bias");
        }
    }

    private static Tensor tensor(DType t, double[] values) {
        Tensor x = Tensor.zeros(t, values.length);
        for (int i = 0; i < values.length; i++) {
            t.set(x.segment(), i, values[i]);
        }
        return x;
    }
}
