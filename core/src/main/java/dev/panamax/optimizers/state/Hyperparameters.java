package dev.panamax.optimizers.state;

import dev.panamax.optimizers.Hyperparameter;
import dev.panamax.tensor.DType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An optimizer's hyperparameters by Keras name ({@code learning_rate}, {@code beta_1}, ...), and
 * their values for the step in progress: each supplier or schedule is called once per step, before
 * anything is written, so a step sees one value and a throwing supplier changes nothing.
 */
public final class Hyperparameters {

    private final String optimizer;
    private final Map<String, Hyperparameter> declared = new LinkedHashMap<>();
    private final Map<String, HyperparameterRange> ranges = new LinkedHashMap<>();
    private final Map<String, Double> stepValues = new LinkedHashMap<>();

    /** @param optimizer the optimizer's name, for messages */
    public Hyperparameters(String optimizer) {
        this.optimizer = optimizer;
    }

    /**
     * Declares or replaces {@code key}, whose values must lie in {@code range}: a constant is
     * checked now, a supplier's or schedule's value at each step.
     *
     * @throws IllegalArgumentException naming the key and value, for a constant outside the range
     */
    public void set(String key, Hyperparameter value, HyperparameterRange range) {
        check(key, value, range);
        declared.put(key, value);
        ranges.put(key, range);
    }

    /** The check {@link #set} makes: a constant must lie in {@code range}. */
    public void check(String key, Hyperparameter value, HyperparameterRange range) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, key);
        if (value instanceof Hyperparameter.Constant(double c) && !range.contains(c)) {
            throw new IllegalArgumentException("Optimizer '" + optimizer + "': " + key + " = " + c + " can only give NaN,"
                    + " Infinity or a step the wrong way; expected " + range.describe(key));
        }
    }

    /** {@code key} as set: a constant, a supplier or a schedule. */
    public Hyperparameter get(String key) {
        Hyperparameter h = declared.get(key);
        if (h == null) {
            throw new IllegalArgumentException("Optimizer '" + optimizer + "' has no hyperparameter '" + key + "'; it has "
                    + List.copyOf(declared.keySet()));
        }
        return h;
    }

    /**
     * Evaluates every hyperparameter for the step about to run, at the raw step counter
     * {@code iterations}, and checks each value against its range.
     *
     * @throws IllegalArgumentException naming the key, the step and the value, when a supplier or
     *                                  schedule gives a value out of range (the step then changes nothing)
     */
    public void beginStep(long iterations) {
        stepValues.clear();
        declared.forEach((key, h) -> {
            double v = h.value(iterations);
            HyperparameterRange range = ranges.get(key);
            if (!range.contains(v)) {
                stepValues.clear();
                throw new IllegalArgumentException("Optimizer '" + optimizer + "': " + key + " for step " + iterations + " is "
                        + v + " (from its " + (h instanceof Hyperparameter.Scheduled ? "schedule" : "supplier")
                        + "); expected " + range.describe(key) + ". The step changed nothing");
            }
            stepValues.put(key, v);
        });
    }

    /** Forgets the step's values. */
    public void endStep() {
        stepValues.clear();
    }

    /** The value of {@code key} for the step in progress (evaluated now, outside a step). */
    public double exact(String key, long iterations) {
        Double v = stepValues.get(key);
        return v != null ? v : get(key).value(iterations);
    }

    /**
     * The value of {@code key} as Keras feeds it to a kernel of {@code dtype}: a constant is kept
     * in a float32 variable, then cast (so a float64 model sees {@code (float) 0.9}); a supplier's or
     * schedule's value is cast directly.
     */
    public double forDtype(String key, DType dtype, long iterations) {
        double v = exact(key, iterations);
        return dtype.round(get(key) instanceof Hyperparameter.Constant ? (float) v : v);
    }

    /** What {@code get_config} writes for {@code key}. */
    public Object serialize(String key, long iterations) {
        return get(key).serialize(iterations);
    }
}
