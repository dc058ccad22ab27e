package dev.hearth.cli;

import dev.hearth.gguf.GgmlType;
import dev.hearth.gguf.GgufException;
import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufTensorInfo;
import dev.hearth.gguf.GgufValue;
import dev.hearth.gguf.GgufValueType;
import dev.hearth.tensor.RowKernel;
import dev.hearth.tensor.TensorKernels;
import dev.hearth.tensor.UnsupportedTensorTypeException;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hearth inspect FILE}: a GGUF file's header, metadata and tensor table, in the spirit of gguf-py's
 * {@code gguf-dump}; with {@code --tensor NAME}, the first rows of one tensor dequantized to float32.
 */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = {
            "Show a GGUF file's metadata and tensor table, or the first rows of one tensor.",
            "Shapes are in GGML order: the first number is the row length.",
        })
final class InspectCommand implements Callable<Integer> {

    /** Strings longer than this are cut in the metadata table (as gguf-dump does at 60). */
    static final int MAX_STRING_CHARS = 60;
    /** Each string inside an array is cut shorter. */
    static final int MAX_ELEMENT_CHARS = 30;
    /** Arrays show this many elements, then "...". */
    static final int MAX_ARRAY_ELEMENTS = 6;
    /** Rows are dequantized this many elements at a time, so a long row never needs one big buffer. */
    private static final int CHUNK_ELEMENTS = 1 << 16;

    @Parameters(index = "0", paramLabel = "FILE", description = "GGUF file to inspect.")
    Path file;

    @Option(names = "--tensor", paramLabel = "NAME", description = "Print the first rows of this tensor.")
    String tensorName;

    @Option(names = "--rows", paramLabel = "N", description = "With --tensor: how many rows (default 1).")
    Long rows;

