/*
 * A C peer for HalfSlotsBenchmark's Adam forms: how much faster this machine runs Adam with
 * bfloat16 moments (20 bytes per element) than float32 Adam (28 bytes) on one thread, with code
 * the compiler vectorises as it likes (gcc -O3 -march=native, multiply-adds fused). It measures
 * the machine, not Panamax: the product is pure Java, and this file is not part of any build.
 *
 *   gcc -O3 -march=native -fno-math-errno -o /tmp/adam-moments-peer benchmarks/c/adam-moments-peer.c -lm
 *   /tmp/adam-moments-peer [elements, default 64M] [rounds, default 9]
 *
 * Each round times the float32 step, then the bfloat16-moments step, back to back; the output is
 * each form's bandwidth and the per-round speed-up, median (min-max).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static inline float widen(uint16_t h) {
    uint32_t u = (uint32_t) h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* Round to nearest even; NaN is not handled (the peer sees none). */
static inline uint16_t narrow(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    u += ((u >> 16) & 1) + 0x7FFF;
    return (uint16_t) (u >> 16);
}

static void adam32(float *restrict w, float *restrict m, float *restrict v, const float *restrict g, long n) {
    for (long i = 0; i < n; i++) {
        float mi = m[i] + (g[i] - m[i]) * 0.1f;
        float vi = v[i] + (g[i] * g[i] - v[i]) * 0.001f;
        m[i] = mi;
        v[i] = vi;
        w[i] -= mi * 1e-3f / (sqrtf(vi) + 1e-7f);
    }
}

static void adam16(float *restrict w, uint16_t *restrict m, uint16_t *restrict v, const float *restrict g, long n) {
    for (long i = 0; i < n; i++) {
        float m0 = widen(m[i]), v0 = widen(v[i]);
        float mi = m0 + (g[i] - m0) * 0.1f;
        float vi = v0 + (g[i] * g[i] - v0) * 0.001f;
        m[i] = narrow(mi);
        v[i] = narrow(vi);
        w[i] -= mi * 1e-3f / (sqrtf(vi) + 1e-7f);
    }
}

static int compare(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 64L << 20;
    int rounds = argc > 2 ? atoi(argv[2]) : 9;
    float *w = aligned_alloc(64, n * 4), *m = aligned_alloc(64, n * 4), *v = aligned_alloc(64, n * 4), *g = aligned_alloc(64, n * 4);
    uint16_t *mh = aligned_alloc(64, n * 2), *vh = aligned_alloc(64, n * 2);
    double *speedUp = malloc(rounds * sizeof(double)), *gb32 = malloc(rounds * sizeof(double)), *gb16 = malloc(rounds * sizeof(double));
    for (long i = 0; i < n; i++) {
        w[i] = 0.5f; m[i] = 0; v[i] = 0; g[i] = 1e-3f; mh[i] = 0; vh[i] = 0;
    }
    adam32(w, m, v, g, n);
    adam16(w, mh, vh, g, n);
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        adam32(w, m, v, g, n);
        double t1 = now();
        adam16(w, mh, vh, g, n);
        double t2 = now();
        gb32[r] = 28.0 * n / (t1 - t0) / 1e9;
        gb16[r] = 20.0 * n / (t2 - t1) / 1e9;
        speedUp[r] = (t1 - t0) / (t2 - t1);
    }
    qsort(speedUp, rounds, sizeof(double), compare);
    qsort(gb32, rounds, sizeof(double), compare);
    qsort(gb16, rounds, sizeof(double), compare);
    printf("%ld elements, %d rounds: float32 %.1f GB/s (%.1f-%.1f), bfloat16 moments %.1f GB/s (%.1f-%.1f),"
           " speed-up %.2f (%.2f-%.2f)\n", n, rounds, gb32[rounds / 2], gb32[0], gb32[rounds - 1], gb16[rounds / 2], gb16[0],
           gb16[rounds - 1], speedUp[rounds / 2], speedUp[0], speedUp[rounds - 1]);
    return 0;
}
