package dev.panamax.schedules;

import dev.panamax.internal.Python;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads a schedule's Keras config key by key (Keras's {@code cls(**config)}): errors name the
 * schedule and the key, and keys nobody read are rejected as unexpected keyword arguments.
 * Also holds the number formatting shared by configs and error messages.
 */
final class ScheduleConfig {

    private final String schedule;
    private final Map<String, ?> config;
    private final Set<String> unread;
    private final Set<String> known = new LinkedHashSet<>();

    ScheduleConfig(String schedule, Map<String, ?> config) {
        this.schedule = schedule;
        this.config = Objects.requireNonNull(config, "config");
        this.unread = new LinkedHashSet<>(config.keySet());
    }

    /** A required number. */
    double number(String key) {
        Object v = read(key);
        if (v == null) {
            throw new IllegalArgumentException(schedule + " config is missing the required key '" + key + "'");
        }
        return toNumber(key, v);
    }

    /** An optional number: the default when absent; null is rejected (Keras would fail on None later). */
    double number(String key, double defaultValue) {
        if (!config.containsKey(key)) {
            read(key);
            return defaultValue;
        }
        return number(key);
    }

    /** An optional number that may be null (absent means null). */
    Double nullableNumber(String key) {
        Object v = read(key);
        return v == null ? null : toNumber(key, v);
    }

    boolean bool(String key, boolean defaultValue) {
        if (!config.containsKey(key)) {
            read(key);
            return defaultValue;
        }
        Object v = read(key);
        if (v instanceof Boolean b) {
            return b;
        }
        throw illTyped(key, "a boolean", v);
    }

    /** The schedule's {@code name}: a string or null. */
    String name() {
        Object v = read("name");
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw illTyped("name", "a string or null", v);
    }

    /** A required list of numbers. */
    double[] numbers(String key) {
        Object v = read(key);
        if (v == null) {
            throw new IllegalArgumentException(schedule + " config is missing the required key '" + key + "'");
        }
        if (!(v instanceof List<?> list)) {
            throw illTyped(key, "a list of numbers", v);
        }
        double[] out = new double[list.size()];
        for (int i = 0; i < out.length; i++) {
            Object e = list.get(i);
            if (!(e instanceof Number n)) {
                throw new IllegalArgumentException(schedule + " config key '" + key + "' must be a list of numbers, but element "
                        + i + " is " + describe(e));
            }
            out[i] = n.doubleValue();
        }
        return out;
    }

    /** Fails on the first key that was never read. */
    void finish() {
        if (!unread.isEmpty()) {
            String key = unread.iterator().next();
            throw new IllegalArgumentException(schedule + " config has an unexpected key '" + key
                    + "'. Allowed keys are " + known + ".");
        }
    }

    private Object read(String key) {
        unread.remove(key);
        known.add(key);
        return config.get(key);
    }

    private double toNumber(String key, Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw illTyped(key, "a number", v);
    }

    private IllegalArgumentException illTyped(String key, String expected, Object v) {
        return new IllegalArgumentException(schedule + " config key '" + key + "' must be " + expected + ", got " + describe(v));
    }

    private static String describe(Object v) {
        return v == null ? "null" : v.getClass().getSimpleName() + " " + v;
    }

    // ---- numbers in configs and messages -------------------------------------------------------------

    /** A step count as Keras writes it: an integer when integral (Python int), else a float. */
    static Object steps(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 0x1p53) {
            return (long) value;
        }
        return value;
    }

    /** {@link #steps} in a list. */
    static List<Object> steps(double[] values) {
        List<Object> out = new ArrayList<>(values.length);
        for (double v : values) {
            out.add(steps(v));
        }
        return List.copyOf(out);
    }

    /** Numbers as a list of doubles. */
    static List<Object> numbers(double[] values) {
        List<Object> out = new ArrayList<>(values.length);
        for (double v : values) {
            out.add(v);
        }
        return List.copyOf(out);
    }

    /** Python's {@code repr} of a number as {@link #steps} would write it (an int or a float). */
    static String pyStep(double value) {
        Object s = steps(value);
        return s instanceof Long l ? Long.toString(l) : pyFloat(value);
    }

    /** Python's {@code repr(float)}. */
    static String pyFloat(double value) {
        return Python.repr(value);
    }

    /** Python's repr of a list of step counts. */
    static String pySteps(double[] values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(pyStep(values[i]));
        }
        return sb.append(']').toString();
    }

    /** Python's repr of a list of floats. */
    static String pyFloats(double[] values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(pyFloat(values[i]));
        }
        return sb.append(']').toString();
    }

    /** Keras's {@code "Argument `decay_steps` must be > 0. Received: decay_steps=..."} (NaN is rejected too). */
    static void checkPositive(String argument, double value) {
        if (!(value > 0)) {
            throw new IllegalArgumentException("Argument `" + argument + "` must be > 0. Received: " + argument + "=" + pyStep(value));
        }
    }

    /**
     * A schedule argument that is finite and at least {@code min} ({@code strictly}: above it):
     * other values give a NaN or an infinite learning rate at some step. Keras accepts them (a
     * deliberate difference); the optimizer would refuse the value at that step anyway.
     */
    static void checkRange(String schedule, String argument, double value, double min, boolean strictly) {
        if (!Double.isFinite(value) || (strictly ? !(value > min) : !(value >= min))) {
            throw new IllegalArgumentException(schedule + ": " + argument + " = " + value + " gives a NaN or infinite learning"
                    + " rate; expected a finite " + argument + (min == Double.NEGATIVE_INFINITY ? ""
                    : (strictly ? " > " : " >= ") + pyFloat(min)));
        }
    }

    /** {@link #checkRange} with no lower bound: any finite number. */
    static void checkFinite(String schedule, String argument, double value) {
        checkRange(schedule, argument, value, Double.NEGATIVE_INFINITY, false);
    }

    /** An ordered config map from alternating keys and values (values may be null). */
    static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            out.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return out;
    }
}
