package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Hyperparameters that can only give NaN or Infinity are refused, with the key and the value
 * (a deliberate difference: Keras accepts them and trains into NaN).
 */
class NonFiniteHyperparametersTest {

    private static void assertRefused(String expected, Supplier<Optimizer> make) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, make::get);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void constantsThatCanOnlyGiveNaNAreRefusedWhenSet() {
        assertRefused("Optimizer 'Adam': learning_rate = NaN can only give NaN, Infinity or a step the wrong way; expected a"
                + " finite learning_rate >= 0", () -> Adam.builder().learningRate(Double.NaN).build());
        assertRefused("Optimizer 'SGD': learning_rate = Infinity can only give NaN, Infinity or a step the wrong way; expected a"
                + " finite learning_rate >= 0", () -> SGD.builder().learningRate(Double.POSITIVE_INFINITY).build());
        assertRefused("Optimizer 'SGD': learning_rate = -0.1 can only give NaN, Infinity or a step the wrong way; expected a"
                + " finite learning_rate >= 0", () -> SGD.builder().learningRate(-0.1).build());
        assertRefused("Optimizer 'Adam': beta_1 = 1.0 can only give NaN, Infinity or a step the wrong way; expected a finite"
                + " beta_1 with 0 <= beta_1 < 1", () -> Adam.builder().beta1(1).build());
        assertRefused("Optimizer 'Adam': beta_1 = 1.5 can only give NaN, Infinity or a step the wrong way; expected a finite"
                + " beta_1 with 0 <= beta_1 < 1", () -> Adam.builder().beta1(1.5).build());
        assertRefused("Optimizer 'Nadam': beta_2 = -0.5 can only give NaN, Infinity or a step the wrong way; expected a finite"
                + " beta_2 with 0 <= beta_2 < 1", () -> Nadam.builder().beta2(-0.5).build());
        assertRefused("Optimizer 'RMSprop': rho = NaN can only give NaN, Infinity or a step the wrong way; expected a finite"
                + " rho with 0 <= rho <= 1", () -> RMSprop.builder().rho(Double.NaN).build());
        assertRefused("epsilon = Infinity can only give updates of 0 or NaN; expected a finite epsilon >= 0",
                () -> Adam.builder().epsilon(Double.POSITIVE_INFINITY).build());
    }

    @Test
    void limitsThatStayFiniteAreAccepted() {
        Adam.builder().learningRate(0).beta1(0).beta2(0).epsilon(0).build().close();
        // Lion takes the sign of its update; Keras allows beta_1 = 1.
        Lion.builder().beta1(1).beta2(1).build().close();
        RMSprop.builder().rho(1).momentum(1).build().close();
    }

    @Test
    void configsWithSuchValuesGetTheSameError() {
        // As Keras writes a 999-digit integer learning rate: a number too large for a double.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.deserialize(Map.of("class_name", "Adam", "config", Map.of("learning_rate", Double.POSITIVE_INFINITY))));
        assertEquals("Optimizer 'Adam': learning_rate = Infinity can only give NaN, Infinity or a step the wrong way; expected a"
                + " finite learning_rate >= 0", e.getMessage());
    }

    @Test
    void scheduleValuesAreCheckedEachStepBeforeAnythingIsWritten() {
        try (Optimizer sgd = SGD.builder().learningRate(step -> step < 2 ? 0.1 : Double.POSITIVE_INFINITY).build();
             Tensor w = Tensor.full(DType.FLOAT32, 1, 3);
             Tensor g = Tensor.full(DType.FLOAT32, 1, 3)) {
            Variable v = new Variable("w", w);
            sgd.apply(List.of(g), List.of(v));
            sgd.apply(List.of(g), List.of(v));
            float before = w.toFloatArray()[0];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sgd.apply(List.of(g), List.of(v)));
            assertEquals("Optimizer 'SGD': learning_rate for step 2 is Infinity (from its schedule); expected a finite"
                    + " learning_rate >= 0. The step changed nothing", e.getMessage());
            assertEquals(before, w.toFloatArray()[0]);
            assertEquals(2, sgd.getIterations());
        }
    }
}
