package dev.panamax.optimizers;

import dev.panamax.internal.Python;
import dev.panamax.kernels.FtrlCoefficients;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * FTRL-Proximal: Keras {@code Ftrl} (TensorFlow {@code ApplyFtrl}, and {@code ApplyFtrlV2} with
 * L2 shrinkage). Per element, with {@code p = learning_rate_power}:
 * {@code n' = n + g^2}, {@code z = z + g - (n'^-p - n^-p) / lr * w},
 * {@code w = |z| > l1 ? (l1 sign(z) - z) / (n'^-p / lr + 2 l2) : 0}, {@code n = n'}, where
 * {@code l2} includes Keras's {@code beta / (2 lr)}. With shrinkage, the {@code z} update uses
 * {@code g + 2 l2_shrinkage w}.
 *
 * <p>With {@link Builder#keras3(boolean) keras3}, Keras 3's {@code Ftrl.update_step}: {@code linear}
 * is never scaled by lr (with shrinkage, {@code z = z + (g + 2 l2_shrinkage w) - (n'^-p - n^-p) / lr * w},
 * while {@code n' = n + g^2} takes the raw gradient), {@code w = (clip(z, -l1, l1) - z) / (n'^-p / lr + 2 l2)},
 * and the regularization strengths are Python floats met in the variable's dtype (not float32
 * hyperparameters). Sparse gradients are made dense first, as Keras 3 does.
 *
 * <p>Slots, interleaved per variable as Keras creates them: {@code accumulator} (starting at
 * {@code initial_accumulator_value}) and {@code linear}.
 */
public final class Ftrl extends Optimizer {

    /** Keras's default {@code learning_rate} for Ftrl. */
    public static final double DEFAULT_LEARNING_RATE = 0.001;

    private final double initialAccumulatorValue;
    private final double l2ShrinkageRegularizationStrength;

    private Ftrl(Builder b) {
        super(b, "Ftrl");
        checkNonNegative("initial_accumulator_value", b.initialAccumulatorValue);
        if (b.learningRatePower instanceof Hyperparameter.Constant(double p) && !(p <= 0)) {
            throw new IllegalArgumentException("`learning_rate_power` needs to be negative or zero. Received: learning_rate_power="
                    + Python.repr(p) + ".");
        }
        checkNonNegative("l1_regularization_strength", b.l1);
        checkNonNegative("l2_regularization_strength", b.l2);
        checkNonNegative("l2_shrinkage_regularization_strength", b.l2Shrinkage);
        setHyperparameter("learning_rate_power", b.learningRatePower);
        setHyperparameter("l1_regularization_strength", b.l1);
        setHyperparameter("l2_regularization_strength", b.l2);
        setHyperparameter("beta", b.beta);
        this.initialAccumulatorValue = b.initialAccumulatorValue;
        this.l2ShrinkageRegularizationStrength = b.l2Shrinkage;
    }

    private static void checkNonNegative(String key, double value) {
        if (!(value >= 0)) {
            throw new IllegalArgumentException("`" + key + "` needs to be positive or zero. Received: " + key + "="
                    + Python.repr(value) + ".");
        }
    }

    private static void checkNonNegative(String key, Hyperparameter value) {
        if (value instanceof Hyperparameter.Constant(double v)) {
            checkNonNegative(key, v);
        }
    }

    /** Ftrl with Keras's defaults: learning rate 0.001, learning_rate_power -0.5, initial accumulator 0.1, no regularization. */
    public Ftrl() {
        this(builder());
    }

    /** Ftrl with Keras's defaults and this {@code learning_rate}. */
    public Ftrl(double learningRate) {
        this(builder().learningRate(learningRate));
    }

    /** A builder with Keras's default arguments. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras's {@code Ftrl.from_config(config)}. Unknown or ill-typed keys are errors. */
    public static Ftrl fromConfig(Map<String, ?> config) {
        return fromConfig(config, false);
    }

    /** {@link #fromConfig(Map)} of a config in Keras 3's form when {@code keras3}: a Keras 3 optimizer, Keras 3's keys. */
    public static Ftrl fromConfig(Map<String, ?> config, boolean keras3) {
        ConfigReader r = new ConfigReader("Ftrl", config, keras3);
        Builder b = builder();
        OptimizerConfig.readBase(r, b, DEFAULT_LEARNING_RATE);
        b.initialAccumulatorValue(r.number("initial_accumulator_value", 0.1));
        b.learningRatePower(r.number("learning_rate_power", -0.5));
        b.l1RegularizationStrength(r.number("l1_regularization_strength", 0.0));
        b.l2RegularizationStrength(r.number("l2_regularization_strength", 0.0));
        b.beta(r.number("beta", 0.0));
        b.l2ShrinkageRegularizationStrength(r.number("l2_shrinkage_regularization_strength", 0.0));
        r.finish();
        return b.build();
    }

    /** {@code initial_accumulator_value}, as in the Keras config. */
    public double getInitialAccumulatorValue() {
        return initialAccumulatorValue;
    }

    /** {@code l_2_shrinkage_regularization_strength}, as in the Keras config. */
    public double getL2ShrinkageRegularizationStrength() {
        return l2ShrinkageRegularizationStrength;
    }

    @Override
    protected double defaultLearningRate() {
        return DEFAULT_LEARNING_RATE;
    }

    @Override
    protected void createSlots(List<Variable> variables) {
        for (Variable v : variables) {
            addSlot(v, "accumulator", initialAccumulatorValue);
            addSlot(v, "linear", 0.0);
        }
    }

    @Override
    protected VariableUpdate prepare(DType dtype, double learningRate) {
        if (keras3) {
            FtrlCoefficients c = keras3Coefficients(dtype, learningRate);
            return (variable, value, gradient) ->
                    tensorKernels(value).ftrl(value, getSlot(variable, "accumulator"), getSlot(variable, "linear"), gradient, c);
        }
        double l2 = hyperparameter("l2_regularization_strength", dtype);
        double beta = hyperparameter("beta", dtype);
        // Keras folds beta into l2: l2 + beta / (2 * lr), in the variable's dtype.
        double adjustedL2 = dtype.round(l2 + dtype.round(beta / dtype.round(2.0 * learningRate)));
        // l2_shrinkage is a plain Python float cast to the dtype (not a float32 hyperparameter); V1 when it is 0.
        double twoL2Shrinkage = l2ShrinkageRegularizationStrength > 0
                ? dtype.round(2.0 * dtype.round(l2ShrinkageRegularizationStrength)) : 0.0;
        FtrlCoefficients c = new FtrlCoefficients(learningRate, hyperparameter("l1_regularization_strength", dtype),
                dtype.round(2.0 * adjustedL2), twoL2Shrinkage, hyperparameter("learning_rate_power", dtype));
        // Sparse: ResourceSparseApplyFtrl(V2) on the given rows only. Unlike the dense V2 path
        // (see FtrlCoefficients), TF's sparse kernel keeps linear unscaled, and rows of one element
        // take its scalar path, which adds in another order.
        return withSparse((variable, value, gradient) -> {
            tensorKernels(value).ftrl(value, getSlot(variable, "accumulator"), getSlot(variable, "linear"), gradient, c);
        }, (variable, value, g) -> {
            Tensor accum = getSlot(variable, "accumulator");
            Tensor linear = getSlot(variable, "linear");
            forEachRow(g, i -> {
                kernels(value).ftrlRows(dtype, g.touchedRow(value, i), g.touchedRow(accum, i), g.touchedRow(linear, i),
                        g.valueRow(i), 0, g.rowLength(), c, g.rowLength() == 1);
            });
        });
    }

    /**
     * Keras 3's scalars: each Python float becomes a tensor of the variable's dtype where it meets
     * one ({@code l2 + beta / (2.0 * lr)}, {@code 2 * l2_reg}, {@code 2 * l2_shrinkage} as a Python
     * product first).
     */
    private FtrlCoefficients keras3Coefficients(DType dtype, double learningRate) {
        double beta = dtype.round(exactHyperparameter("beta"));
        double l2 = dtype.round(exactHyperparameter("l2_regularization_strength"));
        double l2Reg = dtype.round(l2 + dtype.round(beta / dtype.round(2.0 * learningRate)));
        return new FtrlCoefficients(learningRate, dtype.round(exactHyperparameter("l1_regularization_strength")),
                dtype.round(2.0 * l2Reg), dtype.round(2.0 * l2ShrinkageRegularizationStrength),
                dtype.round(exactHyperparameter("learning_rate_power")), true);
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("learning_rate", serializeHyperparameter("learning_rate"));
        config.put("decay", getDecay());
        config.put("initial_accumulator_value", initialAccumulatorValue);
        config.put("learning_rate_power", serializeHyperparameter("learning_rate_power"));
        config.put("l1_regularization_strength", serializeHyperparameter("l1_regularization_strength"));
        config.put("l2_regularization_strength", serializeHyperparameter("l2_regularization_strength"));
        config.put("beta", serializeHyperparameter("beta"));
        config.put("l2_shrinkage_regularization_strength", l2ShrinkageRegularizationStrength);
    }

    /** Ftrl's keyword arguments. */
    public static final class Builder extends Optimizer.Builder<Builder> {
        private double initialAccumulatorValue = 0.1;
        private Hyperparameter learningRatePower = Hyperparameter.of(-0.5);
        private Hyperparameter l1 = Hyperparameter.of(0.0);
        private Hyperparameter l2 = Hyperparameter.of(0.0);
        private Hyperparameter beta = Hyperparameter.of(0.0);
        private double l2Shrinkage;

        private Builder() {
        }

        /** The accumulator's starting value; must be >= 0. */
        public Builder initialAccumulatorValue(double value) {
            this.initialAccumulatorValue = value;
            return this;
        }

        /** How the learning rate decreases; must be {@code <= 0} (0 is a fixed rate, -0.5 the default). */
        public Builder learningRatePower(double power) {
            this.learningRatePower = Hyperparameter.of(power);
            return this;
        }

        /** Sets {@code learning_rate_power} to a callable, evaluated once per step before anything is written. */
        public Builder learningRatePower(DoubleSupplier power) {
            this.learningRatePower = Hyperparameter.of(power);
            return this;
        }

        /** Sets {@code l_1_regularization_strength}, Keras's argument of that name. */
        public Builder l1RegularizationStrength(double l1) {
            this.l1 = Hyperparameter.of(l1);
            return this;
        }

        /** Sets {@code l_1_regularization_strength} to a callable, evaluated once per step before anything is written. */
        public Builder l1RegularizationStrength(DoubleSupplier l1) {
            this.l1 = Hyperparameter.of(l1);
            return this;
        }

        /** Sets {@code l_2_regularization_strength}, Keras's argument of that name. */
        public Builder l2RegularizationStrength(double l2) {
            this.l2 = Hyperparameter.of(l2);
            return this;
        }

        /** Sets {@code l_2_regularization_strength} to a callable, evaluated once per step before anything is written. */
        public Builder l2RegularizationStrength(DoubleSupplier l2) {
            this.l2 = Hyperparameter.of(l2);
            return this;
        }

        /** The beta of the FTRL-Proximal paper; Keras adds {@code beta / (2 lr)} to l2. */
        public Builder beta(double beta) {
            this.beta = Hyperparameter.of(beta);
            return this;
        }

        /** Sets {@code beta} to a callable, evaluated once per step before anything is written. */
        public Builder beta(DoubleSupplier beta) {
            this.beta = Hyperparameter.of(beta);
            return this;
        }

        /** L2 shrinkage toward zero in the gradient of the linear term (FTRL V2 when > 0); must be >= 0. */
        public Builder l2ShrinkageRegularizationStrength(double l2Shrinkage) {
            this.l2Shrinkage = l2Shrinkage;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        public Ftrl build() {
            return new Ftrl(this);
        }
    }
}
