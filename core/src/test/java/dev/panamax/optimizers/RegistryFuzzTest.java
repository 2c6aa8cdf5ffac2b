package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamax.schedules.Schedules;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Both registries' map paths answer any map with an optimizer or schedule or an
 * IllegalArgumentException: never a NullPointerException, ClassCastException or StackOverflowError.
 */
class RegistryFuzzTest {

    private static final List<String> CLASSES = List.of("Adam", "SGD", "RMSprop", "Ftrl", "AdamW", "Lion", "Nadam",
            "ExponentialDecay", "PiecewiseConstantDecay", "CosineDecayRestarts", "PolynomialDecay", "Nope");
    private static final List<String> KEYS = List.of("class_name", "config", "module", "registered_name", "learning_rate",
            "beta_1", "momentum", "name", "decay_steps", "decay_rate", "boundaries", "values", "initial_learning_rate",
            "first_decay_steps", "t_mul", "power", "epsilon", "clipnorm", "use_ema", "weight_decay");

    private static Object value(SplittableRandom r, int depth) {
        return switch (r.nextInt(depth > 3 ? 8 : 11)) {
            case 0 -> null;
            case 1 -> r.nextBoolean();
            case 2 -> r.nextInt(-3, 1000);
            case 3 -> r.nextDouble(-2, 2);
            case 4 -> List.of(Double.NaN, Double.POSITIVE_INFINITY, -0.0, 1e308, 0.0).get(r.nextInt(5));
            case 5 -> CLASSES.get(r.nextInt(CLASSES.size()));
            case 6 -> "x".repeat(r.nextInt(3));
            case 7 -> (long) r.nextInt() * r.nextInt();
            case 8, 9 -> map(r, depth + 1);
            default -> {
                List<Object> list = new ArrayList<>();
                for (int i = r.nextInt(4); i > 0; i--) {
                    list.add(value(r, depth + 1));
                }
                yield list;
            }
        };
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Map<String, Object> map(SplittableRandom r, int depth) {
        Map m = new HashMap<>();
        for (int i = r.nextInt(5); i > 0; i--) {
            Object key = switch (r.nextInt(12)) {
                case 0 -> null;
                case 1 -> r.nextInt(3);
                default -> KEYS.get(r.nextInt(KEYS.size()));
            };
            m.put(key, value(r, depth));
        }
        if (r.nextInt(4) > 0) {
            m.put("class_name", CLASSES.get(r.nextInt(CLASSES.size())));
        }
        if (r.nextInt(4) > 0) {
            m.put("config", value(r, depth + 1) instanceof Map<?, ?> c ? c : map(r, depth + 2));
        }
        return m;
    }

    private static void assertOnlyIllegalArgument(Map<String, ?> serialized, Consumer<Map<String, ?>> deserialize) {
        try {
            deserialize.accept(serialized);
        } catch (IllegalArgumentException | UnsupportedOperationException expected) {
            // A clear refusal. (UnsupportedOperationException: a valid config of something not supported.)
        } catch (Throwable t) {
            fail("deserialize threw " + t + " for " + abbreviated(serialized), t);
        }
    }

    private static String abbreviated(Object o) {
        String s = String.valueOf(o);
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    @Test
    void fuzzedMapsGetAnOptimizerOrAnIllegalArgumentException() {
        SplittableRandom r = new SplittableRandom(15);
        for (int i = 0; i < 20_000; i++) {
            Map<String, Object> m = map(r, 0);
            assertOnlyIllegalArgument(m, s -> {
                Optimizer o = Optimizers.deserialize(s);
                o.close();
            });
            assertOnlyIllegalArgument(m, Schedules::deserialize);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    @Test
    void keysThatAreNotStringsAreNamed() {
        Map withNull = new HashMap<>();
        withNull.put(null, 1);
        withNull.put("class_name", "ExponentialDecay");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedules.deserialize(withNull));
        assertEquals("A serialized learning-rate schedule has a key that is not a string: null", e.getMessage());
        Map withInteger = new LinkedHashMap<>();
        withInteger.put("class_name", "ExponentialDecay");
        withInteger.put(7, 1);
        e = assertThrows(IllegalArgumentException.class, () -> Schedules.deserialize(withInteger));
        assertEquals("A serialized learning-rate schedule has a key that is not a string: 7", e.getMessage());
    }

    @Test
    void deeplyNestedMapsAreRefusedWithoutOverflowingTheStack() {
        Map<String, Object> deep = new LinkedHashMap<>();
        Map<String, Object> inner = deep;
        for (int i = 0; i < 100_000; i++) {
            Map<String, Object> next = new LinkedHashMap<>();
            inner.put("config", next);
            inner.put("class_name", "ExponentialDecay");
            inner = next;
        }
        assertThrows(IllegalArgumentException.class, () -> Schedules.deserialize(deep));
        Map<String, Object> optimizer = Map.of("class_name", "Adam", "config", Map.of("learning_rate", deep));
        assertThrows(IllegalArgumentException.class, () -> Optimizers.deserialize(optimizer));
    }

    @Test
    void duplicateKeysInJsonAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.fromJson("{\"class_name\": \"Adam\", \"class_name\": \"SGD\", \"config\": {}}"));
        assertEquals("Could not parse the optimizer JSON: Duplicate field 'class_name' (at line: 1, column: 36)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.fromJson("{\"class_name\": \"Adam\", \"config\": {\"beta_1\": 0.8, \"beta_1\": 0.9}}"));
        assertEquals("Could not parse the optimizer JSON: Duplicate field 'beta_1' (at line: 1, column: 58)", e.getMessage());
    }
}
