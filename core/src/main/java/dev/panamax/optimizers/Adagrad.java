package dev.panamax.optimizers;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;
import java.util.Map;

/**
 * Adagrad: Keras {@code Adagrad} (TensorFlow {@code ApplyAdagradV2}):
 * {@code accumulator = accumulator + g^2}, {@code w = w - lr g / (sqrt(accumulator) + epsilon)}.
 * With {@link Builder#keras3(boolean) keras3}, Keras 3's {@code lr g / sqrt(accumulator + epsilon)}.
 *
 * <p>Slot: {@code accumulator}, starting at {@code initial_accumulator_value}.
 */
public final class Adagrad extends Optimizer {

    /** Keras's default {@code learning_rate} for Adagrad. */
    public static final double DEFAULT_LEARNING_RATE = 0.001;

    private final double initialAccumulatorValue;
    private final double epsilon;

    private Adagrad(Builder b) {
        super(b, "Adagrad");
        this.initialAccumulatorValue = b.initialAccumulatorValue;
        // Keras 3 keeps an epsilon of 0; TF2 takes backend.epsilon() for it.
        this.epsilon = b.keras3 ? b.epsilon : KerasArguments.epsilonOrDefault(b.epsilon);
    }

    /** Adagrad with Keras's defaults: learning rate 0.001, initial accumulator 0.1, epsilon 1e-7. */
    public Adagrad() {
        this(builder());
    }

    /** Adagrad with Keras's defaults and this {@code learning_rate}. */
    public Adagrad(double learningRate) {
        this(builder().learningRate(learningRate));
    }

    /** A builder with Keras's default arguments. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras's {@code Adagrad.from_config(config)}. Unknown or ill-typed keys are errors. */
    public static Adagrad fromConfig(Map<String, ?> config) {
        return fromConfig(config, false);
    }

    /** {@link #fromConfig(Map)} with Keras 3's formula when {@code keras3} (a config in Keras 3's serialized form). */
    public static Adagrad fromConfig(Map<String, ?> config, boolean keras3) {
        ConfigReader r = new ConfigReader("Adagrad", config, keras3);
        Builder b = builder().keras3(keras3);
        OptimizerConfig.readBase(r, b, DEFAULT_LEARNING_RATE);
        b.initialAccumulatorValue(r.number("initial_accumulator_value", 0.1));
        b.epsilon(r.number("epsilon", DEFAULT_EPSILON));
        r.finish();
        return b.build();
    }

    /** {@code initial_accumulator_value}, as in the Keras config. */
    public double getInitialAccumulatorValue() {
        return initialAccumulatorValue;
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
        for (Variable v : variables) {
            addSlot(v, "accumulator", initialAccumulatorValue);
        }
    }

    @Override
    protected VariableUpdate prepare(DType dtype, double learningRate) {
        double eps = dtype.round(epsilon);
        VariableUpdate dense = (variable, value, gradient) -> {
            tensorKernels(value).adagrad(value, getSlot(variable, "accumulator"), gradient, learningRate, eps, keras3);
        };
        if (keras3) {
            return dense; // Keras 3's formulas make an IndexedSlices dense
        }
        // Sparse: ResourceSparseApplyAdagradV2, the dense formula on the given rows only.
        return withSparse(dense, (variable, value, g) -> {
            Tensor accum = getSlot(variable, "accumulator");
            forEachRow(g, i -> {
                kernels(value).adagrad(dtype, g.touchedRow(value, i), g.touchedRow(accum, i), g.valueRow(i), 0, g.rowLength(),
                        learningRate, eps, false);
            });
        });
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("learning_rate", serializeHyperparameter("learning_rate"));
        config.put("decay", getDecay());
        config.put("initial_accumulator_value", initialAccumulatorValue);
        config.put("epsilon", epsilon);
    }

    /** Adagrad's keyword arguments. */
    public static final class Builder extends Optimizer.Builder<Builder> {
        private double initialAccumulatorValue = 0.1;
        private double epsilon = DEFAULT_EPSILON;

        private Builder() {
        }

        /** The accumulator's starting value; must be >= 0. */
        public Builder initialAccumulatorValue(double value) {
            if (!(value >= 0)) {
                throw new IllegalArgumentException("initial_accumulator_value must be non-negative: " + value);
            }
            this.initialAccumulatorValue = value;
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
        public Adagrad build() {
            return new Adagrad(this);
        }
    }
}
