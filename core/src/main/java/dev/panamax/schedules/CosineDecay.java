package dev.panamax.schedules;

import java.util.Map;

/**
 * Keras's {@code CosineDecay} (Keras 2.13+ / Keras 3, with linear warm-up). Without a
 * {@code warmup_target}: {@code initial * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps)) + alpha)}.
 * With one: a line from {@code initial_learning_rate} to {@code warmup_target} over
 * {@code warmup_steps}, then the cosine decay of {@code warmup_target} over {@code decay_steps}.
 * Computed in {@code double} in Keras's order.
 */
public final class CosineDecay implements LearningRateSchedule {

    private final double initialLearningRate;
    private final double decaySteps;
    private final double alpha;
    private final String name;
    private final Double warmupTarget;
    private final double warmupSteps;

    /** With Keras's defaults: alpha 0, no warm-up. */
    public CosineDecay(double initialLearningRate, double decaySteps) {
        this(builder(initialLearningRate, decaySteps));
    }

    /** Keras's {@code CosineDecay(initial_learning_rate, decay_steps, alpha)}, with no warmup. */
    public CosineDecay(double initialLearningRate, double decaySteps, double alpha) {
        this(builder(initialLearningRate, decaySteps).alpha(alpha));
    }

    private CosineDecay(Builder b) {
        this.initialLearningRate = b.initialLearningRate;
        this.decaySteps = b.decaySteps;
        this.alpha = b.alpha;
        this.name = b.name;
        this.warmupTarget = b.warmupTarget;
        this.warmupSteps = b.warmupSteps;
        ScheduleConfig.checkPositive("decay_steps", decaySteps);
        ScheduleConfig.checkFinite("CosineDecay", "initial_learning_rate", initialLearningRate);
        ScheduleConfig.checkFinite("CosineDecay", "alpha", alpha);
    }

    /** A builder of this schedule with its required arguments; the others take Keras's defaults. */
    public static Builder builder(double initialLearningRate, double decaySteps) {
        return new Builder(initialLearningRate, decaySteps);
    }

    /** Keras's {@code CosineDecay.from_config(config)}; unknown or ill-typed keys are errors. */
    public static CosineDecay fromConfig(Map<String, ?> config) {
        ScheduleConfig r = new ScheduleConfig("CosineDecay", config);
        Builder b = builder(r.number("initial_learning_rate"), r.number("decay_steps"))
                .alpha(r.number("alpha", 0.0))
                .name(r.name())
                .warmupTarget(r.nullableNumber("warmup_target"))
                .warmupSteps(r.number("warmup_steps", 0));
        r.finish();
        return b.build();
    }

    @Override
    public double apply(long step) {
        double globalStepRecomp = step;
        if (warmupTarget == null) {
            globalStepRecomp = Math.min(globalStepRecomp, decaySteps);
            return decayFunction(globalStepRecomp, decaySteps, initialLearningRate);
        }
        double target = warmupTarget;
        globalStepRecomp = Math.min(globalStepRecomp, decaySteps + warmupSteps);
        if (globalStepRecomp < warmupSteps) {
            return warmupFunction(globalStepRecomp, warmupSteps, target, initialLearningRate);
        }
        return decayFunction(globalStepRecomp - warmupSteps, decaySteps, target);
    }

    private double decayFunction(double step, double decaySteps, double decayFromLr) {
        double completedFraction = step / decaySteps;
        double cosineDecayed = 0.5 * (1.0 + StrictMath.cos(Math.PI * completedFraction));
        double decayed = (1 - alpha) * cosineDecayed + alpha;
        return decayFromLr * decayed;
    }

    private static double warmupFunction(double step, double warmupSteps, double warmupTarget, double initialLearningRate) {
        double completedFraction = step / warmupSteps;
        double totalStepDelta = warmupTarget - initialLearningRate;
        return totalStepDelta * completedFraction + initialLearningRate;
    }

    @Override
    public String className() {
        return "CosineDecay";
    }

    @Override
    public Map<String, Object> getConfig() {
        return ScheduleConfig.ordered(
                "initial_learning_rate", initialLearningRate,
                "decay_steps", ScheduleConfig.steps(decaySteps),
                "alpha", alpha,
                "name", name,
                "warmup_target", warmupTarget,
                "warmup_steps", ScheduleConfig.steps(warmupSteps));
    }

    /** {@code initial_learning_rate}, as in the Keras config. */
    public double getInitialLearningRate() {
        return initialLearningRate;
    }

    /** {@code decay_steps}, as in the Keras config. */
    public double getDecaySteps() {
        return decaySteps;
    }

    /** {@code alpha}, as in the Keras config. */
    public double getAlpha() {
        return alpha;
    }

    /** The schedule's {@code name}, as in its Keras config (may be null). */
    public String getName() {
        return name;
    }

    /** The warm-up target, or null when there is no warm-up. */
    public Double getWarmupTarget() {
        return warmupTarget;
    }

    /** {@code warmup_steps}, as in the Keras config. */
    public double getWarmupSteps() {
        return warmupSteps;
    }

    @Override
    public String toString() {
        return className() + getConfig();
    }

    /** The optional arguments, with Keras's defaults. */
    public static final class Builder {
        private final double initialLearningRate;
        private final double decaySteps;
        private double alpha;
        private String name;
        private Double warmupTarget;
        private double warmupSteps;

        private Builder(double initialLearningRate, double decaySteps) {
            this.initialLearningRate = initialLearningRate;
            this.decaySteps = decaySteps;
        }

        /** Minimum learning rate as a fraction of the decayed-from rate; default 0. */
        public Builder alpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        /** The schedule's {@code name} in its Keras config. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** The learning rate reached at the end of warm-up; null (the default) for no warm-up. */
        public Builder warmupTarget(Double warmupTarget) {
            this.warmupTarget = warmupTarget;
            return this;
        }

        /** Steps of linear warm-up (used only with a warm-up target); default 0. */
        public Builder warmupSteps(double warmupSteps) {
            this.warmupSteps = warmupSteps;
            return this;
        }

        /** @throws IllegalArgumentException "Argument `decay_steps` must be > 0. Received: decay_steps=..." */
        public CosineDecay build() {
            return new CosineDecay(this);
        }
    }
}
