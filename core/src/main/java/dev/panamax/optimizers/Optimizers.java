package dev.panamax.optimizers;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.panamax.tensor.Variable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The optimizer registry: Keras's {@code keras.optimizers.get}, {@code serialize} and
 * {@code deserialize}, and the JSON Keras writes for an optimizer.
 *
 * <h2>Names</h2>
 * Every optimizer is registered under a class name: the built-ins under Keras's class names
 * ({@code "SGD"}, {@code "Adam"}, ...), user optimizers through {@link #register}. Look-up is
 * case-insensitive, as Keras's {@code deserialize} lower-cases the built-in names, so
 * {@code "adam"}, {@code "Adam"} and {@code "ADAM"} are the same optimizer. A Keras 2.12 model
 * file names the built-ins {@code "Custom>Adam"} (they were registered with
 * {@code @register_keras_serializable()} in that release); that form is accepted for every
 * built-in unless a user optimizer is registered under that exact name.
 *
 * <h2>Serialized forms</h2>
 * Two forms are written and both are read:
 * <ul>
 *   <li>TF2 / Keras 2 ({@link #serialize}): {@code {"class_name": "Adam", "config": {...}}}; a
 *       user optimizer's class name is its registered name ({@code "Custom>MyOptimizer"}).</li>
 *   <li>Keras 3 ({@link #serializeKeras3}): {@code {"module": "keras.optimizers", "class_name":
 *       "Adam", "config": {...}, "registered_name": null}}; a user optimizer has its Java package
 *       as {@code module}, its simple class name as {@code class_name} and its registered name as
 *       {@code registered_name}, as Keras 3's {@code serialization_lib} writes custom objects.</li>
 * </ul>
 *
 * <h2>Keras 2 and Keras 3 optimizers</h2>
 * A config in Keras 3's form makes a Keras 3 optimizer ({@link Optimizer#isKeras3()}): Keras 3's
 * formulas, step order, keys and messages ({@code Argument(s) not recognized: {...}}; {@code decay}
 * dropped with Keras 3's warning). A config in TF2's form makes a TF2 one, and may carry the base
 * options of Keras 3 ({@code weight_decay}, {@code use_ema}, {@code ema_momentum},
 * {@code ema_overwrite_frequency}, {@code loss_scale_factor}, {@code gradient_accumulation_steps}),
 * which run as Keras 3's stages; with {@code "is_legacy_optimizer": false} it is Keras 2.11 to
 * 2.15's non-legacy optimizer ({@link Optimizer#isKeras211()}): Keras 3's formulas, Keras 2's
 * slot names and config form.
 * {@code clipnorm}, {@code clipvalue} and {@code global_clipnorm} are keys of every optimizer;
 * null means "not set". A user optimizer's {@code fromConfig} receives its config exactly as
 * written.
 */
public final class Optimizers {

    /** The {@code module} of the built-in optimizers in Keras 3's serialized form. */
    public static final String KERAS_MODULE = "keras.optimizers";

    /** The package Keras 2.12 wrote in front of the built-ins' names ({@code "Custom>Adam"}). */
    private static final String CUSTOM_PACKAGE = "Custom>";

    private static final JsonMapper JSON = JsonMapper.builder()
            // Python's json module reads and writes NaN and Infinity unquoted; Keras files may hold them.
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // Python's json keeps the last of duplicate keys silently; a config that says two things is refused here.
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** A registered optimizer: its name, its class if known, how to make it, and whether it is built in. */
    private record Entry(String name, Class<? extends Optimizer> type, Function<Map<String, ?>, ? extends Optimizer> fromConfig,
                         boolean builtIn, Function<Map<String, ?>, ? extends Optimizer> fromKeras3Config) {
        Entry(String name, Class<? extends Optimizer> type, Function<Map<String, ?>, ? extends Optimizer> fromConfig, boolean builtIn) {
            this(name, type, fromConfig, builtIn, fromConfig);
        }
    }

    /** Every registration by lower-cased name. */
    private static final Map<String, Entry> REGISTRY = new ConcurrentHashMap<>();
    /** The built-ins' class names in registration order. */
    private static final List<String> BUILT_INS = new ArrayList<>();

    static {
        // One line per built-in, under Keras's class name. Where Keras 3 changed the formula, a config
        // in Keras 3's serialized form (with "module") loads the Keras 3 variant.
        builtIn("SGD", SGD.class, SGD::fromConfig);
        builtIn("Adam", Adam.class, Adam::fromConfig);
        builtIn("AdamW", AdamW.class, AdamW::fromConfig);
        builtIn("RMSprop", RMSprop.class, RMSprop::fromConfig);
        builtIn("Adagrad", Adagrad.class, Adagrad::fromConfig);
        builtIn("Adadelta", Adadelta.class, Adadelta::fromConfig);
        builtIn("Adamax", Adamax.class, Adamax::fromConfig);
        builtIn("Nadam", Nadam.class, Nadam::fromConfig);
        builtIn("Ftrl", Ftrl.class, Ftrl::fromConfig);
        builtIn("Lion", Lion.class, Lion::fromConfig);
        builtIn("Lamb", Lamb.class, Lamb::fromConfig);
        builtIn("Adafactor", Adafactor.class, Adafactor::fromConfig);
        builtIn("ScheduleFreeAdamW", ScheduleFreeAdamW.class, ScheduleFreeAdamW::fromConfig);
        builtIn("Muon", Muon.class, Muon::fromConfig);
        wrapper("LossScaleOptimizer", LossScaleOptimizer.class, LossScaleOptimizer::fromConfig);
    }

    private Optimizers() {
    }

    /** A built-in's {@code fromConfig(config, keras3)}: a config in Keras 3's form makes a Keras 3 optimizer. */
    private interface BuiltInFromConfig<T extends Optimizer> {
        T fromConfig(Map<String, ?> config, boolean keras3);
    }

    private static <T extends Optimizer> void builtIn(String className, Class<T> type, BuiltInFromConfig<T> fromConfig) {
        REGISTRY.put(key(className), new Entry(className, type, c -> fromConfig.fromConfig(c, false), true,
                c -> fromConfig.fromConfig(c, true)));
        BUILT_INS.add(className);
    }

    /**
     * A built-in that wraps another optimizer: registered and written as a built-in (module
     * {@code keras.optimizers}), but not one of {@link #builtInNames()}, which can each be made
     * from a default config. It has one form: its config is read the same way in either.
     */
    private static <T extends Optimizer> void wrapper(String className, Class<T> type, Function<Map<String, ?>, T> fromConfig) {
        REGISTRY.put(key(className), new Entry(className, type, fromConfig, true));
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    // ---- registry ----------------------------------------------------------------------------------

    /**
     * Registers a user optimizer, as Keras's {@code custom_objects} or
     * {@code @keras.saving.register_keras_serializable()}. To be read back from a file Keras wrote
     * for a registered class, use Keras's name: {@code "Custom>ClassName"} (the decorator's default
     * package) or {@code "package>ClassName"}. {@link #serialize} recognises instances by their
     * simple class name, which must equal the part after {@code >}; use
     * {@link #register(String, Class, Function)} when it does not.
     *
     * <p>A registration replaces an earlier one under the same name (case-insensitively), as
     * Keras's does. A built-in's name cannot be taken.
     *
     * @param className  the registered name; not modified
     * @param fromConfig makes the optimizer from its config; it gets a fresh mutable copy, exactly as
     *                   written (no key is removed for it)
     * @throws IllegalArgumentException if {@code className} is blank or names a built-in
     */
    public static void register(String className, Function<Map<String, ?>, ? extends Optimizer> fromConfig) {
        registerEntry(className, null, fromConfig);
    }

    /**
     * Registers a user optimizer whose instances are of {@code type}, whatever its simple name.
     *
     * @see #register(String, Function)
     */
    public static <T extends Optimizer> void register(String className, Class<T> type, Function<Map<String, ?>, ? extends T> fromConfig) {
        registerEntry(className, Objects.requireNonNull(type, "type"), fromConfig);
    }

    private static void registerEntry(String className, Class<? extends Optimizer> type,
                                      Function<Map<String, ?>, ? extends Optimizer> fromConfig) {
        Objects.requireNonNull(className, "className");
        Objects.requireNonNull(fromConfig, "fromConfig");
        if (className.isBlank()) {
            throw new IllegalArgumentException("An optimizer's registered name must not be blank");
        }
        REGISTRY.compute(key(className), (k, old) -> {
            if (old != null && old.builtIn()) {
                throw new IllegalArgumentException("Cannot register '" + className + "': it is the name of the built-in optimizer "
                        + old.name() + ". Register user optimizers under a package, as Keras does: 'Custom>" + className + "'");
            }
            return new Entry(className, type, fromConfig, false);
        });
    }

    /**
     * Removes a user registration (case-insensitively).
     *
     * @return whether one was removed; built-ins are never removed
     */
    public static boolean unregister(String className) {
        Entry e = REGISTRY.get(key(className));
        return e != null && !e.builtIn() && REGISTRY.remove(key(className), e);
    }

    /** The registered names, built-ins first, each group sorted case-insensitively. */
    public static List<String> registeredNames() {
        List<Entry> entries = new ArrayList<>(REGISTRY.values());
        entries.sort((a, b) -> a.builtIn() != b.builtIn() ? (a.builtIn() ? -1 : 1) : a.name().compareToIgnoreCase(b.name()));
        List<String> names = new ArrayList<>(entries.size());
        entries.forEach(e -> names.add(e.name()));
        return names;
    }

    /**
     * The class names of the built-in optimizers, in registration order (SGD first).
     * {@code LossScaleOptimizer}, which wraps one of them and so has no default config, is
     * registered but not listed.
     */
    public static List<String> builtInNames() {
        return List.copyOf(BUILT_INS);
    }

    /** The registration {@code name} refers to, or null: case-insensitive, then {@code Custom>Builtin}. */
    private static Entry lookup(String name) {
        Entry e = REGISTRY.get(key(name));
        if (e == null && name.regionMatches(true, 0, CUSTOM_PACKAGE, 0, CUSTOM_PACKAGE.length())) {
            Entry inner = REGISTRY.get(key(name.substring(CUSTOM_PACKAGE.length())));
            if (inner != null && inner.builtIn()) {
                e = inner;
            }
        }
        return e;
    }

    /**
     * The registration {@code optimizer} was made from: the built-in of its class, else a user
     * registration of its class, else the first (by name) untyped user registration whose simple
     * name is its simple class name; null if none.
     */
    private static Entry entryOf(Optimizer optimizer) {
        Class<?> type = optimizer.getClass();
        Entry typed = null;
        Entry bySimpleName = null;
        for (Entry e : REGISTRY.values()) {
            if (e.type() == type) {
                if (e.builtIn()) {
                    return e;
                }
                typed = e;
            } else if (e.type() == null && simpleName(e.name()).equals(type.getSimpleName())
                    && (bySimpleName == null || e.name().compareTo(bySimpleName.name()) < 0)) {
                bySimpleName = e;
            }
        }
        return typed != null ? typed : bySimpleName;
    }

    /** The part of a registered name after the package: {@code "Custom>Foo"} gives {@code "Foo"}. */
    private static String simpleName(String registeredName) {
        return registeredName.substring(registeredName.lastIndexOf('>') + 1);
    }

    // ---- get ---------------------------------------------------------------------------------------

    /**
     * Keras's {@code keras.optimizers.get(name)}: the optimizer registered as {@code name}
     * (case-insensitive: {@code "adam"}, {@code "Adam"}, {@code "sgd"}, ...) with its default config.
     *
     * @throws IllegalArgumentException {@code Could not interpret optimizer identifier: <name>},
     *                                  Keras 3's message, when no optimizer has that name
     */
    public static Optimizer get(String name) {
        if (name == null || lookup(name) == null) {
            throw new IllegalArgumentException("Could not interpret optimizer identifier: " + name);
        }
        Map<String, Object> serialized = new LinkedHashMap<>();
        serialized.put("class_name", name);
        serialized.put("config", new LinkedHashMap<String, Object>());
        return deserialize(serialized);
    }

    /**
     * Keras's {@code get(dict)}: {@link #deserialize} of a serialized optimizer, in either form.
     *
     * @throws IllegalArgumentException {@code Could not interpret optimizer identifier: <config>}
     *                                  when its class is not registered; the errors of
     *                                  {@link #deserialize} otherwise
     */
    public static Optimizer get(Map<String, ?> config) {
        if (config == null) {
            throw new IllegalArgumentException("Could not interpret optimizer identifier: null");
        }
        Object className = config.get("class_name");
        if (className instanceof String && resolve(config) == null) {
            throw new IllegalArgumentException("Could not interpret optimizer identifier: " + config);
        }
        return deserialize(config);
    }

    /** Keras's {@code get(optimizer)}: the optimizer itself. */
    public static Optimizer get(Optimizer optimizer) {
        if (optimizer == null) {
            throw new IllegalArgumentException("Could not interpret optimizer identifier: null");
        }
        return optimizer;
    }

    /**
     * Keras's {@code get(identifier)} for an identifier of any type, such as a value read from a
     * model's JSON: a name, a serialized optimizer (a map with string keys), or an optimizer.
     *
     * @throws IllegalArgumentException {@code Could not interpret optimizer identifier: <identifier>}
     *                                  for anything else
     */
    public static Optimizer get(Object identifier) {
        if (identifier instanceof String s) {
            return get(s);
        }
        if (identifier instanceof Optimizer o) {
            return o;
        }
        if (identifier instanceof Map<?, ?> m && m.keySet().stream().allMatch(k -> k instanceof String)) {
            @SuppressWarnings("unchecked")
            Map<String, ?> config = (Map<String, ?>) m;
            return get(config);
        }
        throw new IllegalArgumentException("Could not interpret optimizer identifier: " + identifier);
    }

    // ---- serialize ---------------------------------------------------------------------------------

    /**
     * Keras 2's {@code keras.optimizers.serialize(optimizer)}:
     * {@code {"class_name": ..., "config": optimizer.getConfig()}}. The class name is the built-in's
     * Keras name, a user optimizer's registered name, or else its simple class name (which
     * {@link #deserialize} will not know until it is registered). An optimizer that uses Keras 3's
     * formulas ({@link Optimizer#isKeras3()}) is written in Keras 3's form instead, which
     * {@link #deserialize} reads back as that variant.
     *
     * @param optimizer not modified
     * @return a new mutable map, keys in Keras's order
     */
    public static Map<String, Object> serialize(Optimizer optimizer) {
        Objects.requireNonNull(optimizer, "optimizer");
        if (optimizer.isKeras3() && !optimizer.isKeras211()) {
            return serializeKeras3(optimizer); // the TF2 form cannot say which formula it uses
        }
        Entry e = entryOf(optimizer);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("class_name", e != null ? e.name() : optimizer.getClass().getSimpleName());
        out.put("config", optimizer.getConfig());
        return out;
    }

    /**
     * Keras 3's {@code keras.optimizers.serialize(optimizer)}:
     * {@code {"module", "class_name", "config", "registered_name"}}. A built-in has module
     * {@code keras.optimizers} and a null registered name; a user optimizer its Java package, its
     * simple class name and its registered name (its simple class name when it is not registered, as
     * Keras's {@code get_registered_name}).
     *
     * <p>A built-in's config is Keras 3's {@code get_config()}: every base key, a number learning
     * rate as its float32 value, a schedule in Keras 3's form, no {@code decay} (Keras 3 ignores it);
     * read back, it makes a Keras 3 optimizer. A user optimizer's is its own {@link Optimizer#getConfig()}
     * with a zero {@code decay} left out and a schedule in Keras 3's form. Keras 3 accepts only one
     * of {@code clipnorm}, {@code clipvalue} and {@code global_clipnorm}: an optimizer with two is
     * written, but cannot be read back.
     *
     * @param optimizer not modified
     * @return a new mutable map, keys in Keras's order
     */
    public static Map<String, Object> serializeKeras3(Optimizer optimizer) {
        Objects.requireNonNull(optimizer, "optimizer");
        Entry e = entryOf(optimizer);
        Map<String, Object> config = e != null && e.builtIn() ? optimizer.keras3Config() : userKeras3Config(optimizer);
        Map<String, Object> out = new LinkedHashMap<>();
        if (e != null && e.builtIn()) {
            out.put("module", KERAS_MODULE);
            out.put("class_name", e.name());
            out.put("config", config);
            out.put("registered_name", null);
        } else {
            out.put("module", optimizer.getClass().getPackageName());
            out.put("class_name", optimizer.getClass().getSimpleName());
            out.put("config", config);
            out.put("registered_name", e != null ? e.name() : optimizer.getClass().getSimpleName());
        }
        return out;
    }

    /**
     * A user optimizer's config in Keras 3's form: its own config (its {@code fromConfig} reads it
     * back), with a zero {@code decay} left out and a schedule in Keras 3's form.
     */
    private static Map<String, Object> userKeras3Config(Optimizer optimizer) {
        Map<String, Object> config = optimizer.getConfig();
        if (config.get("decay") instanceof Number d && d.doubleValue() == 0) {
            config.remove("decay");
        }
        if (config.get("learning_rate") instanceof Map<?, ?> schedule && !schedule.containsKey("module")) {
            config.put("learning_rate", OptimizerConfig.keras3Schedule(schedule));
        }
        return config;
    }

    // ---- deserialize -------------------------------------------------------------------------------

    /**
     * Keras's {@code keras.optimizers.deserialize(config)}: the optimizer a serialized form
     * describes, in the TF2 form ({@code class_name}, {@code config}) or the Keras 3 form (also
     * {@code module} and {@code registered_name}). The optimizer is looked up by
     * {@code registered_name} when it is a string, else by {@code class_name}, case-insensitively
     * (see the class comment; {@code module} is not used). For a built-in, the Keras 2.11+ / Keras 3
     * keys of the class comment are removed when neutral, and the rest goes to its
     * {@code fromConfig}, which rejects unknown keys.
     *
     * @param serialized not modified
     * @throws IllegalArgumentException when {@code class_name} is missing or not a string,
     *                                  {@code config} is missing or not a map, the class is not
     *                                  registered ({@code Unknown optimizer: '<name>'}), a Keras 3
     *                                  key has a value this optimizer cannot honour, or its
     *                                  {@code fromConfig} rejects the config
     */
    public static Optimizer deserialize(Map<String, ?> serialized) {
        Objects.requireNonNull(serialized, "serialized");
        String className = className(serialized);
        Map<String, ?> config = innerConfig(serialized);
        Entry e = resolve(serialized);
        if (e == null) {
            String name = serialized.get("registered_name") instanceof String r ? r : className;
            // Keras 2's message, then how to fix it here.
            throw new IllegalArgumentException("Unknown optimizer: '" + name + "'. Please ensure that this object is registered: "
                    + "call Optimizers.register(\"" + name + "\", fromConfig) (Keras: `keras.utils.custom_object_scope` or "
                    + "`@keras.saving.register_keras_serializable()`). Registered optimizers: " + registeredNames());
        }
        Map<String, Object> copy = new LinkedHashMap<>(config);
        boolean keras3Form = serialized.containsKey("module");
        Optimizer optimizer = (keras3Form ? e.fromKeras3Config() : e.fromConfig()).apply(copy);
        if (optimizer == null) {
            throw new IllegalStateException("fromConfig of optimizer '" + e.name() + "' returned null");
        }
        return optimizer;
    }

    /** The registration {@code serialized} names (through {@code registered_name} first), or null. */
    private static Entry resolve(Map<String, ?> serialized) {
        String className = className(serialized);
        if (serialized.get("registered_name") instanceof String registered) {
            Entry e = lookup(registered);
            if (e != null) {
                return e;
            }
        }
        return lookup(className);
    }

    private static String className(Map<String, ?> serialized) {
        if (!serialized.containsKey("class_name")) {
            throw improper(serialized, "the key 'class_name' is missing");
        }
        if (!(serialized.get("class_name") instanceof String className)) {
            throw improper(serialized, "'class_name' must be a string, got " + describe(serialized.get("class_name")));
        }
        return className;
    }

    private static Map<String, ?> innerConfig(Map<String, ?> serialized) {
        if (!serialized.containsKey("config")) {
            throw improper(serialized, "the key 'config' is missing");
        }
        Object config = serialized.get("config");
        if (!(config instanceof Map<?, ?> m)) {
            throw improper(serialized, "'config' must be a map (a JSON object), got " + describe(config));
        }
        for (Object k : m.keySet()) {
            if (!(k instanceof String)) {
                throw improper(serialized, "the keys of 'config' must be strings, got " + describe(k));
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, ?> typed = (Map<String, ?>) m;
        return typed;
    }

    private static IllegalArgumentException improper(Map<String, ?> serialized, String what) {
        // Keras 2's message, then the reason.
        return new IllegalArgumentException("Improper config format for " + serialized
                + ". Expecting python dict contains `class_name` and `config` as keys: " + what);
    }

    private static String describe(Object value) {
        return value == null ? "null" : value.getClass().getSimpleName() + " " + value;
    }

    // ---- checkpoints -------------------------------------------------------------------------------

    /**
     * The optimizer a checkpoint ({@link Optimizer#save}) describes, with its state: made from the
     * file's config (as {@link #fromJson}, so a user optimizer must be registered), built with
     * {@code variables} (the model's trainable variables, with the names, shapes and dtypes of the
     * saved ones) and loaded ({@link Optimizer#load}). It has the default threads and kernels.
     *
     * @param file      not modified
     * @param variables not modified; the optimizer updates them from now on
     * @return a new optimizer, to close; nothing is left open on failure
     * @throws CheckpointException when the file is truncated, corrupt, not a checkpoint, or its state
     *                             does not fit {@code variables}
     * @throws IOException         when the file cannot be read
     */
    public static Optimizer load(Path file, List<Variable> variables) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(variables, "variables");
        return Checkpoint.create(file, variables);
    }

    // ---- JSON --------------------------------------------------------------------------------------

    /** {@link #serialize} as JSON: {@code {"class_name":"Adam","config":{...}}}, keys in Keras's order. */
    public static String toJson(Optimizer optimizer) {
        return write(serialize(optimizer));
    }

    /** {@link #serializeKeras3} as JSON: {@code {"module":"keras.optimizers","class_name":"Adam",...}}. */
    public static String toJsonKeras3(Optimizer optimizer) {
        return write(serializeKeras3(optimizer));
    }

    /**
     * {@link #deserialize} of a JSON object in either form, such as the {@code optimizer_config}
     * of a Keras 2 model file or the {@code optimizer} of a Keras 3 {@code compile_config}.
     * {@code NaN} and {@code Infinity} are read as Python's {@code json} writes them.
     *
     * @throws IllegalArgumentException when the text is not one JSON object (the message gives
     *                                  Jackson's reason and location), or as {@link #deserialize}
     */
    public static Optimizer fromJson(String json) {
        Objects.requireNonNull(json, "json");
        Object value;
        try {
            value = JSON.readValue(json, Object.class);
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            throw new IllegalArgumentException("Could not parse the optimizer JSON: " + withoutSource(e.getOriginalMessage())
                    + (at != null ? " (at " + at.offsetDescription() + ")" : ""), e);
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("The optimizer JSON must be an object with `class_name` and `config`, got "
                    + (value == null ? "null" : value instanceof List<?> ? "an array" : "the value " + value));
        }
        @SuppressWarnings("unchecked")
        Map<String, ?> serialized = (Map<String, ?>) map; // JSON object keys are strings
        return deserialize(serialized);
    }

    /** Jackson's description of the input ({@code [Source: REDACTED (...); line: 1, column: 34]}). */
    private static final Pattern SOURCE_LOCATION =
            Pattern.compile("\\[Source: [^\\]]*?; line: (\\d+), column: (\\d+)\\]");

    /**
     * A parser message with the positions it quotes (an unclosed object's start marker) reduced to
     * line and column: Jackson writes them with a note about its own settings that means nothing to
     * whoever typed the JSON.
     */
    private static String withoutSource(String message) {
        return message == null ? null : SOURCE_LOCATION.matcher(message).replaceAll("line $1, column $2");
    }

    private static String write(Map<String, Object> serialized) {
        try {
            return JSON.writeValueAsString(serialized);
        } catch (JacksonException e) {
            // Configs hold strings, numbers, booleans, nulls and maps; anything else is a bug of a getConfig.
            throw new IllegalStateException("Could not write the optimizer config as JSON: " + e.getOriginalMessage(), e);
        }
    }
}
