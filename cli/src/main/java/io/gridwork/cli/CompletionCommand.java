package io.gridwork.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code grid completion bash}: prints a completion script for the shell, to be sourced. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Prints a shell completion script for grid: commands, options and option values.",
                "Load it in the current shell with: source <(grid completion bash); for every new shell, add that "
                + "line to ~/.bashrc. The script also works in zsh after: autoload -U +X bashcompinit && bashcompinit."})
final class CompletionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SHELL", description = "The shell: bash (also zsh through bashcompinit).")
    String shell;

    @Override
    public Integer call() {
        if (!"bash".equals(shell) && !"zsh".equals(shell)) {
            throw CliException.usage("SHELL must be bash or zsh, got '" + shell + "'");
        }
        CommandLine root = spec.root().commandLine();
        String script = AutoComplete.bash(root.getCommandName(), root);
        spec.commandLine().getOut().print(script);
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
