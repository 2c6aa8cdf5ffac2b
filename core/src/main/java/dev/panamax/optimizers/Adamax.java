package dev.panamax.optimizers;

import dev.panamax.kernels.AdamaxCoefficients;
import dev.panamax.kernels.Keras3AdamaxCoefficients;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * Adamax, Adam with the infinity norm: Keras {@code Adamax} (TensorFlow {@code ApplyAdaMax}).
 * Per step {@code t = iterations + 1}: {@code m = m + (g - m)(1 - beta_1)},
 * {@code v = max(beta_2 v, |g|)}, {@code w = w - lr / (1 - beta_1^t) * m / (v + epsilon)}.
 *
 * <p>Slots: {@code m}, {@code v}.
 */
public final class Adamax extends Optimizer {

    /** Keras's default {@code learning_rate} for Adamax. */
    public static final double DEFAULT_LEARNING_RATE = 0.001;

    private final double epsilon;

    private Adamax(Builder b) {
        super(b, "Adamax");
        setHyperparameter("beta_1", b.beta1);
        setHyperparameter("beta_2", b.beta2);
        // Keras 3 keeps an epsilon of 0; TF2 takes backend.epsilon() for it.
        this.epsilon = b.keras3 ? b.epsilon : KerasArguments.epsilonOrDefault(b.epsilon);
    }

    /** Adamax with Keras's defaults: learning rate 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7. */
    public Adamax() {
        this(builder());
    }

    /** Adamax with Keras's defaults and this {@code learning_rate}. */
    public Adamax(double learningRate) {
        this(builder().learningRate(learningRate));
    }

    /** A builder with Keras's default arguments. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras's {@code Adamax.from_config(config)}. Unknown or ill-typed keys are errors. */
    public static Adamax fromConfig(Map<String, ?> config) {
        return fromConfig(config, false);
    }

    /** {@link #fromConfig(Map)} of a config in Keras 3's form when {@code keras3}: a Keras 3 optimizer, Keras 3's keys. */
    public static Adamax fromConfig(Map<String, ?> config, boolean keras3) {
        ConfigReader r = new ConfigReader("Adamax", config, keras3);
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
    protected Map<String, String> keras211SlotNames() {
        return Map.of("momentum", "m", "norm", "u");
    }

    @Override
    protected double defaultLearningRate() {
        return DEFAULT_LEARNING_RATE;
    }

    @Override
    protected void createSlots(List<Variable> variables) {
        if (keras3) {
            // Keras 3's add_optimizer_variables(var_list, ["momentum", "norm"]): both for each variable in turn.
            for (Variable v : variables) {
                addSlot(v, "momentum", 0.0);
                addSlot(v, "norm", 0.0);
            }
            return;
        }
        for (Variable v : variables) {
            addSlot(v, "m", 0.0);
        }
        for (Variable v : variables) {
            addSlot(v, "v", 0.0);
        }
    }

    @Override
    protected VariableUpdate prepare(DType dtype, double learningRate) {
        double step = dtype.round(getIterations() + 1);
        if (keras3) {
            // Keras 3's update_step: (lr * m) / ((1 - beta_1^t) * (u + epsilon)), 1 - beta_1 from the exact beta_1.
            double exactBeta1 = exactHyperparameter("beta_1");
            double power = dtype.round(Math.pow(dtype.round(exactBeta1), step));
            Keras3AdamaxCoefficients k = new Keras3AdamaxCoefficients(learningRate, dtype.round(1 - exactBeta1),
                    dtype.round(exactHyperparameter("beta_2")), dtype.round(1 - power), dtype.round(epsilon));
            return (variable, value, gradient) ->
                    tensorKernels(value).adamaxKeras3(value, getSlot(variable, "momentum"), getSlot(variable, "norm"), gradient, k);
        }
        double beta1 = hyperparameter("beta_1", dtype);
        double beta1Power = dtype.round(Math.pow(beta1, step));
        // ApplyAdaMax: lr / (1 - beta1_power), computed in the kernel's dtype.
        AdamaxCoefficients c = new AdamaxCoefficients(dtype.round(learningRate / dtype.round(1 - beta1Power)),
                dtype.round(1 - beta1), hyperparameter("beta_2", dtype), dtype.round(epsilon));
        // Sparse: Keras 2's gather / scatter_update / scatter_add on the given rows only, with
        // m = m * beta_1 + g * (1 - beta_1) (not ApplyAdaMax's m + (g - m) * (1 - beta_1)).
        return withSparse((variable, value, gradient) -> {
            tensorKernels(value).adamax(value, getSlot(variable, "m"), getSlot(variable, "v"), gradient, c);
        }, (variable, value, g) -> {
            Tensor m = getSlot(variable, "m");
            Tensor v = getSlot(variable, "v");
            forEachRow(g, i -> {
                kernels(value).adamaxRows(dtype, g.touchedRow(value, i), g.touchedRow(m, i), g.touchedRow(v, i), g.valueRow(i),
                        0, g.rowLength(), c, beta1);
            });
        });
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("learning_rate", serializeHyperparameter("learning_rate"));
        config.put("decay", getDecay());
        config.put("beta_1", serializeHyperparameter("beta_1"));
        config.put("beta_2", serializeHyperparameter("beta_2"));
        config.put("epsilon", epsilon);
    }

    /** Adamax's keyword arguments. */
    public static final class Builder extends Optimizer.Builder<Builder> {
        private Hyperparameter beta1 = Hyperparameter.of(0.9);
        private Hyperparameter beta2 = Hyperparameter.of(0.999);
        private double epsilon = DEFAULT_EPSILON;

        private Builder() {
        }

        /** Sets {@code beta_1}, Keras's argument of that name. */
        public Builder beta1(double beta1) {
            this.beta1 = Hyperparameter.of(beta1);
            return this;
        }

        /** Sets {@code beta_1} to a callable, evaluated once per step before anything is written. */
        public Builder beta1(DoubleSupplier beta1) {
            this.beta1 = Hyperparameter.of(beta1);
            return this;
        }

        /** Sets {@code beta_2}, Keras's argument of that name. */
        public Builder beta2(double beta2) {
            this.beta2 = Hyperparameter.of(beta2);
            return this;
        }

        /** Sets {@code beta_2} to a callable, evaluated once per step before anything is written. */
        public Builder beta2(DoubleSupplier beta2) {
            this.beta2 = Hyperparameter.of(beta2);
            return this;
        }

        /** 0 means Keras's default 1e-7. */
        public Builder epsilon(double epsilon) {
            this.epsilon = KerasArguments.nonNegativeEpsilon(epsilon);
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        public Adamax build() {
            return new Adamax(this);
        }
    }
}
