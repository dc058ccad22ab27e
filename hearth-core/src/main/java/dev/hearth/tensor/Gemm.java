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

    /**
     * Floats of one thread's scratch for matrices of up to {@code cols} columns: six rows of weights and the
     * accumulators, or a whole {@link InterleavedMatrix} group (32 rows) where this machine repacks.
     */
    public static int tileLength(int cols) {
        int rows = Math.addExact(Math.multiplyExact(ROW_TILE, cols), ROW_TILE * VECTORS * G);
        if (!InterleavedMatrix.SUPPORTED) {
            return rows;
        }
        return Math.max(rows, Math.addExact(Math.multiplyExact(InterleavedMatrix.GROUP_ROWS, cols),
                InterleavedMatrix.TEMP + INTERLEAVED_TILE * VECTORS * G));
    }

    /**
     * Rows a caller should split prompt work by: whole micro-kernel tiles of plain matrices (6) and whole
     * groups of repacked ones (32).
     */
    public static final int ROW_GRAIN = 96;

    /** Weight rows per micro-kernel pass over a repacked group: a quarter of it. */
    private static final int INTERLEAVED_TILE = 8;

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

    /**
     * As {@link #multiply} for a matrix repacked into {@link InterleavedMatrix} groups:
     * each group of 32 rows touched by {@code [rowStart, rowEnd)} is decoded once, column-major, into
     * {@code tile} ({@link #tileLength}), and an 8-row micro-kernel (16 accumulators; 32 = 4 x 8, so no
     * padded rows, where 6-row tiles would waste an eighth) runs over each quarter. Same arithmetic as
     * {@link #multiply}: each output is the FMA chain over k in column order, so the results are identical.
     */
    public static void multiplyInterleaved(InterleavedMatrix m, int rowStart, int rowEnd, float[] packed, int n,
            float[] out, int outStride, float[] tile) {
        int cols = m.cols;
        int groups = (n + G - 1) / G;
        int rowsPerGroup = InterleavedMatrix.GROUP_ROWS;
        int temp = rowsPerGroup * cols;
        int results = temp + InterleavedMatrix.TEMP;
        for (int wg = rowStart / rowsPerGroup; wg * rowsPerGroup < rowEnd; wg++) {
            m.dequantizeGroup(wg, tile, tile, temp);
            for (int t = 0; t < rowsPerGroup; t += INTERLEAVED_TILE) {
                int first = wg * rowsPerGroup + t;
                int from = Math.max(first, rowStart);
                int to = Math.min(first + INTERLEAVED_TILE, rowEnd);
                if (from >= to) {
                    continue;
                }
                int g = 0;
                for (; g + 1 < groups; g += 2) {
                    kernel8x2(tile, t, cols, packed, g * cols * G, (g + 1) * cols * G, results);
                    scatter(tile, results, 2, g, from - first, to - first, n, out, outStride, first);
                }
                if (g < groups) {
                    kernel8x1(tile, t, cols, packed, g * cols * G, results);
                    scatter(tile, results, 1, g, from - first, to - first, n, out, outStride, first);
                }
            }
        }
    }

    /** Accumulator vector (row i, vector v) of the last pass, at tile[results + (i * VECTORS + v) * G]. */
    private static void scatter(float[] tile, int results, int vectors, int group, int rows, int n, float[] out,
            int outStride, int row) {
        scatter(tile, results, vectors, group, 0, rows, n, out, outStride, row);
    }

    /** As above for accumulator rows {@code [from, to)} only, to output rows {@code row + i}. */
    private static void scatter(float[] tile, int results, int vectors, int group, int from, int to, int n,
            float[] out, int outStride, int row) {
        // Token by token, its rows side by side: the (up to) six stores of one token share a cache line of
        // out, where row-by-row order touched a new line (outStride floats apart) with every store.
        for (int v = 0; v < vectors; v++) {
            int t0 = (group + v) * G;
            int tokens = Math.min(G, n - t0);
            for (int lane = 0; lane < tokens; lane++) {
                int dst = (t0 + lane) * outStride + row;
                int src = results + v * G + lane;
                for (int i = from; i < to; i++) {
                    out[dst + i] = tile[src + i * VECTORS * G];
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

    /**
     * Eight rows of a column-major group (row {@code t + i}, column k at {@code tile[32 * k + t + i]}) times two
     * token groups, over all columns.
     */
    private static void kernel8x2(float[] tile, int t, int cols, float[] packed, int p0, int p1, int results) {
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
        FloatVector a60 = a00;
        FloatVector a61 = a00;
        FloatVector a70 = a00;
        FloatVector a71 = a00;
        for (int k = 0; k < cols; k++) {
            FloatVector x0 = FloatVector.fromArray(F, packed, p0 + k * G);
            FloatVector x1 = FloatVector.fromArray(F, packed, p1 + k * G);
            int wk = 32 * k + t;
            FloatVector w = FloatVector.broadcast(F, tile[wk]);
            a00 = w.fma(x0, a00);
            a01 = w.fma(x1, a01);
            w = FloatVector.broadcast(F, tile[wk + 1]);
            a10 = w.fma(x0, a10);
            a11 = w.fma(x1, a11);
            w = FloatVector.broadcast(F, tile[wk + 2]);
            a20 = w.fma(x0, a20);
            a21 = w.fma(x1, a21);
            w = FloatVector.broadcast(F, tile[wk + 3]);
            a30 = w.fma(x0, a30);
            a31 = w.fma(x1, a31);
            w = FloatVector.broadcast(F, tile[wk + 4]);
            a40 = w.fma(x0, a40);
            a41 = w.fma(x1, a41);
            w = FloatVector.broadcast(F, tile[wk + 5]);
            a50 = w.fma(x0, a50);
            a51 = w.fma(x1, a51);
            w = FloatVector.broadcast(F, tile[wk + 6]);
            a60 = w.fma(x0, a60);
            a61 = w.fma(x1, a61);
            w = FloatVector.broadcast(F, tile[wk + 7]);
            a70 = w.fma(x0, a70);
            a71 = w.fma(x1, a71);
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
        a60.intoArray(tile, results + 12 * G);
        a61.intoArray(tile, results + 13 * G);
        a70.intoArray(tile, results + 14 * G);
        a71.intoArray(tile, results + 15 * G);
    }

    /** As {@link #kernel8x2} for a single (last) token group. */
    private static void kernel8x1(float[] tile, int t, int cols, float[] packed, int p0, int results) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        FloatVector a6 = a0;
        FloatVector a7 = a0;
        for (int k = 0; k < cols; k++) {
            FloatVector x0 = FloatVector.fromArray(F, packed, p0 + k * G);
            int wk = 32 * k + t;
            a0 = FloatVector.broadcast(F, tile[wk]).fma(x0, a0);
            a1 = FloatVector.broadcast(F, tile[wk + 1]).fma(x0, a1);
            a2 = FloatVector.broadcast(F, tile[wk + 2]).fma(x0, a2);
            a3 = FloatVector.broadcast(F, tile[wk + 3]).fma(x0, a3);
            a4 = FloatVector.broadcast(F, tile[wk + 4]).fma(x0, a4);
            a5 = FloatVector.broadcast(F, tile[wk + 5]).fma(x0, a5);
            a6 = FloatVector.broadcast(F, tile[wk + 6]).fma(x0, a6);
            a7 = FloatVector.broadcast(F, tile[wk + 7]).fma(x0, a7);
        }
        a0.intoArray(tile, results);
        a1.intoArray(tile, results + 2 * G);
        a2.intoArray(tile, results + 4 * G);
        a3.intoArray(tile, results + 6 * G);
        a4.intoArray(tile, results + 8 * G);
        a5.intoArray(tile, results + 10 * G);
        a6.intoArray(tile, results + 12 * G);
        a7.intoArray(tile, results + 14 * G);
    }
}
