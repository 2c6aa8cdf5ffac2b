package dev.panamax.benchmarks;

import dev.panamax.kernels.KernelProvider;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.kernels.ScalarKernels;
import dev.panamax.optimizers.Adadelta;
import dev.panamax.optimizers.Adagrad;
import dev.panamax.optimizers.Adafactor;
import dev.panamax.optimizers.Adam;
import dev.panamax.optimizers.Adamax;
import dev.panamax.optimizers.Ftrl;
import dev.panamax.optimizers.Lamb;
import dev.panamax.optimizers.Lion;
import dev.panamax.optimizers.Nadam;
import dev.panamax.optimizers.RMSprop;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.optimizers.SGD;
import dev.panamax.optimizers.ScheduleFreeAdamW;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;
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
 * One optimizer step on one float32 variable, through the whole {@code Optimizer} path.
 * Run: {@code java -jar benchmarks/target/benchmarks.jar OptimizerStepBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class OptimizerStepBenchmark {

    /**
     * {@code adam-keras3}: Adam in Keras 3's step order; {@code adamw-ema}: that with weight decay and EMA (48 B per parameter);
     * Keras 3's {@code lion} (16 B), {@code lamb} (three passes, 40 B), {@code adafactor-2d} (a 1024-column matrix,
     * factored: about 32 B) and {@code schedule-free} (28 B).
     */
    @Param({"sgd", "momentum", "adam", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "ftrl", "adam-keras3", "adamw-ema",
            "lion", "lamb", "adafactor-2d", "schedule-free"})
    public String algorithm;

    @Param({"4096", "1048576", "16777216"})
    public int size;

    @Param({"scalar", "simd"})
    public String kernels;

    @Param({"1"})
    public int threads;

    private Tensor value;
    private Tensor gradient;
    private Optimizer optimizer;
    private List<GradientAndVariable> pairs;

    @Setup(Level.Trial)
    public void setUp() {
        OptimizerKernels k = kernels.equals("scalar") ? new ScalarKernels() : KernelProvider.kernels();
        if (!k.name().equals(kernels)) {
            throw new IllegalStateException("asked for " + kernels + " kernels, the provider has " + k.name());
        }
        long columns = Math.min(1024, size);
        long[] shape = algorithm.endsWith("-2d") ? new long[] {size / columns, columns} : new long[] {size};
        value = Tensor.full(DType.FLOAT32, 0.5, shape);
        gradient = Tensor.full(DType.FLOAT32, 0.01, shape);
        optimizer = switch (algorithm) {
            case "sgd" -> SGD.builder().learningRate(0.01).kernels(k).threads(threads).build();
            case "momentum" -> SGD.builder().learningRate(0.01).momentum(0.9).kernels(k).threads(threads).build();
            case "adam" -> Adam.builder().learningRate(0.001).kernels(k).threads(threads).build();
            case "rmsprop" -> RMSprop.builder().learningRate(0.001).kernels(k).threads(threads).build();
            case "adagrad" -> Adagrad.builder().learningRate(0.001).kernels(k).threads(threads).build();
            case "adadelta" -> Adadelta.builder().learningRate(0.001).kernels(k).threads(threads).build();
            case "adamax" -> Adamax.builder().learningRate(0.001).kernels(k).threads(threads).build();
            case "nadam" -> Nadam.builder().learningRate(0.001).kernels(k).threads(threads).build();
            case "ftrl" -> Ftrl.builder().learningRate(0.001).kernels(k).threads(threads).build();
            case "adam-keras3" -> Adam.builder().keras3(true).learningRate(0.001).kernels(k).threads(threads).build();
            case "adamw-ema" -> Adam.builder().keras3(true).learningRate(0.001).weightDecay(0.004).useEma(true).kernels(k)
                    .threads(threads).build();
            case "lion" -> Lion.builder().learningRate(0.001).kernels(k).threads(threads).build();
            case "lamb" -> Lamb.builder().learningRate(0.001).kernels(k).threads(threads).build();
            case "adafactor-2d" -> Adafactor.builder().learningRate(0.001).kernels(k).threads(threads).build();
            case "schedule-free" -> ScheduleFreeAdamW.builder().learningRate(0.001).kernels(k).threads(threads).build();
            default -> throw new IllegalArgumentException("unknown algorithm " + algorithm);
        };
        pairs = List.of(new GradientAndVariable(gradient, new Variable("bench/kernel", value)));
    }

    @Benchmark
    public void step() {
        optimizer.applyGradients(pairs);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        optimizer.close();
        value.close();
        gradient.close();
    }
}
