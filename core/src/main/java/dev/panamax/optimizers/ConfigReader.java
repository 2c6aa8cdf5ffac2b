package dev.panamax.optimizers;

import dev.panamax.internal.Python;
import dev.panamax.schedules.Schedules;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a Keras optimizer config ({@code get_config()} output) key by key, with errors that name
 * the key, and rejects keys nobody read, as Keras rejects unexpected keyword arguments.
 */
final class ConfigReader {

    private static final System.Logger LOG = System.getLogger(Optimizer.class.getName());

    private final String optimizer;
    private final boolean keras3;
    private final Map<String, ?> config;
    private final Set<String> unread;
    private final Set<String> known = new LinkedHashSet<>();

    ConfigReader(String optimizer, Map<String, ?> config) {
        this(optimizer, config, false);
    }

    /** @param keras3 a Keras 3 config: Keras 3's keys and messages */
    ConfigReader(String optimizer, Map<String, ?> config, boolean keras3) {
        this.optimizer = optimizer;
        this.config = config;
        this.keras3 = keras3;
        this.unread = new LinkedHashSet<>(config.keySet());
    }

    boolean isKeras3() {
        return keras3;
    }

    /** Whether this is a Keras 2.11 to 2.15 non-legacy config: TF2's form with {@code "is_legacy_optimizer": false}. */
    boolean isKeras211() {
        return !keras3 && Boolean.FALSE.equals(config.get("is_legacy_optimizer"));
    }

    /** The Keras class name of the optimizer being read. */
    String optimizerName() {
        return optimizer;
    }

