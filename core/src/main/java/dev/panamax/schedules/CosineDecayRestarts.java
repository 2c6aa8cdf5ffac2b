package dev.panamax.schedules;

import java.util.Map;

/**
 * Keras's {@code CosineDecayRestarts} (SGDR, Loshchilov and Hutter): cosine decay over
 * {@code first_decay_steps}, then restarts, each period {@code t_mul} times longer and each
 * restart's peak {@code m_mul} times the previous one. Computed in {@code double} in Keras's
 * order (the restart index comes from a logarithm, as in Keras, when {@code t_mul != 1}).
 */
public final class CosineDecayRestarts implements LearningRateSchedule {

    private final double initialLearningRate;
    private final double firstDecaySteps;
    private final double tMul;
    private final double mMul;
    private final double alpha;
    private final String name;

    /** With Keras's defaults: t_mul 2.0, m_mul 1.0, alpha 0.0. */
    public CosineDecayRestarts(double initialLearningRate, double firstDecaySteps) {
        this(builder(initialLearningRate, firstDecaySteps));
    }

    private CosineDecayRestarts(Builder b) {
        this.initialLearningRate = b.initialLearningRate;
        this.firstDecaySteps = b.firstDecaySteps;
        this.tMul = b.tMul;
        this.mMul = b.mMul;
        this.alpha = b.alpha;
        this.name = b.name;
        ScheduleConfig.checkPositive("first_decay_steps", firstDecaySteps);
        ScheduleConfig.checkFinite("CosineDecayRestarts", "initial_learning_rate", initialLearningRate);
        // log(t_mul) divides the restart count; t_mul <= 0 makes it NaN.
        ScheduleConfig.checkRange("CosineDecayRestarts", "t_mul", tMul, 0, true);
        ScheduleConfig.checkFinite("CosineDecayRestarts", "m_mul", mMul);
        ScheduleConfig.checkFinite("CosineDecayRestarts", "alpha", alpha);
    }

    /** A builder of this schedule with its required arguments; the others take Keras's defaults. */
    public static Builder builder(double initialLearningRate, double firstDecaySteps) {
        return new Builder(initialLearningRate, firstDecaySteps);
    }

    /** Keras's {@code CosineDecayRestarts.from_config(config)}; unknown or ill-typed keys are errors. */
    public static CosineDecayRestarts fromConfig(Map<String, ?> config) {
        ScheduleConfig r = new ScheduleConfig("CosineDecayRestarts", config);
        Builder b = builder(r.number("initial_learning_rate"), r.number("first_decay_steps"))
                .tMul(r.number("t_mul", 2.0))
                .mMul(r.number("m_mul", 1.0))
                .alpha(r.number("alpha", 0.0))
                .name(r.name());
        r.finish();
        return b.build();
    }

    @Override
    public double apply(long step) {
        double globalStepRecomp = step;
        double completedFraction = globalStepRecomp / firstDecaySteps;
        double iRestart;
        if (tMul == 1.0) {
            iRestart = Math.floor(completedFraction);
            completedFraction -= iRestart;
        } else {
            iRestart = Math.floor(StrictMath.log(1.0 - completedFraction * (1.0 - tMul)) / StrictMath.log(tMul));
            double sumR = (1.0 - StrictMath.pow(tMul, iRestart)) / (1.0 - tMul);
            completedFraction = (completedFraction - sumR) / StrictMath.pow(tMul, iRestart);
        }
        double mFac = StrictMath.pow(mMul, iRestart);
        double cosineDecayed = 0.5 * mFac * (1.0 + StrictMath.cos(Math.PI * completedFraction));
        double decayed = (1 - alpha) * cosineDecayed + alpha;
        return initialLearningRate * decayed;
    }

    @Override
    public String className() {
        return "CosineDecayRestarts";
    }

    @Override
    public Map<String, Object> getConfig() {
        return ScheduleConfig.ordered(
                "initial_learning_rate", initialLearningRate,
                "first_decay_steps", ScheduleConfig.steps(firstDecaySteps),
                "t_mul", tMul,
                "m_mul", mMul,
                "alpha", alpha,
                "name", name);
    }

    /** {@code initial_learning_rate}, as in the Keras config. */
    public double getInitialLearningRate() {
        return initialLearningRate;
    }

    /** {@code first_decay_steps}, as in the Keras config. */
    public double getFirstDecaySteps() {
        return firstDecaySteps;
    }

    /** {@code tmul}, as in the Keras config. */
    public double getTMul() {
        return tMul;
    }

    /** {@code mmul}, as in the Keras config. */
    public double getMMul() {
        return mMul;
    }

    /** {@code alpha}, as in the Keras config. */
    public double getAlpha() {
        return alpha;
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
        private final double firstDecaySteps;
        private double tMul = 2.0;
        private double mMul = 1.0;
        private double alpha;
        private String name;

        private Builder(double initialLearningRate, double firstDecaySteps) {
            this.initialLearningRate = initialLearningRate;
            this.firstDecaySteps = firstDecaySteps;
        }

        /** Factor of each period's length over the previous one; default 2.0. */
        public Builder tMul(double tMul) {
            this.tMul = tMul;
            return this;
        }

        /** Factor of each restart's initial learning rate over the previous one; default 1.0. */
        public Builder mMul(double mMul) {
            this.mMul = mMul;
            return this;
        }

        /** Minimum learning rate as a fraction of the initial one; default 0. */
        public Builder alpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        /** The schedule's {@code name} in its Keras config. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** @throws IllegalArgumentException "Argument `first_decay_steps` must be > 0. Received: first_decay_steps=..." */
        public CosineDecayRestarts build() {
            return new CosineDecayRestarts(this);
        }
    }
}
