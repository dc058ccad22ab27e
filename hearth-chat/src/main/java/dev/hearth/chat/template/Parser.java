package dev.hearth.chat.template;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser for Jinja2 templates, following the grammar and precedence of Jinja's
 * own parser (jinja2/parser.py): conditional expressions, or/and/not, comparison chains, + -, ~,
 * * / // %, ** (left-associative, as in Jinja), unary - +, postfix (attribute, subscript, call),
 * then filters and tests. Nesting is limited so that a hostile template cannot overflow the stack.
 */
final class Parser {
    /** Parentheses, brackets, unary operators and statement blocks nested deeper than this are refused. */
    static final int MAX_NESTING = 128;

    private final List<Token> tokens;
    private int p;
    private int nesting;
    private int loopDepth;
    /** Names referenced inside the macro bodies being parsed, to find varargs/kwargs/caller use. */
    private final ArrayDeque<Set<String>> macroNameScans = new ArrayDeque<>();

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static List<Stmt> parse(String source) {
        Parser parser = new Parser(Lexer.tokenize(source));
        List<Stmt> body = parser.subparse(Set.of());
        Validator.validate(body);
        return body;
    }

    // ---- token stream ----------------------------------------------------------------------

    private Token cur() {
        return tokens.get(p);
    }

    private Token look() {
        return tokens.get(Math.min(p + 1, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(p);
        if (p < tokens.size() - 1) {
            p++;
        }
        return t;
    }

    private TemplateSyntaxException fail(String message) {
        return new TemplateSyntaxException(message, cur().line());
    }

    private boolean isOp(String op) {
        return cur().isOperator(op);
    }

    private boolean skipOp(String op) {
        if (isOp(op)) {
            next();
            return true;
        }
        return false;
    }

    private boolean skipName(String name) {
        if (cur().isName(name)) {
            next();
            return true;
        }
        return false;
    }

    private void expectOp(String op) {
        if (!skipOp(op)) {
            throw fail("expected '" + op + "', got " + cur().describe());
        }
    }

    private String expectName() {
        if (!cur().is(Token.Kind.NAME)) {
            throw fail("expected name, got " + cur().describe());
        }
        return next().text();
    }

    private void expectName(String name) {
        if (!skipName(name)) {
            throw fail("expected '" + name + "', got " + cur().describe());
        }
    }

    private void expectBlockEnd() {
        if (!cur().is(Token.Kind.BLOCK_END)) {
            throw fail("expected end of statement block, got " + cur().describe());
        }
        next();
    }

    private void enter() {
        if (++nesting > MAX_NESTING) {
            throw fail("template nesting too deep (more than " + MAX_NESTING + " levels)");
        }
    }

    private void leave() {
        nesting--;
    }

    // ---- statements ------------------------------------------------------------------------

    /** Parses until a block tag whose name is in endTags (left current) or the end of the template. */
    private List<Stmt> subparse(Set<String> endTags) {
        List<Stmt> body = new ArrayList<>();
        StringBuilder data = null;
        while (true) {
            Token t = cur();
            switch (t.kind()) {
                case DATA -> {
                    next();
                    if (data == null) {
                        data = new StringBuilder();
                    }
                    data.append(t.text());
                }
                case VARIABLE_BEGIN -> {
                    data = flush(body, data);
                    next();
                    int line = cur().line();
                    Expr e = parseTuple(false, true, Set.of(), false);
                    if (!cur().is(Token.Kind.VARIABLE_END)) {
                        throw fail("expected end of print statement, got " + cur().describe());
                    }
                    next();
                    body.add(new Stmt.Print(e, line));
                }
                case BLOCK_BEGIN -> {
                    data = flush(body, data);
                    next();
                    if (cur().is(Token.Kind.NAME) && endTags.contains(cur().text())) {
                        return body;
                    }
                    body.add(parseStatement(endTags));
                    expectBlockEnd();
                }
                case EOF -> {
                    flush(body, data);
                    if (!endTags.isEmpty()) {
                        throw fail("Unexpected end of template. Jinja was looking for the following tags: "
                                + describeTags(endTags) + ".");
                    }
                    return body;
                }
                default -> throw fail("unexpected " + t.describe());
            }
        }
    }

    private static StringBuilder flush(List<Stmt> body, StringBuilder data) {
        if (data != null && !data.isEmpty()) {
            body.add(new Stmt.Text(data.toString()));
        }
        return null;
    }

    private static String describeTags(Set<String> tags) {
        List<String> sorted = new ArrayList<>(tags);
        sorted.sort(null);
        StringBuilder sb = new StringBuilder();
        for (String s : sorted) {
            if (!sb.isEmpty()) {
                sb.append(" or ");
            }
            sb.append('\'').append(s).append('\'');
        }
        return sb.toString();
    }

    private Stmt parseStatement(Set<String> endTags) {
        Token t = cur();
        if (!t.is(Token.Kind.NAME)) {
            throw fail("tag name expected");
        }
        int line = t.line();
        enter();
        try {
            switch (t.text()) {
                case "if":
                    return parseIf();
                case "for":
                    return parseFor();
                case "set":
                    return parseSet();
                case "macro":
                    return parseMacro();
                case "call":
                    return parseCallBlock();
                case "filter":
                    return parseFilterBlock();
                case "with":
                    return parseWith();
                case "block":
                    return parseBlock();
                case "generation": {
                    next();
                    List<Stmt> body = parseStatements(Set.of("endgeneration"), true);
                    return new Stmt.Scoped(body, line);
                }
                case "break":
                case "continue": {
                    next();
                    if (loopDepth == 0) {
                        throw new TemplateSyntaxException("'" + t.text() + "' outside loop", line);
                    }
                    return t.text().equals("break") ? new Stmt.Break(line) : new Stmt.Continue(line);
                }
                case "autoescape": {
                    // Output escaping is off in chat templates; an autoescape block that turns it on is not supported.
                    next();
                    Expr enabled = parseExpression(true);
                    List<Stmt> body = parseStatements(Set.of("endautoescape"), true);
                    return new Stmt.If(List.of(new Expr.Not(enabled)), List.of(body),
                            List.of(new Stmt.Unsupported("{% autoescape true %} is not supported", line)), line);
                }
                case "include":
                case "import":
                case "from":
                case "extends": {
                    next();
                    while (!cur().is(Token.Kind.BLOCK_END) && !cur().is(Token.Kind.EOF)) {
                        next();
                    }
                    return new Stmt.Unsupported("'" + t.text() + "' needs a template loader, and chat templates have none",
                            line);
                }
                default: {
                    String msg = "Encountered unknown tag '" + t.text() + "'.";
                    if (!endTags.isEmpty()) {
                        msg += " Jinja was looking for the following tags: " + describeTags(endTags) + ".";
                    }
                    throw fail(msg);
                }
            }
        } finally {
            leave();
        }
    }

    /** After a statement's header: optional ':' then '%}', the body, and (if drop) the end tag's name. */
    private List<Stmt> parseStatements(Set<String> endTags, boolean dropNeedle) {
        skipOp(":");
        expectBlockEnd();
        List<Stmt> body = subparse(endTags);
        if (cur().is(Token.Kind.EOF)) {
            throw fail("Unexpected end of template. Jinja was looking for the following tags: " + describeTags(endTags) + ".");
        }
        if (dropNeedle) {
            next();
        }
        return body;
    }

    private Stmt parseIf() {
        int line = next().line();
        List<Expr> tests = new ArrayList<>();
        List<List<Stmt>> bodies = new ArrayList<>();
        List<Stmt> orElse = List.of();
        while (true) {
            tests.add(parseTuple(false, false, Set.of(), false));
            bodies.add(parseStatements(Set.of("elif", "else", "endif"), false));
            String tag = next().text();
            if (tag.equals("elif")) {
                continue;
            }
            if (tag.equals("else")) {
                orElse = parseStatements(Set.of("endif"), true);
            }
            break;
        }
        return new Stmt.If(tests, bodies, orElse, line);
    }

    private Stmt parseFor() {
        int line = next().line();
        Stmt.Target target = parseAssignTarget(true, false, Set.of("in"), false);
        expectName("in");
        Expr iterable = parseTuple(false, false, Set.of("recursive"), false);
        Expr filter = null;
        if (skipName("if")) {
            filter = parseExpression(true);
        }
        boolean recursive = skipName("recursive");
        loopDepth++;
        List<Stmt> body;
        try {
            body = parseStatements(Set.of("endfor", "else"), false);
        } finally {
            loopDepth--;
        }
        List<Stmt> orElse = List.of();
        if (!next().text().equals("endfor")) {
            int saved = loopDepth;
            loopDepth = 0;
            try {
                orElse = parseStatements(Set.of("endfor"), true);
            } finally {
                loopDepth = saved;
            }
        }
        return new Stmt.For(target, iterable, filter, recursive, body, orElse, line);
    }

    private Stmt parseSet() {
        int line = next().line();
        Stmt.Target target = parseAssignTarget(true, false, Set.of(), true);
        if (skipOp("=")) {
            return new Stmt.Set(target, parseTuple(false, true, Set.of(), false), line);
        }
        Expr filter = parseFilter(null, false);
        List<Stmt> body = parseStatements(Set.of("endset"), true);
        return new Stmt.SetBlock(target, filter, body, line);
    }

    private Stmt parseMacro() {
        int line = next().line();
        String name = expectName();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        parseSignature(params, defaults);
        return new Stmt.MacroDef(finishMacro(name, params, defaults, Set.of("endmacro")), line);
    }

    private Stmt.MacroSpec finishMacro(String name, List<String> params, List<Expr> defaults, Set<String> endTag) {
        Set<String> names = new HashSet<>();
        macroNameScans.push(names);
        int savedLoops = loopDepth;
        loopDepth = 0;
        List<Stmt> body;
        try {
            body = parseStatements(endTag, true);
        } finally {
            loopDepth = savedLoops;
            macroNameScans.pop();
        }
        // Names referenced in a nested macro count for the outer one too (Jinja's visitor descends).
        for (Set<String> outer : macroNameScans) {
            outer.addAll(names);
        }
        return new Stmt.MacroSpec(name, params, defaults, body, names.contains("varargs"), names.contains("kwargs"),
                names.contains("caller"));
    }

    private void parseSignature(List<String> params, List<Expr> defaults) {
        expectOp("(");
        boolean anyDefault = false;
        while (!isOp(")")) {
            if (!params.isEmpty()) {
                expectOp(",");
            }
            String param = expectName();
            if (skipOp("=")) {
                defaults.add(parseExpression(true));
                anyDefault = true;
            } else if (anyDefault) {
                throw fail("non-default argument follows default argument");
            } else if (param.equals("caller")) {
                throw fail("When defining macros or call blocks the special \"caller\" argument must be omitted or be"
                        + " given a default.");
            } else {
                defaults.add(null);
            }
            params.add(param);
        }
        expectOp(")");
    }

    private Stmt parseCallBlock() {
        int line = next().line();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        if (isOp("(")) {
            parseSignature(params, defaults);
        }
        Expr call = parseExpression(true);
        if (!(call instanceof Expr.Call c)) {
            throw new TemplateSyntaxException("expected call", line);
        }
        Stmt.MacroSpec caller = finishMacro("caller", params, defaults, Set.of("endcall"));
        return new Stmt.CallBlock(c, caller, line);
    }

    private Stmt parseFilterBlock() {
        int line = next().line();
        Expr filter = parseFilter(null, true);
        List<Stmt> body = parseStatements(Set.of("endfilter"), true);
        return new Stmt.FilterBlock(filter, body, line);
    }

    private Stmt parseWith() {
        int line = next().line();
        List<Stmt.Target> targets = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!cur().is(Token.Kind.BLOCK_END)) {
            if (!targets.isEmpty()) {
                expectOp(",");
            }
            targets.add(parseAssignTarget(true, false, Set.of(), false));
            expectOp("=");
            values.add(parseExpression(true));
        }
        List<Stmt> body = parseStatements(Set.of("endwith"), true);
        return new Stmt.With(targets, values, body, line);
    }

    private Stmt parseBlock() {
        int line = next().line();
        String name = expectName();
        skipName("scoped");
        skipName("required");
        List<Stmt> body = parseStatements(Set.of("endblock"), true);
        skipName(name);
        return new Stmt.Scoped(body, line);
    }

    private Stmt.Target parseAssignTarget(boolean withTuple, boolean nameOnly, Set<String> extraEnd, boolean withNamespace) {
        if (nameOnly) {
            return new Stmt.Target.Name(expectName());
        }
        if (withNamespace && cur().is(Token.Kind.NAME) && look().isOperator(".")) {
            String ns = next().text();
            next();
            return new Stmt.Target.NamespaceAttr(ns, expectName());
        }
        Expr e = withTuple ? parseTuple(true, false, extraEnd, false) : parsePrimary();
        return toTarget(e);
    }

    private Stmt.Target toTarget(Expr e) {
        if (e instanceof Expr.Name n) {
            if (n.name().equals("true") || n.name().equals("false") || n.name().equals("none")
                    || n.name().equals("True") || n.name().equals("False") || n.name().equals("None")) {
                throw fail("can't assign to 'const'");
            }
            return new Stmt.Target.Name(n.name());
        }
        if (e instanceof Expr.TupleLiteral t) {
            List<Stmt.Target> items = new ArrayList<>();
            for (Expr item : t.items()) {
                items.add(toTarget(item));
            }
            return new Stmt.Target.Tuple(items);
        }
        throw fail("can't assign to '" + e.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT) + "'");
    }

