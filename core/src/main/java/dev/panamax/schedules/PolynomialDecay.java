package dev.panamax.schedules;

import java.util.Map;

/**
 * Keras's {@code PolynomialDecay}: {@code (initial - end) * (1 - step / decay_steps) ^ power + end},
 * with the step clipped at {@code decay_steps}, or, when {@code cycle}, {@code decay_steps}
 * multiplied by {@code ceil(step / decay_steps)} (1 at step 0). Computed in {@code double} in Keras's order.
 */
public final class PolynomialDecay implements LearningRateSchedule {

    /** Keras's default {@code end_learning_rate}. */
    public static final double DEFAULT_END_LEARNING_RATE = 0.0001;

    private final double initialLearningRate;
    private final double decaySteps;
    private final double endLearningRate;
    private final double power;
    private final boolean cycle;
    private final String name;

    /** With Keras's defaults: end learning rate 0.0001, power 1.0, no cycle. */
    public PolynomialDecay(double initialLearningRate, double decaySteps) {
        this(builder(initialLearningRate, decaySteps));
    }

    /** Keras's {@code PolynomialDecay} with these arguments (the others at Keras's defaults). */
    public PolynomialDecay(double initialLearningRate, double decaySteps, double endLearningRate) {
        this(builder(initialLearningRate, decaySteps).endLearningRate(endLearningRate));
    }

    private PolynomialDecay(Builder b) {
        this.initialLearningRate = b.initialLearningRate;
        this.decaySteps = b.decaySteps;
        this.endLearningRate = b.endLearningRate;
        this.power = b.power;
        this.cycle = b.cycle;
        this.name = b.name;
        ScheduleConfig.checkPositive("decay_steps", decaySteps);
        ScheduleConfig.checkFinite("PolynomialDecay", "initial_learning_rate", initialLearningRate);
        ScheduleConfig.checkFinite("PolynomialDecay", "end_learning_rate", endLearningRate);
        // (1 - step / decay_steps)^power is 0^power at the end: Infinity for a negative power.
        ScheduleConfig.checkRange("PolynomialDecay", "power", power, 0, false);
    }

    /** A builder of this schedule with its required arguments; the others take Keras's defaults. */
    public static Builder builder(double initialLearningRate, double decaySteps) {
        return new Builder(initialLearningRate, decaySteps);
    }

    /** Keras's {@code PolynomialDecay.from_config(config)}; unknown or ill-typed keys are errors. */
    public static PolynomialDecay fromConfig(Map<String, ?> config) {
        ScheduleConfig r = new ScheduleConfig("PolynomialDecay", config);
        Builder b = builder(r.number("initial_learning_rate"), r.number("decay_steps"))
                .endLearningRate(r.number("end_learning_rate", DEFAULT_END_LEARNING_RATE))
                .power(r.number("power", 1.0))
                .cycle(r.bool("cycle", false))
                .name(r.name());
        r.finish();
        return b.build();
    }

    @Override
    public double apply(long step) {
        double globalStepRecomp = step;
        double decayStepsRecomp = decaySteps;
        if (cycle) {
            double multiplier = globalStepRecomp == 0 ? 1.0 : Math.ceil(globalStepRecomp / decaySteps);
            decayStepsRecomp = decayStepsRecomp * multiplier;
        } else {
            globalStepRecomp = Math.min(globalStepRecomp, decayStepsRecomp);
        }
        double p = globalStepRecomp / decayStepsRecomp;
        return (initialLearningRate - endLearningRate) * StrictMath.pow(1 - p, power) + endLearningRate;
    }

    @Override
    public String className() {
        return "PolynomialDecay";
    }

    @Override
    public Map<String, Object> getConfig() {
        return ScheduleConfig.ordered(
                "initial_learning_rate", initialLearningRate,
                "decay_steps", ScheduleConfig.steps(decaySteps),
                "end_learning_rate", endLearningRate,
                "power", power,
                "cycle", cycle,
                "name", name);
    }

    /** {@code initial_learning_rate}, as in the Keras config. */
    public double getInitialLearningRate() {
        return initialLearningRate;
    }

    /** {@code decay_steps}, as in the Keras config. */
    public double getDecaySteps() {
        return decaySteps;
    }

    /** {@code end_learning_rate}, as in the Keras config. */
    public double getEndLearningRate() {
        return endLearningRate;
    }

    /** {@code power}, as in the Keras config. */
    public double getPower() {
        return power;
    }

    /** {@code cycle}, as in the Keras config. */
    public boolean isCycle() {
        return cycle;
    }

    /** The schedule's {@code name}, as in its Keras config (may be null). */
    public String getName() {
        return name;
    }

    @Override
    public String toString() {
        return className() + getConfig();
    }

    /** The optional arguments, with Keras's defaults. */
    public static final class Builder {
        private final double initialLearningRate;
        private final double decaySteps;
        private double endLearningRate = DEFAULT_END_LEARNING_RATE;
        private double power = 1.0;
        private boolean cycle;
        private String name;

        private Builder(double initialLearningRate, double decaySteps) {
            this.initialLearningRate = initialLearningRate;
            this.decaySteps = decaySteps;
        }

        /** Sets {@code end_learning_rate}, Keras's argument of that name. */
        public Builder endLearningRate(double endLearningRate) {
            this.endLearningRate = endLearningRate;
            return this;
        }

        /** Sets {@code power}, Keras's argument of that name. */
        public Builder power(double power) {
            this.power = power;
            return this;
        }

        /** Sets {@code cycle}, Keras's argument of that name. */
        public Builder cycle(boolean cycle) {
            this.cycle = cycle;
            return this;
        }

        /** The schedule's {@code name} in its Keras config. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** @throws IllegalArgumentException "Argument `decay_steps` must be > 0. Received: decay_steps=..." */
        public PolynomialDecay build() {
            return new PolynomialDecay(this);
        }
    }
}
