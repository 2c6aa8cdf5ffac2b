package dev.panamax.optimizers;

import dev.panamax.optimizers.step.GradientBuffers;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Keras 3's {@code LossScaleOptimizer} ({@code keras/src/optimizers/loss_scale_optimizer.py}):
 * dynamic loss scaling around another Keras 3 optimizer, for float16-style training where small
 * gradients would underflow. The loss is multiplied by the current scale ({@link #scaleLoss}); each
 * step then:
 * <ul>
 *   <li>if any gradient has a non-finite element (an IndexedSlices: in its values), is skipped:
 *       no variable, slot or iteration of the inner optimizer changes; the scale halves (in
 *       float32, with no lower bound) and {@code step_counter} goes back to 0;</li>
 *   <li>otherwise divides the gradients by the current scale (in the gradient's dtype; the
 *       caller's tensors are not touched), hands them to the inner optimizer, which runs its whole
 *       step (clipping, weight decay, EMA, ...), then counts the finite step: on the
 *       {@code dynamic_growth_steps}-th in a row the scale doubles and the counter restarts.</li>
 * </ul>
 *
 * <p>As in Keras 3: {@link #getIterations()} and the learning rate are the inner optimizer's;
 * {@link #variables()} and {@link #saveOwnVariables} list this optimizer's own {@code iteration}
 * (never advanced), {@code learning_rate} (0), {@code step_counter} and {@code dynamic_scale}, then
 * the inner optimizer's variables; {@link #getConfig()} has exactly the keys {@code name},
 * {@code inner_optimizer}, {@code initial_scale} and {@code dynamic_growth_steps}; Keras's base
 * options ({@code clipnorm}, {@code weight_decay}, ...) belong to the inner optimizer and are
 * refused here with Keras's message. Wrapping an optimizer clears its {@code loss_scale_factor}
 * (Keras 3 does the same), so that gradients are not unscaled twice. {@link #getWeights()} is
 * this optimizer's {@code iteration}, {@code step_counter} and {@code dynamic_scale}, then the
 * inner optimizer's weights (weights never hold learning rates). Slots belong to the inner
 * optimizer: ask it for them.
 *
 * <p>Unlike Keras 2's {@code tf.keras.mixed_precision.LossScaleOptimizer}, the scale may go below
 * 1, and a skipped step does not advance the inner optimizer's iterations.
 *
 * <p>The wrapper owns the optimizer it wraps: {@link #close()} closes both, as a Java stream
 * closes the stream it wraps. Keras has no close.
 */
public final class LossScaleOptimizer extends Optimizer {

    /** Keras's {@code initial_scale} default, {@code 2.0**15}. */
    public static final double DEFAULT_INITIAL_SCALE = 32768.0;
    /** Keras's {@code dynamic_growth_steps} default. */
    public static final int DEFAULT_DYNAMIC_GROWTH_STEPS = 2000;

    /**
     * Keras 3's {@code base_optimizer_defaults}: the base arguments accepted at these values only
     * (older Keras 3 configs carried them), in the order Keras checks them.
     */
    private static final Map<String, Object> BASE_OPTIMIZER_DEFAULTS = baseOptimizerDefaults();

    private final Optimizer inner;
    private final double initialScale;
    private final int dynamicGrowthSteps;
    /** Keras's {@code step_counter} (int64 here, as {@code iteration}) and {@code dynamic_scale} (float32); null until built. */
    private Tensor stepCounter;
    private Tensor dynamicScale;

    private LossScaleOptimizer(Builder b) {
        super(b, "LossScaleOptimizer");
        this.inner = b.inner;
        this.initialScale = b.initialScale;
        this.dynamicGrowthSteps = b.dynamicGrowthSteps;
        // Keras: `self.inner_optimizer.loss_scale_factor = None`; last, so that a refused wrapper changes nothing.
        inner.clearLossScaleFactor();
    }

    /** Keras 3's {@code LossScaleOptimizer(inner_optimizer)}: initial scale 2^15, growth every 2000 finite steps. */
    public LossScaleOptimizer(Optimizer innerOptimizer) {
        this(builder(innerOptimizer).checked());
    }

    /** The wrapper of {@code innerOptimizer} (a Keras 3 optimizer, open), with Keras's defaults until set. */
    public static Builder builder(Optimizer innerOptimizer) {
        return new Builder(innerOptimizer);
    }

    // ---- config ------------------------------------------------------------------------------------

    /**
     * Keras 3's {@code LossScaleOptimizer.from_config(config)}: the inner optimizer from its
     * serialized form ({@link Optimizers#deserialize}), then the constructor's checks. A Keras 2
     * config's {@code "dynamic": true} is accepted; a falsy {@code dynamic}, a base option away from
     * its default and any other key are refused with Keras 3's messages. Refused, the inner
     * optimizer made here is closed.
     *
     * @param config not modified (Keras's pops its copy of {@code inner_optimizer})
     */
    public static LossScaleOptimizer fromConfig(Map<String, ?> config) {
        Objects.requireNonNull(config, "config");
        if (!config.containsKey("inner_optimizer")) {
            // Keras: KeyError: 'inner_optimizer'.
            throw new IllegalArgumentException("LossScaleOptimizer config has no key 'inner_optimizer' (the serialized optimizer "
                    + "it wraps); its keys are " + config.keySet());
        }
        Optimizer innerOptimizer = Optimizers.deserialize(serialized(config.get("inner_optimizer")));
        try {
            return fromConfig(innerOptimizer, config);
        } catch (RuntimeException e) {
            innerOptimizer.close();
            throw e;
        }
    }

    private static Map<String, ?> serialized(Object inner) {
        if (inner instanceof Map<?, ?> m && m.keySet().stream().allMatch(k -> k instanceof String)) {
            @SuppressWarnings("unchecked")
            Map<String, ?> typed = (Map<String, ?>) m;
            return typed;
        }
        throw new IllegalArgumentException("LossScaleOptimizer config key 'inner_optimizer' must be a serialized optimizer "
                + "(a map with `class_name` and `config`), got " + (inner == null ? "null" : inner.getClass().getSimpleName() + " " + inner));
    }

    /** {@code cls(inner_optimizer, **config)}: {@code name}, {@code initial_scale} and {@code dynamic_growth_steps} are named parameters, the rest keyword arguments. */
    private static LossScaleOptimizer fromConfig(Optimizer innerOptimizer, Map<String, ?> config) {
        Map<String, Object> kwargs = new LinkedHashMap<>(config);
        kwargs.remove("inner_optimizer");
        Map<String, Object> named = new LinkedHashMap<>();
        for (String key : List.of("name", "initial_scale", "dynamic_growth_steps")) {
            if (kwargs.containsKey(key)) {
                named.put(key, kwargs.remove(key));
            }
        }
        Object dynamic = kwargs.containsKey("dynamic") ? kwargs.remove("dynamic") : Boolean.TRUE;
        if (!truthy(dynamic)) {
            throw new IllegalArgumentException("LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set "
                    + "`loss_scale_factor` directly on the `inner_optimizer`.");
        }
        checkKeywordArguments(kwargs);
        ConfigReader r = new ConfigReader("LossScaleOptimizer", named, true);
        Builder b = builder(innerOptimizer);
        b.name = r.string("name", null);
        b.initialScale(r.number("initial_scale", DEFAULT_INITIAL_SCALE));
        Integer steps = r.integer("dynamic_growth_steps");
        b.dynamicGrowthSteps(steps == null ? DEFAULT_DYNAMIC_GROWTH_STEPS : steps);
        return b.build();
    }

    /**
     * Keras 3's checks of the keyword arguments, in its order: each base option is accepted at
     * its default only ({@code (default is None and value is not None) or value != default}
     * refuses it); any other argument is refused, all named in one message.
     *
     * @param kwargs the arguments beyond the named ones; modified: emptied as they are checked
     */
    private static void checkKeywordArguments(Map<String, Object> kwargs) {
        for (Map.Entry<String, Object> e : BASE_OPTIMIZER_DEFAULTS.entrySet()) {
            String name = e.getKey();
            if (!kwargs.containsKey(name)) {
                continue;
            }
            Object value = kwargs.remove(name);
            Object defaultValue = e.getValue();
            if ((defaultValue == null && value != null) || !pythonEquals(value, defaultValue)) {
                throw new IllegalArgumentException("LossScaleOptimizer does not support `" + name + "`. Instead, set `" + name
                        + "` on the `inner_optimizer`.");
            }
        }
        if (!kwargs.isEmpty()) {
            throw new IllegalArgumentException("LossScaleOptimizer does not support arguments: `"
                    + String.join("`, `", kwargs.keySet()) + "`.");
        }
    }

    private static Map<String, Object> baseOptimizerDefaults() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("weight_decay", null);
        m.put("clipnorm", null);
        m.put("global_clipnorm", null);
        m.put("clipvalue", null);
        m.put("use_ema", false);
        m.put("ema_momentum", 0.99);
        m.put("ema_overwrite_frequency", null);
        m.put("loss_scale_factor", null);
        m.put("gradient_accumulation_steps", null);
        return m;
    }

    /** Python's {@code ==} on config values: numbers and booleans by value ({@code True == 1}), the rest by {@code equals}. */
    private static boolean pythonEquals(Object a, Object b) {
        if (a == null || b == null) {
            return a == b;
        }
        if ((a instanceof Number || a instanceof Boolean) && (b instanceof Number || b instanceof Boolean)) {
            return numeric(a) == numeric(b);
        }
        return a.equals(b);
    }

    private static double numeric(Object o) {
        return o instanceof Boolean bool ? (bool ? 1 : 0) : ((Number) o).doubleValue();
    }

    /** Python's truth of a config value: None, False, 0, "" and empty containers are false. */
    private static boolean truthy(Object o) {
        if (o == null) {
            return false;
        }
        if (o instanceof Boolean || o instanceof Number) {
            return numeric(o) != 0;
        }
        if (o instanceof String s) {
            return !s.isEmpty();
        }
        if (o instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        if (o instanceof List<?> l) {
            return !l.isEmpty();
        }
        return true;
    }

    /** Keras 3's {@code get_config()}: exactly its four keys, the inner optimizer in Keras 3's serialized form. */
    /** The wrapper checks the variables before its inner optimizer does: a 16-bit one is fine when the inner optimizer updates it. */
    @Override
    boolean updatesHalfVariables() {
        return inner.updatesHalfVariables();
    }

    @Override
    Map<String, Object> keras3Config() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", getName());
        config.put("inner_optimizer", Optimizers.serialize(inner));
        config.put("initial_scale", initialScale);
        config.put("dynamic_growth_steps", dynamicGrowthSteps);
        return config;
    }

    // ---- state -------------------------------------------------------------------------------------

    /** Keras's {@code inner_optimizer}. */
    public Optimizer getInnerOptimizer() {
        return inner;
    }

    /** Keras's {@code initial_scale}, as given. */
    public double getInitialScale() {
        return initialScale;
    }

    /** Keras's {@code dynamic_growth_steps}. */
    public int getDynamicGrowthSteps() {
        return dynamicGrowthSteps;
    }

    /** Keras's {@code dynamic_scale}: the current loss scale, a float32; before the build, the initial scale it will hold. */
    public double getDynamicScale() {
        checkOpen();
        return dynamicScale != null ? dynamicScale.getDouble(0) : (float) initialScale;
    }

    /** Keras's {@code step_counter}: the finite steps since the scale last changed; 0 before the build. */
    public long getStepCounter() {
        checkOpen();
        return stepCounter != null ? (long) stepCounter.getDouble(0) : 0;
    }

    /** Keras's {@code scale_loss}: the dynamic scale once built, the initial scale before. */
    @Override
    Double lossScale() {
        checkOpen();
        // Unbuilt, Keras multiplies the loss by the Python float initial_scale (a double here).
        return dynamicScale != null ? dynamicScale.getDouble(0) : initialScale;
    }

    @Override
    Optimizer inner() {
        return inner;
    }

    @Override
    protected double defaultLearningRate() {
        return 0.0; // Keras: super().__init__(learning_rate=0.0, name=name); never used
    }

    /** Keras's {@code build}: {@code step_counter}, then {@code dynamic_scale}; the inner optimizer is built just before. */
    @Override
    protected void createSlots(List<Variable> variables) {
        // Keras's dtype "int" is int64 on TensorFlow (int32 on JAX); int64, as this library's iteration.
        stepCounter = addVariable(new long[0], 0, DType.INT64, "step_counter");
        dynamicScale = addVariable(new long[0], initialScale, DType.FLOAT32, "dynamic_scale");
    }

    // ---- the step ----------------------------------------------------------------------------------

    /**
     * Keras 3's {@code apply}, after this optimizer's checks and build: skip the step on a
     * non-finite gradient, or unscale and let the inner optimizer apply. Nothing is written before
     * the inner optimizer has accepted the step (it checks everything first), so a refused step
     * changes nothing.
     */
    @Override
    void runStep(List<GradientAndVariable> pairs) {
        inner.checkOpen();
        GradientBuffers buffers = step.buffers;
        pairs = buffers.inVariableKind(pairs);
        float scale = (float) dynamicScale.getDouble(0);
        if (!step.finiteGradients.all(pairs)) { // Keras's check_finite
            stepCounter.setDouble(0, 0);
            dynamicScale.setDouble(0, scale * 0.5f);
            return;
        }
        // ops.divide(g, dynamic_scale): float32 / float32, or float64 / float32 promoted to float64; the
        // float32 scale is exact in either. Into this optimizer's gradient copies, never the caller's tensors.
        List<GradientAndVariable> unscaled = buffers.mapInPlace(pairs, g -> tensorKernels(g).scaleDivide(g, 1.0, scale));
        inner.applyGradients(unscaled);
        // Then, as Keras: the dynamic_growth_steps-th finite step in a row doubles the scale.
        if ((long) stepCounter.getDouble(0) == dynamicGrowthSteps - 1L) {
            stepCounter.setDouble(0, 0);
            dynamicScale.setDouble(0, scale * 2.0f);
        } else {
            stepCounter.setDouble(0, stepCounter.getDouble(0) + 1);
        }
    }

    // ---- lifetime ----------------------------------------------------------------------------------

    /** Frees this optimizer's variables and scratch memory, and closes the inner optimizer. Idempotent. */
    @Override
    public void close() {
        try {
            super.close();
        } finally {
            inner.close();
        }
    }

    /**
     * The keyword arguments of Keras 3's {@code LossScaleOptimizer}: {@code initial_scale},
     * {@code dynamic_growth_steps} and {@code name}. The other options every builder has (Keras's
     * base arguments, the learning rate, TF2's) are refused at {@link #build()} with Keras's
     * messages, unless left at their defaults; {@code threads} and {@code kernels} (Panamax's) apply
     * to the finiteness check and the unscaling.
     */
    public static final class Builder extends Keras3OnlyBuilder<Builder> {
        private final Optimizer inner;
        private double initialScale = DEFAULT_INITIAL_SCALE;
        private int dynamicGrowthSteps = DEFAULT_DYNAMIC_GROWTH_STEPS;

        private Builder(Optimizer inner) {
            super("LossScaleOptimizer", false);
            this.inner = Objects.requireNonNull(inner, "inner_optimizer");
        }

        /** The initial loss scale (default 2^15), kept in float32. Not checked, as in Keras. */
        public Builder initialScale(double initialScale) {
            this.initialScale = initialScale;
            return this;
        }

        /** How many finite steps in a row double the scale (default 2000). Not checked, as in Keras. */
        public Builder dynamicGrowthSteps(int dynamicGrowthSteps) {
            this.dynamicGrowthSteps = dynamicGrowthSteps;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * @throws IllegalArgumentException Keras 3's message for a base option set here (it belongs
         *                                  on the inner optimizer) or another argument, or when the
         *                                  inner optimizer is a TF2 one
         * @throws IllegalStateException    when the inner optimizer is closed
         */
        @Override
        public LossScaleOptimizer build() {
            return new LossScaleOptimizer(checked());
        }

        /** This builder, after every check: nothing is made, and the inner optimizer is untouched, if one fails. */
        private Builder checked() {
            Map<String, Object> kwargs = new LinkedHashMap<>();
            kwargs.put("weight_decay", weightDecay);
            kwargs.put("clipnorm", clipnorm);
            kwargs.put("global_clipnorm", globalClipnorm);
            kwargs.put("clipvalue", clipvalue);
            kwargs.put("use_ema", useEma);
            kwargs.put("ema_momentum", emaMomentum);
            kwargs.put("ema_overwrite_frequency", emaOverwriteFrequency);
            kwargs.put("loss_scale_factor", lossScaleFactor);
            kwargs.put("gradient_accumulation_steps", gradientAccumulationSteps);
            // The builder's other options are not Keras 3 LossScaleOptimizer arguments: named when set.
            if (learningRate != null) {
                kwargs.put("learning_rate", learningRate);
            }
            if (decay != 0) {
                kwargs.put("decay", decay);
            }
            if (!gradientTransformers.isEmpty()) {
                kwargs.put("gradient_transformers", gradientTransformers);
            }
            if (gradientAggregator != null) {
                kwargs.put("gradient_aggregator", gradientAggregator);
            }
            checkKeywordArguments(kwargs);
            inner.checkOpen();
            if (!inner.isKeras3()) {
                throw new IllegalArgumentException("LossScaleOptimizer wraps Keras 3 optimizers, and '" + inner.getName()
                        + "' is a TF2 one: build it with keras3(true), or read it from a config in Keras 3's form");
            }
            return this;
        }
    }
}
