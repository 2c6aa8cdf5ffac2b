package dev.panamax.benchmarks;

import dev.panamax.optimizers.Adam;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.Arrays;
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
 * One Adam step on one float32 variable: Panamax (the whole Optimizer path, one thread) against
 * what a JVM user writes by hand, a plain loop over {@code float[]} arrays.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class PeerBenchmark {

    @Param({"1048576", "16777216"})
    public int size;

    /**
     * {@code panamax-heap}: the variable and gradient are the float[] arrays wrapped; {@code panamax-offheap}: off-heap
     * copies; {@code panamax-heap-after-offheap}: the wrapped arrays, in a JVM whose kernels first ran 30 steps on
     * off-heap tensors (a program that has both kinds); {@code panamax-offheap-after-heap}: the reverse.
     */
    @Param({"panamax-heap", "panamax-offheap", "panamax-heap-after-offheap", "panamax-offheap-after-heap", "plain-java"})
    public String implementation;

    private float[] w;
    private float[] m;
    private float[] v;
    private float[] g;
    private long step;
    private Optimizer optimizer;
    private List<GradientAndVariable> pairs;

    @Setup(Level.Trial)
    public void setUp() {
        w = new float[size];
        m = new float[size];
        v = new float[size];
        g = new float[size];
        Arrays.fill(w, 0.5f);
        Arrays.fill(g, 1e-3f);
        if (implementation.startsWith("panamax")) {
            // Heap arrays wrapped without copying, as an EJML-based model would hand them over, or off-heap copies.
            boolean heap = implementation.startsWith("panamax-heap");
            if (implementation.endsWith("-after-offheap") || implementation.endsWith("-after-heap")) {
                // The other kind first, until C2 has compiled the kernels on it.
                boolean otherIsHeap = implementation.endsWith("-after-heap");
                try (Adam other = Adam.builder().learningRate(1e-3).threads(1).build();
                     Tensor ow = otherIsHeap ? Tensor.wrap(w.clone()) : Tensor.of(w);
                     Tensor og = otherIsHeap ? Tensor.wrap(g.clone()) : Tensor.of(g)) {
                    List<GradientAndVariable> otherPairs = List.of(new GradientAndVariable(og, new Variable("other", ow)));
                    for (int i = 0; i < 30; i++) {
                        other.applyGradients(otherPairs);
                    }
                }
            }
            optimizer = Adam.builder().learningRate(1e-3).threads(1).build();
            pairs = List.of(new GradientAndVariable(heap ? Tensor.wrap(g) : Tensor.of(g),
                    new Variable("dense/kernel", heap ? Tensor.wrap(w) : Tensor.of(w))));
        }
    }

    @Benchmark
    public void adamStep() {
        if (optimizer != null) {
            optimizer.applyGradients(pairs);
        } else {
            plainJavaAdam();
        }
    }

    /** The textbook loop a user writes: Adam over float arrays, bias correction folded into the rate. */
    private void plainJavaAdam() {
        float lr = 1e-3f;
        float beta1 = 0.9f;
        float beta2 = 0.999f;
        float epsilon = 1e-7f;
        step++;
        float lrT = (float) (lr * Math.sqrt(1 - Math.pow(beta2, step)) / (1 - Math.pow(beta1, step)));
        for (int i = 0; i < w.length; i++) {
            m[i] = beta1 * m[i] + (1 - beta1) * g[i];
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
            w[i] -= lrT * m[i] / ((float) Math.sqrt(v[i]) + epsilon);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (optimizer != null) {
            optimizer.close();
        }
    }
}
