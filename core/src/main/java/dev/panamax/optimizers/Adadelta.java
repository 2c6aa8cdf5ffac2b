package dev.panamax.optimizers;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * Adadelta: Keras {@code Adadelta} (TensorFlow {@code ApplyAdadelta}):
 * {@code accum_grad = rho accum_grad + (1 - rho) g^2},
 * {@code update = sqrt(accum_var + epsilon) / sqrt(accum_grad + epsilon) * g},
 * {@code w = w - lr update}, {@code accum_var = rho accum_var + (1 - rho) update^2}.
 *
 * <p>Slots, in this order: {@code accum_grad}, {@code accum_var}. The Keras 3 form
 * ({@link Builder#keras3}) is Keras 3's {@code update_step}, with its own kernel
 * ({@code delta = -((sqrt(accum_delta + epsilon) * g) / sqrt(accum_grad + epsilon))},
 * {@code w = w + lr * delta}), the exact rho, epsilon 0 kept, and slots {@code accumulated_grad} and
 * {@code accumulated_delta_var} for each variable in turn.
 */
public final class Adadelta extends Optimizer {

    /** Keras's default {@code learning_rate} for Adadelta. */
    public static final double DEFAULT_LEARNING_RATE = 0.001;

    private final double epsilon;

    private Adadelta(Builder b) {
        super(b, "Adadelta");
        setHyperparameter("rho", b.rho);
        // Keras 3 keeps an epsilon of 0; TF2 takes backend.epsilon() for it.
        this.epsilon = b.keras3 ? b.epsilon : KerasArguments.epsilonOrDefault(b.epsilon);
    }

    /** Adadelta with Keras's defaults: learning rate 0.001, rho 0.95, epsilon 1e-7. */
    public Adadelta() {
        this(builder());
    }

    /** Adadelta with Keras's defaults and this {@code learning_rate}. */
    public Adadelta(double learningRate) {
        this(builder().learningRate(learningRate));
    }

    /** A builder with Keras's default arguments. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras's {@code Adadelta.from_config(config)}. Unknown or ill-typed keys are errors. */
    public static Adadelta fromConfig(Map<String, ?> config) {
        return fromConfig(config, false);
    }

    /** {@link #fromConfig(Map)} of a config in Keras 3's form when {@code keras3}: a Keras 3 optimizer, Keras 3's keys. */
    public static Adadelta fromConfig(Map<String, ?> config, boolean keras3) {
        ConfigReader r = new ConfigReader("Adadelta", config, keras3);
        Builder b = builder();
        OptimizerConfig.readBase(r, b, DEFAULT_LEARNING_RATE);
        b.rho(r.number("rho", 0.95));
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
        if (keras3) {
            // Keras 3's add_optimizer_variables(var_list, ["accumulated_grad", "accumulated_delta_var"]).
            for (Variable v : variables) {
                addSlot(v, "accumulated_grad", 0.0);
                addSlot(v, "accumulated_delta_var", 0.0);
            }
            return;
        }
        // Keras 2's order: every accum_grad, then every accum_var.
        for (Variable v : variables) {
            addSlot(v, "accum_grad", 0.0);
        }
        for (Variable v : variables) {
            addSlot(v, "accum_var", 0.0);
        }
    }

    @Override
    protected VariableUpdate prepare(DType dtype, double learningRate) {
        if (keras3) {
            // Keras 3's update_step: rho and 1 - rho are Python floats, cast to the dtype.
            double exactRho = exactHyperparameter("rho");
            double rho = dtype.round(exactRho);
            double oneMinusRho = dtype.round(1 - exactRho);
            double eps = dtype.round(epsilon);
            return (variable, value, gradient) -> tensorKernels(value).adadeltaKeras3(value, getSlot(variable, "accumulated_grad"),
                    getSlot(variable, "accumulated_delta_var"), gradient, learningRate, rho, oneMinusRho, eps);
        }
        double rho = hyperparameter("rho", dtype);
        double oneMinusRho = dtype.round(1 - rho);
        double eps = dtype.round(epsilon);
        // Sparse: ResourceSparseApplyAdadelta, the dense formula on the given rows only.
        return withSparse((variable, value, gradient) -> {
            tensorKernels(value).adadelta(value, getSlot(variable, "accum_grad"), getSlot(variable, "accum_var"), gradient,
                    learningRate, rho, oneMinusRho, eps);
        }, (variable, value, g) -> {
            Tensor accumGrad = getSlot(variable, "accum_grad");
            Tensor accumVar = getSlot(variable, "accum_var");
            forEachRow(g, i -> {
                kernels(value).adadelta(dtype, g.touchedRow(value, i), g.touchedRow(accumGrad, i), g.touchedRow(accumVar, i),
                        g.valueRow(i), 0, g.rowLength(), learningRate, rho, oneMinusRho, eps);
            });
        });
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("learning_rate", serializeHyperparameter("learning_rate"));
        config.put("decay", getDecay());
        config.put("rho", serializeHyperparameter("rho"));
        config.put("epsilon", epsilon);
    }

    /** Adadelta's keyword arguments. */
    public static final class Builder extends Optimizer.Builder<Builder> {
        private Hyperparameter rho = Hyperparameter.of(0.95);
        private double epsilon = DEFAULT_EPSILON;

        private Builder() {
        }

        /** Sets {@code rho}, Keras's argument of that name. */
        public Builder rho(double rho) {
            this.rho = Hyperparameter.of(rho);
            return this;
        }

        /** Sets {@code rho} to a callable, evaluated once per step before anything is written. */
        public Builder rho(DoubleSupplier rho) {
            this.rho = Hyperparameter.of(rho);
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
        public Adadelta build() {
            return new Adadelta(this);
        }
    }
}
