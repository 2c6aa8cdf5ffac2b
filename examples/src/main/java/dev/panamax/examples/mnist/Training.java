package dev.panamax.examples.mnist;

import dev.panamax.distributed.Collective;
import dev.panamax.optimizers.LossScaleOptimizer;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One optimizer's run: each epoch shuffles the training digits, moves each by a random offset,
 * trains on mini-batches while redrawing a progress line, and evaluates. The weights, the
 * shuffles, the offsets and the dropout masks all come from the seed, so two runs with the same
 * seed start from the same network and see the same batches.
 */
final class Training {

    /**
     * What a run needs besides the optimizer and the data.
     *
     * @param layers    the MLP's sizes, input to output
     * @param shift     the largest offset in pixels of the augmentation, 0 for none
     * @param weights   the dtype of the weights: float32, or bfloat16 or float16 updated directly
     * @param compute   the dtype the layers compute in: float32, or bfloat16 or float16 under Keras's
     *                  mixed policy (float32 weights)
     */
    record Settings(int[] layers, int epochs, int batchSize, long seed, double l2, double dropout, int shift, DType weights,
                    DType compute) {

        /** Settings with float32 weights, computing in float32. */
        Settings(int[] layers, int epochs, int batchSize, long seed, double l2, double dropout, int shift) {
            this(layers, epochs, batchSize, seed, l2, dropout, shift, DType.FLOAT32, DType.FLOAT32);
        }
    }

    private static final long REDRAW_NANOS = 100_000_000L;
    private static final int BAR_WIDTH = 20;

    private Training() {
    }

    /** Trains a new network with {@code optimizer}; {@code background} is the value of a blank pixel. */
    static MnistTrainer.Run run(String label, Optimizer optimizer, Settings s, MnistData train, MnistData eval,
                                float background, PrintWriter out) {
        return run(label, optimizer, s, train, eval, background, out, null);
    }