    /** An integer (a JSON number with no fraction), or null when absent or null. */
    Integer integer(String key) {
        Double v = number(key);
        if (v == null) {
            return null;
        }
        if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(optimizer + " config key '" + key + "' must be an integer, got " + config.get(key));
        }
        return v.intValue();
    }

    /** A 64-bit integer, exact when the config holds an integer type, or null when absent or null. */
    Long longInteger(String key) {
        Number n = numberAsWritten(key);
        if (n == null) {
            return null;
        }
        if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte) {
            return n.longValue();
        }
        if (n instanceof java.math.BigInteger big && big.bitLength() < 64) {
            return big.longValue();
        }
        double v = n.doubleValue();
        if (v != Math.rint(v) || Math.abs(v) > 0x1p53) {
            throw new IllegalArgumentException(optimizer + " config key '" + key + "' must be an integer, got " + config.get(key));
        }
        return (long) v;
    }

    /** Reads {@code key} and ignores it, with {@code warning} when its value is not null (Keras 3's {@code decay}). */
    void dropDeprecated(String key, String warning) {
        read(key);
        if (config.get(key) != null) {
            LOG.log(System.Logger.Level.WARNING, warning);
        }
    }

    /** Whether the config has {@code key}, null or not. */
    boolean contains(String key) {
        return config.containsKey(key);
    }

    boolean has(String key) {
        return config.containsKey(key) && config.get(key) != null;
    }

    /** A number, or null when absent or null. */
    Double number(String key) {
        read(key);
        Object v = config.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException(optimizer + " config key '" + key + "' must be a number, got "
                + v.getClass().getSimpleName() + " " + v);
    }

    /** A number as the config holds it (an {@code Integer} stays one, as Keras keeps a Python int), or null when absent or null. */
    Number numberAsWritten(String key) {
        Double v = number(key);
        Object raw = config.get(key);
        return v == null ? null : (Number) raw;
    }

    /** A list of strings, or null when absent or null. */
    List<String> strings(String key) {
        read(key);
        Object v = config.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof List<?> list) {
            List<String> out = new ArrayList<>(list.size());
            for (Object item : list) {
                if (!(item instanceof String s)) {
                    throw new IllegalArgumentException(optimizer + " config key '" + key + "' must be a list of strings, got "
                            + v);
                }
                out.add(s);
            }
            return out;
        }
        throw new IllegalArgumentException(optimizer + " config key '" + key + "' must be a list of strings, got "
                + v.getClass().getSimpleName() + " " + v);
    }

    /** The value of {@code key} as given (null when absent), without marking it read. */
    Object raw(String key) {
        return config.get(key);
    }

    /** A map of string keys to strings, or null when absent or null. */
    Map<String, String> stringMap(String key) {
        read(key);
        Object v = config.get(key);
        if (v == null) {
            return null;
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        if (v instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String k) || !(e.getValue() instanceof String value)) {
                    throw new IllegalArgumentException(optimizer + " config key '" + key + "' must map names to strings, got "
                            + v);
                }
                out.put(k, value);
            }
            return out;
        }
        throw new IllegalArgumentException(optimizer + " config key '" + key + "' must map names to strings, got "
                + v.getClass().getSimpleName() + " " + v);
    }

    double number(String key, double defaultValue) {
        Double v = number(key);
        return v == null ? defaultValue : v;
    }

    boolean bool(String key, boolean defaultValue) {
        read(key);
        Object v = config.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException(optimizer + " config key '" + key + "' must be a boolean, got "
                + v.getClass().getSimpleName() + " " + v);
    }

    String string(String key, String defaultValue) {
        read(key);
        Object v = config.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(optimizer + " config key '" + key + "' must be a string, got "
                + v.getClass().getSimpleName() + " " + v);
    }

    /**
     * The learning rate under {@code learning_rate}, or its deprecated alias {@code lr}: a number, or
     * a serialized schedule (a map, in TF2's or Keras 3's form), read by {@link Schedules#deserialize}.
     */
    Hyperparameter learningRate(double defaultValue) {
        String key = "learning_rate";
        if (!keras3 && config.containsKey("lr")) {
            // Keras's from_config: config["learning_rate"] = config.pop("lr"), so `lr` wins.
            LOG.log(System.Logger.Level.WARNING, "The `lr` argument is deprecated, use `learning_rate` instead.");
            read("learning_rate");
            key = "lr";
        }
        read(key);
        known.add("learning_rate");
        Object v = config.get(key);
        if (v == null) {
            return Hyperparameter.of(defaultValue);
        }
        if (keras3 && (v instanceof Integer || v instanceof Long)) {
            throw new IllegalArgumentException("Argument `learning_rate` should be float, or an instance of LearningRateSchedule, "
                    + "or a callable (that takes in the current iteration value and returns the corresponding learning rate value). "
                    + "Received instead: learning_rate=" + v);
        }
        if (v instanceof Number n) {
            return Hyperparameter.of(n.doubleValue());
        }
        if (v instanceof Map<?, ?> map) {
            @SuppressWarnings("unchecked")
            Map<String, ?> serialized = (Map<String, ?>) map; // JSON object keys are strings; Schedules checks them
            try {
                return Hyperparameter.of(Schedules.deserialize(serialized));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(optimizer + " config key '" + key + "': " + e.getMessage(), e);
            }
        }
        throw new IllegalArgumentException(optimizer + " config key '" + key + "' must be a number or a schedule config, got "
                + v.getClass().getSimpleName() + " " + v);
    }

    private void read(String key) {
        unread.remove(key);
        known.add(key);
    }

    /** The keys never read, with their values, in the config's order. */
    Map<String, Object> unread() {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        unread.forEach(k -> out.put(k, config.get(k)));
        return out;
    }

    /** Fails on any key that was never read. */
    void finish() {
        if (!unread.isEmpty() && keras3) {
            // Keras 3's BaseOptimizer: cls(**config) leaves them in kwargs.
            Map<String, Object> kwargs = new java.util.LinkedHashMap<>();
            unread.forEach(k -> kwargs.put(k, config.get(k)));
            throw new IllegalArgumentException("Argument(s) not recognized: " + Python.repr(kwargs));
        }
        if (!unread.isEmpty()) {
            String key = unread.iterator().next();
            throw new IllegalArgumentException("Unexpected keyword argument passed to optimizer: " + key
                    + ". Allowed kwargs are " + known + ".");
        }
    }

}
