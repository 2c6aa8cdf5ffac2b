package dev.panamax.schedules;

import java.util.Map;

/**
 * Keras's {@code InverseTimeDecay}: {@code initial_learning_rate / (1 + decay_rate * step / decay_steps)},
 * with {@code step / decay_steps} floored when {@code staircase}. Computed in {@code double} in Keras's order.
 */
public final class InverseTimeDecay extends RateDecay {

    /** Keras's {@code InverseTimeDecay} with these arguments (the others at Keras's defaults). */
    public InverseTimeDecay(double initialLearningRate, double decaySteps, double decayRate) {
        this(initialLearningRate, decaySteps, decayRate, false, null);
    }

    /** Keras's {@code InverseTimeDecay} with these arguments (the others at Keras's defaults). */
    public InverseTimeDecay(double initialLearningRate, double decaySteps, double decayRate, boolean staircase) {
        this(initialLearningRate, decaySteps, decayRate, staircase, null);
    }

    /**
     * @param name Keras's optional name of the schedule (written in the config), or null
     * @throws IllegalArgumentException "Argument `decay_steps` must be > 0. Received: decay_steps=..."
     */
    public InverseTimeDecay(double initialLearningRate, double decaySteps, double decayRate, boolean staircase, String name) {
        super(initialLearningRate, decaySteps, decayRate, staircase, name);
    }

    /** Keras's {@code InverseTimeDecay.from_config(config)}; unknown or ill-typed keys are errors. */
    public static InverseTimeDecay fromConfig(Map<String, ?> config) {
        Arguments a = Arguments.read("InverseTimeDecay", config);
        return new InverseTimeDecay(a.initialLearningRate(), a.decaySteps(), a.decayRate(), a.staircase(), a.name());
    }

    @Override
    double rateAt(double p) {
        double denom = 1.0 + decayRate * p;
        return initialLearningRate / denom;
    }

    @Override
    public String className() {
        return "InverseTimeDecay";
    }
}