    /**
     * As {@link #run(String, Optimizer, Settings, MnistData, MnistData, float, PrintWriter)}, as
     * one worker of data-parallel training when {@code workers} is not null: every worker starts
     * from the same weights (the seed's) and arranges each epoch's digits alike; of each batch, worker
     * {@code r} of {@code N} takes examples {@code [b r / N, b (r + 1) / N)}, and the workers'
     * gradients are summed in worker order before every worker takes the same step. Only worker 0
     * evaluates and prints; the others return null.
     */
    static MnistTrainer.Run run(String label, Optimizer optimizer, Settings s, MnistData train, MnistData eval,
                                float background, PrintWriter out, Collective workers) {
        int rank = workers == null ? 0 : workers.rank();
        int n = train.count();
        int pixels = train.rows() * train.cols();
        Mlp mlp = new Mlp(s.layers(), s.seed());
        if (s.weights().isHalf()) {
            mlp.storeWeightsIn(s.weights());
        }
        if (s.compute().isHalf()) {
            mlp.computeIn(s.compute());
        }
        mlp.setL2(s.l2());
        // Each worker drops units of its own examples: its own stream (worker 0's is the one of a single process).
        mlp.setDropout(s.dropout(), s.seed() + 1 + rank * 0x9E3779B97F4A7C15L);
        double initialEvalLoss = rank != 0 ? Double.NaN : mlp.evaluate(eval.images(), eval.labels(), 0, eval.count()).loss();

        SplittableRandom random = new SplittableRandom(s.seed());
        SplittableRandom shifts = new SplittableRandom(s.seed() + 2);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        float[] images = new float[n * pixels];
        byte[] labels = new byte[n];
        double[] trainLoss = new double[s.epochs()];
        double[] evalLoss = new double[s.epochs()];
        double[] evalAccuracy = new double[s.epochs()];
        long start = System.nanoTime();
        for (int epoch = 0; epoch < s.epochs(); epoch++) {
            shuffle(order, random);
            for (int i = 0; i < n; i++) {
                if (s.shift() == 0) {
                    System.arraycopy(train.images(), order[i] * pixels, images, i * pixels, pixels);
                } else {
                    translate(train.images(), order[i] * pixels, images, i * pixels, train.rows(), train.cols(),
                            shifts.nextInt(-s.shift(), s.shift() + 1), shifts.nextInt(-s.shift(), s.shift() + 1),
                            background);
                }
                labels[i] = train.labels()[order[i]];
            }
            long epochStart = System.nanoTime();
            long lastDraw = 0;
            double lossSum = 0;
            for (int from = 0; from < n; from += s.batchSize()) {
                int to = Math.min(n, from + s.batchSize());
                if (optimizer instanceof LossScaleOptimizer lso) {
                    // Keras 3's scale_loss: the backward pass starts from the loss times the current scale.
                    mlp.setLossScale(lso.getDynamicScale());
                }
                double loss = workers == null ? mlp.trainBatch(images, labels, from, to, optimizer)
                        : dataParallelStep(mlp, images, labels, from, to, optimizer, workers);
                if (!Double.isFinite(loss)) {
                    throw new ArithmeticException("the training loss diverged (" + loss + ") in epoch " + (epoch + 1)
                            + "; try a smaller --lr or --clipnorm");
                }
                lossSum += loss * (to - from);
                long now = System.nanoTime();
                if (to == n || now - lastDraw > REDRAW_NANOS) {
                    lastDraw = now;
                    drawProgress(out, epoch, s.epochs(), to, n, lossSum / to, now - epochStart);
                }
            }
            trainLoss[epoch] = lossSum / n;
            if (rank != 0) {
                continue;
            }
            Mlp.Evaluation e = mlp.evaluate(eval.images(), eval.labels(), 0, eval.count());
            evalLoss[epoch] = e.loss();
            evalAccuracy[epoch] = e.accuracy();
            out.print("\r" + " ".repeat(80) + "\r");
            out.printf(Locale.ROOT, "epoch %d/%d  train loss %.4f  eval loss %.4f  eval acc %.4f  (%.1f s)%n",
                    epoch + 1, s.epochs(), trainLoss[epoch], evalLoss[epoch], evalAccuracy[epoch],
                    (System.nanoTime() - epochStart) / 1e9);
            out.flush();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (rank != 0) {
            return null;
        }
        int last = s.epochs() - 1;
        out.printf(Locale.ROOT, "%s: final eval accuracy %.2f%% (%,d digits), eval loss %.4f, %.1f s%n",
                label, 100 * evalAccuracy[last], eval.count(), evalLoss[last], seconds);
        out.flush();
        return new MnistTrainer.Run(label, initialEvalLoss, trainLoss, evalLoss, evalAccuracy, seconds);
    }

    /**
     * One worker's step on its share of the batch {@code [from, to)}: its gradients, summed with the
     * other workers' in worker order, then the optimizer's step. Returns the batch's mean loss.
     */
    private static double dataParallelStep(Mlp mlp, float[] images, byte[] labels, int from, int to, Optimizer optimizer,
                                           Collective workers) {
        int b = to - from;
        int r = workers.rank();
        int size = workers.size();
        double lossSum = mlp.computeGradientShare(images, labels, from + (int) ((long) b * r / size),
                from + (int) ((long) b * (r + 1) / size), b, r == 0);
        for (Tensor g : mlp.gradients()) {
            workers.allReduceSum(g);
        }
        try (Tensor loss = Tensor.of(new double[] {lossSum}, 1)) {
            workers.allReduceSum(loss);
            optimizer.apply(mlp.gradients(), mlp.variables());
            return loss.getDouble(0) / b;
        }
    }

    /** Fisher-Yates, from the end. */
    private static void shuffle(int[] order, SplittableRandom random) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    private static void drawProgress(PrintWriter out, int epoch, int epochs, int done, int n, double loss, long nanos) {
        int filled = (int) ((long) BAR_WIDTH * done / n);
        double perSecond = nanos > 0 ? done / (nanos / 1e9) : 0;
        out.printf(Locale.ROOT, "\repoch %d/%d [%s%s] %d/%d  loss %.4f  %,d ex/s",
                epoch + 1, epochs, "#".repeat(filled), ".".repeat(BAR_WIDTH - filled), done, n, loss,
                Math.round(perSecond));
        out.flush();
    }

    /**
     * Copies the {@code rows x cols} image at {@code from} into {@code to}, moved {@code dx}
     * pixels right and {@code dy} down; pixels moved in from outside get {@code background}.
     */
    static void translate(float[] source, int from, float[] target, int to, int rows, int cols, int dx, int dy,
                          float background) {
        for (int r = 0; r < rows; r++) {
            int sr = r - dy;
            for (int c = 0; c < cols; c++) {
                int sc = c - dx;
                target[to + r * cols + c] = sr >= 0 && sr < rows && sc >= 0 && sc < cols
                        ? source[from + sr * cols + sc] : background;
            }
        }
    }
}
