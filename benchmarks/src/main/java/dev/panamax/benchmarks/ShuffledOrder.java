package dev.panamax.benchmarks;

import java.util.SplittableRandom;

/**
 * The order in which a round of a paired benchmark runs its contenders: a new permutation every
 * round, from a fixed seed so that every run shuffles alike. Shuffled rather than rotated: in a
 * rotation every contender always follows the same one and pays for what that one left behind
 * (dirty cache lines to write back, a cold branch predictor).
 */
final class ShuffledOrder {

    private final SplittableRandom random = new SplittableRandom(42);
    private final int[] order;

    /** Orders of the contenders {@code 0 .. contenders - 1}. */
    ShuffledOrder(int contenders) {
        order = new int[contenders];
    }

    /** The next round's order (the same array, refilled: read it before the next call). */
    int[] next() {
        for (int j = 0; j < order.length; j++) { // Fisher-Yates, inside-out
            int k = random.nextInt(j + 1);
            order[j] = order[k];
            order[k] = j;
        }
        return order;
    }
}
