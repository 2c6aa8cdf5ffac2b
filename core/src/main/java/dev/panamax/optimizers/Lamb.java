package dev.panamax.optimizers;

import dev.panamax.kernels.LambCoefficients;
import dev.panamax.kernels.TensorKernels;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * Keras 3's {@code Lamb} (You et al., 2019), a Keras 3 optimizer only: Adam's moments
 * {@code m = m + (g - m)(1 - beta_1)}, {@code v = v + (g^2 - v)(1 - beta_2)}, the update
 * {@code u = (m / (1 - beta_1^t)) / (sqrt(v / (1 - beta_2^t)) + epsilon)}, then
 * {@code var = var - (ratio * lr) * u} with the trust ratio {@code ratio = ||var|| / ||u||} over the
 * whole variable, 1 where either norm is 0. Slots {@code momentum} and {@code velocity}.
 *
 * <p>Each step of a variable is three passes: the moments (which also add up {@code ||u||^2}), the
 * variable's {@code ||var||^2}, and the step, which computes {@code u} again from the new moments
 * (the same operations, so the same bits). The sums of squares add in double and are rounded to the
 * variable's dtype before the square root; Keras adds float32 squares in float32 in TensorFlow's
 * order, so the trust ratio may differ from Keras's in its last bits.
 */
public final class Lamb extends Optimizer {

    /** Keras's default {@code learning_rate} for Lamb. */
    public static final double DEFAULT_LEARNING_RATE = 0.001;

    private final double epsilon;

    private Lamb(Builder b) {
        super(b, "Lamb");
        setHyperparameter("beta_1", b.beta1);
        setHyperparameter("beta_2", b.beta2);
        this.epsilon = b.epsilon;
    }

    /** Lamb with Keras's defaults: learning rate 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7. */
    public Lamb() {
        this(builder());
    }

    /** A builder with Keras's default arguments. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras 3's {@code Lamb.from_config(config)}; a TF2-form config is read the same way, with TF2's key errors. */
    public static Lamb fromConfig(Map<String, ?> config, boolean keras3) {
        ConfigReader r = new ConfigReader("Lamb", config, keras3);
        Builder b = builder();
        OptimizerConfig.readBase(r, b, DEFAULT_LEARNING_RATE);
        b.beta1(r.number("beta_1", 0.9));
        b.beta2(r.number("beta_2", 0.999));
        b.epsilon(r.number("epsilon", DEFAULT_EPSILON));
        r.finish();
        return b.build();
    }

    /** {@code epsilon}, as in the Keras config. */
    public double getEpsilon() {
        return epsilon;
    }

    @Override
    protected double defaultLearningRate() {
        return DEFAULT_LEARNING_RATE;
    }

    @Override
    protected void createSlots(List<Variable> variables) {
        // add_optimizer_variables(var_list, ["momentum", "velocity"]): both for each variable in turn.
        for (Variable v : variables) {
            addVariableFromReference(v, "momentum");
            addVariableFromReference(v, "velocity");
        }
    }

    @Override
    protected VariableUpdate prepare(DType dtype, double learningRate) {
        // lamb.py: the betas cast to the dtype for the powers; 1 - beta a Python float for the moments.
        double step = dtype.round(getIterations() + 1);
        double beta1 = exactHyperparameter("beta_1");
        double beta2 = exactHyperparameter("beta_2");
        LambCoefficients c = new LambCoefficients(dtype.round(1 - beta1), dtype.round(1 - beta2),
                dtype.round(1 - dtype.round(Math.pow(dtype.round(beta1), step))),
                dtype.round(1 - dtype.round(Math.pow(dtype.round(beta2), step))), dtype.round(epsilon));
        return (variable, value, gradient) -> {
            TensorKernels k = tensorKernels(value);
            Tensor m = getSlot(variable, "momentum");
            Tensor v = getSlot(variable, "velocity");
            double updateNorm = norm(dtype, k.lambMoments(m, v, gradient, c));
            double varNorm = norm(dtype, k.sumOfSquares(value));
            double ratio = varNorm > 0 && updateNorm > 0 ? dtype.round(varNorm / updateNorm) : 1.0;
            k.lambApply(value, m, v, c, dtype.round(ratio * learningRate));
        };
    }

    /** {@code sqrt(sum(x ** 2))} in the dtype, from the sum of squares. */
    private static double norm(DType dtype, double sumOfSquares) {
        return dtype.round(Math.sqrt(dtype.round(sumOfSquares)));
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("learning_rate", serializeHyperparameter("learning_rate"));
        config.put("beta_1", serializeHyperparameter("beta_1"));
        config.put("beta_2", serializeHyperparameter("beta_2"));
        config.put("epsilon", epsilon);
    }

    /** Lamb's keyword arguments; always a Keras 3 optimizer. */
    public static final class Builder extends Keras3OnlyBuilder<Builder> {
        private Hyperparameter beta1 = Hyperparameter.of(0.9);
        private Hyperparameter beta2 = Hyperparameter.of(0.999);
        private double epsilon = DEFAULT_EPSILON;

        private Builder() {
            super("Lamb", false);
        }

        /** The first moment's decay (default 0.9). */
        public Builder beta1(double beta1) {
            this.beta1 = Hyperparameter.of(beta1);
            return this;
        }

        /** Sets {@code beta_1} to a callable, evaluated once per step before anything is written. */
        public Builder beta1(DoubleSupplier beta1) {
            this.beta1 = Hyperparameter.of(beta1);
            return this;
        }

        /** The second moment's decay (default 0.999). */
        public Builder beta2(double beta2) {
            this.beta2 = Hyperparameter.of(beta2);
            return this;
        }

        /** Sets {@code beta_2} to a callable, evaluated once per step before anything is written. */
        public Builder beta2(DoubleSupplier beta2) {
            this.beta2 = Hyperparameter.of(beta2);
            return this;
        }

        /** Added outside the square root (default 1e-7; 0 is kept, as Keras 3 keeps it). */
        public Builder epsilon(double epsilon) {
            this.epsilon = KerasArguments.nonNegativeEpsilon(epsilon);
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        public Lamb build() {
            return new Lamb(this);
        }
    }
}
