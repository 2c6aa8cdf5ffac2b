package dev.panamax.benchmarks;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.kernels.KernelProvider;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.kernels.ScalarKernels;
import dev.panamax.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;
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
 * One kernel pass over float32 or float64 arrays, by the scalar or SIMD kernels, or by the
 * {@link BandwidthProbe} with the same memory traffic: {@code benchmarks/run.sh} divides the
 * probe's time by the kernel's to get the roofline ratio. Vector API code is hundreds of times
 * slower before C2 compiles it, hence the warm-up.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class RooflineBenchmark {

    @Param({"ADAM", "MOMENTUM", "RMSPROP", "SGD", "ADAGRAD", "ADADELTA", "ADAMAX", "NADAM", "FTRL"})
    public Algorithm algorithm;

    @Param({"FLOAT32", "FLOAT64"})
    public DType dtype;

    @Param({"4096", "1048576", "16777216", "67108864"})
    public long size;

    /**
     * {@code scalar}, {@code simd}, {@code probe} (the bandwidth roofline of the same pattern), or
     * {@code java} (that pattern as a plain loop over Java arrays, {@link JavaArrayPeer}).
     */
    @Param({"scalar", "simd", "probe", "java"})
    public String impl;

    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private MemorySegment[] arrays;
    private Object[] javaArrays;
    private OptimizerKernels kernels;
    private ChunkedExecutor executor;

    @Setup(Level.Trial)
    public void setUp() {
        kernels = impl.equals("scalar") ? new ScalarKernels() : KernelProvider.kernels();
        if (impl.equals("simd") && !kernels.name().equals("simd")) {
            throw new IllegalStateException("SIMD kernels requested but the provider picked " + kernels.name());
        }
        executor = ChunkedExecutor.shared(threads);
        arena = Arena.ofShared();
        if (impl.equals("java")) {
            javaArrays = JavaArrayPeer.arrays(algorithm, dtype, Math.toIntExact(size));
            arrays = new MemorySegment[0];
            return;
        }
        arrays = algorithm.allocate(arena, dtype, size);
    }

    @Benchmark
    public void pass() {
        if (impl.equals("probe")) {
            BandwidthProbe.step(algorithm, dtype, arrays, size, executor);
        } else if (impl.equals("java")) {
            JavaArrayPeer.step(algorithm, dtype, javaArrays, size, executor);
        } else {
            algorithm.step(kernels, dtype, arrays, size, executor);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s %s %d %s %d", algorithm, dtype, size, impl, threads);
    }
}
