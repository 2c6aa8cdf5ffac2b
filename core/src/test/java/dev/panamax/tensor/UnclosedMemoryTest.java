package dev.panamax.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.optimizers.Adam;
import dev.panamax.optimizers.Optimizer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tensors and optimizers nobody closes are freed by the garbage collector; close() stays the way to free at once. */
class UnclosedMemoryTest {

    private static final long MIB = 1L << 20;

    /** The process's resident memory (Linux), or -1 where /proc is absent. */
    private static long residentBytes() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    @Test
    void unclosedOptimizerStepsKeepMemoryBounded() throws IOException {
        // The reported leak: a 1M-element variable and gradient, Adam, 3 steps, nothing closed:
        // 16 MB a loop, 3 GB after 196 loops before this fix. 150 loops would be 2.4 GB.
        long freedBefore = HostStorage.unclosedBlocksFreed();
        long peakLive = 0;
        long peakResident = 0;
        for (int loop = 0; loop < 150; loop++) {
            Tensor w = Tensor.full(DType.FLOAT32, 0.5, 1 << 20);
            Tensor g = Tensor.full(DType.FLOAT32, 1e-3, 1 << 20);
            Optimizer adam = Adam.builder().threads(2).build();
            Variable v = new Variable("w", w);
            for (int step = 0; step < 3; step++) {
                adam.apply(List.of(g), List.of(v));
            }
            peakLive = Math.max(peakLive, HostStorage.liveOffHeapBytes());
            if (loop % 20 == 0) {
                peakResident = Math.max(peakResident, residentBytes());
            }
        }
        assertTrue(peakLive < 1024 * MIB, "live off-heap bytes peaked at " + peakLive / MIB + " MiB");
        if (peakResident >= 0) {
            assertTrue(peakResident < 2048 * MIB, "resident memory peaked at " + peakResident / MIB + " MiB");
        }
        assertTrue(HostStorage.unclosedBlocksFreed() - freedBefore > 100, "blocks freed by the cleaner");
    }

    @Test
    void closeFreesAtOnce() {
        Tensor t = Tensor.zeros(DType.FLOAT64, 1000);
        MemorySegment memory = t.segment();
        t.close();
        t.close(); // idempotent
        assertFalse(t.isAlive());
        assertFalse(memory.scope().isAlive(), "the arena is closed, the memory freed");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.getDouble(0));
        assertEquals("Tensor float64[1000] is closed", e.getMessage());
    }

    @Test
    void shapesTooLargeToAllocateAreNamed() {
        IllegalArgumentException overflow = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(DType.FLOAT32, Long.MAX_VALUE));
        assertEquals("Shape [9223372036854775807] of float32 has 9223372036854775807 elements, more bytes than a memory segment"
                + " can address", overflow.getMessage());
        IllegalArgumentException product = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(DType.FLOAT32, 1L << 40, 1L << 40));
        assertEquals("Shape [1099511627776, 1099511627776] has more than 9223372036854775807 elements", product.getMessage());
        OutOfMemoryError tooLarge = assertThrows(OutOfMemoryError.class, () -> Tensor.zeros(DType.FLOAT32, 1L << 50));
        assertTrue(tooLarge.getMessage().startsWith("Cannot allocate tensor float32[1125899906842624] off-heap: 4503599627370496"
                + " bytes"), tooLarge.getMessage());
    }

    @Test
    void helperThreadsAreSharedByEveryThreadCount() {
        for (int threads = 1; threads <= 6; threads++) {
            ChunkedExecutor.shared(threads).forEach(10 * ChunkedExecutor.CHUNK, (from, to) -> { });
        }
        long workers = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("panamax-worker-")).count();
        assertTrue(workers <= 5, workers + " helper threads for executors of 1 to 6 threads (one pool of 5 helpers)");
    }
}