    @Option(names = "--json", description = "With --tensor: print the rows as a JSON array of arrays of numbers.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (tensorName == null && (rows != null || json)) {
            throw new IllegalArgumentException("--rows and --json need --tensor NAME");
        }
        try (GgufFile gguf = GgufFile.open(file)) {
            PrintWriter out = spec.commandLine().getOut();
            if (tensorName == null) {
                printSummary(gguf, out);
            } else {
                printRows(gguf, out);
            }
            out.flush();
        }
        return 0;
    }

    // ---- metadata and tensor table -----------------------------------------------------------------

    private void printSummary(GgufFile gguf, PrintWriter out) {
        Map<String, GgufValue> metadata = gguf.metadata();
        List<GgufTensorInfo> tensors = gguf.tensors();
        StringBuilder sb = new StringBuilder();
        sb.append("GGUF file: ").append(GgufFile.printable(file.toString())).append('\n');
        sb.append("  version ").append(gguf.version()).append(", ")
                .append(plural(metadata.size(), "key/value pair")).append(", ")
                .append(plural(tensors.size(), "tensor")).append(", ")
                .append(gguf.fileSize()).append(" bytes (alignment ").append(gguf.alignment());
        if (!tensors.isEmpty()) {
            sb.append(", tensor data at offset ").append(gguf.dataOffset());
        }
        sb.append(")\n\n");

        sb.append("* ").append(plural(metadata.size(), "key/value pair")).append('\n');
        sb.append(String.format("  %5s  %-12s %8s  %s%n", "#", "type", "count", "key = value"));
        int n = 0;
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            GgufValue v = e.getValue();
            long count = v.type() == GgufValueType.ARRAY ? v.asArray().length() : 1;
            sb.append(String.format("  %5d  %-12s %8d  %s = ", ++n, typeName(v), count, e.getKey()));
            formatValue(sb, v.type(), v.value());
            sb.append('\n');
        }

        if (!tensors.isEmpty()) {
            int nameWidth = "name".length();
            for (GgufTensorInfo t : tensors) {
                nameWidth = Math.max(nameWidth, GgufFile.printable(t.name()).length());
            }
            String row = "  %5s  %-" + nameWidth + "s  %-7s  %-26s %12s %14s%n";
            sb.append('\n').append("* ").append(plural(tensors.size(), "tensor")).append('\n');
            sb.append(String.format(row, "#", "name", "type", "shape", "elements", "file offset"));
            n = 0;
            for (GgufTensorInfo t : tensors) {
                sb.append(String.format(row, ++n, GgufFile.printable(t.name()), t.type(), shape(t),
                        t.elementCount(), gguf.tensorFileOffset(t)));
            }
        }
        out.print(sb);
    }

    private static String plural(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private static String shape(GgufTensorInfo t) {
        StringBuilder sb = new StringBuilder("[");
        long[] shape = t.shape();
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(']').toString();
    }

    /** {@code UINT32}, {@code [STRING]}, {@code [[INT32]]}: nested arrays by their first element. */
    static String typeName(GgufValue v) {
        if (v.type() != GgufValueType.ARRAY) {
            return v.type().name();
        }
        StringBuilder open = new StringBuilder();
        GgufValue.GgufArray a = v.asArray();
        while (true) {
            open.append('[');
            if (a.elementType() != GgufValueType.ARRAY || a.length() == 0) {
                break;
            }
            a = ((GgufValue.GgufArray[]) a.elements())[0];
        }
        return open + a.elementType().name() + "]".repeat(open.length());
    }

    static void formatValue(StringBuilder sb, GgufValueType type, Object value) {
        switch (type) {
            case UINT64 -> sb.append(Long.toUnsignedString((Long) value));
            case STRING -> quote(sb, (String) value, MAX_STRING_CHARS, true);
            case ARRAY -> formatArray(sb, (GgufValue.GgufArray) value);
            default -> sb.append(value); // other integers are stored unsigned-normalized; floats, bools print as Java does
        }
    }

    private static void formatArray(StringBuilder sb, GgufValue.GgufArray a) {
        int length = a.length();
        int shown = Math.min(length, MAX_ARRAY_ELEMENTS);
        sb.append('[');
        for (int i = 0; i < shown; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            switch (a.elements()) {
                case String[] s -> quote(sb, s[i], MAX_ELEMENT_CHARS, false);
                case GgufValue.GgufArray[] nested -> formatArray(sb, nested[i]);
                case float[] f -> sb.append(f[i]);
                case double[] d -> sb.append(d[i]);
                case boolean[] b -> sb.append(b[i]);
                case long[] l when a.elementType() == GgufValueType.UINT64 -> sb.append(Long.toUnsignedString(l[i]));
                default -> sb.append(a.longAt(i));
            }
        }
        if (length > shown) {
            sb.append(", ... ").append(length - shown).append(" more");
        }
        sb.append(']');
    }

    /**
     * A double-quoted string with JSON-style escapes (so control characters never reach the terminal), cut
     * after {@code maxChars} characters with "..." and, if {@code sayLength}, the full length.
     */
    static void quote(StringBuilder sb, String s, int maxChars, boolean sayLength) {
        int end = s.length();
        boolean cut = end > maxChars;
        if (cut) {
            end = maxChars - 3;
            if (Character.isHighSurrogate(s.charAt(end - 1))) {
                end--; // never split a surrogate pair
            }
        }
        sb.append('"');
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || (c >= 0x7F && c < 0xA0)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        if (cut) {
            sb.append("...");
        }
        sb.append('"');
        if (cut && sayLength) {
            sb.append(" (").append(s.length()).append(" chars)");
        }
    }

    // ---- tensor rows -------------------------------------------------------------------------------

    private void printRows(GgufFile gguf, PrintWriter out) {
        GgufTensorInfo t = gguf.findTensor(tensorName).orElseThrow(() -> new GgufException(
                "no tensor named '" + GgufFile.printable(tensorName) + "' in " + file + " (it has "
                        + plural(gguf.tensors().size(), "tensor") + "; 'hearth inspect " + file + "' lists them)"));
        String name = GgufFile.printable(t.name());
        long n = rows == null ? 1 : rows;
        if (n < 1 || n > t.rows()) {
            throw new IllegalArgumentException("--rows " + n + " is out of range: tensor '" + name + "' has "
                    + plural(t.rows(), "row") + " (of " + t.rowLength() + " elements)");
        }
        RowKernel kernel;
        try {
            kernel = TensorKernels.scalar(t.type());
        } catch (UnsupportedTensorTypeException e) {
            throw new IllegalArgumentException("cannot dequantize tensor '" + name + "': " + e.getMessage(), e);
        }
        MemorySegment data = gguf.tensorData(t);
        GgmlType type = t.type();
        long rowBytes = t.rowBytes();
        long rowLength = t.rowLength();
        float[] chunk = new float[(int) Math.min(rowLength, CHUNK_ELEMENTS)];
        long nonFinite = 0;
        StringBuilder sb = new StringBuilder();
        if (json) {
            sb.append("[\n");
        } else {
            sb.append("tensor '").append(name).append("': ").append(type).append(' ').append(shape(t))
                    .append(", first ").append(plural(n, "row")).append(" of ").append(rowLength).append(":\n");
        }
        for (long r = 0; r < n; r++) {
            sb.append(json ? "  [" : "");
            for (long done = 0; done < rowLength; ) {
                int count = (int) Math.min(chunk.length, rowLength - done);
                long byteOffset = r * rowBytes + done / type.blockSize() * type.typeSize();
                kernel.dequantize(data, byteOffset, chunk, 0, count);
                for (int i = 0; i < count; i++) {
                    float x = chunk[i];
                    if (done + i > 0) {
                        sb.append(json ? "," : " ");
                    }
                    if (json && !Float.isFinite(x)) {
                        sb.append("null"); // JSON has no NaN or Infinity
                        nonFinite++;
                    } else {
                        sb.append(x); // Float.toString: the shortest decimal that reads back to the same float
                    }
                }
                done += count;
                out.print(sb);
                sb.setLength(0);
            }
            sb.append(json ? (r + 1 < n ? "],\n" : "]\n") : "\n");
        }
        if (json) {
            sb.append("]\n");
        }
        out.print(sb);
        out.flush();
        if (nonFinite > 0) {
            spec.commandLine().getErr().println("hearth: warning: " + plural(nonFinite, "value")
                    + " of tensor '" + name + "' " + (nonFinite == 1 ? "is" : "are")
                    + " NaN or infinite, printed as null (JSON has no such numbers)");
        }
    }
}
