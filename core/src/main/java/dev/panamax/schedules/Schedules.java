package dev.panamax.schedules;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The registry of learning-rate schedules behind Keras's {@code keras.optimizers.schedules.serialize}
 * and {@code deserialize}. Names are Keras's class names, case-sensitive. Two serialized forms are
 * read: TF2's {@code {"class_name", "config"}} and Keras 3's
 * {@code {"module", "class_name", "config", "registered_name"}} (a non-null registered name is looked
 * up first, then the class name; {@code module} is not used).
 */
public final class Schedules {

    /** The {@code module} of the built-in schedules in Keras 3's serialized form. */
    public static final String KERAS_MODULE = "keras.optimizers.schedules";

    private static final Set<String> FORM_KEYS = Set.of("class_name", "config", "module", "registered_name");

    private static final Map<String, Function<Map<String, ?>, ? extends LearningRateSchedule>> BUILT_IN = Map.of(
            "ExponentialDecay", ExponentialDecay::fromConfig,
            "PiecewiseConstantDecay", PiecewiseConstantDecay::fromConfig,
            "PolynomialDecay", PolynomialDecay::fromConfig,
            "InverseTimeDecay", InverseTimeDecay::fromConfig,
            "CosineDecay", CosineDecay::fromConfig,
            "CosineDecayRestarts", CosineDecayRestarts::fromConfig);

    private static final Map<String, Function<Map<String, ?>, ? extends LearningRateSchedule>> CUSTOM = new ConcurrentHashMap<>();

    private Schedules() {
    }

