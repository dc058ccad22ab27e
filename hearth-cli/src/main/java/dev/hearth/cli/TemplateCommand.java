package dev.hearth.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code hearth template ...}: work with chat templates (the Jinja templates in GGUF metadata). */
@Command(
        name = "template",
        mixinStandardHelpOptions = true,
        description = "Work with chat templates.",
        subcommands = {TemplateRenderCommand.class})
final class TemplateCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