    // ---- expressions -----------------------------------------------------------------------

    private boolean isTupleEnd(Set<String> extraEnd) {
        Token t = cur();
        if (t.is(Token.Kind.VARIABLE_END) || t.is(Token.Kind.BLOCK_END) || t.isOperator(")")) {
            return true;
        }
        return t.is(Token.Kind.NAME) && extraEnd.contains(t.text());
    }

    /** Jinja's parse_tuple: one expression, or a tuple when commas follow. */
    private Expr parseTuple(boolean simplified, boolean withCondexpr, Set<String> extraEnd, boolean explicitParens) {
        List<Expr> args = new ArrayList<>();
        boolean isTuple = false;
        while (true) {
            if (!args.isEmpty()) {
                expectOp(",");
            }
            if (isTupleEnd(extraEnd)) {
                break;
            }
            args.add(simplified ? parsePrimary() : parseExpression(withCondexpr));
            if (isOp(",")) {
                isTuple = true;
            } else {
                break;
            }
        }
        if (!isTuple) {
            if (!args.isEmpty()) {
                return args.get(0);
            }
            if (!explicitParens) {
                throw fail("Expected an expression, got " + cur().describe());
            }
        }
        return new Expr.TupleLiteral(args);
    }

    private Expr parseExpression(boolean withCondexpr) {
        enter();
        try {
            return withCondexpr ? parseCondexpr() : parseOr();
        } finally {
            leave();
        }
    }

