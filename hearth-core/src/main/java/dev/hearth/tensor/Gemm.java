package dev.hearth.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix-matrix product for prompt batches: {@code out[t * outStride + r] = W[r] . x[t]} for a batch of
 * {@code n} activation rows, register-tiled.
 *
 * <p>Activations are first packed token-major into groups of {@link #lanes()} tokens, {@code packed[(g * cols
 * + k) * lanes + i] = x[g * lanes + i][k]} (zero past {@code n}), so one vector load gives the same column of
 * a whole group. Weights are then taken {@link #ROW_TILE} rows at a time: the kernel dequantizes those rows
 * once ({@link MatmulKernel#dequantizeRows}) into a per-thread float tile, and the micro-kernel sweeps the
 * columns keeping {@code ROW_TILE x 2} accumulator vectors in registers: per column it loads two token
 * vectors, broadcasts each of the six weights and issues twelve FMAs. Nothing is reduced across lanes and
 * no weight is decoded twice per batch.
 *
 * <p>Each output is the float sum over k of {@code w[k] * x[k]} in column order, with fused multiply-adds.
 *
 * <p>The 6 x 2 micro-kernel alone runs at 108-116 GFLOP/s on one Zen 4 core (2026-11-24), the float FMA peak
 * of one 512-bit FMA per cycle; an 8 x 3 tile (24 accumulators, fewer loads per FMA) measured 88-96. Prompt
 * speed beyond that needs integer products (see GemvKernels on what the Vector API offers).
 */
public final class Gemm {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int G = F.length();
    /** Weight rows per micro-kernel pass; callers split rows in multiples of it. */
    public static final int ROW_TILE = 6;
    private static final int VECTORS = 2;

    private Gemm() {
    }

    /** Tokens per packed group: the float vector length. */
    public static int lanes() {
        return G;
    }

    /** Floats of the packed activations of {@code n} rows of {@code cols}. */
    public static int packedLength(int n, int cols) {
        return Math.multiplyExact(Math.multiplyExact((n + G - 1) / G, G), cols);
    }

    /** Floats of one thread's scratch for matrices of up to {@code cols} columns. */
    public static int tileLength(int cols) {
        return Math.addExact(Math.multiplyExact(ROW_TILE, cols), ROW_TILE * VECTORS * G);
    }

    /**
     * Packs columns {@code [colStart, colEnd)} of {@code x} (n rows of {@code cols}, row t at {@code t * cols})
     * into {@code packed}; call it for disjoint column ranges from several threads to split the work.
     */
    public static void pack(float[] x, int n, int cols, float[] packed, int colStart, int colEnd) {
        int groups = (n + G - 1) / G;
        for (int g = 0; g < groups; g++) {
            int base = g * cols * G;
            int tokens = Math.min(G, n - g * G);
            for (int i = 0; i < tokens; i++) {
                int src = (g * G + i) * cols;
                for (int k = colStart; k < colEnd; k++) {
                    packed[base + k * G + i] = x[src + k];
                }
            }
            for (int i = tokens; i < G; i++) {
                for (int k = colStart; k < colEnd; k++) {
                    packed[base + k * G + i] = 0f;
                }
            }
        }
    }

    /**
     * {@code out[t * outStride + r] = W[r] . x[t]} for rows {@code [rowStart, rowEnd)} and {@code t < n}, with
     * {@code x} already {@link #pack packed}. {@code tile} is this thread's scratch ({@link #tileLength}).
     */
    public static void multiply(MatmulKernel kernel, MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd,
            float[] packed, int n, float[] out, int outStride, float[] tile) {
        int groups = (n + G - 1) / G;
        int results = ROW_TILE * cols;
        for (int r = rowStart; r < rowEnd; r += ROW_TILE) {
            int rows = Math.min(ROW_TILE, rowEnd - r);
            kernel.dequantizeRows(w, rowBytes, cols, r, rows, tile);
            if (rows < ROW_TILE) {
                Arrays.fill(tile, rows * cols, ROW_TILE * cols, 0f);
            }
            int g = 0;
            for (; g + 1 < groups; g += 2) {
                kernel6x2(tile, cols, packed, g * cols * G, (g + 1) * cols * G, results);
                scatter(tile, results, 2, g, rows, n, out, outStride, r);
            }
            if (g < groups) {
                kernel6x1(tile, cols, packed, g * cols * G, results);
                scatter(tile, results, 1, g, rows, n, out, outStride, r);
            }
        }
    }

    /** Accumulator vector (row i, vector v) of the last pass, at tile[results + (i * VECTORS + v) * G]. */
    private static void scatter(float[] tile, int results, int vectors, int group, int rows, int n, float[] out,
            int outStride, int row) {
        for (int v = 0; v < vectors; v++) {
            int t0 = (group + v) * G;
            int tokens = Math.min(G, n - t0);
            for (int i = 0; i < rows; i++) {
                int src = results + (i * VECTORS + v) * G;
                for (int lane = 0; lane < tokens; lane++) {
                    out[(t0 + lane) * outStride + row + i] = tile[src + lane];
                }
            }
        }
    }

    /** Six weight rows (tile rows 0..5) times two token groups (packed at p0 and p1), over all columns. */
    private static void kernel6x2(float[] tile, int cols, float[] packed, int p0, int p1, int results) {
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        FloatVector a40 = a00;
        FloatVector a41 = a00;
        FloatVector a50 = a00;
        FloatVector a51 = a00;
        int r1 = cols;
        int r2 = 2 * cols;
        int r3 = 3 * cols;
        int r4 = 4 * cols;
        int r5 = 5 * cols;
        for (int k = 0; k < cols; k++) {
            FloatVector x0 = FloatVector.fromArray(F, packed, p0 + k * G);
            FloatVector x1 = FloatVector.fromArray(F, packed, p1 + k * G);
            FloatVector w = FloatVector.broadcast(F, tile[k]);
            a00 = w.fma(x0, a00);
            a01 = w.fma(x1, a01);
            w = FloatVector.broadcast(F, tile[r1 + k]);
            a10 = w.fma(x0, a10);
            a11 = w.fma(x1, a11);
            w = FloatVector.broadcast(F, tile[r2 + k]);
            a20 = w.fma(x0, a20);
            a21 = w.fma(x1, a21);
            w = FloatVector.broadcast(F, tile[r3 + k]);
            a30 = w.fma(x0, a30);
            a31 = w.fma(x1, a31);
            w = FloatVector.broadcast(F, tile[r4 + k]);
            a40 = w.fma(x0, a40);
            a41 = w.fma(x1, a41);
            w = FloatVector.broadcast(F, tile[r5 + k]);
            a50 = w.fma(x0, a50);
            a51 = w.fma(x1, a51);
        }
        a00.intoArray(tile, results);
        a01.intoArray(tile, results + G);
        a10.intoArray(tile, results + 2 * G);
        a11.intoArray(tile, results + 3 * G);
        a20.intoArray(tile, results + 4 * G);
        a21.intoArray(tile, results + 5 * G);
        a30.intoArray(tile, results + 6 * G);
        a31.intoArray(tile, results + 7 * G);
        a40.intoArray(tile, results + 8 * G);
        a41.intoArray(tile, results + 9 * G);
        a50.intoArray(tile, results + 10 * G);
        a51.intoArray(tile, results + 11 * G);
    }

    /** As {@link #kernel6x2} for a single (last) token group. */
    private static void kernel6x1(float[] tile, int cols, float[] packed, int p0, int results) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        int r1 = cols;
        int r2 = 2 * cols;
        int r3 = 3 * cols;
        int r4 = 4 * cols;
        int r5 = 5 * cols;
        for (int k = 0; k < cols; k++) {
            FloatVector x0 = FloatVector.fromArray(F, packed, p0 + k * G);
            a0 = FloatVector.broadcast(F, tile[k]).fma(x0, a0);
            a1 = FloatVector.broadcast(F, tile[r1 + k]).fma(x0, a1);
            a2 = FloatVector.broadcast(F, tile[r2 + k]).fma(x0, a2);
            a3 = FloatVector.broadcast(F, tile[r3 + k]).fma(x0, a3);
            a4 = FloatVector.broadcast(F, tile[r4 + k]).fma(x0, a4);
            a5 = FloatVector.broadcast(F, tile[r5 + k]).fma(x0, a5);
        }
        a0.intoArray(tile, results);
        a1.intoArray(tile, results + 2 * G);
        a2.intoArray(tile, results + 4 * G);
        a3.intoArray(tile, results + 6 * G);
        a4.intoArray(tile, results + 8 * G);
        a5.intoArray(tile, results + 10 * G);
    }
}
