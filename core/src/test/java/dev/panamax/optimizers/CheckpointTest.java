package dev.panamax.optimizers;

import static dev.panamax.optimizers.CheckpointFixtures.bits;
import static dev.panamax.optimizers.CheckpointFixtures.copyOf;
import static dev.panamax.optimizers.CheckpointFixtures.fingerprint;
import static dev.panamax.optimizers.CheckpointFixtures.gradients;
import static dev.panamax.optimizers.CheckpointFixtures.model;
import static dev.panamax.optimizers.CheckpointFixtures.train;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.optimizers.state.OptimizerVariable;
import dev.panamax.schedules.CosineDecay;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Round trips: training that stops, saves, and resumes in a new optimizer (made from the file, or
 * made by hand, built and loaded) gives the same bits as training that never stopped, for the
 * model and every optimizer variable.
 */
class CheckpointTest {

    @TempDir
    Path dir;

    /** Each saved after 3 steps (mid-way through an accumulation of 2, between EMA overwrites of 4). */
    static Stream<Arguments> optimizers() {
        return Stream.of(
                named("Adam", () -> Adam.builder().learningRate(0.01).build()),
                named("Adam AMSGrad, clipnorm", () -> Adam.builder().learningRate(0.01).amsgrad(true).clipnorm(0.5).build()),
                named("SGD momentum, Nesterov", () -> SGD.builder().learningRate(0.05).momentum(0.9).nesterov(true).build()),
                named("RMSprop centered, momentum", () -> RMSprop.builder().learningRate(0.01).momentum(0.5).centered(true).build()),
                named("AdamW Keras 3, EMA, accumulation", () -> AdamW.builder().learningRate(0.01).weightDecay(0.01).useEma(true)
                        .emaOverwriteFrequency(4).gradientAccumulationSteps(2).build()),
                named("AdamW Keras 3, accumulation", () -> AdamW.builder().learningRate(0.01).gradientAccumulationSteps(2).build()),
                named("Nadam TF2", () -> Nadam.builder().learningRate(0.01).build()),
                named("Nadam Keras 3", () -> Nadam.builder().keras3(true).learningRate(0.01).build()),
                named("Adam, cosine decay schedule", () -> Adam.builder()
                        .learningRate(CosineDecay.builder(0.01, 10).alpha(0.1).build()).build()),
                named("Adafactor", () -> Adafactor.builder().learningRate(0.01).build()),
                named("Adam Keras 2.11", () -> Adam.builder().keras211(true).learningRate(0.01).build()),
                named("LossScaleOptimizer(Adam Keras 3)", () -> LossScaleOptimizer.builder(Adam.builder().keras3(true)
                        .learningRate(0.01).build()).dynamicGrowthSteps(2).build()));
    }

    private static Arguments named(String name, Supplier<Optimizer> make) {
        return Arguments.of(name, make);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void resumingFromACheckpointGivesTheBitsOfTrainingThatNeverStopped(String name, Supplier<Optimizer> make) throws IOException {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            List<Variable> straight = model(dtype);
            String expectedModel;
            String expectedState;
            try (Optimizer uninterrupted = make.get()) {
                train(uninterrupted, straight, 0, 7);
                expectedModel = bits(straight);
                expectedState = stateBits(uninterrupted);
            }

            List<Variable> first = model(dtype);
            Path file = dir.resolve(name.replaceAll("\\W+", "_") + "-" + dtype.kerasName() + ".safetensors");
            String savedState;
            try (Optimizer before = make.get()) {
                train(before, first, 0, 3);
                before.save(file);
                savedState = fingerprint(before);
            }

            // Resumed in an optimizer made from the file ...
            List<Variable> second = copyOf(first);
            try (Optimizer resumed = Optimizers.load(file, second)) {
                assertEquals(savedState, fingerprint(resumed), name + ": the loaded state");
                train(resumed, second, 3, 7);
                assertEquals(expectedModel, bits(second), name + " " + dtype + ": model after resuming");
                assertEquals(expectedState, stateBits(resumed), name + " " + dtype + ": optimizer after resuming");
            }
            // ... and in one made by hand, built, then loaded.
            List<Variable> third = copyOf(first);
            try (Optimizer resumed = make.get()) {
                resumed.build(third);
                resumed.load(file);
                assertEquals(savedState, fingerprint(resumed), name + ": the loaded state");
                train(resumed, third, 3, 7);
                assertEquals(expectedModel, bits(third), name + " " + dtype + ": model after resuming");
            }
        }
    }