    /**
     * Registers a user schedule under {@code name} (its {@code class_name}, or Keras 3's
     * {@code registered_name} such as {@code "Custom>WarmUp"}), replacing an earlier registration of
     * that name. A built-in's name cannot be taken.
     *
     * @param fromConfig makes the schedule from its config (a fresh mutable copy)
     * @throws IllegalArgumentException if {@code name} is blank or names a built-in
     */
    public static void register(String name, Function<Map<String, ?>, ? extends LearningRateSchedule> fromConfig) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(fromConfig, "fromConfig");
        if (name.isBlank()) {
            throw new IllegalArgumentException("A learning-rate schedule's registered name must not be blank");
        }
        if (BUILT_IN.containsKey(name)) {
            throw new IllegalArgumentException("Cannot register '" + name + "': it is the name of a built-in Keras schedule. "
                    + "Register user schedules under a package, as Keras does: 'Custom>" + name + "'");
        }
        CUSTOM.put(name, fromConfig);
    }

    /** Removes a user schedule registered under {@code name}; returns whether there was one. */
    public static boolean unregister(String name) {
        return CUSTOM.remove(Objects.requireNonNull(name, "name")) != null;
    }

    /** The built-in and registered names, sorted. */
    public static List<String> registeredNames() {
        List<String> names = new ArrayList<>(BUILT_IN.keySet());
        names.addAll(CUSTOM.keySet());
        names.sort(null);
        return names;
    }

    /**
     * TF2's {@code keras.optimizers.schedules.serialize(schedule)}: {@code {"class_name", "config"}}.
     *
     * @throws UnsupportedOperationException if the schedule has no config (a lambda)
     */
    public static Map<String, Object> serialize(LearningRateSchedule schedule) {
        Objects.requireNonNull(schedule, "schedule");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("class_name", schedule.className());
        out.put("config", schedule.getConfig());
        return out;
    }

    /**
     * Keras 3's {@code keras.optimizers.schedules.serialize(schedule)}:
     * {@code {"module", "class_name", "config", "registered_name"}}. A built-in has module
     * {@code keras.optimizers.schedules} and a null registered name; a user schedule its Java
     * package and its class name as registered name.
     */
    public static Map<String, Object> serializeKeras3(LearningRateSchedule schedule) {
        Objects.requireNonNull(schedule, "schedule");
        boolean builtIn = BUILT_IN.containsKey(schedule.className()) && schedule.getClass().getPackage() == Schedules.class.getPackage();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("module", builtIn ? KERAS_MODULE : schedule.getClass().getPackageName());
        out.put("class_name", schedule.className());
        out.put("config", schedule.getConfig());
        out.put("registered_name", builtIn ? null : schedule.className());
        return out;
    }

    /**
     * Keras's {@code keras.optimizers.schedules.deserialize(config)}.
     *
     * @param serialized either serialized form; not modified
     * @throws IllegalArgumentException naming the key or class: a missing or ill-typed
     *                                  {@code class_name} or {@code config}, an unexpected key, an
     *                                  unknown class, or the schedule's own config errors
     */
    public static LearningRateSchedule deserialize(Map<String, ?> serialized) {
        Objects.requireNonNull(serialized, "serialized");
        for (Object key : serialized.keySet()) {
            if (!(key instanceof String)) {
                // A map from JSON has string keys; one built in Java may have any (Map<String, ?> is not checked at run time).
                throw new IllegalArgumentException("A serialized learning-rate schedule has a key that is not a string: " + key);
            }
            if (!FORM_KEYS.contains(key)) {
                throw new IllegalArgumentException("A serialized learning-rate schedule has an unexpected key '" + key
                        + "'. Allowed keys are [class_name, config] (TF2) and [module, class_name, config, registered_name] (Keras 3): "
                        + serialized);
            }
        }
        if (!(serialized.get("class_name") instanceof String className)) {
            throw new IllegalArgumentException("A serialized learning-rate schedule needs a string 'class_name', got "
                    + describe(serialized.get("class_name")) + ": " + serialized);
        }
        if (!(serialized.get("config") instanceof Map<?, ?> config)) {
            throw new IllegalArgumentException("The serialized learning-rate schedule '" + className
                    + "' needs a 'config' object, got " + describe(serialized.get("config")));
        }
        Object module = serialized.get("module");
        if (module != null && !(module instanceof String)) {
            throw new IllegalArgumentException("The serialized learning-rate schedule '" + className
                    + "' has a 'module' that is not a string: " + describe(module));
        }
        Object registeredName = serialized.get("registered_name");
        if (registeredName != null && !(registeredName instanceof String)) {
            throw new IllegalArgumentException("The serialized learning-rate schedule '" + className
                    + "' has a 'registered_name' that is not a string: " + describe(registeredName));
        }
        Function<Map<String, ?>, ? extends LearningRateSchedule> fromConfig = null;
        if (registeredName instanceof String r) {
            fromConfig = lookup(r);
        }
        if (fromConfig == null) {
            fromConfig = lookup(className);
        }
        if (fromConfig == null) {
            String name = registeredName instanceof String r ? r : className;
            // Keras 2's message ("Unknown decay: ..."), then how to fix it here.
            throw new IllegalArgumentException("Unknown decay: '" + name + "'. Please ensure that this object is registered: call "
                    + "Schedules.register(\"" + name + "\", fromConfig). Known schedules: " + registeredNames());
        }
        Map<String, Object> copy = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : config.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new IllegalArgumentException("The config of learning-rate schedule '" + className
                        + "' has a key that is not a string: " + e.getKey());
            }
            copy.put(key, e.getValue());
        }
        LearningRateSchedule schedule = fromConfig.apply(copy);
        if (schedule == null) {
            throw new IllegalStateException("The fromConfig registered for '" + className + "' returned null");
        }
        return schedule;
    }

    private static Function<Map<String, ?>, ? extends LearningRateSchedule> lookup(String name) {
        Function<Map<String, ?>, ? extends LearningRateSchedule> f = BUILT_IN.get(name);
        return f != null ? f : CUSTOM.get(name);
    }

    private static String describe(Object v) {
        return v == null ? "null" : v.getClass().getSimpleName() + " " + v;
    }
}
