package dev.panamax.tribuo;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.optimizers.Adam;
import dev.panamax.optimizers.Nadam;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.tribuo.Dataset;
import org.tribuo.Model;
import org.tribuo.classification.Label;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.math.StochasticGradientOptimiser;

/** The README's Tribuo example compiles, trains, and is still in the README. */
class ReadmeTribuoTest {

    // The body below, between the markers, is the README's snippet minus its import lines.
    @Test
    void tribuoExampleRunsAsShown() {
        Dataset<Label> train = TribuoMnistTest.subset(MnistData.get().train, 2000);
        // --- snippet start
        StochasticGradientOptimiser adam = PanamaxOptimiser.of(Adam.builder().learningRate(0.001));
        LinearSGDTrainer trainer = new LinearSGDTrainer(new LogMulticlass(), adam, 3, -1, 1, 1L);
        Model<Label> model = trainer.train(train);      // any Dataset<Label>, e.g. from IDXDataSource
        // The optimizer may also be named as in Keras, or given as Keras serializes it:
        PanamaxOptimiser nadam = PanamaxOptimiser.named("nadam");
        PanamaxOptimiser rmsprop = PanamaxOptimiser.fromJson("{\"class_name\": \"RMSprop\", \"config\": {\"learning_rate\": 0.002}}");
        // --- snippet end
        double accuracy = new LabelEvaluator().evaluate(model, MnistData.get().test).accuracy();
        assertTrue(accuracy > 0.8, "accuracy " + accuracy);
        nadam.initialise(TestParameters.biasAndMatrix(2, 3));
        assertInstanceOf(Nadam.class, nadam.currentOptimizer());
        assertTrue(rmsprop.getOptimizerJson().contains("RMSprop"));
    }

    @Test
    void readmeShowsThisSnippet() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        String source = Files.readString(Path.of("src", "test", "java", "dev", "panamax", "tribuo", "ReadmeTribuoTest.java"));
        String snippet = source.substring(source.indexOf("// --- snippet start") + "// --- snippet start".length(),
                source.indexOf("        // --- snippet end"));
        // The test indents the snippet by 8 spaces; the README by none.
        String block = snippet.strip().lines().map(l -> l.startsWith("        ") ? l.substring(8) : l.strip())
                .collect(java.util.stream.Collectors.joining("\n"));
        assertTrue(readme.contains(block), "README.md does not show the Tribuo example as tested:\n" + block);
    }
}