    private Expr parseCondexpr() {
        Expr expr1 = parseOr();
        while (skipName("if")) {
            Expr expr2 = parseOr();
            Expr expr3 = null;
            if (skipName("else")) {
                enter();
                try {
                    expr3 = parseCondexpr();
                } finally {
                    leave();
                }
            }
            expr1 = new Expr.Conditional(expr2, expr1, expr3);
        }
        return expr1;
    }

    private Expr parseOr() {
        Expr left = parseAnd();
        while (skipName("or")) {
            left = new Expr.Or(left, parseAnd());
        }
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseNot();
        while (skipName("and")) {
            left = new Expr.And(left, parseNot());
        }
        return left;
    }

    private Expr parseNot() {
        if (cur().isName("not")) {
            next();
            enter();
            try {
                return new Expr.Not(parseNot());
            } finally {
                leave();
            }
        }
        return parseCompare();
    }

    private static final Set<String> COMPARE_OPS = Set.of("==", "!=", "<", "<=", ">", ">=");

    private Expr parseCompare() {
        Expr expr = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Expr> rest = new ArrayList<>();
        while (true) {
            Token t = cur();
            if (t.is(Token.Kind.OPERATOR) && COMPARE_OPS.contains(t.text())) {
                next();
                ops.add(t.text());
                rest.add(parseMath1());
            } else if (skipName("in")) {
                ops.add("in");
                rest.add(parseMath1());
            } else if (t.isName("not") && look().isName("in")) {
                next();
                next();
                ops.add("notin");
                rest.add(parseMath1());
            } else {
                break;
            }
        }
        return ops.isEmpty() ? expr : new Expr.Compare(expr, ops, rest);
    }

