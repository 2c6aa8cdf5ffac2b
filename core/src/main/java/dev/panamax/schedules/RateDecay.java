package dev.panamax.schedules;

import java.util.Map;

/**
 * What Keras's {@code ExponentialDecay} and {@code InverseTimeDecay} share: the same four
 * arguments and config keys, and the progress {@code p = step / decay_steps}, floored when
 * {@code staircase}. Each subclass turns {@code p} into the learning rate.
 */
abstract sealed class RateDecay implements LearningRateSchedule permits ExponentialDecay, InverseTimeDecay {

    final double initialLearningRate;
    final double decaySteps;
    final double decayRate;
    private final boolean staircase;
    private final String name;

    RateDecay(double initialLearningRate, double decaySteps, double decayRate, boolean staircase, String name) {
        this.initialLearningRate = initialLearningRate;
        this.decaySteps = decaySteps;
        this.decayRate = decayRate;
        this.staircase = staircase;
        this.name = name;
        ScheduleConfig.checkPositive("decay_steps", decaySteps);
        String schedule = getClass().getSimpleName();
        ScheduleConfig.checkFinite(schedule, "initial_learning_rate", initialLearningRate);
        // A negative rate: rate^(fraction) is NaN (exponential), 1 + rate * t reaches 0 (inverse time).
        ScheduleConfig.checkRange(schedule, "decay_rate", decayRate, 0, false);
    }

    /** The arguments of a config of {@code className}; unknown or ill-typed keys are errors. */
    record Arguments(double initialLearningRate, double decaySteps, double decayRate, boolean staircase, String name) {
        static Arguments read(String className, Map<String, ?> config) {
            ScheduleConfig r = new ScheduleConfig(className, config);
            Arguments a = new Arguments(r.number("initial_learning_rate"), r.number("decay_steps"), r.number("decay_rate"),
                    r.bool("staircase", false), r.name());
            r.finish();
            return a;
        }
    }

    /** The learning rate at progress {@code p}, in Keras's operation order. */
    abstract double rateAt(double p);

    @Override
    public final double apply(long step) {
        double globalStepRecomp = step;
        double p = globalStepRecomp / decaySteps;
        if (staircase) {
            p = Math.floor(p);
        }
        return rateAt(p);
    }

    @Override
    public final Map<String, Object> getConfig() {
        return ScheduleConfig.ordered(
                "initial_learning_rate", initialLearningRate,
                "decay_steps", ScheduleConfig.steps(decaySteps),
                "decay_rate", decayRate,
                "staircase", staircase,
                "name", name);
    }

    /** {@code initial_learning_rate}, as in the Keras config. */
    public final double getInitialLearningRate() {
        return initialLearningRate;
    }

    /** {@code decay_steps}, as in the Keras config. */
    public final double getDecaySteps() {
        return decaySteps;
    }

    /** {@code decay_rate}, as in the Keras config. */
    public final double getDecayRate() {
        return decayRate;
    }

    /** {@code staircase}, as in the Keras config. */
    public final boolean isStaircase() {
        return staircase;
    }

    /** The optimizer's {@code name}. */
    public final String getName() {
        return name;
    }

    @Override
    public final String toString() {
        return className() + getConfig();
    }
}
