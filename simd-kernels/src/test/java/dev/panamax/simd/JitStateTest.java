package dev.panamax.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A sum does not depend on the JIT's state: in a fresh JVM the first call of each SIMD sum
 * (interpreted, where {@code reduceLanes} once added in another order than its C2 intrinsic),
 * the call after 20,000 warm calls (compiled), and a run with the interpreter only all give the
 * reference's bits.
 */
class JitStateTest {

    @Test
    void coldAndWarmCallsGiveTheReferenceBits() throws IOException, InterruptedException {
        Map<String, String> expected = expected();
        Map<String, String> run = child(20_000);
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertEquals(e.getValue(), run.get("cold " + e.getKey()), "first call (interpreted) of " + e.getKey() + seed());
            assertEquals(e.getValue(), run.get("warm " + e.getKey()), "after 20,000 calls (compiled) of " + e.getKey() + seed());
        }
    }

    @Test
    void theInterpreterAloneGivesTheReferenceBits() throws IOException, InterruptedException {
        Map<String, String> expected = expected();
        Map<String, String> run = child(0, "-Xint");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertEquals(e.getValue(), run.get("cold " + e.getKey()), "-Xint call of " + e.getKey() + seed());
        }
    }

    private static Map<String, String> expected() {
        Map<String, String> expected = new HashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            for (ColdAndWarmSums.Case c : ColdAndWarmSums.cases(arena, SumData.SEED)) {
                double sum = c.reference().applyAsDouble(ColdAndWarmSums.reference());
                expected.put(c.name(), Long.toHexString(Double.doubleToLongBits(sum)));
            }
        }
        return expected;
    }

    /** Runs {@link ColdAndWarmSums} in a fresh JVM; its lines "cold name bits" and "warm name bits" as a map. */
    private static Map<String, String> child(int warmCalls, String... flags) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        command.addAll(List.of(flags));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ColdAndWarmSums.class.getName(),
                String.valueOf(SumData.SEED), String.valueOf(warmCalls)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), output);
        Map<String, String> lines = new HashMap<>();
        output.lines().filter(l -> l.startsWith("cold ") || l.startsWith("warm ")).forEach(l -> {
            int last = l.lastIndexOf(' ');
            lines.put(l.substring(0, last), l.substring(last + 1));
        });
        assertTrue(!lines.isEmpty(), "no sums printed: " + output);
        return lines;
    }

    private static String seed() {
        return " (replay with -Dpanamax.test.seed=" + SumData.SEED + ")";
    }
}