    /** Every optimizer variable's bits, without the config (whose name may differ). */
    private static String stateBits(Optimizer optimizer) {
        StringBuilder sb = new StringBuilder("iterations=" + optimizer.getIterations() + " calls=" + optimizer.getCalls());
        for (OptimizerVariable v : optimizer.variables()) {
            sb.append('\n').append(v.name()).append(' ').append(bits(v.value()));
        }
        return sb.toString();
    }

    @Test
    void keysAreVariableAndSlotNamesInTheOrderOfKerasThreesStore() throws IOException {
        List<Variable> m = model(DType.FLOAT32);
        Path file = dir.resolve("adam.safetensors");
        try (Adam adam = Adam.builder().keras3(true).useEma(true).learningRate(0.01).build()) {
            train(adam, m, 0, 2);
            adam.save(file);
            Map<String, Tensor> store = new HashMap<>();
            adam.saveOwnVariables(store);
            try (SafeTensorsReader reader = SafeTensorsReader.open(file)) {
                List<String> keys = reader.entries().stream().map(SafeTensorsHeader.Entry::name).toList();
                assertEquals(List.of("iteration", "learning_rate", "dense/kernel/average", "dense/bias/average",
                        "dense/kernel/momentum", "dense/kernel/velocity", "dense/bias/momentum", "dense/bias/velocity"), keys);
                // Entry i (in data order) is Keras 3's store[str(i)]; the learning rate is kept as a float64.
                for (int i = 0; i < keys.size(); i++) {
                    SafeTensorsHeader.Entry e = reader.entries().get(i);
                    Tensor fromFile = CheckpointFixtures.heapZeros(e.dtype(), e.shape());
                    reader.read(e, fromFile);
                    Tensor keras = store.get(String.valueOf(i));
                    assertArrayEquals(keras.shape(), fromFile.shape(), keys.get(i));
                    for (long j = 0; j < keras.size(); j++) {
                        assertEquals((float) keras.getDouble(j), (float) fromFile.getDouble(j), keys.get(i));
                    }
                }
                assertEquals(DType.FLOAT64, reader.entries().get(1).dtype());
                assertEquals(DType.INT64, reader.entries().get(0).dtype());
            }
        }
    }

    @Test
    void optimizerWideVariablesAndAWrappedOptimizerHaveTheirOwnKeys() throws IOException {
        List<Variable> m = model(DType.FLOAT32);
        Path nadamFile = dir.resolve("nadam.safetensors");
        Path lsoFile = dir.resolve("lso.safetensors");
        try (Nadam nadam = Nadam.builder().build();
             LossScaleOptimizer lso = LossScaleOptimizer.builder(SGD.builder().keras3(true).momentum(0.5).build()).build()) {
            train(nadam, m, 0, 1);
            nadam.save(nadamFile);
            train(lso, m, 0, 1);
            lso.save(lsoFile);
        }
        assertEquals(List.of("iteration", "learning_rate", "momentum_cache", "dense/kernel/m", "dense/bias/m", "dense/kernel/v",
                "dense/bias/v"), keys(nadamFile));
        assertEquals(List.of("iteration", "learning_rate", "step_counter", "dynamic_scale", "inner_optimizer/iteration",
                "inner_optimizer/learning_rate", "inner_optimizer/dense/kernel/momentum", "inner_optimizer/dense/bias/momentum"),
                keys(lsoFile));
    }

