package dev.panamax.tribuo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.oracle.labs.mlrg.olcut.config.ConfigurationData;
import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import com.oracle.labs.mlrg.olcut.config.property.SimpleProperty;
import com.oracle.labs.mlrg.olcut.provenance.ConfiguredObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import dev.panamax.optimizers.Adam;
import dev.panamax.optimizers.Nadam;
import dev.panamax.optimizers.Optimizers;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tribuo.MutableDataset;
import org.tribuo.Trainer;
import org.tribuo.classification.Label;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.provenance.TrainerProvenance;

/** Tribuo's configuration and provenance system (OLCUT) on {@link PanamaxOptimiser}. */
class ProvenanceTest {

    @Test
    void theProvenanceRecordsTheOptimizersKerasConfig() {
        PanamaxOptimiser optimiser = PanamaxOptimiser.of(Adam.builder().learningRate(0.002).amsgrad(true)).withThreads(1);
        ConfiguredObjectProvenance provenance = optimiser.getProvenance();
        assertEquals(PanamaxOptimiser.class.getName(), provenance.getClassName());
        Map<String, Provenance> fields = provenance.getConfiguredParameters();
        String json = ((StringProvenance) fields.get("optimizer")).getValue();
        assertEquals(Optimizers.toJson(Adam.builder().learningRate(0.002).amsgrad(true).build()), json);
        assertTrue(json.contains("\"amsgrad\":true"), json);
        assertEquals("1", fields.get("threads").toString().replaceAll(".*=", ""));
        assertEquals("false", fields.get("returnUpdates").toString().replaceAll(".*=", ""));
    }

    @Test
    void olcutMakesTheSameOptimiserFromItsProvenance() {
        PanamaxOptimiser optimiser = PanamaxOptimiser.of(Nadam.builder().learningRate(0.003)).withReturnUpdates(true);
        List<ConfigurationData> configuration = ProvenanceUtil.extractConfiguration(optimiser.getProvenance());
        ConfigurationManager cm = new ConfigurationManager();
        cm.addConfiguration(configuration);
        PanamaxOptimiser again = (PanamaxOptimiser) cm.lookup(configuration.get(0).getName());

        assertEquals(optimiser.toString(), again.toString());
        var gradients = PanamaxOptimiserTest.randomGradients(3, false, 21);
        assertArrayEquals(PanamaxOptimiserTest.run(optimiser, gradients), PanamaxOptimiserTest.run(again, gradients), 0.0);
    }

    @Test
    void aModelsProvenanceMakesItsTrainerAgainWithThisOptimiser() {
        MnistData data = MnistData.get();
        MutableDataset<Label> train = TribuoMnistTest.subset(data.train, 500);
        LinearSGDTrainer trainer = new LinearSGDTrainer(new LogMulticlass(), PanamaxOptimiser.named("adam"), 1, -1, 1, 3L);
        TribuoMnistTest.Result first = TribuoMnistTest.train(trainer, train, data.test);

        TrainerProvenance provenance = trainer.getProvenance();
        List<ConfigurationData> configuration = ProvenanceUtil.extractConfiguration(provenance);
        ConfigurationManager cm = new ConfigurationManager();
        cm.addConfiguration(configuration);
        String name = configuration.stream().filter(c -> c.getClassName().equals(LinearSGDTrainer.class.getName()))
                .findFirst().orElseThrow().getName();
        @SuppressWarnings("unchecked")
        Trainer<Label> again = (Trainer<Label>) cm.lookup(name);
        assertTrue(again.toString().contains("PanamaxOptimiser"), again.toString());
        TribuoMnistTest.Result second = TribuoMnistTest.train(again, train, data.test);

        TribuoMnistTest.assertWeightsEqual(first, second, 0.0); // the same run again, bit for bit
    }

    @Test
    void aConfigurationThatPanamaxCannotReadIsAnOlcutError() {
        ConfigurationData config = new ConfigurationData("bad", PanamaxOptimiser.class.getName());
        config.add("optimizer", new SimpleProperty("{\"class_name\": \"Adam\", \"config\": {\"beta_3\": 0.5}}"));
        ConfigurationManager cm = new ConfigurationManager();
        cm.addConfiguration(config);
        PropertyException e = assertThrows(PropertyException.class, () -> cm.lookup("bad"));
        assertTrue(e.getMessage().contains("PanamaxOptimiser cannot use its configuration"), e.getMessage());
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
    }
}
