package dev.panamax.examples.mnist;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The plot of one or more runs: training loss and evaluation accuracy per epoch, one chart above
 * the other, and for a comparison whose runs lie far apart a third chart zoomed on the best ones.
 * Runs are drawn best first (final evaluation accuracy), each in its own colour, marker and line
 * style, and named in a legend beside the curves with that accuracy.
 */
final class LearningCurvesPlot {

    /**
     * Sixteen colours that stay apart on white: the nearest two differ by more than 30 in CIE76
     * Delta E (10 is already "clearly different"). None is lighter than a mid grey, so every
     * line shows; the familiar blue, red, green and orange come first.
     */
    static final List<Color> PALETTE = List.of(
            new Color(0x1F77B4), new Color(0xD62728), new Color(0x008856), new Color(0xF6A600),
            new Color(0x875692), new Color(0x000000), new Color(0x17BECF), new Color(0xF032E6),
            new Color(0x8DB600), new Color(0x9A6324), new Color(0x7F7F7F), new Color(0x000075),
            new Color(0xE68FAC), new Color(0xC2B280), new Color(0x4363D8), new Color(0xAEC7E8));

    /** Seven markers and four dash patterns: with 16 colours, no two of the first 16 runs look alike. */
    static final List<Marker> MARKERS = List.of(SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE, SeriesMarkers.DIAMOND,
            SeriesMarkers.TRIANGLE_UP, SeriesMarkers.TRIANGLE_DOWN, SeriesMarkers.CROSS, SeriesMarkers.PLUS);
    static final List<BasicStroke> LINES = List.of(SeriesLines.SOLID, SeriesLines.DASH_DASH, SeriesLines.DOT_DOT,
            SeriesLines.DASH_DOT);

    /** The zoomed chart shows the runs whose final accuracy is this close to the best one. */
    static final double ZOOM_BAND = 0.05;

    private static final int WIDTH = 1000;
    private static final int HEIGHT = 420;

    private LearningCurvesPlot() {
    }

    /** Writes the charts of {@code runs} as one PNG. */
    static void write(OutputStream out, List<MnistTrainer.Run> runs) throws IOException {
        List<XYChart> charts = charts(runs);
        BitmapEncoder.saveBitmap(charts, charts.size(), 1, out, BitmapEncoder.BitmapFormat.PNG);
    }

    /** The charts, top to bottom: loss, accuracy, and the zoom on the best runs when it helps. */
    static List<XYChart> charts(List<MnistTrainer.Run> runs) {
        List<MnistTrainer.Run> ranked = SummaryTable.ranked(runs);
        List<String> names = legendNames(ranked);
        List<XYChart> charts = new ArrayList<>();

        XYChart loss = chart("Training loss", "loss", "0.00");
        XYChart accuracy = chart("Evaluation accuracy", "accuracy", "0.00");
        for (int i = 0; i < ranked.size(); i++) {
            add(loss, names.get(i), ranked.get(i).trainLoss(), i);
            add(accuracy, names.get(i), ranked.get(i).evalAccuracy(), i);
        }
        fitAccuracyAxis(accuracy, ranked);
        charts.add(loss);
        charts.add(accuracy);

        List<MnistTrainer.Run> best = nearTheBest(ranked);
        if (best.size() >= 2 && best.size() < ranked.size()) {
            XYChart zoom = chart(String.format(Locale.ROOT, "Evaluation accuracy of the %d runs within %.0f points of the best",
                    best.size(), 100 * ZOOM_BAND), "accuracy", "0.000");
            for (int i = 0; i < best.size(); i++) {
                add(zoom, names.get(i), best.get(i).evalAccuracy(), i);
            }
            fitAccuracyAxis(zoom, best);
            charts.add(zoom);
        }
        return charts;
    }

    /**
     * The smallest range of whole hundredths that holds every accuracy of {@code runs} with a
     * margin, within [0, 1]: the curves fill the chart instead of a fixed 0 to 1.
     */
    static double[] accuracyRange(List<MnistTrainer.Run> runs) {
        double min = 1;
        double max = 0;
        for (MnistTrainer.Run run : runs) {
            for (double a : run.evalAccuracy()) {
                min = Math.min(min, a);
                max = Math.max(max, a);
            }
        }
        double margin = Math.max(0.005, (max - min) * 0.05);
        double low = Math.max(0, Math.floor((min - margin) * 100) / 100);
        double high = Math.min(1, Math.ceil((max + margin) * 100) / 100);
        return new double[] {low, high};
    }

    /** The runs whose final accuracy is within {@link #ZOOM_BAND} of the best, best first. */
    static List<MnistTrainer.Run> nearTheBest(List<MnistTrainer.Run> ranked) {
        if (ranked.isEmpty()) {
            return List.of();
        }
        double best = SummaryTable.finalAccuracy(ranked.get(0));
        return ranked.stream().filter(r -> SummaryTable.finalAccuracy(r) >= best - ZOOM_BAND).toList();
    }

    private static void fitAccuracyAxis(XYChart chart, List<MnistTrainer.Run> runs) {
        double[] range = accuracyRange(runs);
        chart.getStyler().setYAxisMin(range[0]);
        chart.getStyler().setYAxisMax(range[1]);
    }

    private static XYChart chart(String title, String yTitle, String yPattern) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("epoch").yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(LegendPosition.OutsideE);
        chart.getStyler().setXAxisDecimalPattern("0");
        chart.getStyler().setYAxisDecimalPattern(yPattern);
        chart.getStyler().setMarkerSize(7);
        return chart;
    }

    private static void add(XYChart chart, String name, double[] y, int style) {
        double[] x = new double[y.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + 1;
        }
        XYSeries series = chart.addSeries(name, x, y);
        Color colour = PALETTE.get(style % PALETTE.size());
        series.setLineColor(colour);
        series.setMarkerColor(colour);
        series.setMarker(MARKERS.get(style % MARKERS.size()));
        series.setLineStyle(LINES.get(style % LINES.size()));
    }

    /** {@code Adam 96.05%}: the legend says how each run ended. */
    private static List<String> legendNames(List<MnistTrainer.Run> ranked) {
        return ranked.stream().map(r -> String.format(Locale.ROOT, "%s %.2f%%", r.label(),
                100 * SummaryTable.finalAccuracy(r))).toList();
    }
}