    private static List<String> keys(Path file) throws IOException {
        try (SafeTensorsReader reader = SafeTensorsReader.open(file)) {
            return reader.entries().stream().map(SafeTensorsHeader.Entry::name).toList();
        }
    }

    @Test
    void aNumberLearningRateIsRestoredExactlyAndAChangedOneIsAccepted() throws IOException {
        List<Variable> m = model(DType.FLOAT64);
        Path file = dir.resolve("lr.safetensors");
        try (Adam saved = Adam.builder().learningRate(0.1).build()) {
            train(saved, m, 0, 1);
            saved.save(file);
        }
        try (Adam other = Adam.builder().learningRate(0.3).name("renamed").clipnorm(2.0).build()) {
            other.build(copyOf(m));
            other.load(file);
            assertEquals(Hyperparameter.of(0.1), other.getLearningRate(), "the file's learning rate, not its float32 rounding");
            assertEquals(1, other.getIterations());
            assertEquals(2.0, other.getClipnorm(), "clipnorm is the optimizer's own");
        }
    }

    @Test
    void statesOfEveryKindOfMemoryRoundTrip() throws IOException {
        // Variables off-heap, on wrapped arrays and on a device (host copies): the state of each lands where it lives.
        float[] k = {1, 2, 3, 4, 5, 6};
        try (Tensor offHeap = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
             Tensor device = FakeDevice.toDevice(Tensor.of(1f, 2f, 3f), true);
             Tensor offHeap2 = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
             Tensor device2 = FakeDevice.toDevice(Tensor.of(1f, 2f, 3f), true)) {
            List<Variable> vars = List.of(new Variable("a", offHeap), new Variable("b", Tensor.wrap(k, 2, 3)),
                    new Variable("c", device));
            List<Variable> vars2 = List.of(new Variable("a", offHeap2), new Variable("b", Tensor.wrap(k.clone(), 2, 3)),
                    new Variable("c", device2));
            Path file = dir.resolve("kinds.safetensors");
            List<Tensor> grads = List.of(Tensor.of(new float[] {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}, 2, 3),
                    Tensor.wrap(new float[] {-1, 1, -1, 1, -1, 1}, 2, 3), FakeDevice.toDevice(Tensor.of(0.5f, 0.25f, 2f), true));
            try (Adam a = Adam.builder().learningRate(0.1).build(); Adam b = Adam.builder().learningRate(0.1).build()) {
                a.apply(grads, vars);
                a.save(file);
                b.build(vars2);
                b.load(file);
                assertTrue(b.getSlot(vars2.get(0), "m").isNative());
                assertFalse(b.getSlot(vars2.get(1), "m").isNative());
                assertFalse(b.getSlot(vars2.get(2), "m").isHost());
                for (int i = 0; i < 3; i++) {
                    for (String slot : List.of("m", "v")) {
                        assertEquals(hostBits(a.getSlot(vars.get(i), slot)), hostBits(b.getSlot(vars2.get(i), slot)), slot + " of " + i);
                    }
                }
            } finally {
                grads.forEach(Tensor::close);
            }
        }
    }

    private static String hostBits(Tensor t) {
        return bits(t.isHost() ? t : FakeDevice.toHost(t));
    }

    @Test
    void aUserOptimizersSlotsRoundTrip() throws IOException {
        // The README's Keras 3 user optimizer: its slots are found by name like a built-in's.
        List<Variable> m = model(DType.FLOAT32);
        Path file = dir.resolve("user.safetensors");
        String expected;
        try (Optimizer user = new ReadmeKeras3ExampleTest.MomentumSgd.Builder().build()) {
            train(user, m, 0, 2);
            user.save(file);
            expected = fingerprint(user);
        }
        assertEquals(List.of("iteration", "learning_rate", "dense/kernel/momentum", "dense/bias/momentum"), keys(file));
        try (Optimizer user = new ReadmeKeras3ExampleTest.MomentumSgd.Builder().build()) {
            user.build(copyOf(m));
            user.load(file);
            assertEquals(expected, fingerprint(user));
        }
    }

