package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link Optimizers}: Keras's {@code keras.optimizers.get / serialize / deserialize} (Keras v2.11.0
 * {@code keras/optimizers/__init__.py}, Keras 3 {@code keras/src/optimizers/__init__.py} and
 * {@code saving/serialization_lib.py}) and the JSON Keras writes.
 */
class OptimizersTest {

    /** What Keras 2.x (TF2, OptimizerV2) writes for a default Adam, as model.to_json() / an H5 file's training_config has it. */
    private static final String KERAS2_ADAM = """
            {"class_name": "Adam", "config": {"name": "Adam", "learning_rate": 0.0010000000474974513, "decay": 0.0,
             "beta_1": 0.8999999761581421, "beta_2": 0.9990000128746033, "epsilon": 1e-07, "amsgrad": false}}""";

    /** Keras 3 (base_optimizer.py get_config, then adam.py's keys), as in a .keras file's compile_config. */
    private static final String KERAS3_ADAM = """
            {"module": "keras.optimizers", "class_name": "Adam", "config": {"name": "adam",
             "learning_rate": 0.0010000000474974513, "weight_decay": null, "clipnorm": null, "global_clipnorm": null,
             "clipvalue": null, "use_ema": false, "ema_momentum": 0.99, "ema_overwrite_frequency": null,
             "loss_scale_factor": null, "gradient_accumulation_steps": null, "beta_1": 0.9, "beta_2": 0.999,
             "epsilon": 1e-07, "amsgrad": false}, "registered_name": null}""";

    /** Keras 2.12's new Adam (optimizer.py get_config, registered as Custom>Adam in that release). */
    private static final String KERAS212_ADAM = """
            {"class_name": "Custom>Adam", "config": {"name": "Adam", "weight_decay": null, "clipnorm": null,
             "global_clipnorm": null, "clipvalue": null, "use_ema": false, "ema_momentum": 0.99,
             "ema_overwrite_frequency": null, "jit_compile": true, "is_legacy_optimizer": false,
             "learning_rate": 0.0010000000474974513, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": false}}""";

    private static List<String> keys(Map<String, ?> map) {
        return new ArrayList<>(map.keySet());
    }

