package dev.panamax.optimizers;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * Gradient descent, with optional momentum and Nesterov momentum: Keras {@code SGD}
 * (TensorFlow {@code ApplyGradientDescent} / {@code ApplyKerasMomentum}).
 *
 * <p>Without momentum: {@code w = w - grad * lr}. With momentum:
 * {@code velocity = momentum * velocity - lr * grad}, then {@code w = w + velocity}, or with
 * Nesterov {@code w = w + momentum * velocity - lr * grad}. Slot {@code momentum} exists only
 * when momentum is not a constant 0. The Keras 3 form ({@link Builder#keras3}) casts momentum to
 * the variable's dtype directly (TF2 keeps it in float32 first, which a float64 model sees) and
 * has Keras 3's message for a momentum outside [0, 1]; its sparse paths are TF2's.
 */
public final class SGD extends Optimizer {

    /** Keras's default {@code learning_rate} for SGD. */
    public static final double DEFAULT_LEARNING_RATE = 0.01;

    private final boolean hasMomentum;
    private final boolean nesterov;

    private SGD(Builder b) {
        super(b, "SGD");
        Hyperparameter momentum = b.momentum;
        // Keras 2.11's SGD always keeps m and takes the momentum step (m = -g lr + m * 0 without momentum).
        this.hasMomentum = KerasArguments.usesMomentum(momentum) || b.keras211;
        this.nesterov = b.nesterov;
        setHyperparameter("momentum", momentum);
    }

    /** SGD with Keras's defaults: learning rate 0.01, no momentum. */
    public SGD() {
        this(builder());
    }

    /** SGD with this learning rate and no momentum. */
    public SGD(double learningRate) {
        this(builder().learningRate(learningRate));
    }

    /** SGD with this learning rate, momentum and Nesterov flag (Keras's positional arguments). */
    public SGD(double learningRate, double momentum, boolean nesterov) {
        this(builder().learningRate(learningRate).momentum(momentum).nesterov(nesterov));
    }

    /** A builder with Keras's default arguments. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras's {@code SGD.from_config(config)}. Unknown or ill-typed keys are errors. */
    public static SGD fromConfig(Map<String, ?> config) {
        return fromConfig(config, false);
    }

    /** {@link #fromConfig(Map)} of a config in Keras 3's form when {@code keras3}: a Keras 3 optimizer, Keras 3's keys. */
    public static SGD fromConfig(Map<String, ?> config, boolean keras3) {
        ConfigReader r = new ConfigReader("SGD", config, keras3);
        Builder b = builder();
        OptimizerConfig.readBase(r, b, DEFAULT_LEARNING_RATE);
        b.momentum(r.number("momentum", 0.0));
        b.nesterov(r.bool("nesterov", false));
        r.finish();
        return b.build();
    }

    @Override
    protected void validateHyperparameter(String key, Hyperparameter value) {
        if (key.equals("momentum") && keras3 && value instanceof Hyperparameter.Constant(double m) && !(m >= 0 && m <= 1)) {
            throw new IllegalArgumentException("`momentum` must be a float between [0, 1].");
        }
        if (key.equals("momentum")) {
            KerasArguments.checkMomentumRange(value);
        }
    }

    /** {@code nesterov}, as in the Keras config. */
    public boolean isNesterov() {
        return nesterov;
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
        if (hasMomentum) {
            for (Variable v : variables) {
                addSlot(v, "momentum", 0.0);
            }
        }
    }

    @Override
    protected VariableUpdate prepare(DType dtype, double learningRate) {
        if (!hasMomentum) {
            // Sparse: ResourceScatterAdd of (-grad) * lr, one row at a time, duplicates included
            // (var + (-g) * lr is exactly var - g * lr).
            return withSparse((variable, value, gradient) -> {
                tensorKernels(value).gradientDescent(value, gradient, learningRate, rounding(variable));
            }, (variable, value, g) -> {
                for (int i = 0; i < g.count(); i++) {
                    kernels(value).gradientDescent(dtype, g.touchedRow(value, i), g.valueRow(i), 0, g.rowLength(), learningRate);
                }
            }, false);
        }
        // TF2 keeps momentum in a float32 variable; Keras 3 casts the Python float to the dtype.
        double momentum = keras3 ? dtype.round(exactHyperparameter("momentum")) : hyperparameter("momentum", dtype);
        VariableUpdate dense = (variable, value, gradient) ->
                tensorKernels(value).kerasMomentum(value, getSlot(variable, "momentum"), gradient, learningRate, momentum, nesterov,
                        rounding(variable));
        if (hasHalfPrecisionSlots()) {
            return dense; // a 16-bit momentum is read by the dense kernel only: sparse gradients are made dense
        }
        // Sparse: ResourceSparseApplyKerasMomentum, the dense formula on the given rows only.
        return withSparse(dense, (variable, value, g) -> {
            Tensor velocity = getSlot(variable, "momentum");
            forEachRow(g, i -> {
                kernels(value).kerasMomentum(dtype, g.touchedRow(value, i), g.touchedRow(velocity, i), g.valueRow(i), 0, g.rowLength(),
                        learningRate, momentum, nesterov);
            });
        });
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("learning_rate", serializeHyperparameter("learning_rate"));
        config.put("decay", getDecay());
        config.put("momentum", serializeHyperparameter("momentum"));
        config.put("nesterov", nesterov);
    }

    /** SGD's keyword arguments. */
    public static final class Builder extends Optimizer.Builder<Builder> {
        private Hyperparameter momentum = Hyperparameter.of(0.0);
        private boolean nesterov;

        private Builder() {
        }

        /** Sets {@code momentum}, Keras's argument of that name. */
        public Builder momentum(double momentum) {
            this.momentum = Hyperparameter.of(momentum);
            return this;
        }

        /** A momentum evaluated once per step; the slot is always created. */
        public Builder momentum(DoubleSupplier momentum) {
            this.momentum = Hyperparameter.of(momentum);
            return this;
        }

        /** Sets {@code nesterov}, Keras's argument of that name. */
        public Builder nesterov(boolean nesterov) {
            this.nesterov = nesterov;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        public SGD build() {
            return new SGD(this);
        }
    }
}
