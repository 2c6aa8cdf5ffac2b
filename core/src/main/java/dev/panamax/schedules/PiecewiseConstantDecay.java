package dev.panamax.schedules;

import java.util.Map;
import java.util.Objects;

/**
 * Keras's {@code PiecewiseConstantDecay}: {@code values[0]} while {@code step <= boundaries[0]},
 * {@code values[i]} while {@code boundaries[i-1] < step <= boundaries[i]}, and the last value after
 * the last boundary. As in Keras, the boundaries are cast to the step's integer type (truncated
 * toward zero) and the result is the sum of each value times its range's 0/1 indicator.
 */
public final class PiecewiseConstantDecay implements LearningRateSchedule {

    private final double[] boundaries;
    private final long[] stepBoundaries;
    private final double[] values;
    private final String name;

    /** Keras's {@code PiecewiseConstantDecay(boundaries, values)}: {@code values[i]} from boundary {@code i - 1} to {@code i}. */
    public PiecewiseConstantDecay(double[] boundaries, double[] values) {
        this(boundaries, values, null);
    }

    /**
     * @param boundaries the steps where the value changes (not modified)
     * @param values one more value than boundaries (not modified)
     * @param name Keras's optional name of the schedule, or null
     * @throws IllegalArgumentException "The length of boundaries should be 1 less than the length of values. ..."
     */
    public PiecewiseConstantDecay(double[] boundaries, double[] values, String name) {
        Objects.requireNonNull(boundaries, "boundaries");
        Objects.requireNonNull(values, "values");
        if (boundaries.length != values.length - 1) {
            throw new IllegalArgumentException("The length of boundaries should be 1 less than the length of values. Received: boundaries="
                    + ScheduleConfig.pySteps(boundaries) + " of length " + boundaries.length + ", and values="
                    + ScheduleConfig.pyFloats(values) + " of length " + values.length + ".");
        }
        if (boundaries.length == 0) {
            // Keras accepts this and fails with an IndexError on the first call (boundaries[0]).
            throw new IllegalArgumentException("PiecewiseConstantDecay needs at least one boundary. Received: boundaries=[] of length 0");
        }
        for (int i = 0; i < boundaries.length; i++) {
            // Keras picks the value of the first interval a step falls in; with boundaries out of
            // order some steps fall in none, and its masked sum gives 0 or a mix of values.
            if (!Double.isFinite(boundaries[i]) || (i > 0 && !(boundaries[i] > boundaries[i - 1]))) {
                throw new IllegalArgumentException("PiecewiseConstantDecay: boundaries must be finite and increasing. Received: "
                        + "boundaries=" + ScheduleConfig.pySteps(boundaries));
            }
        }
        for (double v : values) {
            ScheduleConfig.checkFinite("PiecewiseConstantDecay", "values", v);
        }
        this.boundaries = boundaries.clone();
        this.values = values.clone();
        this.name = name;
        this.stepBoundaries = new long[boundaries.length];
        for (int i = 0; i < boundaries.length; i++) {
            this.stepBoundaries[i] = (long) boundaries[i]; // tf.cast(b, int64)
        }
    }

    /** Keras's {@code PiecewiseConstantDecay.from_config(config)}; unknown or ill-typed keys are errors. */
    public static PiecewiseConstantDecay fromConfig(Map<String, ?> config) {
        ScheduleConfig r = new ScheduleConfig("PiecewiseConstantDecay", config);
        double[] boundaries = r.numbers("boundaries");
        double[] values = r.numbers("values");
        String name = r.name();
        r.finish();
        return new PiecewiseConstantDecay(boundaries, values, name);
    }

    @Override
    public double apply(long step) {
        int last = stepBoundaries.length - 1;
        double resultValue = 0.0;
        resultValue += (step <= stepBoundaries[0] ? 1.0 : 0.0) * values[0];
        resultValue += (step > stepBoundaries[last] ? 1.0 : 0.0) * values[values.length - 1];
        for (int i = 0; i < last; i++) {
            double stepInRange = step > stepBoundaries[i] && step <= stepBoundaries[i + 1] ? 1.0 : 0.0;
            resultValue += stepInRange * values[i + 1];
        }
        return resultValue;
    }

    @Override
    public String className() {
        return "PiecewiseConstantDecay";
    }

    @Override
    public Map<String, Object> getConfig() {
        return ScheduleConfig.ordered(
                "boundaries", ScheduleConfig.steps(boundaries),
                "values", ScheduleConfig.numbers(values),
                "name", name);
    }

    /** A copy of the boundaries. */
    public double[] getBoundaries() {
        return boundaries.clone();
    }

    /** A copy of the values. */
    public double[] getValues() {
        return values.clone();
    }

    /** The schedule's {@code name}, as in its Keras config (may be null). */
    public String getName() {
        return name;
    }

    @Override
    public String toString() {
        return className() + getConfig();
    }
}
