package dev.panamax.benchmarks;

import dev.panamax.kernels.AdamCoefficients;
import dev.panamax.kernels.KernelProvider;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.tensor.DType;
import java.io.IOException;
import java.io.InputStream;
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
 * An experiment on profile pollution: the SIMD Adam kernel on {@code float[]} arrays (heap
 * segments) after the same kernel class has run on native segments in the same JVM, against a
 * second copy of the kernel classes ({@code dev.panamax.simd.*} defined again by their own class
 * loader, so their JIT profiles see heap segments only), and against native segments.
 * {@code setUp} first runs the shared kernels on native memory until C2 has compiled them, as a
 * program with both kinds of tensor would. Run:
 * {@code java -jar benchmarks/target/benchmarks.jar HeapKernelsBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class HeapKernelsBenchmark {

    /**
     * {@code native}: shared kernels, native segments; {@code heap-shared}: shared kernels, heap; {@code heap-copy}: the
     * copy, heap; {@code heap-only}: shared kernels on heap segments in a JVM that never ran them on native memory.
     */
    @Param({"native", "heap-shared", "heap-copy", "heap-only"})
    public String path;

    @Param({"16777216"})
    public int size;

    private Arena arena;
    private final MemorySegment[] nativeSegments = new MemorySegment[4];
    private final MemorySegment[] heapSegments = new MemorySegment[4];
    private OptimizerKernels shared;
    private OptimizerKernels copy;
    private final AdamCoefficients c = new AdamCoefficients(1e-3, 0.1, 0.001, 1e-7);

    @Setup(Level.Trial)
    public void setUp() throws ReflectiveOperationException {
        shared = KernelProvider.kernels();
        copy = (OptimizerKernels) new SimdCopyLoader().loadClass("dev.panamax.simd.SimdKernels").getConstructor().newInstance();
        arena = Arena.ofShared();
        for (int i = 0; i < 4; i++) {
            nativeSegments[i] = arena.allocate(4L * size, 64);
            heapSegments[i] = MemorySegment.ofArray(new float[size]);
        }
        for (int r = 0; r < 30 && !path.equals("heap-only"); r++) { // C2 compiles the shared kernels with native profiles
            shared.adam(DType.FLOAT32, nativeSegments[0], nativeSegments[1], nativeSegments[2], nativeSegments[3], 0, size, c);
        }
    }

    @Benchmark
    public void adam() {
        switch (path) {
            case "native" -> shared.adam(DType.FLOAT32, nativeSegments[0], nativeSegments[1], nativeSegments[2], nativeSegments[3],
                    0, size, c);
            case "heap-shared", "heap-only" -> shared.adam(DType.FLOAT32, heapSegments[0], heapSegments[1], heapSegments[2], heapSegments[3],
                    0, size, c);
            default -> copy.adam(DType.FLOAT32, heapSegments[0], heapSegments[1], heapSegments[2], heapSegments[3], 0, size, c);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** Defines the {@code dev.panamax.simd} classes again (child first); everything else comes from the parent. */
    static final class SimdCopyLoader extends ClassLoader {
        SimdCopyLoader() {
            super("panamax-simd-heap", HeapKernelsBenchmark.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("dev.panamax.simd.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    String resource = name.replace('.', '/') + ".class";
                    try (InputStream in = getParent().getResourceAsStream(resource)) {
                        if (in == null) {
                            throw new ClassNotFoundException(name);
                        }
                        byte[] bytes = in.readAllBytes();
                        c = defineClass(name, bytes, 0, bytes.length);
                    } catch (IOException e) {
                        throw new ClassNotFoundException(name, e);
                    }
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }
}