    @Test
    void anUnbuiltOptimizerSavesAndLoadsItsCounter() throws IOException {
        Path file = dir.resolve("unbuilt.safetensors");
        try (SGD a = SGD.builder().build(); SGD b = SGD.builder().build()) {
            a.save(file);
            b.load(file);
            assertEquals(0, b.getIterations());
        }
    }

    @Test
    void saveReplacesTheFileAndLeavesNoTemporaryFile() throws IOException {
        List<Variable> m = model(DType.FLOAT32);
        Path file = dir.resolve("replace.safetensors");
        try (Adam adam = Adam.builder().build()) {
            train(adam, m, 0, 1);
            adam.save(file);
            train(adam, m, 1, 2);
            adam.save(file);
        }
        try (Adam other = Adam.builder().build()) {
            other.build(copyOf(m));
            other.load(file);
            assertEquals(2, other.getIterations());
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void temporaryFilesOfDeadProcessesAreRemovedAndOthersKept() throws IOException {
        Path file = dir.resolve("ckpt.safetensors");
        // pid_max is at most 2^22 on Linux, so this process id is never alive; the other is this JVM (a save in progress).
        Path stale = Files.writeString(dir.resolve(".ckpt.safetensors.999999999.0123456789abcdef.tmp"), "torn");
        Path live = Files.writeString(dir.resolve(".ckpt.safetensors." + ProcessHandle.current().pid() + ".00.tmp"), "writing");
        Path unrelated = Files.writeString(dir.resolve(".ckpt.safetensors.notapid.tmp"), "not ours");
        try (SGD sgd = SGD.builder().build()) {
            sgd.save(file);
        }
        assertFalse(Files.exists(stale));
        assertTrue(Files.exists(live));
        assertTrue(Files.exists(unrelated));
        assertTrue(Files.exists(file));
    }

    @Test
    void aSaveThatFailsLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path file = dir.resolve("failing.safetensors");
        Files.writeString(file, "the old checkpoint");
        List<Variable> m = model(DType.FLOAT32);
        try (Adam adam = Adam.builder().build()) {
            train(adam, m, 0, 1);
            // A closed slot fails the save half-way through the data, after the header and the first slots.
            adam.getSlot(m.get(1), "v").close();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> adam.save(file));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
        assertEquals("the old checkpoint", Files.readString(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void twoVariablesOfOneNameCannotBeCheckpointed() {
        List<Variable> vars = List.of(new Variable("w", Tensor.wrap(new float[] {1})), new Variable("w", Tensor.wrap(new float[] {2})));
        try (Adam adam = Adam.builder().build()) {
            adam.build(vars);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> adam.save(dir.resolve("x")));
            assertTrue(e.getMessage().contains("'w/m'"), e.getMessage());
        }
    }

    @Test
    void aClosedOptimizerRefusesBoth() {
        Adam adam = Adam.builder().build();
        adam.close();
        assertThrows(IllegalStateException.class, () -> adam.save(dir.resolve("x")));
        assertThrows(IllegalStateException.class, () -> adam.load(dir.resolve("x")));
    }

    @Test
    void optimizersLoadClosesTheOptimizerItMadeWhenTheFileDoesNotFit() throws IOException {
        Path file = dir.resolve("adam.safetensors");
        try (Adam adam = Adam.builder().build()) {
            train(adam, model(DType.FLOAT32), 0, 1);
            adam.save(file);
        }
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> Optimizers.load(file, model(DType.FLOAT32, new long[] {4, 3}, "dense/kernel", "dense/bias")));
        assertTrue(e.getMessage().contains("'dense/kernel/m': expected float32[4, 3], found float32[3, 4]"), e.getMessage());
        assertEquals(file, e.file());
        assertInstanceOf(IOException.class, e);
    }
}