    private Expr parseMath1() {
        Expr left = parseConcat();
        while (isOp("+") || isOp("-")) {
            String op = next().text();
            left = new Expr.Binary(op, left, parseConcat());
        }
        return left;
    }

    private Expr parseConcat() {
        Expr first = parseMath2();
        if (!isOp("~")) {
            return first;
        }
        List<Expr> parts = new ArrayList<>();
        parts.add(first);
        while (skipOp("~")) {
            parts.add(parseMath2());
        }
        return new Expr.Concat(parts);
    }

    private Expr parseMath2() {
        Expr left = parsePow();
        while (isOp("*") || isOp("/") || isOp("//") || isOp("%")) {
            String op = next().text();
            left = new Expr.Binary(op, left, parsePow());
        }
        return left;
    }

    private Expr parsePow() {
        Expr left = parseUnary(true);
        while (skipOp("**")) {
            left = new Expr.Binary("**", left, parseUnary(true));
        }
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        Expr node;
        if (isOp("-") || isOp("+")) {
            char op = next().text().charAt(0);
            enter();
            try {
                node = new Expr.Unary(op, parseUnary(false));
            } finally {
                leave();
            }
        } else {
            node = parsePrimary();
        }
        node = parsePostfix(node);
        if (withFilter) {
            node = parseFilterExpr(node);
        }
        return node;
    }

