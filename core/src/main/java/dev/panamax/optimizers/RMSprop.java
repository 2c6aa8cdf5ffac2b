package dev.panamax.optimizers;

import dev.panamax.kernels.RmspropCoefficients;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * RMSprop: Keras {@code RMSprop}, plain, centered and with momentum.
 *
 * <p>Keras 2 (the default) has two formulas, and the placement of epsilon differs between them:
 * without momentum it runs in Python, {@code ms = rho ms + (1 - rho) g^2},
 * {@code w = w - lr g / (sqrt(ms) + epsilon)}; with momentum it calls TensorFlow's
 * {@code ApplyRMSProp} / {@code ApplyCenteredRMSProp}, {@code mom = momentum mom + lr g / sqrt(ms + epsilon)},
 * {@code w = w - mom}. Centered subtracts the square of the moving average of the gradient
 * ({@code mg}) from {@code ms}. With {@link Builder#keras3(boolean) keras3}, Keras 3's formula:
 * epsilon always inside the square root.
 *
 * <p>Slots: {@code rms}; {@code momentum} when momentum is not a constant 0; {@code mg} when centered.
 */
public final class RMSprop extends Optimizer {

    /** Keras's default {@code learning_rate} for RMSprop. */
    public static final double DEFAULT_LEARNING_RATE = 0.001;

    private final boolean hasMomentum;
    private final double epsilon;
    private final boolean centered;
    /** The slot names: TF2's {@code rms} and {@code mg}, Keras 3's {@code velocity} and {@code average_gradient}. */
    private final String velocity;
    private final String averageGradient;

    private RMSprop(Builder b) {
        super(b, "RMSprop");
        setHyperparameter("rho", b.rho);
        setHyperparameter("momentum", b.momentum);
        this.hasMomentum = KerasArguments.usesMomentum(b.momentum);
        this.velocity = b.keras3 ? "velocity" : "rms";
        this.averageGradient = b.keras3 ? "average_gradient" : "mg";
        // Keras 3 keeps an epsilon of 0; TF2 takes backend.epsilon() for it.
        this.epsilon = b.keras3 ? b.epsilon : KerasArguments.epsilonOrDefault(b.epsilon);
        this.centered = b.centered;
    }

    /** RMSprop with Keras's defaults: learning rate 0.001, rho 0.9, no momentum, epsilon 1e-7. */
    public RMSprop() {
        this(builder());
    }

    /** RMSprop with Keras's defaults and this {@code learning_rate}. */
    public RMSprop(double learningRate) {
        this(builder().learningRate(learningRate));
    }

    /** A builder with Keras's default arguments. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras's {@code RMSprop.from_config(config)}. Unknown or ill-typed keys are errors. */
    public static RMSprop fromConfig(Map<String, ?> config) {
        return fromConfig(config, false);
    }

    /** {@link #fromConfig(Map)} with Keras 3's formula when {@code keras3} (a config in Keras 3's serialized form). */
    public static RMSprop fromConfig(Map<String, ?> config, boolean keras3) {
        ConfigReader r = new ConfigReader("RMSprop", config, keras3);
        Builder b = builder().keras3(keras3);
        OptimizerConfig.readBase(r, b, DEFAULT_LEARNING_RATE);
        b.rho(r.number("rho", 0.9));
        b.momentum(r.number("momentum", 0.0));
        b.epsilon(r.number("epsilon", DEFAULT_EPSILON));
        b.centered(r.bool("centered", false));
        r.finish();
        return b.build();
    }

    @Override
    protected void validateHyperparameter(String key, Hyperparameter value) {
        if (key.equals("momentum")) {
            KerasArguments.checkMomentumRange(value);
        }
    }

    /** {@code epsilon}, as in the Keras config. */
    public double getEpsilon() {
        return epsilon;
    }

    /** {@code centered}, as in the Keras config. */
    public boolean isCentered() {
        return centered;
    }


    @Override
    protected double defaultLearningRate() {
        return DEFAULT_LEARNING_RATE;
    }

    @Override
    protected void createSlots(List<Variable> variables) {
        for (Variable v : variables) {
            addSlot(v, velocity, 0.0);
        }
        if (hasMomentum) {
            for (Variable v : variables) {
                addSlot(v, "momentum", 0.0);
            }
        }
        if (centered) {
            for (Variable v : variables) {
                addSlot(v, averageGradient, 0.0);
            }
        }
    }

    @Override
    protected VariableUpdate prepare(DType dtype, double learningRate) {
        double rho = keras3 ? dtype.round(exactHyperparameter("rho")) : hyperparameter("rho", dtype);
        // Keras 2 computes 1 - rho in the dtype; Keras 3 in Python, on the exact rho, then converts.
        double oneMinusRho = dtype.round(1 - (keras3 ? exactHyperparameter("rho") : rho));
        double momentum = keras3 ? dtype.round(exactHyperparameter("momentum")) : hyperparameter("momentum", dtype);
        RmspropCoefficients c = new RmspropCoefficients(learningRate, rho, oneMinusRho, momentum, dtype.round(epsilon), keras3);
        boolean kernelForm = hasMomentum && !keras3; // TF2 with momentum calls ApplyRMSProp
        VariableUpdate dense = (variable, value, gradient) -> {
            Tensor ms = getSlot(variable, velocity);
            Tensor mg = centered ? getSlot(variable, averageGradient) : null;
            Tensor mom = hasMomentum ? getSlot(variable, "momentum") : null;
            if (kernelForm) {
                tensorKernels(value).rmspropMomentum(value, ms, mg, mom, gradient, c);
            } else {
                tensorKernels(value).rmsprop(value, ms, mg, mom, gradient, c);
            }
        };
        if (keras3) {
            return dense; // Keras 3's formulas make an IndexedSlices dense
        }
        if (hasMomentum) {
            // ResourceSparseApply(Centered)RMSProp on the given rows only: its own operation order.
            return withSparse(dense, (variable, value, g) -> {
                Tensor ms = getSlot(variable, velocity);
                Tensor mg = centered ? getSlot(variable, averageGradient) : null;
                Tensor mom = getSlot(variable, "momentum");
                forEachRow(g, i -> {
                    kernels(value).rmspropMomentumRows(dtype, g.touchedRow(value, i), g.touchedRow(ms, i),
                            mg != null ? g.touchedRow(mg, i) : null, g.touchedRow(mom, i), g.valueRow(i), 0, g.rowLength(), c);
                });
            });
        }
        // Keras 2 without momentum: rms (and mg) decay everywhere, the rows get the dense formula
        // (rms * rho + g^2 * (1 - rho) is the dense rho * rms + (1 - rho) * g^2), the variable
        // moves on its rows only.
        return withSparse(dense, (variable, value, g) -> {
            Tensor ms = getSlot(variable, velocity);
            Tensor mg = centered ? getSlot(variable, averageGradient) : null;
            forEachUntouchedRange(g, (from, to) -> {
                kernels(value).scale(dtype, ms.segment(), from, to, rho);
                if (mg != null) {
                    kernels(value).scale(dtype, mg.segment(), from, to, rho);
                }
            });
            forEachRow(g, i -> {
                kernels(value).rmsprop(dtype, g.touchedRow(value, i), g.touchedRow(ms, i), mg != null ? g.touchedRow(mg, i) : null,
                        null, g.valueRow(i), 0, g.rowLength(), c);
            });
        });
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("learning_rate", serializeHyperparameter("learning_rate"));
        config.put("decay", getDecay());
        config.put("rho", serializeHyperparameter("rho"));
        config.put("momentum", serializeHyperparameter("momentum"));
        config.put("epsilon", epsilon);
        config.put("centered", centered);
    }

    /** RMSprop's keyword arguments. */
    public static final class Builder extends Optimizer.Builder<Builder> {
        private Hyperparameter rho = Hyperparameter.of(0.9);
        private Hyperparameter momentum = Hyperparameter.of(0.0);
        private double epsilon = DEFAULT_EPSILON;
        private boolean centered;

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

        /** Momentum in [0, 1]; 0 (the default) means no momentum slot. */
        public Builder momentum(double momentum) {
            this.momentum = Hyperparameter.of(momentum);
            return this;
        }

        /** A momentum evaluated once per step; the slot is always created. */
        public Builder momentum(DoubleSupplier momentum) {
            this.momentum = Hyperparameter.of(momentum);
            return this;
        }

        /** 0 means Keras's default 1e-7. */
        public Builder epsilon(double epsilon) {
            this.epsilon = KerasArguments.nonNegativeEpsilon(epsilon);
            return this;
        }

        /** Sets {@code centered}, Keras's argument of that name. */
        public Builder centered(boolean centered) {
            this.centered = centered;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        public RMSprop build() {
            return new RMSprop(this);
        }
    }

}
