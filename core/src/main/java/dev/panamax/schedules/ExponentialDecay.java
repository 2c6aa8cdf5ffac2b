package dev.panamax.schedules;

import java.util.Map;

/**
 * Keras's {@code ExponentialDecay}: {@code initial_learning_rate * decay_rate ^ (step / decay_steps)},
 * with the exponent floored when {@code staircase}. Computed in {@code double} in Keras's order.
 */
public final class ExponentialDecay extends RateDecay {

    /** Keras's {@code ExponentialDecay} with these arguments (the others at Keras's defaults). */
    public ExponentialDecay(double initialLearningRate, double decaySteps, double decayRate) {
        this(initialLearningRate, decaySteps, decayRate, false, null);
    }

    /** Keras's {@code ExponentialDecay} with these arguments (the others at Keras's defaults). */
    public ExponentialDecay(double initialLearningRate, double decaySteps, double decayRate, boolean staircase) {
        this(initialLearningRate, decaySteps, decayRate, staircase, null);
    }

    /**
     * @param name Keras's optional name of the schedule (written in the config), or null
     * @throws IllegalArgumentException "Argument `decay_steps` must be > 0. Received: decay_steps=..."
     */
    public ExponentialDecay(double initialLearningRate, double decaySteps, double decayRate, boolean staircase, String name) {
        super(initialLearningRate, decaySteps, decayRate, staircase, name);
    }

    /** Keras's {@code ExponentialDecay.from_config(config)}; unknown or ill-typed keys are errors. */
    public static ExponentialDecay fromConfig(Map<String, ?> config) {
        Arguments a = Arguments.read("ExponentialDecay", config);
        return new ExponentialDecay(a.initialLearningRate(), a.decaySteps(), a.decayRate(), a.staircase(), a.name());
    }

    @Override
    double rateAt(double p) {
        return initialLearningRate * StrictMath.pow(decayRate, p);
    }

    @Override
    public String className() {
        return "ExponentialDecay";
    }
}
