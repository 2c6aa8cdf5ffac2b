package dev.panamax.optimizers;

import dev.panamax.internal.Python;
import dev.panamax.kernels.LionCoefficients;
import dev.panamax.optimizers.state.HyperparameterRange;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Variable;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * Keras 3's {@code Lion} (Chen et al., 2023), a Keras 3 optimizer only:
 * {@code var = var - lr * sign(m * beta_1 + g * (1 - beta_1))}, then
 * {@code m = m * beta_2 + g * (1 - beta_2)}, each term in the variable's dtype. Slot
 * {@code momentum}. Its learning rate is usually 3 to 10 times smaller than AdamW's, and its weight
 * decay as much larger.
 */
public final class Lion extends Optimizer {

    /** Keras's default {@code learning_rate} for Lion. */
    public static final double DEFAULT_LEARNING_RATE = 0.001;

    private Lion(Builder b) {
        super(b, "Lion");
        setHyperparameter("beta_1", b.beta1);
        setHyperparameter("beta_2", b.beta2);
    }

    /** Lion with Keras's defaults: learning rate 0.001, beta_1 0.9, beta_2 0.99. */
    public Lion() {
        this(builder());
    }

    /** A builder with Keras's default arguments. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras 3's {@code Lion.from_config(config)}; a TF2-form config is read the same way, with TF2's key errors. */
    public static Lion fromConfig(Map<String, ?> config, boolean keras3) {
        ConfigReader r = new ConfigReader("Lion", config, keras3);
        Builder b = builder();
        // Keras 2.13 to 2.15's Lion defaulted to a learning rate of 1e-4.
        OptimizerConfig.readBase(r, b, r.isKeras211() ? 1e-4 : DEFAULT_LEARNING_RATE);
        b.beta1(r.number("beta_1", 0.9));
        b.beta2(r.number("beta_2", 0.99));
        r.finish();
        return b.build();
    }

    @Override
    protected void validateHyperparameter(String key, Hyperparameter value) {
        if (key.equals("beta_1") && value instanceof Hyperparameter.Constant(double beta1) && !(beta1 > 0 && beta1 <= 1)) {
            throw new IllegalArgumentException("Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer "
                    + "degenerates to SignSGD. Received: beta_1=" + Python.repr(beta1) + ".");
        }
    }

    /** Lion takes the sign of its update: {@code beta_1 = 1} (Keras allows it) and {@code beta_2 = 1} stay finite. */
    @Override
    HyperparameterRange hyperparameterRange(String key) {
        return key.equals("beta_1") || key.equals("beta_2") ? HyperparameterRange.UNIT : super.hyperparameterRange(key);
    }

    @Override
    List<String> halfPrecisionSlots(boolean keras3) {
        return List.of("momentum");
    }

    @Override
    protected Map<String, String> keras211SlotNames() {
        return Map.of("momentum", "m");
    }

    @Override
    protected double defaultLearningRate() {
        return DEFAULT_LEARNING_RATE;
    }

    @Override
    protected void createSlots(List<Variable> variables) {
        for (Variable v : variables) {
            addVariableFromReference(v, "momentum");
        }
    }

    @Override
    protected VariableUpdate prepare(DType dtype, double learningRate) {
        // Keras 3's update_step: the betas cast to the dtype, then 1.0 - beta in the dtype.
        double beta1 = dtype.round(exactHyperparameter("beta_1"));
        double beta2 = dtype.round(exactHyperparameter("beta_2"));
        LionCoefficients c = new LionCoefficients(learningRate, beta1, dtype.round(1 - beta1), beta2, dtype.round(1 - beta2));
        return (variable, value, gradient) -> tensorKernels(value).lion(value, getSlot(variable, "momentum"), gradient, c,
                rounding(variable));
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("learning_rate", serializeHyperparameter("learning_rate"));
        config.put("beta_1", serializeHyperparameter("beta_1"));
        config.put("beta_2", serializeHyperparameter("beta_2"));
    }

    /** Lion's keyword arguments; always a Keras 3 optimizer. */
    public static final class Builder extends Keras3OnlyBuilder<Builder> {
        private Hyperparameter beta1 = Hyperparameter.of(0.9);
        private Hyperparameter beta2 = Hyperparameter.of(0.99);

        private Builder() {
            super("Lion", true);
        }

        /** The weight of the momentum in the update direction, in (0, 1] (default 0.9). */
        public Builder beta1(double beta1) {
            this.beta1 = Hyperparameter.of(beta1);
            return this;
        }

        /** Sets {@code beta_1} to a callable, evaluated once per step before anything is written. */
        public Builder beta1(DoubleSupplier beta1) {
            this.beta1 = Hyperparameter.of(beta1);
            return this;
        }

        /** The momentum's decay (default 0.99). */
        public Builder beta2(double beta2) {
            this.beta2 = Hyperparameter.of(beta2);
            return this;
        }

        /** Sets {@code beta_2} to a callable, evaluated once per step before anything is written. */
        public Builder beta2(DoubleSupplier beta2) {
            this.beta2 = Hyperparameter.of(beta2);
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        public Lion build() {
            return new Lion(this);
        }
    }
}