    private static Map<String, Object> serialized(Object className, Object config) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("class_name", className);
        m.put("config", config);
        return m;
    }

    private static Map<String, Object> keras3AdamConfigWith(String key, Object value) {
        @SuppressWarnings("unchecked")
        Map<String, Object> config = new LinkedHashMap<>((Map<String, Object>) parse(KERAS3_ADAM).get("config"));
        config.put(key, value);
        return config;
    }

    /** A JSON object as a plain Jackson map, independent of Optimizers. */
    private static Map<String, Object> parse(String json) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readValue(json,
                    new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    // ---- get ---------------------------------------------------------------------------------------

    @Test
    void getByNameIsCaseInsensitive() {
        // __init__.py deserialize: "Make deserialization case-insensitive for built-in optimizers."
        for (String name : List.of("sgd", "SGD", "Sgd", "sGd")) {
            try (Optimizer o = Optimizers.get(name); SGD expected = new SGD()) {
                assertInstanceOf(SGD.class, o, name);
                assertEquals(expected.getConfig(), o.getConfig(), name);
            }
        }
        for (String name : List.of("adam", "Adam", "ADAM")) {
            try (Optimizer o = Optimizers.get(name); Adam expected = new Adam()) {
                assertInstanceOf(Adam.class, o, name);
                assertEquals(expected.getConfig(), o.getConfig(), name);
            }
        }
    }

    @Test
    void getOfAMapDeserializesAndGetOfAnOptimizerReturnsIt() {
        try (Optimizer o = Optimizers.get(Map.of("class_name", "sgd", "config", Map.of("learning_rate", 0.5, "momentum", 0.9)))) {
            assertInstanceOf(SGD.class, o);
            assertEquals(0.5, o.getConfig().get("learning_rate"));
            assertEquals(0.9, o.getConfig().get("momentum"));
        }
        try (Adam adam = new Adam()) {
            assertSame(adam, Optimizers.get(adam));
            assertSame(adam, Optimizers.get((Object) adam));
        }
        Object fromJsonValue = parse("{\"optimizer\": {\"class_name\": \"Adam\", \"config\": {}}}").get("optimizer");
        try (Optimizer o = Optimizers.get(fromJsonValue); Optimizer byName = Optimizers.get((Object) "adam")) {
            assertInstanceOf(Adam.class, o);
            assertInstanceOf(Adam.class, byName);
        }
    }

    @Test
    void unknownIdentifierHasKerasMessage() {
        // Keras 3 get(): raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Optimizers.get("foo"));
        assertEquals("Could not interpret optimizer identifier: foo", e.getMessage());
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> Optimizers.get((String) null));
        assertEquals("Could not interpret optimizer identifier: null", e2.getMessage());
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class, () -> Optimizers.get((Object) 42));
        assertEquals("Could not interpret optimizer identifier: 42", e3.getMessage());
        IllegalArgumentException e4 = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.get(Map.of("class_name", "Foo", "config", Map.of())));
        assertTrue(e4.getMessage().startsWith("Could not interpret optimizer identifier: {"), e4.getMessage());
        assertTrue(e4.getMessage().contains("Foo"), e4.getMessage());
    }

    @Test
    void builtInNamesAreTheKerasClassesInRegistrationOrder() {
        assertEquals(List.of("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl", "Lion", "Lamb", "Adafactor", "ScheduleFreeAdamW",
                "Muon"),
                Optimizers.builtInNames());
    }

    @Test
    void registeredNamesListTheBuiltIns() {
        List<String> names = Optimizers.registeredNames();
        assertTrue(names.containsAll(List.of("SGD", "Adam")), names.toString());
    }

    // ---- serialize / deserialize -------------------------------------------------------------------

    private static List<Optimizer> nonDefaultOptimizers() {
        return List.of(
                SGD.builder().name("my_sgd").learningRate(0.3).momentum(0.9).nesterov(true).decay(0.25).clipvalue(0.7).clipnorm(2)
                        .build(),
                Adam.builder().name("my_adam").learningRate(0.02).beta1(0.8).beta2(0.95).epsilon(1e-4).amsgrad(true).decay(0.5)
                        .globalClipnorm(3).build(),
                // A TF2 optimizer with Keras 3's stages (Keras 2.11+'s keys), and a Keras 3 one.
                RMSprop.builder().learningRate(0.005).weightDecay(0.01).useEma(true).emaMomentum(0.5).emaOverwriteFrequency(2)
                        .gradientAccumulationSteps(3).lossScaleFactor(2).clipvalue(1).build(),
                Nadam.builder().keras3(true).name("nadam").learningRate(0.004).weightDecay(0.1).clipnorm(1).build());
    }

    @Test
    void serializeWritesKeras2Form() {
        // __init__.py serialize docstring: {'class_name': 'SGD', 'config': {'name': 'SGD', 'learning_rate': 0.01, ...}}
        try (SGD sgd = new SGD(); Adam adam = new Adam()) {
            Map<String, Object> s = Optimizers.serialize(sgd);
            assertEquals(List.of("class_name", "config"), keys(s));
            assertEquals("SGD", s.get("class_name"));
            assertEquals(sgd.getConfig(), s.get("config"));
            assertEquals("Adam", Optimizers.serialize(adam).get("class_name"));
        }
    }

    @Test
    void serializeKeras3WritesModuleAndNullRegisteredName() {
        try (Adam adam = Adam.builder().learningRate(0.01).build(); SGD decayed = SGD.builder().decay(0.1).build()) {
            Map<String, Object> s = Optimizers.serializeKeras3(adam);
            assertEquals(List.of("module", "class_name", "config", "registered_name"), keys(s));
            assertEquals("keras.optimizers", s.get("module"));
            assertEquals("Adam", s.get("class_name"));
            assertTrue(s.containsKey("registered_name"));
            assertNull(s.get("registered_name"));
            // Keras 3.15's Adam(learning_rate=0.01).get_config(): every base key, the float32 learning rate.
            Map<String, Object> expected = new LinkedHashMap<>();
            expected.put("name", "Adam");
            expected.put("learning_rate", 0.009999999776482582);
            for (String key : List.of("weight_decay", "clipnorm", "global_clipnorm", "clipvalue")) {
                expected.put(key, null);
            }
            expected.put("use_ema", false);
            expected.put("ema_momentum", 0.99);
            expected.put("ema_overwrite_frequency", null);
            expected.put("loss_scale_factor", null);
            expected.put("gradient_accumulation_steps", null);
            expected.put("beta_1", 0.9);
            expected.put("beta_2", 0.999);
            expected.put("epsilon", 1e-7);
            expected.put("amsgrad", false);
            assertEquals(expected, s.get("config"));
            assertEquals(keys(expected), keys(cast(s.get("config"))));
            // Keras 3 has no legacy decay: it is not written.
            assertFalse(cast(Optimizers.serializeKeras3(decayed).get("config")).containsKey("decay"));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object map) {
        return (Map<String, Object>) map;
    }

    @Test
    void serializeThenDeserializeGivesAnEqualConfig() {
        for (Optimizer original : nonDefaultOptimizers()) {
            try (original) {
                Map<String, Object> config = original.getConfig();
                try (Optimizer copy = Optimizers.deserialize(Optimizers.serialize(original))) {
                    assertEquals(original.getClass(), copy.getClass());
                    assertEquals(config, copy.getConfig());
                    assertEquals(keys(config), keys(copy.getConfig()));
                }
                assertKeras3RoundTrip(original, Optimizers::deserialize, Optimizers.serializeKeras3(original));
            }
        }
    }

    /**
     * The Keras 3 form reads back as a Keras 3 optimizer with the same config, except that Keras 3
     * refuses two clipping options.
     */
    private static <T> void assertKeras3RoundTrip(Optimizer original, java.util.function.Function<T, Optimizer> read, T serialized) {
        Map<String, Object> keras3Config = cast(Optimizers.serializeKeras3(original).get("config"));
        if (original.getClipnorm() != null && original.getClipvalue() != null) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read.apply(serialized));
            assertTrue(e.getMessage().startsWith("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set."),
                    e.getMessage());
            return;
        }
        try (Optimizer copy = read.apply(serialized)) {
            assertEquals(original.getClass(), copy.getClass());
            assertTrue(copy.isKeras3());
            assertEquals(keras3Config, copy.getConfig());
            assertEquals(keys(keras3Config), keys(copy.getConfig()));
        }
    }

    @Test
    void deserializeDoesNotModifyItsArgument() {
        // Immutable maps: any write would throw.
        Map<String, Object> config = Map.of("learning_rate", 0.1, "weight_decay", 0, "use_ema", false, "jit_compile", true);
        try (Optimizer o = Optimizers.deserialize(Map.of("class_name", "SGD", "config", config))) {
            assertEquals(0.1, o.getConfig().get("learning_rate"));
        }
    }

    @Test
    void deserializeStillRejectsUnknownKeys() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.deserialize(Map.of("class_name", "SGD", "config", Map.of("beta_1", 0.9))));
        assertTrue(e.getMessage().startsWith("Unexpected keyword argument passed to optimizer: beta_1"), e.getMessage());
    }

    // ---- JSON --------------------------------------------------------------------------------------

    @Test
    void toJsonIsKerasFormInKerasKeyOrder() {
        try (SGD sgd = new SGD(); Adam adam = new Adam()) {
            assertEquals("{\"class_name\":\"SGD\",\"config\":{\"name\":\"SGD\",\"learning_rate\":0.01,\"decay\":0.0,"
                    + "\"momentum\":0.0,\"nesterov\":false}}", Optimizers.toJson(sgd));
            assertEquals("{\"module\":\"keras.optimizers\",\"class_name\":\"Adam\",\"config\":{\"name\":\"Adam\","
                    + "\"learning_rate\":0.0010000000474974513,\"weight_decay\":null,\"clipnorm\":null,\"global_clipnorm\":null,"
                    + "\"clipvalue\":null,\"use_ema\":false,\"ema_momentum\":0.99,\"ema_overwrite_frequency\":null,"
                    + "\"loss_scale_factor\":null,\"gradient_accumulation_steps\":null,"
                    + "\"beta_1\":0.9,\"beta_2\":0.999,\"epsilon\":1.0E-7,\"amsgrad\":false},"
                    + "\"registered_name\":null}", Optimizers.toJsonKeras3(adam));
        }
    }

    @Test
    void toJsonThenFromJsonGivesAnEqualConfig() {
        for (Optimizer original : nonDefaultOptimizers()) {
            try (original) {
                String json = Optimizers.toJson(original);
                try (Optimizer copy = Optimizers.fromJson(json)) {
                    assertEquals(original.getClass(), copy.getClass(), json);
                    assertEquals(original.getConfig(), copy.getConfig(), json);
                    assertEquals(keys(original.getConfig()), keys(copy.getConfig()), json);
                }
                assertKeras3RoundTrip(original, Optimizers::fromJson, Optimizers.toJsonKeras3(original));
            }
        }
    }

    @Test
    void readmeExample() {
        try (Optimizer adam = Optimizers.get("adam")) {
            String json = Optimizers.toJson(adam);
            assertTrue(json.startsWith("{\"class_name\":\"Adam\",\"config\":{\"name\":\"Adam\","), json);
            try (Optimizer copy = Optimizers.fromJson(json)) {
                assertEquals(adam.getConfig(), copy.getConfig());
            }
        }
    }

    @Test
    void readsKeras2ModelFileOptimizer() {
        try (Optimizer o = Optimizers.fromJson(KERAS2_ADAM)) {
            Adam adam = assertInstanceOf(Adam.class, o);
            Map<String, Object> config = adam.getConfig();
            assertEquals(List.of("name", "learning_rate", "decay", "beta_1", "beta_2", "epsilon", "amsgrad"), keys(config));
            assertEquals("Adam", config.get("name"));
            assertEquals(0.0010000000474974513, config.get("learning_rate"));
            assertEquals(0.8999999761581421, config.get("beta_1"));
            assertEquals(0.9990000128746033, config.get("beta_2"));
            assertEquals(1e-7, adam.getEpsilon());
            assertFalse(adam.isAmsgrad());
            assertNull(adam.getClipnorm());
            // and it writes it back with the same numbers
            assertEquals(parse(KERAS2_ADAM), parse(Optimizers.toJson(adam)));
        }
    }

    @Test
    void readsKeras3CompileConfigOptimizer() {
        try (Optimizer o = Optimizers.fromJson(KERAS3_ADAM)) {
            Adam adam = assertInstanceOf(Adam.class, o);
            assertEquals("adam", adam.getName());
            assertEquals(0.0010000000474974513, adam.getConfig().get("learning_rate"));
            assertEquals(0.9, adam.getConfig().get("beta_1"));
            assertEquals(0.999, adam.getConfig().get("beta_2"));
            assertEquals(1e-7, adam.getEpsilon());
            assertNull(adam.getClipnorm(), "clipnorm null is 'not set'");
            assertNull(adam.getClipvalue());
            assertNull(adam.getGlobalClipnorm());
            assertEquals(0.0, adam.getDecay());
        }
        String keras3Sgd = """
                {"module": "keras.optimizers", "class_name": "SGD", "config": {"name": "SGD", "learning_rate": 0.009999999776482582,
                 "weight_decay": null, "clipnorm": 1.0, "global_clipnorm": null, "clipvalue": null, "use_ema": false,
                 "ema_momentum": 0.99, "ema_overwrite_frequency": null, "loss_scale_factor": null,
                 "gradient_accumulation_steps": null, "momentum": 0.9, "nesterov": true}, "registered_name": null}""";
        try (Optimizer o = Optimizers.fromJson(keras3Sgd)) {
            SGD sgd = assertInstanceOf(SGD.class, o);
            assertEquals(1.0, sgd.getClipnorm());
            assertEquals(0.9, sgd.getConfig().get("momentum"));
            assertTrue(sgd.isNesterov());
        }
    }

    @Test
    void readsKeras212NewOptimizerWithCustomPrefixAndLegacyMarkers() {
        // "is_legacy_optimizer": false is Keras 2.12's new Adam: Keras 3's formula, Keras 2.11's config form back
        // (jit_compile as Keras writes it without a GPU).
        try (Optimizer o = Optimizers.fromJson(KERAS212_ADAM)) {
            Adam adam = assertInstanceOf(Adam.class, o);
            assertTrue(adam.isKeras211() && adam.isKeras3());
            Map<String, Object> want = new LinkedHashMap<>();
            want.put("name", "Adam");
            for (String key : List.of("weight_decay", "clipnorm", "global_clipnorm", "clipvalue")) {
                want.put(key, null);
            }
            want.put("use_ema", false);
            want.put("ema_momentum", 0.99);
            want.put("ema_overwrite_frequency", null);
            want.put("jit_compile", false);
            want.put("is_legacy_optimizer", false);
            want.put("learning_rate", 0.0010000000474974513);
            want.put("beta_1", 0.9);
            want.put("beta_2", 0.999);
            want.put("epsilon", 1e-7);
            want.put("amsgrad", false);
            assertEquals(want, adam.getConfig());
            assertEquals(List.copyOf(want.keySet()), List.copyOf(adam.getConfig().keySet()));
            assertEquals("Adam", Optimizers.serialize(adam).get("class_name"));
        }
        // is_legacy_optimizer and jit_compile never change the update: both values load.
        Map<String, Object> config = keras3AdamConfigWith("is_legacy_optimizer", true);
        config.put("jit_compile", false);
        try (Optimizer o = Optimizers.deserialize(serialized("adam", config))) {
            assertInstanceOf(Adam.class, o);
        }
    }

    @Test
    void neutralKeras3ValuesLoadAndEmaSettingsAreIgnoredWithoutEma() {
        Map<String, Object> config = keras3AdamConfigWith("weight_decay", 0);
        config.put("loss_scale_factor", 1.0);
        config.put("gradient_accumulation_steps", 0);
        config.put("ema_momentum", 0.5); // unused: use_ema is false
        config.put("ema_overwrite_frequency", 10);
        try (Optimizer o = Optimizers.deserialize(serialized("Adam", config)); Adam expected = new Adam()) {
            Map<String, Object> want = expected.getConfig();
            want.put("name", "adam");
            want.put("learning_rate", 0.0010000000474974513);
            assertEquals(want, o.getConfig());
        }
    }

    @Test
    void keras3BaseOptionsAreReadFromBothForms() {
        // A Keras 2.11+ (TF2-form) or Keras 3 config with the base options makes an optimizer that runs them.
        Map<String, Object> config = keras3AdamConfigWith("weight_decay", 0.01);
        config.put("use_ema", true);
        config.put("ema_momentum", 0.9);
        config.put("ema_overwrite_frequency", 5);
        config.put("loss_scale_factor", 128.0);
        config.put("gradient_accumulation_steps", 4);
        for (Map<String, Object> s : List.of(serialized("Adam", config), Fixtures.keras3Form("Adam", config))) {
            try (Optimizer o = Optimizers.deserialize(s)) {
                assertEquals(0.01, o.getWeightDecay());
                assertTrue(o.usesEma());
                assertEquals(0.9, o.getEmaMomentum());
                assertEquals(5, o.getEmaOverwriteFrequency());
                assertEquals(128.0, o.getLossScaleFactor());
                assertEquals(4, o.getGradientAccumulationSteps());
                assertTrue(o.usesKeras3Step());
                assertEquals(s.containsKey("module"), o.isKeras3());
            }
        }
        try (Optimizer sgd = Optimizers.deserialize(serialized("SGD", Map.of("weight_decay", 0.004)))) {
            assertEquals(0.004, sgd.getWeightDecay());
            assertEquals(0.004, sgd.getConfig().get("weight_decay"));
        }
        IllegalArgumentException typed = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.deserialize(serialized("SGD", Map.of("use_ema", "yes"))));
        assertEquals("SGD config key 'use_ema' must be a boolean, got String yes", typed.getMessage());
        IllegalArgumentException typed2 = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.deserialize(serialized("SGD", Map.of("ema_momentum", "high"))));
        assertTrue(typed2.getMessage().contains("'ema_momentum'"), typed2.getMessage());
    }

    // ---- errors of the serialized form ---------------------------------------------------------------

    @Test
    void missingOrIllTypedClassNameIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.deserialize(Map.of("config", Map.of())));
        assertTrue(e.getMessage().startsWith("Improper config format for "), e.getMessage());
        assertTrue(e.getMessage().endsWith("the key 'class_name' is missing"), e.getMessage());
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.deserialize(serialized(3, Map.of())));
        assertTrue(e2.getMessage().endsWith("'class_name' must be a string, got Integer 3"), e2.getMessage());
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.fromJson("{\"class_name\": null, \"config\": {}}"));
        assertTrue(e3.getMessage().endsWith("'class_name' must be a string, got null"), e3.getMessage());
    }

    @Test
    void missingOrNonMapConfigIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.deserialize(Map.of("class_name", "Adam")));
        assertTrue(e.getMessage().endsWith("the key 'config' is missing"), e.getMessage());
        for (Object bad : Arrays.asList(List.of(1, 2), "lr=0.1", 0.1, null)) {
            IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                    () -> Optimizers.deserialize(serialized("Adam", bad)), String.valueOf(bad));
            assertTrue(e2.getMessage().contains("'config' must be a map (a JSON object), got "), e2.getMessage());
        }
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.fromJson("{\"class_name\": \"Adam\", \"config\": [0.001]}"));
        assertTrue(e3.getMessage().contains("'config' must be a map (a JSON object), got ArrayList [0.001]"), e3.getMessage());
    }

    @Test
    void unknownClassIsNamed() {
        // Keras 2: "Unknown optimizer: 'Foo'. Please ensure ..."
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.deserialize(serialized("Foo", Map.of())));
        assertTrue(e.getMessage().startsWith("Unknown optimizer: 'Foo'. "), e.getMessage());
        assertTrue(e.getMessage().contains("Optimizers.register(\"Foo\", fromConfig)"), e.getMessage());
        // Keras 3 form: the registered name is the one looked up and reported
        Map<String, Object> keras3 = new LinkedHashMap<>();
        keras3.put("module", "my_package");
        keras3.put("class_name", "Bar");
        keras3.put("config", Map.of());
        keras3.put("registered_name", "my_package>Bar");
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> Optimizers.deserialize(keras3));
        assertTrue(e2.getMessage().startsWith("Unknown optimizer: 'my_package>Bar'. "), e2.getMessage());
        // the Custom> prefix is accepted for built-ins only
        assertThrows(IllegalArgumentException.class, () -> Optimizers.deserialize(serialized("Custom>Foo", Map.of())));
    }

    @Test
    void malformedJsonSaysSoWithTheLocation() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.fromJson("{\"class_name\": \"Adam\", \"config\": {\"learning_rate\": 0.1,}}"));
        assertTrue(e.getMessage().startsWith("Could not parse the optimizer JSON: "), e.getMessage());
        assertTrue(e.getMessage().contains("(at line: 1, column: 56)"), e.getMessage());
        IllegalArgumentException truncated = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.fromJson("{\"class_name\": \"Adam\",\n \"config\": {"));
        assertTrue(truncated.getMessage().startsWith("Could not parse the optimizer JSON: "), truncated.getMessage());
        assertTrue(truncated.getMessage().contains("line: 2"), truncated.getMessage());
        // The start marker's position, without Jackson's "[Source: REDACTED (`StreamReadFeature...` disabled)...]".
        assertTrue(truncated.getMessage().contains("(start marker at line 2, column 12)"), truncated.getMessage());
        assertFalse(truncated.getMessage().contains("Source"), truncated.getMessage());
        assertFalse(truncated.getMessage().contains("StreamReadFeature"), truncated.getMessage());
        IllegalArgumentException trailing = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.fromJson("{\"class_name\": \"Adam\", \"config\": {}} x"));
        assertTrue(trailing.getMessage().startsWith("Could not parse the optimizer JSON: "), trailing.getMessage());
        IllegalArgumentException array = assertThrows(IllegalArgumentException.class, () -> Optimizers.fromJson("[1, 2]"));
        assertEquals("The optimizer JSON must be an object with `class_name` and `config`, got an array", array.getMessage());
    }

    @Test
    void nonFiniteNumbersAreReadAndWrittenAsPythonDoes() {
        // Python's json.dumps writes NaN / Infinity unquoted; a decay of Infinity is a valid (if odd) config.
        try (Optimizer o = Optimizers.fromJson("{\"class_name\": \"SGD\", \"config\": {\"decay\": Infinity}}")) {
            assertEquals(Double.POSITIVE_INFINITY, o.getDecay());
            assertTrue(Optimizers.toJson(o).contains("\"decay\":Infinity"), Optimizers.toJson(o));
        }
    }

    // ---- user optimizers -----------------------------------------------------------------------------

    /** A user optimizer with one extra key, read as user code would (no package-private helpers). */
    static final class MyOptimizer extends Optimizer {
        private final double scale;

        private MyOptimizer(Builder b) {
            super(b, "MyOptimizer");
            this.scale = b.scale;
        }

        static MyOptimizer fromConfig(Map<String, ?> config) {
            Builder b = new Builder();
            for (Map.Entry<String, ?> e : config.entrySet()) {
                switch (e.getKey()) {
                    case "name" -> b.name((String) e.getValue());
                    case "learning_rate" -> b.learningRate(((Number) e.getValue()).doubleValue());
                    case "scale" -> b.scale = ((Number) e.getValue()).doubleValue();
                    default -> throw new IllegalArgumentException("MyOptimizer: unknown key " + e.getKey());
                }
            }
            return b.build();
        }

        @Override
        protected double defaultLearningRate() {
            return 0.5;
        }

        @Override
        protected void createSlots(List<Variable> variables) {
        }

        @Override
        protected VariableUpdate prepare(DType dtype, double learningRate) {
            return (variable, value, gradient) -> { };
        }

        @Override
        protected void addConfig(Map<String, Object> config) {
            config.put("learning_rate", serializeHyperparameter("learning_rate"));
            config.put("scale", scale);
        }

        static final class Builder extends Optimizer.Builder<Builder> {
            private double scale = 1;

            @Override
            protected Builder self() {
                return this;
            }

            @Override
            public MyOptimizer build() {
                return new MyOptimizer(this);
            }
        }
    }

    private static MyOptimizer myOptimizer() {
        MyOptimizer.Builder b = new MyOptimizer.Builder().name("mine").learningRate(0.25);
        b.scale = 3;
        return b.build();
    }

    @Test
    void customRegisteredOptimizerRoundTrips() {
        Optimizers.register("Custom>MyOptimizer", MyOptimizer::fromConfig);
        try (MyOptimizer original = myOptimizer()) {
            Map<String, Object> keras2 = Optimizers.serialize(original);
            assertEquals("Custom>MyOptimizer", keras2.get("class_name"));
            // serialization_lib.py: module, the class's own name, config, and the registered "package>name"
            Map<String, Object> keras3 = Optimizers.serializeKeras3(original);
            assertEquals(List.of("module", "class_name", "config", "registered_name"), keys(keras3));
            assertEquals("dev.panamax.optimizers", keras3.get("module"));
            assertEquals("MyOptimizer", keras3.get("class_name"));
            assertEquals("Custom>MyOptimizer", keras3.get("registered_name"));
            for (String json : List.of(Optimizers.toJson(original), Optimizers.toJsonKeras3(original))) {
                try (Optimizer copy = Optimizers.fromJson(json)) {
                    assertInstanceOf(MyOptimizer.class, copy, json);
                    assertEquals(original.getConfig(), copy.getConfig(), json);
                }
            }
            try (Optimizer byName = Optimizers.get("custom>myoptimizer")) {
                assertEquals(Map.of("name", "MyOptimizer", "learning_rate", 0.5, "scale", 1.0), byName.getConfig());
            }
            assertTrue(Optimizers.registeredNames().contains("Custom>MyOptimizer"));
        } finally {
            assertTrue(Optimizers.unregister("Custom>MyOptimizer"));
        }
        assertFalse(Optimizers.unregister("Custom>MyOptimizer"));
        assertThrows(IllegalArgumentException.class, () -> Optimizers.get("Custom>MyOptimizer"));
    }

    @Test
    void customOptimizerRegisteredByTypeUnderAnotherName() {
        Optimizers.register("my_package>Renamed", MyOptimizer.class, MyOptimizer::fromConfig);
        try (MyOptimizer original = myOptimizer()) {
            assertEquals("my_package>Renamed", Optimizers.serialize(original).get("class_name"));
            assertEquals("my_package>Renamed", Optimizers.serializeKeras3(original).get("registered_name"));
            try (Optimizer copy = Optimizers.fromJson(Optimizers.toJsonKeras3(original))) {
                assertEquals(original.getConfig(), copy.getConfig());
            }
        } finally {
            Optimizers.unregister("my_package>Renamed");
        }
    }

    @Test
    void customFromConfigGetsItsConfigAsWritten() {
        // Keras-3 keys are only stripped for built-ins: a user's fromConfig decides for itself.
        Optimizers.register("Custom>MyOptimizer", MyOptimizer::fromConfig);
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Optimizers.deserialize(serialized("Custom>MyOptimizer", Map.of("use_ema", false))));
            assertEquals("MyOptimizer: unknown key use_ema", e.getMessage());
        } finally {
            Optimizers.unregister("Custom>MyOptimizer");
        }
    }

    @Test
    void builtInNamesCannotBeTaken() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.register("adam", MyOptimizer::fromConfig));
        assertTrue(e.getMessage().contains("built-in optimizer Adam"), e.getMessage());
        assertFalse(Optimizers.unregister("SGD"));
        try (Optimizer o = Optimizers.get("sgd")) {
            assertInstanceOf(SGD.class, o);
        }
    }

    @Test
    void unregisteredUserOptimizerSerializesUnderItsClassName() {
        // As Keras's get_registered_name: the class's own name when it is not registered.
        try (MyOptimizer o = myOptimizer()) {
            assertEquals("MyOptimizer", Optimizers.serialize(o).get("class_name"));
            assertEquals("MyOptimizer", Optimizers.serializeKeras3(o).get("registered_name"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Optimizers.fromJson(Optimizers.toJson(o)));
            assertTrue(e.getMessage().startsWith("Unknown optimizer: 'MyOptimizer'"), e.getMessage());
        }
    }

    /** Every built-in with non-default options, and each Keras 3 variant, through JSON and back. */
    static List<Optimizer> everyBuiltIn() {
        return List.of(
                SGD.builder().learningRate(0.2).momentum(0.5).nesterov(true).clipvalue(1.0).build(),
                Adam.builder().learningRate(0.01).beta1(0.8).beta2(0.99).epsilon(1e-6).amsgrad(true).decay(0.1).build(),
                RMSprop.builder().learningRate(0.01).rho(0.8).momentum(0.3).epsilon(1e-5).centered(true).clipnorm(2.0).build(),
                RMSprop.builder().learningRate(0.01).centered(true).keras3(true).build(),
                Adagrad.builder().learningRate(0.1).initialAccumulatorValue(0.2).epsilon(1e-6).globalClipnorm(5.0).build(),
                Adagrad.builder().learningRate(0.1).keras3(true).build(),
                Adadelta.builder().learningRate(1.0).rho(0.9).epsilon(1e-6).build(),
                Adamax.builder().learningRate(0.002).beta1(0.8).beta2(0.99).epsilon(1e-6).build(),
                Nadam.builder().learningRate(0.002).beta1(0.8).beta2(0.99).scheduleDecay(0.01).build(),
                Nadam.builder().learningRate(0.002).keras3(true).build(),
                Ftrl.builder().learningRate(0.1).learningRatePower(-0.3).initialAccumulatorValue(0.2).l1RegularizationStrength(0.01)
                        .l2RegularizationStrength(0.02).beta(0.1).l2ShrinkageRegularizationStrength(0.03).build());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("everyBuiltIn")
    void everyBuiltInRoundTripsThroughJson(Optimizer original) {
        try (original; Optimizer copy = Optimizers.fromJson(Optimizers.toJson(original))) {
            assertSame(original.getClass(), copy.getClass());
            assertEquals(original.getConfig(), copy.getConfig());
            assertEquals(original.isKeras3(), copy.isKeras3(), "the Keras 3 variant survives the round trip");
        }
    }
}
