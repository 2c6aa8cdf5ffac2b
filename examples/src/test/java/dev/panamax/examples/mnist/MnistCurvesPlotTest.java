package dev.panamax.examples.mnist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendPosition;

/** The plot of a comparison stays readable with every built-in optimizer on it. */
class MnistCurvesPlotTest {

    /** A run whose accuracy climbs to {@code last}; loss falls alike. */
    static MnistTrainer.Run run(String label, double first, double last, double seconds) {
        double[] accuracy = {first, (first + last) / 2, last};
        double[] loss = {2 - first, 2 - accuracy[1], 2 - last};
        return new MnistTrainer.Run(label, 2.3, loss, loss.clone(), accuracy, seconds);
    }

    /** Fourteen runs as --compare all gives them: most near the top, a few far below. */
    static List<MnistTrainer.Run> fourteen() {
        List<MnistTrainer.Run> runs = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            runs.add(run("Opt" + i, 0.80 + 0.005 * i, 0.90 + 0.006 * i, 1 + i));
        }
        runs.add(run("Slow", 0.30, 0.55, 2));
        runs.add(run("Slower", 0.15, 0.35, 2));
        runs.add(run("Stuck", 0.11, 0.113, 2));
        return runs;
    }

    @Test
    void thePaletteHasSixteenClearlyDifferentColours() {
        List<Color> palette = LearningCurvesPlot.PALETTE;
        assertTrue(palette.size() >= 14);
        double nearest = Double.MAX_VALUE;
        for (int i = 0; i < palette.size(); i++) {
            for (int j = i + 1; j < palette.size(); j++) {
                nearest = Math.min(nearest, deltaE(palette.get(i), palette.get(j)));
            }
            // Visible on white: not lighter than CIE L* 80.
            assertTrue(lab(palette.get(i))[0] < 80, palette.get(i).toString());
        }
        assertTrue(nearest > 30, "nearest two colours differ by Delta E " + nearest);
    }

    @Test
    void everyRunHasItsOwnColourAndTheLegendIsOutside() {
        List<XYChart> charts = LearningCurvesPlot.charts(fourteen());
        for (XYChart chart : charts) {
            assertEquals(LegendPosition.OutsideE, chart.getStyler().getLegendPosition());
            Set<Color> colours = new HashSet<>();
            Set<Class<?>> markers = new HashSet<>();
            Set<String> lines = new HashSet<>();
            for (XYSeries s : chart.getSeriesMap().values()) {
                colours.add(s.getLineColor());
                assertEquals(s.getLineColor(), s.getMarkerColor());
                markers.add(s.getMarker().getClass());
                lines.add(Arrays.toString(s.getLineStyle().getDashArray()));
            }
            assertEquals(chart.getSeriesMap().size(), colours.size(), chart.getTitle());
            // Markers and dash patterns on top, for print in black and white and for colour-blind readers.
            assertEquals(LearningCurvesPlot.MARKERS.size(), markers.size(), chart.getTitle());
            assertEquals(LearningCurvesPlot.LINES.size(), lines.size(), chart.getTitle());
        }
    }

    @Test
    void theLegendListsTheRunsBestFirstWithTheirAccuracy() {
        XYChart accuracy = LearningCurvesPlot.charts(fourteen()).get(1);
        List<String> names = new ArrayList<>(accuracy.getSeriesMap().keySet());
        assertEquals("Opt10 96.00%", names.get(0));
        assertEquals("Stuck 11.30%", names.get(names.size() - 1));
    }

    @Test
    void theAccuracyAxisFitsTheData() {
        List<XYChart> charts = LearningCurvesPlot.charts(fourteen());
        XYChart accuracy = charts.get(1);
        assertEquals(0.06, accuracy.getStyler().getYAxisMin(), 1e-12);
        assertEquals(1.0, accuracy.getStyler().getYAxisMax(), 1e-12);
        // The runs within 5 points of the best (96%), Opt2 (91.2%) to Opt10, zoomed to their own range.
        assertEquals(3, charts.size());
        XYChart zoom = charts.get(2);
        assertEquals(9, zoom.getSeriesMap().size());
        assertEquals(0.80, zoom.getStyler().getYAxisMin(), 1e-12);
        assertEquals(0.97, zoom.getStyler().getYAxisMax(), 1e-12);

        List<MnistTrainer.Run> close = List.of(run("A", 0.95, 0.962, 1), run("B", 0.951, 0.958, 1));
        assertArrayEquals(new double[] {0.94, 0.97}, LearningCurvesPlot.accuracyRange(close), 1e-12);
        assertEquals(2, LearningCurvesPlot.charts(close).size(), "no zoom when every run is near the best");
    }

    @Test
    void thePlotIsOnePng() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LearningCurvesPlot.write(out, fourteen());
        var image = ImageIO.read(new ByteArrayInputStream(out.toByteArray()));
        assertEquals(1000, image.getWidth());
        assertEquals(3 * 420, image.getHeight());
    }

    private static double deltaE(Color a, Color b) {
        double[] x = lab(a);
        double[] y = lab(b);
        return Math.sqrt(Math.pow(x[0] - y[0], 2) + Math.pow(x[1] - y[1], 2) + Math.pow(x[2] - y[2], 2));
    }

    /** sRGB to CIE L*a*b* (D65). */
    private static double[] lab(Color c) {
        double r = linear(c.getRed());
        double g = linear(c.getGreen());
        double b = linear(c.getBlue());
        double x = f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047);
        double y = f(0.2126 * r + 0.7152 * g + 0.0722 * b);
        double z = f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
        return new double[] {116 * y - 16, 500 * (x - y), 200 * (y - z)};
    }

    private static double linear(int channel) {
        double c = channel / 255.0;
        return c > 0.04045 ? Math.pow((c + 0.055) / 1.055, 2.4) : c / 12.92;
    }

    private static double f(double t) {
        return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16.0 / 116;
    }
}