    private Expr parsePrimary() {
        Token t = cur();
        switch (t.kind()) {
            case NAME -> {
                next();
                switch (t.text()) {
                    case "true", "True" -> {
                        return new Expr.Const(Boolean.TRUE);
                    }
                    case "false", "False" -> {
                        return new Expr.Const(Boolean.FALSE);
                    }
                    case "none", "None" -> {
                        return new Expr.Const(null);
                    }
                    default -> {
                        for (Set<String> scan : macroNameScans) {
                            scan.add(t.text());
                        }
                        return new Expr.Name(t.text());
                    }
                }
            }
            case STRING -> {
                next();
                if (!cur().is(Token.Kind.STRING)) {
                    return new Expr.Const(t.value());
                }
                StringBuilder sb = new StringBuilder((String) t.value());
                while (cur().is(Token.Kind.STRING)) {
                    sb.append((String) next().value());
                }
                return new Expr.Const(sb.toString());
            }
            case INTEGER, FLOAT -> {
                next();
                return new Expr.Const(t.value());
            }
            case OPERATOR -> {
                enter();
                try {
                    switch (t.text()) {
                        case "(" -> {
                            next();
                            Expr e = parseTuple(false, true, Set.of(), true);
                            expectOp(")");
                            return e;
                        }
                        case "[" -> {
                            return parseList();
                        }
                        case "{" -> {
                            return parseDict();
                        }
                        default -> throw fail("unexpected '" + t.text() + "'");
                    }
                } finally {
                    leave();
                }
            }
            default -> throw fail("unexpected " + t.describe());
        }
    }

    private Expr parseList() {
        expectOp("[");
        List<Expr> items = new ArrayList<>();
        while (!isOp("]")) {
            if (!items.isEmpty()) {
                expectOp(",");
            }
            if (isOp("]")) {
                break;
            }
            items.add(parseExpression(true));
        }
        expectOp("]");
        return new Expr.ListLiteral(items);
    }

