package dev.panamax.optimizers;

import dev.panamax.internal.Python;
import dev.panamax.tensor.DType;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Writes an optimizer's config in TF2's form or Keras 3's, and reads the keys every optimizer
 * shares into its builder. The algorithm's own keys are its {@link Optimizer#addConfig} and its
 * {@code fromConfig}.
 */
final class OptimizerConfig {

    private OptimizerConfig() {
    }

    /**
     * TF2's {@code get_config()}: {@code name}, the clipping options that are set, the algorithm's
     * keys; then Keras 3's base options when any is on, as Keras 2.11 to 2.15 wrote them.
     */
    static Map<String, Object> tf2(Optimizer o) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", o.getName());
        if (o.clipnorm != null) {
            config.put("clipnorm", o.clipnorm);
        }
        if (o.clipvalue != null) {
            config.put("clipvalue", o.clipvalue);
        }
        if (o.globalClipnorm != null) {
            config.put("global_clipnorm", o.globalClipnorm);
        }
        o.addConfig(config);
        if (o.step.hasKeras3Stages()) {
            putKeras3Options(o, config);
        }
        putSlotDtypes(o, config);
        return config;
    }

    /**
     * Keras 3's {@code get_config()}: the base keys, always, in {@code BaseOptimizer}'s order, then
     * the algorithm's. A number learning rate is written as Keras 3 reads back its float32 variable
     * (0.01 as 0.009999999776482582); a schedule in Keras 3's serialized form; no {@code decay}.
     */
    static Map<String, Object> keras3(Optimizer o) {
        Map<String, Object> ordered = new LinkedHashMap<>();
        ordered.put("name", o.getName());
        ordered.put("learning_rate", null); // its place; the algorithm's keys fill it
        ordered.put("weight_decay", null);
        ordered.put("clipnorm", o.clipnorm);
        ordered.put("global_clipnorm", o.globalClipnorm);
        ordered.put("clipvalue", o.clipvalue);
        putKeras3Options(o, ordered);
        o.addConfig(ordered);
        ordered.remove("decay");
        Object lr = ordered.get("learning_rate");
        if (o.getLearningRate() instanceof Hyperparameter.Constant(double value)) {
            ordered.put("learning_rate", (double) (float) value);
        } else if (lr instanceof Map<?, ?> schedule && !schedule.containsKey("module")) {
            ordered.put("learning_rate", keras3Schedule(schedule));
        }
        putSlotDtypes(o, ordered);
        return ordered;
    }

    /**
     * The {@code get_config()} of Keras 2.11 to 2.15's non-legacy optimizers: {@code name}, the base
     * options, {@code jit_compile} (false: what Keras writes without a GPU) and
     * {@code "is_legacy_optimizer": false}, then the algorithm's keys, the learning rate as its
     * float32 variable reads back.
     */
    static Map<String, Object> keras211(Optimizer o) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", o.getName());
        config.put("weight_decay", o.getWeightDecay());
        config.put("clipnorm", o.clipnorm);
        config.put("global_clipnorm", o.globalClipnorm);
        config.put("clipvalue", o.clipvalue);
        config.put("use_ema", o.usesEma());
        config.put("ema_momentum", o.getEmaMomentum());
        config.put("ema_overwrite_frequency", o.getEmaOverwriteFrequency());
        config.put("jit_compile", false);
        config.put("is_legacy_optimizer", false);
        o.addConfig(config);
        config.remove("decay");
        if (o.getLearningRate() instanceof Hyperparameter.Constant(double value)) {
            config.put("learning_rate", (double) (float) value);
        }
        putSlotDtypes(o, config);
        return config;
    }

    /**
     * Panamax's extensions, last and only when set: {@code slot_dtypes} when a slot's dtype is
     * chosen, {@code stochastic_rounding_seed} when 16-bit variables round stochastically.
     */
    private static void putSlotDtypes(Optimizer o, Map<String, Object> config) {
        if (o.slotDtypes.isSet()) {
            config.put(SlotDtypes.CONFIG_KEY, o.slotDtypes.config());
        }
        if (o.halfRounding.seed() != null) {
            config.put(STOCHASTIC_ROUNDING_KEY, o.halfRounding.seed());
        }
    }

    /** The config key of {@link OptimizerOptions#stochasticRounding}. */
    static final String STOCHASTIC_ROUNDING_KEY = "stochastic_rounding_seed";

    private static void putKeras3Options(Optimizer o, Map<String, Object> config) {
        config.put("weight_decay", o.getWeightDecay());
        config.put("use_ema", o.usesEma());
        config.put("ema_momentum", o.getEmaMomentum());
        config.put("ema_overwrite_frequency", o.getEmaOverwriteFrequency());
        config.put("loss_scale_factor", o.getLossScaleFactor());
        config.put("gradient_accumulation_steps", o.getGradientAccumulationSteps());
    }

    /** A TF2-form schedule config ({@code class_name}, {@code config}) in Keras 3's serialized form. */
    static Map<String, Object> keras3Schedule(Map<?, ?> schedule) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("module", "keras.optimizers.schedules");
        out.put("class_name", schedule.get("class_name"));
        out.put("config", schedule.get("config"));
        out.put("registered_name", null);
        return out;
    }

    /**
     * Reads the keys every optimizer accepts into {@code b}: TF2's, and Keras 3's base options. In
     * a Keras 3 config {@code decay} is dropped with Keras 3's warning and {@code lr} is not a key;
     * in a TF2 config Keras 2.11's {@code jit_compile} and {@code is_legacy_optimizer} are read and
     * ignored (they do not change the update).
     */
    static void readBase(ConfigReader r, OptimizerOptions<?> b, double defaultLearningRate) {
        if (r.isKeras3()) {
            b.keras3(true);
        }
        b.name = r.string("name", null);
        b.learningRate = r.learningRate(defaultLearningRate);
        if (r.contains("weight_decay")) {
            b.weightDecay = r.number("weight_decay"); // a default (AdamW's) stays when the key is absent
        }
        b.clipnorm = r.number("clipnorm");
        b.globalClipnorm = r.number("global_clipnorm");
        b.clipvalue = r.number("clipvalue");
        b.useEma = r.bool("use_ema", false);
        b.emaMomentum = r.number("ema_momentum", 0.99);
        Double frequency = r.number("ema_overwrite_frequency");
        if (frequency != null && frequency != Math.rint(frequency) && b.useEma) {
            // Keras 3 checks the type only with EMA on, and then reports the value as given.
            throw new IllegalArgumentException("`ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
                    + "ema_overwrite_frequency=" + Python.repr(frequency));
        }
        b.emaOverwriteFrequency = frequency == null || frequency != Math.rint(frequency) ? null : frequency.intValue();
        b.lossScaleFactor = r.number("loss_scale_factor");
        b.gradientAccumulationSteps = r.integer("gradient_accumulation_steps");
        // Panamax's slot_dtypes: one dtype name for every slot that can be stored in 16 bits, or slot name to dtype name.
        if (r.contains(SlotDtypes.CONFIG_KEY) && r.raw(SlotDtypes.CONFIG_KEY) instanceof String all) {
            r.string(SlotDtypes.CONFIG_KEY, null);
            b.slotDtype(DType.fromKerasName(all));
        } else {
            Map<String, String> slotDtypes = r.stringMap(SlotDtypes.CONFIG_KEY);
            if (slotDtypes != null) {
                slotDtypes.forEach((slot, dtype) -> b.slotDtype(slot, DType.fromKerasName(dtype)));
            }
        }
        Long seed = r.longInteger(STOCHASTIC_ROUNDING_KEY);
        if (seed != null) {
            b.stochasticRounding(seed);
        }
        if (r.isKeras3()) {
            r.dropDeprecated("decay", "Argument `decay` is no longer supported and will be ignored.");
        } else {
            r.bool("jit_compile", false);
            if (!r.bool("is_legacy_optimizer", true)) {
                // Keras 2.11 to 2.15 wrote "is_legacy_optimizer": false for its new optimizers, whose
                // formulas Keras 3 kept; their constructors refuse decay.
                b.keras211(true);
                Double decay = r.number("decay");
                if (decay != null && decay != 0) {
                    throw new IllegalArgumentException("decay is deprecated in the new Keras optimizer, please check the "
                            + "docstring for valid arguments, or use the legacy optimizer, e.g., tf.keras.optimizers.legacy."
                            + r.optimizerName() + ".");
                }
            } else {
                b.decay = r.number("decay", 0.0);
            }
            // Keras 2.11+ wrote every base key; values that change nothing keep the optimizer a plain TF2 one.
            b.weightDecay = b.weightDecay != null && b.weightDecay == 0 && !b.keras3 ? null : b.weightDecay;
            b.lossScaleFactor = b.lossScaleFactor != null && b.lossScaleFactor == 1 ? null : b.lossScaleFactor;
        }
    }

    /** Keras's {@code to_snake_case}: {@code "Adam"} is {@code "adam"}, {@code "RMSprop"} is {@code "rm_sprop"}. */
    static String snakeCase(String name) {
        String s = name.replaceAll("\\W+", "");
        s = s.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }
}
