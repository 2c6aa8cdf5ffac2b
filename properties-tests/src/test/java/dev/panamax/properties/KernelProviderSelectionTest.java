package dev.panamax.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.panamax.kernels.KernelProvider;
import org.junit.jupiter.api.Test;

/**
 * The suite runs twice (see this module's pom): with the Vector API module, where the SIMD
 * kernels must be picked, and without it, where the provider must fall back to scalar. Each run
 * says what it expects in {@code -Dpanamax.test.expectedKernels}.
 */
class KernelProviderSelectionTest {

    @Test
    void theExpectedProviderWasPicked() {
        String expected = System.getProperty("panamax.test.expectedKernels");
        assertNotNull(expected, "set -Dpanamax.test.expectedKernels=simd|scalar for this run");
        assertEquals(expected, KernelProvider.kernels().name());
    }

    @Test
    void vectorModulePresenceMatchesTheRun() {
        boolean vectorModule = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        assertEquals("simd".equals(System.getProperty("panamax.test.expectedKernels")), vectorModule);
    }

    @Test
    void theExpectedVectorWidthIsInForce() throws ReflectiveOperationException {
        String expected = System.getProperty("panamax.test.expectedFloatLanes");
        if (expected == null) {
            // Only the 128-bit run names a width; the others use this machine's preferred one.
            assertNotNull(System.getProperty("panamax.test.expectedKernels"));
            return;
        }
        // Reflection: this module is compiled without the incubator module.
        Object species = Class.forName("jdk.incubator.vector.FloatVector").getField("SPECIES_PREFERRED").get(null);
        int lanes = (int) Class.forName("jdk.incubator.vector.VectorSpecies").getMethod("length").invoke(species);
        assertEquals(Integer.parseInt(expected), lanes, "float lanes of the preferred species");
    }

    @Test
    void theDescriptionNamesTheVectorWidthInForce() throws ReflectiveOperationException {
        String description = KernelProvider.kernels().description();
        if (!"simd".equals(System.getProperty("panamax.test.expectedKernels"))) {
            assertEquals("scalar (the reference loops, no Vector API)", description);
            return;
        }
        Object species = Class.forName("jdk.incubator.vector.FloatVector").getField("SPECIES_PREFERRED").get(null);
        Class<?> type = Class.forName("jdk.incubator.vector.VectorSpecies");
        int lanes = (int) type.getMethod("length").invoke(species);
        int bits = (int) type.getMethod("vectorBitSize").invoke(species);
        assertEquals("simd (" + bits + "-bit vectors: " + lanes + " float32 or " + lanes / 2 + " float64 lanes)",
                description);
    }
}
