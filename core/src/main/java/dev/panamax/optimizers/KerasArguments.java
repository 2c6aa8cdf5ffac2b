package dev.panamax.optimizers;

import dev.panamax.internal.Python;
import java.util.List;

/** The argument checks Keras makes in its optimizers' constructors, with Keras's messages. */
final class KerasArguments {

    private KerasArguments() {
    }

    /**
     * Keras's test for using a momentum slot (SGD, RMSprop): a callable momentum always gets one,
     * a constant only when it is above 0.
     */
    static boolean usesMomentum(Hyperparameter momentum) {
        return !(momentum instanceof Hyperparameter.Constant c) || c.constant() > 0;
    }

    /** Keras's check on a constant momentum (SGD, RMSprop). */
    static void checkMomentumRange(Hyperparameter value) {
        if (value instanceof Hyperparameter.Constant(double m) && !(m >= 0 && m <= 1)) {
            throw new IllegalArgumentException("`momentum` must be between [0, 1]. Received: momentum=" + m + " (of type <class 'float'>).");
        }
    }

    /** Keras's {@code epsilon or backend.epsilon()}: 0 means the default; negative is an error. */
    static double epsilonOrDefault(double epsilon) {
        return nonNegativeEpsilon(epsilon) == 0 ? Optimizer.DEFAULT_EPSILON : epsilon;
    }

    /** Keras 3's epsilon: any value >= 0, 0 included. */
    static double nonNegativeEpsilon(double epsilon) {
        if (!(epsilon >= 0)) {
            throw new IllegalArgumentException("Expected epsilon >= 0, received: " + epsilon);
        }
        if (epsilon == Double.POSITIVE_INFINITY) {
            // Keras accepts it; every update is then 0 or NaN (Infinity / Infinity). A deliberate difference.
            throw new IllegalArgumentException("epsilon = Infinity can only give updates of 0 or NaN; expected a finite epsilon >= 0");
        }
        return epsilon;
    }

    static void checkNonNegative(String key, Double value) {
        if (value != null && !(value >= 0)) {
            throw new IllegalArgumentException("Expected " + key + " >= 0, received: " + value);
        }
    }

    /** TF2's clip setters refuse to combine with {@code gradient_transformers}. */
    static void rejectClipWithTransformers(String key, Double value, List<GradientTransformer> transformers) {
        if (value != null && !transformers.isEmpty()) {
            throw new IllegalArgumentException("`" + key + "` cannot be set when `gradient_transformers` is set. Instead, use the "
                    + "`gradient_transformers` to specify clipping and other transformations. Received: val=" + value
                    + ", gradient_transformers=" + transformers + ".");
        }
    }

    /** Keras 3's checks of its base arguments, in {@code BaseOptimizer.__init__}'s order, with its messages. */
    static void checkKeras3Base(OptimizerOptions<?> b) {
        if (b.gradientAccumulationSteps != null && b.gradientAccumulationSteps != 0 && !(b.gradientAccumulationSteps >= 2)) {
            throw new IllegalArgumentException("`gradient_accumulation_steps` must be an integer >= 2. Received: "
                    + "gradient_accumulation_steps=" + b.gradientAccumulationSteps);
        }
        if (b.useEma) {
            if (b.emaMomentum > 1 || b.emaMomentum < 0 || Double.isNaN(b.emaMomentum)) {
                throw new IllegalArgumentException("`ema_momentum` must be in the range [0, 1]. Received: ema_momentum="
                        + Python.repr(b.emaMomentum));
            }
            if (b.emaOverwriteFrequency != null && b.emaOverwriteFrequency != 0 && b.emaOverwriteFrequency < 1) {
                throw new IllegalArgumentException("`ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
                        + "ema_overwrite_frequency=" + b.emaOverwriteFrequency);
            }
        }
        int clips = (b.clipnorm != null ? 1 : 0) + (b.clipvalue != null ? 1 : 0) + (b.globalClipnorm != null ? 1 : 0);
        if (clips > 1) {
            throw new IllegalArgumentException("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                    + "clipnorm=" + Python.repr(b.clipnorm) + ", clipvalue=" + Python.repr(b.clipvalue)
                    + ", global_clipnorm=" + Python.repr(b.globalClipnorm));
        }
        checkNonNegative("weight_decay", b.weightDecay);
        if (!b.gradientTransformers.isEmpty()) {
            // Keras 3 has no gradient_transformers (its __init__ refuses unknown arguments); its steps would skip them.
            throw new IllegalArgumentException("`gradient_transformers` is a TF2 (OptimizerV2) argument, and this optimizer takes"
                    + " Keras 3's steps, which have none: clip with `clipnorm`, `clipvalue` or `global_clipnorm`, or transform the"
                    + " gradients before `apply`");
        }
        if (b.lossScaleFactor != null && !(b.lossScaleFactor > 0 && Double.isFinite(b.lossScaleFactor))) {
            throw new IllegalArgumentException("`loss_scale_factor` must be a finite number > 0 or None. Received: loss_scale_factor="
                    + Python.repr(b.lossScaleFactor));
        }
    }
}
