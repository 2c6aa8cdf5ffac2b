package dev.panamax.schedules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Schedule arguments that give a NaN or infinite learning rate at some step are refused when the schedule is made. */
class NaNSchedulesTest {

    private static void assertRefused(String expected, Executable make) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, make).getMessage());
    }

    @Test
    void argumentsThatLeadToNaNAreRefusedNamingThem() {
        assertRefused("CosineDecayRestarts: t_mul = 0.0 gives a NaN or infinite learning rate; expected a finite t_mul > 0.0",
                () -> CosineDecayRestarts.builder(0.1, 10).tMul(0).build());
        assertRefused("PolynomialDecay: power = -1.0 gives a NaN or infinite learning rate; expected a finite power >= 0.0",
                () -> PolynomialDecay.builder(0.1, 10).power(-1).build());
        assertRefused("ExponentialDecay: decay_rate = -0.5 gives a NaN or infinite learning rate; expected a finite decay_rate"
                + " >= 0.0", () -> new ExponentialDecay(0.1, 10, -0.5));
        assertRefused("InverseTimeDecay: initial_learning_rate = NaN gives a NaN or infinite learning rate; expected a finite"
                + " initial_learning_rate", () -> new InverseTimeDecay(Double.NaN, 10, 0.5));
        assertRefused("PiecewiseConstantDecay: boundaries must be finite and increasing. Received: boundaries=[10, 5]",
                () -> new PiecewiseConstantDecay(new double[] {10, 5}, new double[] {1, 0.5, 0.1}));
        assertRefused("PiecewiseConstantDecay: values = Infinity gives a NaN or infinite learning rate; expected a finite values",
                () -> new PiecewiseConstantDecay(new double[] {10}, new double[] {1, Double.POSITIVE_INFINITY}));
    }

    @Test
    void configsGetTheSameChecks() {
        assertRefused("CosineDecayRestarts: t_mul = 0.0 gives a NaN or infinite learning rate; expected a finite t_mul > 0.0",
                () -> Schedules.deserialize(Map.of("class_name", "CosineDecayRestarts", "config",
                        Map.of("initial_learning_rate", 0.1, "first_decay_steps", 10, "t_mul", 0.0))));
    }
}
