package dev.panamax.optimizers.step;

import dev.panamax.kernels.TensorKernelsLookup;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Keras 3's decoupled weight decay, before the update: {@code var = var - var * wd * lr} in the
 * variable's dtype, with this step's learning rate, for every variable that is not excluded.
 * Exclusions follow {@code exclude_from_weight_decay}: given variables, or names matched as
 * regular expressions anywhere in a variable's Keras name (the last part of its path, so
 * {@code "bias"} excludes {@code dense/bias}). The rate is {@code weight_decay}, or, for an
 * optimizer that overrides Keras's {@code _apply_weight_decay} to choose it per variable (Muon),
 * the rate that optimizer gives each variable; a null rate skips the variable.
 */
public final class WeightDecay {

    private final Double weightDecay;
    private final TensorKernelsLookup kernels;
    private Exclusions exclusions = Exclusions.of(null, null);

    /**
     * @param weightDecay Keras 3's {@code weight_decay}; null (Keras's None) only for an optimizer
     *                    that gives each variable its own rate
     */
    public WeightDecay(Double weightDecay, TensorKernelsLookup kernels) {
        this.weightDecay = weightDecay;
        this.kernels = kernels;
    }

    /** Keras 3's {@code weight_decay}, or null. */
    public Double weightDecay() {
        return weightDecay;
    }

    /**
     * What {@code exclude_from_weight_decay(var_list, var_names)} excludes: the given variables,
     * and the variables whose Keras name contains a match of one of the names.
     *
     * @param variables the excluded variables, by identity
     * @param names     the distinct names, in order
     * @param pattern   the names joined with {@code |}, or null when there are none
     */
    public record Exclusions(Set<Variable> variables, List<String> names, Pattern pattern) {

        /**
         * The exclusions of one {@code exclude_from_weight_decay} call.
         *
         * @param variables not modified; may be null
         * @param names     not modified; may be null
         * @throws IllegalArgumentException when a name is not a valid regular expression
         */
        public static Exclusions of(List<Variable> variables, List<String> names) {
            Set<Variable> vars = Collections.newSetFromMap(new IdentityHashMap<>());
            if (variables != null) {
                variables.forEach(v -> vars.add(Objects.requireNonNull(v, "variable")));
            }
            List<String> unique = names == null ? List.of() : List.copyOf(new LinkedHashSet<>(names));
            Pattern pattern = null;
            if (!unique.isEmpty()) {
                try {
                    pattern = Pattern.compile(String.join("|", unique));
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException("exclude_from_weight_decay: var_names " + unique
                            + " is not a valid regular expression: " + e.getDescription(), e);
                }
            }
            return new Exclusions(Collections.unmodifiableSet(vars), unique, pattern);
        }

        /**
         * Checks that every exclusion names one of {@code trainable} (an exclusion that matches
         * nothing is almost always a typo; Keras ignores it silently).
         */
        public void check(List<Variable> trainable) {
            Set<Variable> known = Collections.newSetFromMap(new IdentityHashMap<>());
            known.addAll(trainable);
            List<String> kerasNames = new ArrayList<>();
            trainable.forEach(v -> kerasNames.add(v.kerasName()));
            for (Variable v : variables) {
                if (!known.contains(v)) {
                    throw new IllegalArgumentException("exclude_from_weight_decay: variable '" + v.name()
                            + "' is not one of the optimizer's variables " + kerasNames);
                }
            }
            for (String name : names) {
                Pattern p = Pattern.compile(name);
                if (kerasNames.stream().noneMatch(n -> p.matcher(n).find())) {
                    throw new IllegalArgumentException("exclude_from_weight_decay: var_names entry '" + name
                            + "' matches none of the optimizer's variable names " + kerasNames);
                }
            }
        }

        /** Whether {@code v} is excluded. */
        boolean excludes(Variable v) {
            return variables.contains(v) || (pattern != null && pattern.matcher(v.kerasName()).find());
        }
    }

    /** Replaces the exclusions, as each call of Keras's {@code exclude_from_weight_decay} does. */
    public void exclude(Exclusions replacement) {
        exclusions = Objects.requireNonNull(replacement, "exclusions");
    }

    /** {@link #exclude(Exclusions)} of {@link Exclusions#of}. */
    public void exclude(List<Variable> variables, List<String> names) {
        exclude(Exclusions.of(variables, names));
    }

    /** {@link Exclusions#check} of the current exclusions. */
    public void checkExclusions(List<Variable> trainable) {
        exclusions.check(trainable);
    }

    /** Keras 3's {@code _use_weight_decay(variable)}. */
    public boolean appliesTo(Variable v) {
        return !exclusions.excludes(v);
    }

    /**
     * The rate this stage decays {@code v} by: {@code rateOf}'s, or null when {@code v} is excluded
     * or {@code rateOf} gives none.
     */
    public Double rateOf(Variable v, Function<Variable, Double> rateOf) {
        return appliesTo(v) ? rateOf.apply(v) : null;
    }

    /**
     * Decays each variable by the rate {@code rateOf} gives it (Keras's {@code weight_decay}, or
     * the per-variable rate of an optimizer that overrides {@code _apply_weight_decay}); a null
     * rate skips it, and so does {@code decaysItself}: a variable whose update does this same
     * decay in its own kernel (Keras 3's Adam and AdamW), in one pass over the variable instead of
     * two, with the same bits.
     *
     * @param learningRate this step's learning rate in a dtype
     * @param rateOf       the weight decay of a variable, or null for none
     * @param decaysItself whether the variable's update decays it (see {@link #rateOf})
     */
    public void apply(List<Variable> variables, ToDoubleFunction<DType> learningRate, Function<Variable, Double> rateOf,
                      Predicate<Variable> decaysItself) {
        for (Variable v : variables) {
            Double rate = rateOf(v, rateOf);
            if (rate == null || decaysItself.test(v)) {
                continue;
            }
            Tensor w = v.value();
            DType t = w.dtype();
            // var - ((var * wd) * lr), each operation rounded to the dtype, as Keras writes it.
            kernels.of(w).weightDecay(w, t.round(rate), learningRate.applyAsDouble(t));
        }
    }
}