    private Expr parseDict() {
        expectOp("{");
        List<Expr> keys = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!isOp("}")) {
            if (!keys.isEmpty()) {
                expectOp(",");
            }
            if (isOp("}")) {
                break;
            }
            keys.add(parseExpression(true));
            expectOp(":");
            values.add(parseExpression(true));
        }
        expectOp("}");
        return new Expr.DictLiteral(keys, values);
    }

    private Expr parsePostfix(Expr node) {
        while (true) {
            if (isOp(".") || isOp("[")) {
                node = parseSubscript(node);
            } else if (isOp("(")) {
                node = new Expr.Call(node, parseCallArgs());
            } else {
                return node;
            }
        }
    }

    private Expr parseFilterExpr(Expr node) {
        while (true) {
            if (isOp("|")) {
                node = parseFilter(node, false);
            } else if (cur().isName("is")) {
                node = parseTest(node);
            } else if (isOp("(")) {
                node = new Expr.Call(node, parseCallArgs());
            } else {
                return node;
            }
        }
    }

    private Expr parseSubscript(Expr node) {
        Token t = next();
        if (t.isOperator(".")) {
            Token attr = next();
            if (attr.is(Token.Kind.NAME)) {
                return new Expr.GetAttr(node, attr.text());
            }
            if (!attr.is(Token.Kind.INTEGER)) {
                throw new TemplateSyntaxException("expected name or number", attr.line());
            }
            return new Expr.GetItem(node, new Expr.Const(attr.value()));
        }
        enter();
        try {
            List<Expr> args = new ArrayList<>();
            while (!isOp("]")) {
                if (!args.isEmpty()) {
                    expectOp(",");
                }
                args.add(parseSubscribed());
            }
            expectOp("]");
            Expr key = args.size() == 1 ? args.get(0) : new Expr.TupleLiteral(args);
            return new Expr.GetItem(node, key);
        } finally {
            leave();
        }
    }

    private Expr parseSubscribed() {
        Expr start = null;
        if (isOp(":")) {
            next();
        } else {
            Expr e = parseExpression(true);
            if (!isOp(":")) {
                return e;
            }
            next();
            start = e;
        }
        Expr stop = null;
        if (!isOp(":") && !isOp("]") && !isOp(",")) {
            stop = parseExpression(true);
        }
        Expr step = null;
        if (isOp(":")) {
            next();
            if (!isOp("]") && !isOp(",")) {
                step = parseExpression(true);
            }
        }
        return new Expr.Slice(start, stop, step);
    }

    private Expr.Args parseCallArgs() {
        int line = cur().line();
        expectOp("(");
        enter();
        try {
            List<Expr> positional = new ArrayList<>();
            List<String> names = new ArrayList<>();
            List<Expr> values = new ArrayList<>();
            Expr star = null;
            Expr starStar = null;
            boolean requireComma = false;
            while (!isOp(")")) {
                if (requireComma) {
                    expectOp(",");
                    if (isOp(")")) {
                        break;
                    }
                }
                if (isOp("*")) {
                    ensure(star == null && starStar == null, line);
                    next();
                    star = parseExpression(true);
                } else if (isOp("**")) {
                    ensure(starStar == null, line);
                    next();
                    starStar = parseExpression(true);
                } else if (cur().is(Token.Kind.NAME) && look().isOperator("=")) {
                    ensure(starStar == null, line);
                    String key = next().text();
                    next();
                    names.add(key);
                    values.add(parseExpression(true));
                } else {
                    ensure(star == null && starStar == null && names.isEmpty(), line);
                    positional.add(parseExpression(true));
                }
                requireComma = true;
            }
            expectOp(")");
            return new Expr.Args(positional, names, values, star, starStar);
        } finally {
            leave();
        }
    }

    private static void ensure(boolean ok, int line) {
        if (!ok) {
            throw new TemplateSyntaxException("invalid syntax for function call expression", line);
        }
    }

    private Expr parseFilter(Expr node, boolean startInline) {
        while (isOp("|") || startInline) {
            if (!startInline) {
                next();
            }
            StringBuilder name = new StringBuilder(expectName());
            while (isOp(".")) {
                next();
                name.append('.').append(expectName());
            }
            Expr.Args args = isOp("(") ? parseCallArgs() : Expr.Args.NONE;
            String n = name.toString();
            node = new Expr.Filter(node, n, Filters.lookup(n), args);
            startInline = false;
        }
        return node;
    }

    private Expr parseTest(Expr node) {
        next();
        boolean negated = skipName("not");
        StringBuilder name = new StringBuilder(expectName());
        while (isOp(".")) {
            next();
            name.append('.').append(expectName());
        }
        Expr.Args args;
        Token t = cur();
        if (isOp("(")) {
            args = parseCallArgs();
        } else if ((t.is(Token.Kind.NAME) || t.is(Token.Kind.STRING) || t.is(Token.Kind.INTEGER) || t.is(Token.Kind.FLOAT)
                || t.isOperator("(") || t.isOperator("[") || t.isOperator("{"))
                && !(t.isName("else") || t.isName("or") || t.isName("and"))) {
            if (t.isName("is")) {
                throw fail("You cannot chain multiple tests with is");
            }
            Expr arg = parsePostfix(parsePrimary());
            args = new Expr.Args(List.of(arg), List.of(), List.of(), null, null);
        } else {
            args = Expr.Args.NONE;
        }
        String n = name.toString();
        return new Expr.Test(node, n, Tests.lookup(n), args, negated);
    }
}
