package dev.hearth.chat.template;

/** One lexical token of a template. {@code value} holds decoded literals (String, Long, BigInteger, Double). */
record Token(Kind kind, String text, Object value, int line) {

    enum Kind { DATA, VARIABLE_BEGIN, VARIABLE_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INTEGER, FLOAT, OPERATOR, EOF }

    boolean is(Kind k) {
        return kind == k;
    }

    boolean isOperator(String op) {
        return kind == Kind.OPERATOR && text.equals(op);
    }

    boolean isName(String name) {
        return kind == Kind.NAME && text.equals(name);
    }

    /** How error messages name this token, the way Jinja does ("end of print statement", "'foo'"). */
    String describe() {
        return switch (kind) {
            case EOF -> "end of template";
            case BLOCK_END -> "end of statement block";
            case VARIABLE_END -> "end of print statement";
            case BLOCK_BEGIN -> "begin of statement block";
            case VARIABLE_BEGIN -> "begin of print statement";
            case DATA -> "template data";
            case STRING -> "string";
            case INTEGER -> "integer";
            case FLOAT -> "float";
            default -> "'" + text + "'";
        };
    }
}
