package dev.hearth.chat.template;

import java.time.DayOfWeek;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;
import java.util.Locale;

/**
 * Python's {@code datetime.strftime} on a naive local time, in the C locale with the glibc
 * extensions Python passes through ({@code %-d}, {@code %e}, {@code %k}, ...). {@code %z} and
 * {@code %Z} are empty because Hugging Face's {@code strftime_now} formats a naive {@code datetime.now()}.
 */
final class Strftime {
    private static final String[] DAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
    private static final String[] MONTHS = {"January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December"};

    private Strftime() {}

    static String format(String format, LocalDateTime t) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        int n = format.length();
        while (i < n) {
            char c = format.charAt(i++);
            if (c != '%' || i >= n) {
                out.append(c);
                continue;
            }
            char flag = 0;
            char d = format.charAt(i++);
            if ((d == '-' || d == '_' || d == '0' || d == '^' || d == '#') && i < n) {
                flag = d;
                d = format.charAt(i++);
            }
            String v = directive(d, t);
            if (v == null) {
                out.append('%');
                if (flag != 0) {
                    out.append(flag);
                }
                out.append(d);
                continue;
            }
            out.append(applyFlag(v, flag, d));
        }
        return out.toString();
    }

    private static String applyFlag(String v, char flag, char directive) {
        switch (flag) {
            case '-' -> {
                int k = 0;
                while (k < v.length() - 1 && (v.charAt(k) == '0' || v.charAt(k) == ' ')) {
                    k++;
                }
                return v.substring(k);
            }
            case '_' -> {
                StringBuilder sb = new StringBuilder(v);
                for (int k = 0; k < sb.length() - 1 && sb.charAt(k) == '0'; k++) {
                    sb.setCharAt(k, ' ');
                }
                return sb.toString();
            }
            case '0' -> {
                return v.replace(' ', '0');
            }
            case '^' -> {
                return v.toUpperCase(Locale.ROOT);
            }
            case '#' -> {
                return directive == 'p' ? v.toLowerCase(Locale.ROOT) : v.toUpperCase(Locale.ROOT);
            }
            default -> {
                return v;
            }
        }
    }

    private static String two(int v) {
        return v < 10 ? "0" + v : Integer.toString(v);
    }

    private static String spaced(int v) {
        return v < 10 ? " " + v : Integer.toString(v);
    }

    private static String directive(char d, LocalDateTime t) {
        int hour12 = t.getHour() % 12 == 0 ? 12 : t.getHour() % 12;
        DayOfWeek dow = t.getDayOfWeek();
        return switch (d) {
            case 'a' -> DAYS[dow.getValue() - 1].substring(0, 3);
            case 'A' -> DAYS[dow.getValue() - 1];
            case 'b', 'h' -> MONTHS[t.getMonthValue() - 1].substring(0, 3);
            case 'B' -> MONTHS[t.getMonthValue() - 1];
            case 'c' -> directive('a', t) + " " + directive('b', t) + " " + spaced(t.getDayOfMonth()) + " "
                    + directive('T', t) + " " + t.getYear();
            case 'C' -> two(t.getYear() / 100);
            case 'd' -> two(t.getDayOfMonth());
            case 'D', 'x' -> two(t.getMonthValue()) + "/" + two(t.getDayOfMonth()) + "/" + two(t.getYear() % 100);
            case 'e' -> spaced(t.getDayOfMonth());
            case 'f' -> String.format("%06d", t.getNano() / 1000);
            case 'F' -> String.format("%04d", t.getYear()) + "-" + two(t.getMonthValue()) + "-" + two(t.getDayOfMonth());
            case 'G' -> Integer.toString(t.get(IsoFields.WEEK_BASED_YEAR));
            case 'g' -> two(t.get(IsoFields.WEEK_BASED_YEAR) % 100);
            case 'H' -> two(t.getHour());
            case 'I' -> two(hour12);
            case 'j' -> String.format("%03d", t.getDayOfYear());
            case 'k' -> spaced(t.getHour());
            case 'l' -> spaced(hour12);
            case 'm' -> two(t.getMonthValue());
            case 'M' -> two(t.getMinute());
            case 'n' -> "\n";
            case 'p' -> t.getHour() < 12 ? "AM" : "PM";
            case 'P' -> t.getHour() < 12 ? "am" : "pm";
            case 'r' -> two(hour12) + ":" + two(t.getMinute()) + ":" + two(t.getSecond()) + " " + (t.getHour() < 12 ? "AM" : "PM");
            case 'R' -> two(t.getHour()) + ":" + two(t.getMinute());
            case 's' -> Long.toString(t.atZone(java.time.ZoneId.systemDefault()).toEpochSecond());
            case 'S' -> two(t.getSecond());
            case 't' -> "\t";
            case 'T', 'X' -> two(t.getHour()) + ":" + two(t.getMinute()) + ":" + two(t.getSecond());
            case 'u' -> Integer.toString(dow.getValue());
            case 'U' -> two(weekNumber(t, DayOfWeek.SUNDAY));
            case 'V' -> two(t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
            case 'w' -> Integer.toString(dow.getValue() % 7);
            case 'W' -> two(weekNumber(t, DayOfWeek.MONDAY));
            case 'y' -> two(t.getYear() % 100);
            case 'Y' -> Integer.toString(t.getYear());
            case 'z', 'Z' -> "";
            case '%' -> "%";
            default -> null;
        };
    }

    /** Week of the year where weeks start on firstDay; days before the first such day are week 0 (%U, %W). */
    private static int weekNumber(LocalDateTime t, DayOfWeek firstDay) {
        LocalDateTime jan1 = t.withDayOfYear(1);
        int offset = (firstDay.getValue() - jan1.getDayOfWeek().getValue() + 7) % 7;
        long dayIndex = ChronoUnit.DAYS.between(jan1.toLocalDate(), t.toLocalDate());
        return dayIndex < offset ? 0 : (int) ((dayIndex - offset) / 7 + 1);
    }
}
