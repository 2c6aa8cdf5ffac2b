package dev.panamax.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.kernels.ScalarKernels;
import dev.panamax.optimizers.Adadelta;
import dev.panamax.optimizers.Adagrad;
import dev.panamax.optimizers.Adam;
import dev.panamax.optimizers.Adamax;
import dev.panamax.optimizers.Ftrl;
import dev.panamax.optimizers.Adafactor;
import dev.panamax.optimizers.Lamb;
import dev.panamax.optimizers.Lion;
import dev.panamax.optimizers.Muon;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.Nadam;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.optimizers.RMSprop;
import dev.panamax.optimizers.ScheduleFreeAdamW;
import dev.panamax.optimizers.SGD;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.IndexedSlices;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole optimizers on OpenCL device variables (through {@link OpenClDeviceKernelsFactory}) against
 * the same optimizers on host copies with {@link ScalarKernels} on one thread: five steps with the
 * same gradients, then the variables and every slot, bit for bit, norm clipping, Lamb and Adafactor
 * included (their sums of squares add in the reference's order on the device), as in
 * properties-tests' OptimizerEquivalenceTest, whose configurations these are.
 */
class DeviceOptimizerTest {

    static final long SEED = Long.getLong("panamax.test.seed", System.nanoTime());

    private static OpenClKernels kernels;

    @BeforeAll
    static void open() {
        if (OpenClTestSupport.openClOrFailIfRequired()) {
            kernels = OpenClKernels.create(OpenCl.defaultDevice());
            System.out.println("DeviceOptimizerTest on " + kernels.device().describe() + ", seed " + SEED);
        }
    }

    @BeforeEach
    void needsOpenCl() {
        OpenClTestSupport.assumeOpenCl();
    }

    @AfterAll
    static void close() {
        if (kernels != null) {
            kernels.close();
        }
    }

    static OpenClQueue queue() {
        return kernels.queue();
    }

    record Config(String name, Function<Optimizer.Builder<?>, Optimizer.Builder<?>> options,
                  Function<OptimizerKernels, Optimizer.Builder<?>> builder) {
        Optimizer build() {
            return options.apply(builder.apply(new ScalarKernels()).threads(1)).build();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** OptimizerEquivalenceTest's configurations. */
    static final List<Config> CONFIGS = List.of(
            new Config("sgd", b -> b, k -> SGD.builder().learningRate(0.05).kernels(k)),
            new Config("sgd momentum clipvalue", b -> b.clipvalue(0.5),
                    k -> SGD.builder().learningRate(0.05).momentum(0.9).kernels(k)),
            new Config("sgd nesterov clipnorm", b -> b.clipnorm(1.0),
                    k -> SGD.builder().learningRate(0.05).momentum(0.9).nesterov(true).kernels(k)),
            new Config("adam decay", b -> b.decay(0.01), k -> Adam.builder().learningRate(0.01).kernels(k)),
            new Config("adadelta keras3", b -> b, k -> Adadelta.builder().learningRate(1.0).keras3(true).kernels(k)),
            new Config("adamax keras3", b -> b, k -> Adamax.builder().learningRate(0.01).keras3(true).kernels(k)),
            new Config("lion weight_decay", b -> b.weightDecay(0.1), k -> Lion.builder().learningRate(0.01).kernels(k)),
            new Config("lamb weight_decay", b -> b.weightDecay(0.01), k -> Lamb.builder().learningRate(0.01).kernels(k)),
            new Config("adafactor", b -> b, k -> Adafactor.builder().learningRate(0.01).kernels(k)),
            new Config("muon nesterov weight decay", b -> b, k -> Muon.builder().learningRate(0.01).kernels(k)),
            new Config("schedule-free adamw warmup weight_decay", b -> b.weightDecay(0.01),
                    k -> ScheduleFreeAdamW.builder().learningRate(0.01).warmupSteps(3).kernels(k)),
            new Config("ftrl keras3 shrinkage", b -> b, k -> Ftrl.builder().keras3(true).learningRate(0.1).l1RegularizationStrength(0.01)
                    .l2ShrinkageRegularizationStrength(0.1).beta(0.1).kernels(k)),
            new Config("adam keras3 weight_decay ema accumulation loss_scale", b -> b.weightDecay(0.01).useEma(true)
                    .emaOverwriteFrequency(3).gradientAccumulationSteps(2).lossScaleFactor(8),
                    k -> Adam.builder().learningRate(0.01).keras3(true).kernels(k)),
            new Config("adam global_clipnorm", b -> b.globalClipnorm(2.0), k -> Adam.builder().learningRate(0.01).kernels(k)),
            new Config("amsgrad", b -> b, k -> Adam.builder().learningRate(0.01).amsgrad(true).kernels(k)),
            new Config("lazy amsgrad", b -> b, k -> Adam.builder().learningRate(0.01).amsgrad(true).lazy(true).kernels(k)),
            new Config("rmsprop", b -> b, k -> RMSprop.builder().learningRate(0.01).kernels(k)),
            new Config("rmsprop centered momentum", b -> b,
                    k -> RMSprop.builder().learningRate(0.01).centered(true).momentum(0.5).kernels(k)),
            new Config("rmsprop keras3 centered", b -> b,
                    k -> RMSprop.builder().learningRate(0.01).centered(true).keras3(true).kernels(k)),
            new Config("adagrad", b -> b, k -> Adagrad.builder().learningRate(0.1).kernels(k)),
            new Config("adagrad keras3", b -> b, k -> Adagrad.builder().learningRate(0.1).keras3(true).kernels(k)),
            new Config("adadelta", b -> b, k -> Adadelta.builder().learningRate(1.0).kernels(k)),
            new Config("adamax", b -> b, k -> Adamax.builder().learningRate(0.01).kernels(k)),
            new Config("nadam", b -> b, k -> Nadam.builder().learningRate(0.01).kernels(k)),
            new Config("nadam keras3", b -> b, k -> Nadam.builder().learningRate(0.01).keras3(true).kernels(k)),
            new Config("ftrl l1 l2 beta", b -> b, k -> Ftrl.builder().learningRate(0.1).l1RegularizationStrength(0.01)
                    .l2RegularizationStrength(0.01).beta(0.1).kernels(k)),
            new Config("ftrl shrinkage", b -> b, k -> Ftrl.builder().learningRate(0.1).l1RegularizationStrength(0.01)
                    .l2ShrinkageRegularizationStrength(0.1).kernels(k)),
            new Config("ftrl power 0", b -> b, k -> Ftrl.builder().learningRate(0.1).learningRatePower(0).kernels(k)));

    static Stream<Arguments> optimizers() {
        return CONFIGS.stream().flatMap(c -> Stream.of(DType.FLOAT32, DType.FLOAT64).map(t -> Arguments.of(c, t)));
    }

    /** A small vector, a matrix, and one of many work-groups. */
    static final long[][] SHAPES = {{3}, {17, 33}, {(1 << 18) + 5}};

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("optimizers")
    void onTheDeviceEqualsScalarOnTheHost(Config config, DType dtype) {
        Assumptions.assumeTrue(kernels.supports(dtype), () -> kernels.device().name() + " has no cl_khr_fp64");
        Variable[] hostVars = new Variable[SHAPES.length];
        Variable[] deviceVars = new Variable[SHAPES.length];
        try (Optimizer reference = config.build(); Optimizer candidate = config.build()) {
            for (int i = 0; i < SHAPES.length; i++) {
                hostVars[i] = new Variable("layer" + i + "/kernel", random(dtype, SHAPES[i], SEED + 100 * i));
                deviceVars[i] = new Variable("layer" + i + "/kernel", OpenClStorage.toDevice(queue(), hostVars[i].value()));
            }
            for (int s = 0; s < 5; s++) {
                step(reference, candidate, hostVars, deviceVars, SEED + s);
            }
            assertEquals(reference.getIterations(), candidate.getIterations());
            assertEquals(reference.getSlotNames(), candidate.getSlotNames());
            for (int i = 0; i < SHAPES.length; i++) {
                String where = config + " " + dtype.kerasName() + " variable " + i + " seed=" + SEED
                        + " (-Dpanamax.test.seed=" + SEED + " replays)";
                Tensor deviceVar = deviceVars[i].value();
                compare(config, dtype, hostVars[i].value(), deviceVar, where);
                for (String slot : reference.getSlotNames()) {
                    if (!hasSlot(reference, hostVars[i], slot)) {
                        continue;
                    }
                    Tensor deviceSlot = candidate.getSlot(deviceVars[i], slot);
                    // The slots live where the variable does, on its queue.
                    assertEquals(deviceVar.storage().device(), deviceSlot.storage().device(), where + " slot " + slot);
                    assertSame(queue(), OpenClStorage.of(deviceSlot).queue(), where + " slot " + slot);
                    compare(config, dtype, reference.getSlot(hostVars[i], slot), deviceSlot, where + " slot " + slot);
                }
            }
        } finally {
            for (int i = 0; i < SHAPES.length; i++) {
                if (hostVars[i] != null) {
                    hostVars[i].value().close();
                }
                if (deviceVars[i] != null) {
                    deviceVars[i].value().close();
                }
            }
        }
    }

    /** Whether {@code variable} has the slot {@code slot} (Muon's variables differ: velocity only on its AdamW path). */
    static boolean hasSlot(Optimizer optimizer, Variable variable, String slot) {
        try {
            optimizer.getSlot(variable, slot);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** One step of each optimizer with the same gradients, on the host and uploaded. */
    private static void step(Optimizer reference, Optimizer candidate, Variable[] hostVars, Variable[] deviceVars, long seed) {
        List<Tensor> toClose = new ArrayList<>();
        try {
            List<GradientAndVariable> hostPairs = new ArrayList<>();
            List<GradientAndVariable> devicePairs = new ArrayList<>();
            for (int i = 0; i < hostVars.length; i++) {
                Tensor g = random(hostVars[i].dtype(), hostVars[i].shape(), seed * 31 + i);
                toClose.add(g);
                Tensor dg = OpenClStorage.toDevice(queue(), g);
                toClose.add(dg);
                hostPairs.add(new GradientAndVariable(g, hostVars[i]));
                devicePairs.add(new GradientAndVariable(dg, deviceVars[i]));
            }
            reference.applyGradients(hostPairs);
            candidate.applyGradients(devicePairs);
        } finally {
            toClose.forEach(Tensor::close);
        }
    }

    /** Bit for bit (any NaN equals any NaN). */
    private static void compare(Config config, DType dtype, Tensor expected, Tensor device, String where) {
        assertTrue(expected.isHost(), where);
        assertTrue(!device.isHost(), where + ": expected a device tensor");
        OpenClTensorKernelsTest.assertSameBits(where, expected, device);
    }

    static Tensor random(DType dtype, long[] shape, long seed) {
        Tensor t = Tensor.zeros(dtype, shape);
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < t.size(); i++) {
            t.setDouble(i, r.nextGaussian());
        }
        return t;
    }

    // ---- errors ----------------------------------------------------------------------------------

    @Test
    void aHostGradientForADeviceVariableIsAClearErrorBeforeAnyWrite() {
        try (Tensor onDevice = OpenClStorage.toDevice(queue(), Tensor.wrap(new float[] {1f, 2f}));
             Tensor hostGradient = Tensor.of(0.5f, 0.5f);
             Adam adam = Adam.builder().learningRate(0.1).build()) {
            Variable deviceVar = new Variable("emb", onDevice);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> adam.apply(List.of(hostGradient), List.of(deviceVar)));
            assertTrue(e.getMessage().startsWith("Gradient for variable 'emb' lives on device 'host', the variable on '"
                    + onDevice.storage().device() + "'"), e.getMessage());
            assertEquals(0, adam.getIterations());
            try (Tensor back = OpenClStorage.toHost(onDevice)) {
                assertEquals(List.of(1.0, 2.0), List.of(back.getDouble(0), back.getDouble(1)));
            }
        }
    }

    @Test
    void aDeviceGradientOfAnotherContextIsAClearErrorNamingBothDevices() {
        try (OpenClKernels other = OpenClKernels.create(OpenCl.defaultDevice());
             Tensor onDevice = OpenClStorage.toDevice(queue(), Tensor.wrap(new float[] {1f, 2f}));
             Tensor foreignGradient = OpenClStorage.toDevice(other.queue(), Tensor.wrap(new float[] {0.5f, 0.5f}));
             SGD sgd = SGD.builder().learningRate(0.1).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> sgd.apply(List.of(foreignGradient), List.of(new Variable("w", onDevice))));
            assertTrue(e.getMessage().contains("grad float32[2] lives on OpenCL device '" + foreignGradient.storage().device()
                    + "'") && e.getMessage().contains("these kernels run on '" + onDevice.storage().device() + "'"), e.getMessage());
            try (Tensor back = OpenClStorage.toHost(onDevice)) {
                assertEquals(List.of(1.0, 2.0), List.of(back.getDouble(0), back.getDouble(1)));
            }
        }
    }

    @Test
    void sparseGradientsForADeviceVariableAreRejected() {
        try (Tensor onDevice = OpenClStorage.toDevice(queue(), Tensor.zeros(DType.FLOAT32, 4, 2));
             Tensor values = Tensor.of(new float[] {1f, 2f}, 1, 2);
             Adam adam = Adam.builder().learningRate(0.1).build()) {
            IndexedSlices slices = new IndexedSlices(values, Tensor.wrap(new long[] {1}), new long[] {4, 2});
            RuntimeException e = assertThrows(RuntimeException.class,
                    () -> adam.apply(List.of(slices), List.of(new Variable("emb", onDevice))));
            assertTrue(e instanceof UnsupportedOperationException || e instanceof IllegalArgumentException, e.toString());
            assertTrue(e.getMessage().contains("'emb'") && e.getMessage().contains(onDevice.storage().device()), e.getMessage());
            assertEquals(0, adam.getIterations());
        }
    }

    @Test
    void theOptimizerFindsTheOpenClKernels() {
        try (Tensor onDevice = OpenClStorage.toDevice(queue(), Tensor.wrap(new float[] {1f, 2f}));
             Tensor g = OpenClStorage.toDevice(queue(), Tensor.wrap(new float[] {1f, 1f}));
             SGD sgd = SGD.builder().learningRate(0.5).momentum(0.5).build()) {
            Variable v = new Variable("w", onDevice);
            sgd.apply(List.of(g), List.of(v));
            assertInstanceOf(OpenClTensorKernels.class, new OpenClDeviceKernelsFactory().kernelsFor(onDevice));
            assertTrue(OpenClDeviceKernelsFactory.caches(queue()));
            try (Tensor back = OpenClStorage.toHost(onDevice)) {
                assertEquals(List.of(0.5, 1.5), List.of(back.getDouble(0), back.getDouble(1)));
            }
        }
    }

    // ---- native memory ---------------------------------------------------------------------------

    /**
     * 300 optimizers made, stepped (slots, clipping scratch) and closed on device tensors: resident
     * memory (PoCL's buffers are host memory) must not grow by what leaking their buffers would
     * cost, 300 x 4 buffers of 256 KiB = 300 MiB. The bound leaves room for the Java heap, which
     * grows by some 10-20 MiB here with the default heap size (and not at all within -Xmx48m).
     */
    @Test
    void aLongCreateApplyCloseLoopDoesNotGrowNativeMemory() throws IOException {
        long n = 65_536;
        try (Tensor hostVar = random(DType.FLOAT32, new long[] {n}, SEED);
             Tensor hostGrad = random(DType.FLOAT32, new long[] {n}, SEED + 1);
             Tensor var = OpenClStorage.toDevice(queue(), hostVar);
             Tensor grad = OpenClStorage.toDevice(queue(), hostGrad)) {
            Variable v = new Variable("w", var);
            iterations(v, grad, 50); // warm up: programs built, allocator pools filled
            long before = residentKiB();
            iterations(v, grad, 300);
            long growth = residentKiB() - before;
            System.out.println("300 create/apply/close optimizer iterations on the device: resident memory grew by "
                    + growth + " KiB");
            assertTrue(growth < 96 * 1024, "resident memory grew by " + growth + " KiB over 300 iterations");
        }
    }

    private static void iterations(Variable v, Tensor grad, int count) {
        for (int i = 0; i < count; i++) {
            // AMSGrad: three slots; clipnorm: a scratch copy of the gradient and a sum of squares.
            try (Optimizer adam = Adam.builder().learningRate(1e-3).amsgrad(true).clipnorm(1.0).build()) {
                adam.apply(List.of(grad), List.of(v));
                adam.apply(List.of(grad), List.of(v));
            }
        }
        queue().finish();
    }

    private static long residentKiB() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith("VmRSS:"))
                .mapToLong(line -> Long.parseLong(line.replaceAll("[^0-9]", "")))
                .findFirst().orElseThrow();
    }
}
