package dev.hearth.cli;

import dev.hearth.store.HumanBytes;
import dev.hearth.store.library.ModelSummary;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth list}: the installed models, newest first. */
@Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List installed models.")
final class ListCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<ModelSummary> models = main.library(spec.commandLine().getErr()).list();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "ID", "SIZE", "MODIFIED"});
        Instant now = Instant.now();
        for (ModelSummary m : models) {
            rows.add(new String[] {m.name(), m.id(), HumanBytes.format(m.size()), ago(Duration.between(m.modified(), now))});
        }
        int[] widths = new int[4];
        for (String[] r : rows) {
            for (int i = 0; i < 4; i++) {
                widths[i] = Math.max(widths[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < 4; i++) {
                line.append(r[i]);
                if (i < 3) {
                    line.append(" ".repeat(widths[i] - r[i].length() + 4));
                }
            }
            out.println(line);
        }
        out.flush();
        return 0;
    }

    /** "Less than a second ago", "3 minutes ago", "About an hour ago", "2 weeks ago". */
    static String ago(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 1) {
            return "Less than a second ago";
        }
        if (s < 60) {
            return s == 1 ? "1 second ago" : s + " seconds ago";
        }
        long m = s / 60;
        if (m < 60) {
            return m == 1 ? "About a minute ago" : m + " minutes ago";
        }
        long h = m / 60;
        if (h < 24) {
            return h == 1 ? "About an hour ago" : h + " hours ago";
        }
        long days = h / 24;
        if (days < 14) {
            return days == 1 ? "1 day ago" : days + " days ago";
        }
        if (days < 60) {
            return (days / 7) + " weeks ago";
        }
        if (days < 730) {
            return (days / 30) + " months ago";
        }
        return (days / 365) + " years ago";
    }
}
