package dev.panamax.benchmarks;

import dev.panamax.kernels.AdamCoefficients;
import dev.panamax.kernels.KernelProvider;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Where the four arrays of an Adam step lie, and what that costs: the same SIMD kernel on
 * float32 segments placed as {@code Tensor.zeros} places them (a fresh arena each, 64-byte
 * aligned) and in other layouts. Run: {@code java -jar benchmarks/target/benchmarks.jar PlacementBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class PlacementBenchmark {

    /**
     * {@code arena64}: one arena per array, 64-byte alignment; {@code aligned2m}: 2 MiB alignment;
     * {@code aligned2m-stagger}: 2 MiB alignment, array i starting {@code i * 1088} bytes in;
     * {@code arena64-stagger}: 64-byte alignment, array i starting {@code i * 1088} bytes in;
     * {@code aligned4k}: 4 KiB alignment; {@code plus16}: 64-byte alignment, every array starting 16
     * bytes in (where a large Java array's elements start); {@code plus16-split}: that layout, the
     * 12 elements before the first cache-line boundary run as a call of their own (what
     * {@code HostTensorKernels} does for every element-wise kernel).
     */
    @Param({"arena64", "aligned4k", "aligned2m", "aligned2m-stagger", "arena64-stagger", "plus16", "plus16-split"})
    public String layout;

    @Param({"16777216"})
    public int size;

    private final Arena[] arenas = new Arena[4];
    private final MemorySegment[] s = new MemorySegment[4];
    private OptimizerKernels k;
    private final AdamCoefficients c = new AdamCoefficients(1e-3, 0.1, 0.001, 1e-7);

    @Setup(Level.Trial)
    public void setUp() {
        k = KernelProvider.kernels();
        long bytes = 4L * size;
        for (int i = 0; i < 4; i++) {
            arenas[i] = Arena.ofShared();
            long shift = layout.endsWith("stagger") ? i * 1088L : layout.startsWith("plus16") ? 16 : 0;
            long alignment = layout.startsWith("aligned2m") ? 2L << 20 : layout.equals("aligned4k") ? 4096 : 64;
            s[i] = arenas[i].allocate(bytes + shift, alignment).asSlice(shift, bytes);
            s[i].fill((byte) 0);
        }
    }

    @Benchmark
    public void adam() {
        long head = layout.equals("plus16-split") ? 12 : 0;
        if (head > 0) {
            k.adam(DType.FLOAT32, s[0], s[1], s[2], s[3], 0, head, c);
        }
        k.adam(DType.FLOAT32, s[0], s[1], s[2], s[3], head, size, c);
    }

    /** The base addresses modulo 4 KiB and 2 MiB, for the record. */
    @TearDown(Level.Trial)
    public void tearDown() {
        StringBuilder b = new StringBuilder("placement " + layout + ":");
        for (MemorySegment m : s) {
            b.append(String.format(" %d/%d", m.address() % 4096, m.address() % (2 << 20)));
        }
        System.out.println(b);
        for (Arena a : arenas) {
            a.close();
        }
    }
}
