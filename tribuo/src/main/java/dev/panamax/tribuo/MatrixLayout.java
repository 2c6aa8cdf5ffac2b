package dev.panamax.tribuo;

import dev.panamax.optimizers.Adadelta;
import dev.panamax.optimizers.Adagrad;
import dev.panamax.optimizers.Adam;
import dev.panamax.optimizers.AdamW;
import dev.panamax.optimizers.Adamax;
import dev.panamax.optimizers.Ftrl;
import dev.panamax.optimizers.Lion;
import dev.panamax.optimizers.LossScaleOptimizer;
import dev.panamax.optimizers.Nadam;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.optimizers.RMSprop;
import dev.panamax.optimizers.SGD;
import dev.panamax.optimizers.ScheduleFreeAdamW;
import java.util.Set;

/**
 * Whether a Tribuo {@code DenseMatrix} may be handed to an optimizer as its rows, each a Panamax
 * variable over the matrix's own row array (no copy), or must be one variable of shape
 * {@code [rows, cols]} over a copy.
 *
 * <p>Rows give the same numbers as the whole matrix exactly when the optimizer's step treats every
 * element on its own: Keras's element-wise optimizers, with no per-variable norm. {@code clipnorm}
 * (the norm of each variable's gradient), Lamb (each variable's trust ratio), Adafactor (row and
 * column statistics), Muon (orthogonalised matrices, AdamW for rank 1) and user optimizers (which
 * may do anything) get the whole matrix. {@code global_clipnorm}, {@code clipvalue}, weight decay,
 * EMA, gradient accumulation and loss scaling are element-wise or global, so they keep rows.
 */
final class MatrixLayout {

    private static final Set<Class<? extends Optimizer>> ELEMENT_WISE = Set.of(SGD.class, Adam.class, AdamW.class,
            RMSprop.class, Adagrad.class, Adadelta.class, Adamax.class, Nadam.class, Ftrl.class, Lion.class,
            ScheduleFreeAdamW.class);

    private MatrixLayout() {
    }

    /** Whether {@code optimizer} may update a matrix as separate rows (see the class comment). */
    static boolean rowsInPlace(Optimizer optimizer) {
        Optimizer stepping = optimizer instanceof LossScaleOptimizer wrapper ? wrapper.getInnerOptimizer() : optimizer;
        return ELEMENT_WISE.contains(stepping.getClass()) && stepping.getClipnorm() == null;
    }
}
