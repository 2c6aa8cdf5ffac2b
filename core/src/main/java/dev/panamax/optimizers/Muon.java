package dev.panamax.optimizers;

import dev.panamax.internal.Python;
import dev.panamax.kernels.AdamCoefficients;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Keras 3's {@code Muon} (Jordan et al., 2024; the Moonlight scaling of Liu et al., 2025), a Keras
 * 3 optimizer only. Each variable takes one of two paths, chosen at the build as Keras's
 * {@code _should_use_adamw} chooses it: a variable whose rank is not 2, whose path contains
 * {@code "embedding"} in any case ({@code exclude_embeddings}), or whose path contains a match of
 * one of the {@code exclude_layers} regular expressions takes the AdamW path; every other (2-D)
 * variable takes the Muon path.
 *
 * <ul>
 *   <li>Muon path: {@code m = m + (g + m * (momentum - 1))}; {@code u = g + momentum * m}
 *       (Nesterov) or {@code u = m}; {@code O} = {@code ns_steps} Newton-Schulz iterations on
 *       {@code u} (see {@link #zeropowerViaNewtonSchulz5}); {@code var = var - ((lr * O) *
 *       sqrt(max(rows, cols))) * rms_rate} (without the last two factors when {@code rms_rate} is
 *       None).</li>
 *   <li>AdamW path: Keras 3's Adam step with {@code adam_beta_1}, {@code adam_beta_2},
 *       {@code epsilon} and the learning rate times {@code adam_lr_ratio}.</li>
 * </ul>
 *
 * <p>Before the update each variable is decayed, {@code var = var - var * wd * lr}, with
 * {@code wd} = {@code weight_decay} on the Muon path and {@code adam_weight_decay} on the AdamW
 * path (None: no decay), unless excluded with {@link #excludeFromWeightDecay}. Slots, for each
 * variable in turn: {@code momentum}, then {@code velocity} for the AdamW-path variables.
 *
 * <p>The element-wise work runs on the optimizer's kernels, in Keras's operation order. The
 * Newton-Schulz products run on the host in plain Java, in the variable's dtype, with sums in
 * double rounded to the dtype (see {@link NewtonSchulz}); a Muon-path variable on a device is
 * copied to the host for its step (its momentum and gradient too) and copied back.
 */
public final class Muon extends Optimizer {

    /** Keras's default {@code learning_rate} for Muon. */
    public static final double DEFAULT_LEARNING_RATE = 0.001;
    /** Keras 3's default {@code weight_decay} and {@code adam_weight_decay}. */
    public static final double DEFAULT_WEIGHT_DECAY = 0.004;

    private final double adamBeta1;
    private final double adamBeta2;
    private final double epsilon;
    /** Which variables take the AdamW path: {@code exclude_layers} and {@code exclude_embeddings}. */
    private final MuonExclusions exclusions;
    private final double muonA;
    private final double muonB;
    private final double muonC;
    private final Number adamLrRatio;
    private final double momentum;
    private final int nsSteps;
    private final boolean nesterov;
    private final Double adamWeightDecay;
    private final Double rmsRate;

    /** The variables of the build that take the AdamW path (those with a {@code velocity} slot). */
    private final Set<Variable> adamVariables = Collections.newSetFromMap(new IdentityHashMap<>());
    /** The update of the variables that take the Muon path. */
    private final MuonUpdate muonPath;

    private Muon(Builder b) {
        super(b, "Muon");
        this.adamBeta1 = b.adamBeta1;
        this.adamBeta2 = b.adamBeta2;
        this.epsilon = b.epsilon;
        this.exclusions = new MuonExclusions(b.excludeLayers, b.excludeEmbeddings);
        this.muonA = b.muonA;
        this.muonB = b.muonB;
        this.muonC = b.muonC;
        this.adamLrRatio = b.adamLrRatio;
        this.momentum = b.momentum;
        this.nsSteps = b.nsSteps;
        this.nesterov = b.nesterov;
        this.adamWeightDecay = b.adamWeightDecay;
        this.rmsRate = b.rmsRate;
        this.muonPath = new MuonUpdate(momentum, nesterov, nsSteps, muonA, muonB, muonC, rmsRate);
    }

    /**
     * Muon with Keras's defaults: learning rate 0.001, adam_beta_1 0.9, adam_beta_2 0.999,
     * adam_weight_decay 0.004, epsilon 1e-7, weight_decay 0.004, exclude_embeddings, muon_a 3.4445,
     * muon_b -4.7750, muon_c 2.0315, adam_lr_ratio 1, momentum 0.95, ns_steps 5, nesterov, rms_rate 0.2.
     */
    public Muon() {
        this(builder());
    }

    /** A builder with Keras's default arguments. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras 3's {@code Muon.from_config(config)}; a TF2-form config is read the same way, with TF2's key errors. */
    public static Muon fromConfig(Map<String, ?> config, boolean keras3) {
        ConfigReader r = new ConfigReader("Muon", config, keras3);
        Builder b = builder();
        OptimizerConfig.readBase(r, b, DEFAULT_LEARNING_RATE);
        b.adamBeta1(r.number("adam_beta_1", 0.9));
        b.adamBeta2(r.number("adam_beta_2", 0.999));
        b.epsilon(r.number("epsilon", DEFAULT_EPSILON));
        List<String> layers = r.strings("exclude_layers");
        b.excludeLayers(layers == null ? List.of() : layers);
        b.muonA(r.number("muon_a", 3.4445));
        b.muonB(r.number("muon_b", -4.7750));
        b.muonC(r.number("muon_c", 2.0315));
        Number ratio = r.numberAsWritten("adam_lr_ratio");
        if (ratio != null) {
            b.adamLrRatio = ratio;
        }
        b.momentum(r.number("momentum", 0.95));
        Integer steps = r.integer("ns_steps");
        b.nsSteps(steps == null ? 5 : steps);
        b.nesterov(r.bool("nesterov", true));
        b.excludeEmbeddings(r.bool("exclude_embeddings", true));
        if (r.contains("adam_weight_decay")) {
            b.adamWeightDecay(r.number("adam_weight_decay"));
        }
        if (r.contains("rms_rate")) {
            b.rmsRate(r.number("rms_rate"));
        }
        r.finish();
        return b.build();
    }

    // ---- the two paths --------------------------------------------------------------------------

    /**
     * Keras's {@code _should_use_adamw(variable)}: whether {@code variable} takes the AdamW path,
     * tested in Keras's order: its rank is not 2; {@code exclude_embeddings} and its lower-cased
     * path contains {@code "embedding"}; its path contains a match of one of
     * {@code exclude_layers} (Python's {@code re.search}, case-sensitive).
     */
    public boolean shouldUseAdamW(Variable variable) {
        return exclusions.usesAdamW(variable);
    }

    @Override
    protected double defaultLearningRate() {
        return DEFAULT_LEARNING_RATE;
    }

    @Override
    void checkBuildVariables(List<Variable> variables) {
        for (Variable v : variables) {
            Tensor value = v.value();
            if (shouldUseAdamW(v)) {
                continue;
            }
            NewtonSchulz.checkSize(value);
            if (value.isHost() || value.size() == 0) {
                continue;
            }
            // The Newton-Schulz products run on the host: read one element back now, so that a storage
            // that cannot be read from the host fails here, before anything is created or written.
            try {
                value.storage().copyTo(MemorySegment.ofArray(new byte[value.dtype().byteSize()]));
            } catch (UnsupportedOperationException e) {
                throw new UnsupportedOperationException("Muon orthogonalises the update of '" + v.name()
                        + "' on the host, and its storage on device '" + value.storage().device()
                        + "' cannot be copied there: " + e.getMessage(), e);
            }
        }
    }

    @Override
    protected void createSlots(List<Variable> variables) {
        // Keras's build: momentum for every variable, then velocity for the AdamW-path ones, each variable in turn.
        for (Variable v : variables) {
            addVariableFromReference(v, "momentum");
            if (shouldUseAdamW(v)) {
                addVariableFromReference(v, "velocity");
                adamVariables.add(v);
            }
        }
    }

    /** Keras's {@code _apply_weight_decay}: {@code adam_weight_decay} on the AdamW path, {@code weight_decay} on the Muon path. */
    @Override
    Double weightDecayOf(Variable variable) {
        return shouldUseAdamW(variable) ? adamWeightDecay : getWeightDecay();
    }

    @Override
    protected VariableUpdate prepare(DType dtype, double learningRate) {
        AdamCoefficients adam = AdaptiveMoments.coefficients(dtype, adamLearningRate(dtype, learningRate),
                dtype.round(getIterations() + 1), adamBeta1, adamBeta2, epsilon);
        return (variable, value, gradient) -> {
            Tensor m = getSlot(variable, "momentum");
            if (adamVariables.contains(variable)) {
                // _adamw_update_step: Keras 3's Adam step, the same kernel as Adam and AdamW.
                tensorKernels(value).adam(value, m, getSlot(variable, "velocity"), null, gradient, adam);
            } else {
                muonPath.apply(value, m, gradient, learningRate, this::tensorKernels, executor);
            }
        };
    }

    /**
     * {@code learning_rate * adam_lr_ratio}, cast to the dtype: Keras multiplies its float32
     * learning-rate tensor by the ratio (cast to float32) in float32; a callable's or schedule's
     * value in float64 is multiplied in the dtype.
     */
    private double adamLearningRate(DType dtype, double learningRate) {
        double ratio = adamLrRatio.doubleValue();
        if (dtype == DType.FLOAT32 || getLearningRate() instanceof Hyperparameter.Constant) {
            return (float) ((float) learningRate * (float) ratio);
        }
        return dtype.round(learningRate * ratio);
    }

    // ---- Keras's public helpers ---------------------------------------------------------------

    /**
     * Keras's {@code zeropower_via_newtonschulz5(x, steps)}: the Newton-Schulz orthogonalisation of
     * each matrix (the last two dimensions) of {@code x}, with this optimizer's {@code muon_a},
     * {@code muon_b}, {@code muon_c}: transposed when it has more rows than columns,
     * {@code X / (||X||_F + 1e-7)}, then {@code steps} times {@code A = X Xᵀ},
     * {@code B = b A + (c A) A}, {@code X = a X + B X}, in {@code x}'s dtype.
     *
     * @param x not modified; on the host or a device
     * @return a new heap tensor (no close needed) of {@code x}'s dtype and shape
     * @throws IllegalArgumentException Keras's message when {@code x} has fewer than 2 dimensions
     */
    public Tensor zeropowerViaNewtonSchulz5(Tensor x, int steps) {
        checkOpen();
        Objects.requireNonNull(x, "x");
        if (x.rank() < 2) {
            throw new IllegalArgumentException("Expected gradient or momentum to have at least 2 dimensions. Received: shape="
                    + Python.shape(x.shape()));
        }
        requireFloatingPoint(x);
        Tensor out = heapCopy(x);
        muonPath.orthogonalize(out, steps, executor);
        return out;
    }

    /**
     * Keras's {@code lr_adjust(x)}: {@code x * sqrt(max(x.shape[0], x.shape[1])) * rms_rate} in
     * {@code x}'s dtype, or {@code x} itself when {@code rms_rate} is None.
     *
     * @param x not modified; of rank 2 or more
     * @return a new heap tensor, or {@code x} when {@code rms_rate} is None
     */
    public Tensor lrAdjust(Tensor x) {
        checkOpen();
        Objects.requireNonNull(x, "x");
        if (rmsRate == null) {
            return x;
        }
        if (x.rank() < 2) {
            throw new IllegalArgumentException("lr_adjust reads x.shape[0] and x.shape[1]; got " + x.describe());
        }
        requireFloatingPoint(x);
        Tensor out = heapCopy(x);
        DType dtype = x.dtype();
        double factor = MuonUpdate.sqrtOfLargerDimension(x.shape());
        double rate = dtype.round(rmsRate);
        for (long i = 0; i < out.size(); i++) {
            out.setDouble(i, dtype.round(dtype.round(out.getDouble(i) * factor) * rate));
        }
        return out;
    }

    private static void requireFloatingPoint(Tensor x) {
        if (!x.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("Expected a float32 or float64 tensor, got " + x.describe());
        }
    }

    private static Tensor heapCopy(Tensor x) {
        if (x.isHost()) {
            return x.copyToHeap();
        }
        try (Tensor host = Tensor.zeros(x.dtype(), x.shape())) {
            x.storage().copyTo(host.segment());
            return host.copyToHeap();
        }
    }

    // ---- options and config ------------------------------------------------------------------

    /** {@code adam_beta_1}, as in the Keras config. */
    public double getAdamBeta1() {
        return adamBeta1;
    }

    /** {@code adam_beta_2}, as in the Keras config. */
    public double getAdamBeta2() {
        return adamBeta2;
    }

    /** {@code epsilon}, as in the Keras config. */
    public double getEpsilon() {
        return epsilon;
    }

    /** {@code exclude_layers}: regular expressions searched in the variables' paths. */
    public List<String> getExcludeLayers() {
        return exclusions.layers();
    }

    /** {@code exclude_embeddings}, as in the Keras config. */
    public boolean isExcludeEmbeddings() {
        return exclusions.embeddings();
    }

    /** {@code muon_a}, as in the Keras config. */
    public double getMuonA() {
        return muonA;
    }

    /** {@code muon_b}, as in the Keras config. */
    public double getMuonB() {
        return muonB;
    }

    /** {@code muon_c}, as in the Keras config. */
    public double getMuonC() {
        return muonC;
    }

    /** {@code adam_lr_ratio}, as in the Keras config. */
    public double getAdamLrRatio() {
        return adamLrRatio.doubleValue();
    }

    /** {@code momentum}, as in the Keras config. */
    public double getMomentum() {
        return momentum;
    }

    /** {@code ns_steps}, as in the Keras config. */
    public int getNsSteps() {
        return nsSteps;
    }

    /** {@code nesterov}, as in the Keras config. */
    public boolean isNesterov() {
        return nesterov;
    }

    /** {@code adam_weight_decay}, or null (None: the AdamW-path variables are not decayed). */
    public Double getAdamWeightDecay() {
        return adamWeightDecay;
    }

    /** {@code rms_rate}, or null (None: the Muon-path update is not rescaled). */
    public Double getRmsRate() {
        return rmsRate;
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("learning_rate", serializeHyperparameter("learning_rate"));
        config.put("adam_beta_1", adamBeta1);
        config.put("adam_beta_2", adamBeta2);
        config.put("epsilon", epsilon);
        config.put("exclude_layers", new ArrayList<>(exclusions.layers()));
        config.put("muon_a", muonA);
        config.put("muon_b", muonB);
        config.put("muon_c", muonC);
        config.put("adam_lr_ratio", adamLrRatio);
        config.put("momentum", momentum);
        config.put("ns_steps", nsSteps);
        config.put("nesterov", nesterov);
        config.put("exclude_embeddings", exclusions.embeddings());
        config.put("adam_weight_decay", adamWeightDecay);
        config.put("rms_rate", rmsRate);
    }

    @Override
    public synchronized void close() {
        muonPath.close();
        super.close();
    }

    /** Muon's keyword arguments; always a Keras 3 optimizer. */
    public static final class Builder extends Keras3OnlyBuilder<Builder> {
        private double adamBeta1 = 0.9;
        private double adamBeta2 = 0.999;
        private Double adamWeightDecay = DEFAULT_WEIGHT_DECAY;
        private double epsilon = DEFAULT_EPSILON;
        private List<String> excludeLayers = List.of();
        private boolean excludeEmbeddings = true;
        private double muonA = 3.4445;
        private double muonB = -4.7750;
        private double muonC = 2.0315;
        /** A Python int 1 by default, and written back as Keras writes it. */
        private Number adamLrRatio = 1;
        private double momentum = 0.95;
        private int nsSteps = 5;
        private boolean nesterov = true;
        private Double rmsRate = 0.2;

        private Builder() {
            super("Muon", false);
            weightDecay(DEFAULT_WEIGHT_DECAY);
            weightDecayPerVariable = true;
        }

        /**
         * Keras's {@code weight_decay}, the decay of the Muon-path variables (default 0.004); null is
         * Keras's None, no decay for them ({@code weightDecay(double)} sets a number).
         */
        public Builder weightDecay(Double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /** The AdamW path's first-moment decay (default 0.9). */
        public Builder adamBeta1(double adamBeta1) {
            this.adamBeta1 = adamBeta1;
            return this;
        }

        /** The AdamW path's second-moment decay (default 0.999). */
        public Builder adamBeta2(double adamBeta2) {
            this.adamBeta2 = adamBeta2;
            return this;
        }

        /** The weight decay of the AdamW-path variables (default 0.004); null is Keras's None, no decay for them. */
        public Builder adamWeightDecay(Double adamWeightDecay) {
            this.adamWeightDecay = adamWeightDecay;
            return this;
        }

        /** The AdamW path's epsilon, added to {@code sqrt(v)} (default 1e-7; 0 is kept). Must be >= 0. */
        public Builder epsilon(double epsilon) {
            this.epsilon = KerasArguments.nonNegativeEpsilon(epsilon);
            return this;
        }

        /**
         * Regular expressions searched (Python's {@code re.search}, case-sensitive) in each
         * variable's path: a variable with a match takes the AdamW path; typically the output
         * layer's name, {@code List.of("output_dense")} (default none).
         */
        public Builder excludeLayers(List<String> excludeLayers) {
            this.excludeLayers = List.copyOf(excludeLayers);
            return this;
        }

        /** Whether variables whose path contains "embedding" (in any case) take the AdamW path (default true). */
        public Builder excludeEmbeddings(boolean excludeEmbeddings) {
            this.excludeEmbeddings = excludeEmbeddings;
            return this;
        }

        /** The Newton-Schulz coefficient {@code a} (default 3.4445). */
        public Builder muonA(double muonA) {
            this.muonA = muonA;
            return this;
        }

        /** The Newton-Schulz coefficient {@code b} (default -4.7750). */
        public Builder muonB(double muonB) {
            this.muonB = muonB;
            return this;
        }

        /** The Newton-Schulz coefficient {@code c} (default 2.0315). */
        public Builder muonC(double muonC) {
            this.muonC = muonC;
            return this;
        }

        /** The AdamW path's learning rate over the main one (default 1). */
        public Builder adamLrRatio(double adamLrRatio) {
            this.adamLrRatio = adamLrRatio;
            return this;
        }

        /** The Muon path's momentum (default 0.95). */
        public Builder momentum(double momentum) {
            this.momentum = momentum;
            return this;
        }

        /** Newton-Schulz iterations (default 5; 0 or less: the normalised update only). */
        public Builder nsSteps(int nsSteps) {
            this.nsSteps = nsSteps;
            return this;
        }

        /** Nesterov momentum on the Muon path (default true). */
        public Builder nesterov(boolean nesterov) {
            this.nesterov = nesterov;
            return this;
        }

        /** The Moonlight update scale {@code sqrt(max(rows, cols)) * rms_rate} (default 0.2); null is Keras's None, no scaling. */
        public Builder rmsRate(Double rmsRate) {
            this.rmsRate = rmsRate;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        public Muon build() {
            return new Muon(this);
        }
    }
}
