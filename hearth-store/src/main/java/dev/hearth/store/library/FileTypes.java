package dev.hearth.store.library;

/**
 * Names of {@code general.file_type} values: llama.cpp's {@code enum llama_ftype}, the "quantization" a
 * model file is said to have (most tensors are of that type; small 1-D tensors stay F32).
 */
final class FileTypes {
    private FileTypes() {}

    private static final String[] NAMES = new String[64];

    static {
        NAMES[0] = "F32";
        NAMES[1] = "F16";
        NAMES[2] = "Q4_0";
        NAMES[3] = "Q4_1";
        NAMES[7] = "Q8_0";
        NAMES[8] = "Q5_0";
        NAMES[9] = "Q5_1";
        NAMES[10] = "Q2_K";
        NAMES[11] = "Q3_K_S";
        NAMES[12] = "Q3_K_M";
        NAMES[13] = "Q3_K_L";
        NAMES[14] = "Q4_K_S";
        NAMES[15] = "Q4_K_M";
        NAMES[16] = "Q5_K_S";
        NAMES[17] = "Q5_K_M";
        NAMES[18] = "Q6_K";
        NAMES[19] = "IQ2_XXS";
        NAMES[20] = "IQ2_XS";
        NAMES[21] = "Q2_K_S";
        NAMES[22] = "IQ3_XS";
        NAMES[23] = "IQ3_XXS";
        NAMES[24] = "IQ1_S";
        NAMES[25] = "IQ4_NL";
        NAMES[26] = "IQ3_S";
        NAMES[27] = "IQ3_M";
        NAMES[28] = "IQ2_S";
        NAMES[29] = "IQ2_M";
        NAMES[30] = "IQ4_XS";
        NAMES[31] = "IQ1_M";
        NAMES[32] = "BF16";
        NAMES[36] = "TQ1_0";
        NAMES[37] = "TQ2_0";
        NAMES[38] = "MXFP4";
    }

    /** The name of a file type id, or null if unknown. */
    static String name(long id) {
        return id >= 0 && id < NAMES.length ? NAMES[(int) id] : null;
    }
}
