package dev.panamax.optimizers.state;

/**
 * The values of a hyperparameter that can give a finite step: always finite, and bounded where a
 * bound is what keeps the formulas finite ({@code beta_1 = 1} divides by {@code 1 - beta_1^t = 0}).
 * Keras accepts such values and trains into NaN; Panamax refuses them, constants when they are set
 * and suppliers' or schedules' values when a step evaluates them, before anything is written.
 *
 * @param min          the lower bound
 * @param minInclusive whether {@code min} itself is allowed
 * @param max          the upper bound ({@code Infinity}: none, yet values stay finite)
 * @param maxInclusive whether {@code max} itself is allowed
 */
public record HyperparameterRange(double min, boolean minInclusive, double max, boolean maxInclusive) {

    /** Any finite number. */
    public static final HyperparameterRange FINITE =
            new HyperparameterRange(Double.NEGATIVE_INFINITY, false, Double.POSITIVE_INFINITY, false);
    /** A finite number {@code >= 0}. */
    public static final HyperparameterRange NON_NEGATIVE = new HyperparameterRange(0, true, Double.POSITIVE_INFINITY, false);
    /** {@code 0 <= x <= 1}. */
    public static final HyperparameterRange UNIT = new HyperparameterRange(0, true, 1, true);
    /** {@code 0 <= x < 1}: a decay rate whose bias correction {@code 1 - x^t} must not be 0. */
    public static final HyperparameterRange DECAY_RATE = new HyperparameterRange(0, true, 1, false);

    /** Whether {@code value} is finite and within the bounds. */
    public boolean contains(double value) {
        return Double.isFinite(value)
                && (minInclusive ? value >= min : value > min)
                && (maxInclusive ? value <= max : value < max);
    }

    /** What is expected of {@code key}, for messages: {@code "a finite beta_1 with 0 <= beta_1 < 1"}. */
    public String describe(String key) {
        StringBuilder s = new StringBuilder("a finite ").append(key);
        boolean lower = min != Double.NEGATIVE_INFINITY;
        boolean upper = max != Double.POSITIVE_INFINITY;
        if (lower && upper) {
            s.append(" with ").append(number(min)).append(minInclusive ? " <= " : " < ").append(key)
                    .append(maxInclusive ? " <= " : " < ").append(number(max));
        } else if (lower) {
            s.append(minInclusive ? " >= " : " > ").append(number(min));
        } else if (upper) {
            s.append(maxInclusive ? " <= " : " < ").append(number(max));
        }
        return s.toString();
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
