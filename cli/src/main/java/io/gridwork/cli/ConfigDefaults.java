package io.gridwork.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Defaults of every option from the environment and a configuration file, for every command alike: a flag wins,
 * then the environment variable, then the file, then the option's built-in default.
 *
 * <p>Option {@code --heartbeat-interval} of {@code grid master} is {@code GRID_MASTER_HEARTBEAT_INTERVAL} in the
 * environment and {@code master.heartbeat-interval} in the file; a subcommand of a subcommand uses its whole path
 * ({@code GRID_SCHEDULE_ADD_TIMEZONE}, {@code schedule.add.timezone}). The options that say how to reach the master
 * ({@link #SHARED}) also have one name for every command that takes them ({@code GRID_MASTER}, {@code master}),
 * looked up after the command's own name in the same place. Multi-valued options are split on commas. An empty
 * value counts as unset.
 */
final class ConfigDefaults implements CommandLine.IDefaultValueProvider {

    /** The environment variable naming the configuration file when {@code --config} is not given. */
    static final String CONFIG_ENV = "GRID_CONFIG";

    /** Options with one key for every command that takes them: {@code token=...}, {@code GRID_TOKEN}. */
    static final Set<String> SHARED = Set.of("master", "token", "credentials", "ca", "ca-fingerprint", "join-token",
            "insecure", "timeout", "output");

    /** The configuration file in the user's home, relative to it. */
    static final String USER_FILE = ".gridwork/gridwork.properties";

    /** The configuration file of a distribution, relative to its home. */
    static final String HOME_FILE = "conf/gridwork.properties";

    /** A configuration file that cannot be used: one line naming the file, the key and the problem. */
    static final class ConfigException extends CommandLine.ParameterException {
        private static final long serialVersionUID = 1L;

        ConfigException(CommandLine commandLine, String message) {
            super(commandLine, message);
        }
    }

    /** Where a default came from, for messages: "environment variable GRID_WORKER_SLOTS", "FILE: worker.slots". */
    private record Source(String where, String value) {}

    private final Map<String, String> env;
    private final Path userHome;
    private final Path gridworkHome;
    private final Map<ArgSpec, Source> provided = new IdentityHashMap<>();
    private CommandLine root;
    private Supplier<CommandLine> wholeTree;
    private CommandLine builtWholeTree;
    private Path loadedFrom;
    private Map<String, String> file = Map.of();

    /**
     * @param env the environment ({@code System.getenv()} in the launcher; a map in tests)
     * @param userHome where {@code .gridwork/gridwork.properties} is looked for, or null
     * @param gridworkHome the distribution's home, where {@code conf/gridwork.properties} is looked for, or null
     */
    ConfigDefaults(Map<String, String> env, Path userHome, Path gridworkHome) {
        this.env = Map.copyOf(env);
        this.userHome = userHome;
        this.gridworkHome = gridworkHome;
    }

    /** The process's environment, home directory and {@code -Dgridwork.home}. */
    static ConfigDefaults system() {
        String home = System.getProperty("user.home");
        String gridworkHome = System.getProperty("gridwork.home");
        return new ConfigDefaults(System.getenv(), home == null ? null : Path.of(home),
                gridworkHome == null ? null : Path.of(gridworkHome));
    }

    /**
     * Where keys of commands that {@code root} was built without are checked ({@code worker.slots} in the file of a
     * {@code grid status} built with its one subcommand): the whole command tree, built on first need.
     */
    void wholeTree(Supplier<CommandLine> tree) {
        this.wholeTree = tree;
    }

    /** Makes this the default provider of {@code root} and all its subcommands. */
    ConfigDefaults attachTo(CommandLine root) {
        this.root = root;
        root.setDefaultValueProvider(this);
        return this;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec) || root == null) {
            return null;
        }
        OptionSpec option = (OptionSpec) arg;
        if (!configurable(option) || option.inherited()) {
            return null; // an inherited option (--verbose in a subcommand) has its default from its own command
        }
        List<String> path = commandPath(option.command());
        String name = name(option);
        if (path.isEmpty() && name.equals("config")) {
            return nonBlank(env.get(CONFIG_ENV)); // the file cannot name itself
        }
        List<String> keys = new ArrayList<>();
        keys.add(key(path, name));
        if (!path.isEmpty() && SHARED.contains(name) && !(name.equals("insecure") && path.equals(List.of("master")))) {
            // a master goes plaintext only when told so itself (master.insecure), never by a key meant for clients
            keys.add(name);
        }
        Source source = null;
        for (String key : keys) {
            String value = nonBlank(env.get(envName(key)));
            if (value != null) {
                source = new Source("environment variable " + envName(key), value);
                break;
            }
        }
        if (source == null) {
            Map<String, String> config = config();
            for (String key : keys) {
                String value = nonBlank(config.get(key));
                if (value != null) {
                    source = new Source(loadedFrom + ": " + key, value);
                    break;
                }
            }
        }
        if (source == null) {
            return null;
        }
        provided.put(option, source);
        // picocli sets a matched flag to the opposite of its default: a flag's default stays false, and a value
        // from the environment or the file is applied after parsing (see afterParse)
        return flag(option) ? null : source.value();
    }

    /** Whether an inherited option ({@code grid worker --verbose}) was given to a subcommand. */
    private static boolean matchedBelow(CommandLine.ParseResult r, OptionSpec option) {
        if (option.scopeType() != CommandLine.ScopeType.INHERIT) {
            return false;
        }
        for (CommandLine.ParseResult sub = r.subcommand(); sub != null; sub = sub.subcommand()) {
            if (sub.hasMatchedOption(option.longestName())) {
                return true;
            }
        }
        return false;
    }

    private static boolean flag(OptionSpec option) {
        return option.arity().max() == 0 && (option.type() == boolean.class || option.type() == Boolean.class);
    }

    /**
     * What picocli cannot take as a default, applied after parsing to the options no flag gave a value: a switch
     * ({@code worker.insecure=true}), and the comma-separated values of a multi-valued option.
     */
    void afterParse(CommandLine.ParseResult parseResult) {
        for (CommandLine.ParseResult r = parseResult; r != null; r = r.subcommand()) {
            for (OptionSpec option : r.commandSpec().options()) {
                Source source = provided.get(option);
                if (source == null || r.hasMatchedOption(option) || matchedBelow(r, option)) {
                    continue;
                }
                if (flag(option)) {
                    String value = source.value().toLowerCase(Locale.ROOT);
                    if (!value.equals("true") && !value.equals("false")) {
                        throw new ConfigException(r.commandSpec().commandLine(),
                                source.where() + ": '" + source.value() + "' is not a boolean (true or false)");
                    }
                    option.setValue(Boolean.parseBoolean(value));
                } else if (option.isMultiValue() && List.class.isAssignableFrom(option.type())) {
                    List<String> values = new ArrayList<>();
                    for (String part : source.value().split(",")) {
                        if (!part.isBlank()) {
                            values.add(part.trim());
                        }
                    }
                    option.setValue(values);
                }
            }
        }
    }

    /**
     * For a bad value from the environment or the file: the message naming where it came from, or null when the
     * value came from a flag.
     */
    String describe(CommandLine.ParameterException e) {
        if (e instanceof ConfigException || e.getArgSpec() == null) {
            return null;
        }
        Source source = provided.get(e.getArgSpec());
        if (source == null || e.getValue() == null || !e.getValue().equals(source.value())) {
            return null;
        }
        String problem = e.getCause() instanceof CommandLine.TypeConversionException && e.getCause().getMessage() != null
                ? e.getCause().getMessage() : e.getMessage();
        return source.where() + ": " + problem;
    }

    /** The configuration file in use, or null if there is none. */
    Path file() {
        String option = null;
        OptionSpec config = root == null ? null : root.getCommandSpec().findOption("--config");
        if (config != null && config.getValue() != null) {
            option = config.getValue().toString();
        }
        if (option == null) {
            option = nonBlank(env.get(CONFIG_ENV));
        }
        if (option != null) {
            return Path.of(option);
        }
        if (userHome != null && Files.isRegularFile(userHome.resolve(USER_FILE))) {
            return userHome.resolve(USER_FILE);
        }
        if (gridworkHome != null && Files.isRegularFile(gridworkHome.resolve(HOME_FILE))) {
            return gridworkHome.resolve(HOME_FILE);
        }
        return null;
    }

    private Map<String, String> config() {
        Path path = file();
        if (path == null) {
            loadedFrom = null;
            file = Map.of();
        } else if (!path.equals(loadedFrom)) {
            file = load(path);
            loadedFrom = path;
        }
        return file;
    }

    private Map<String, String> load(Path path) {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (NoSuchFileException e) {
            throw new ConfigException(root, "config " + path + ": no such file");
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException(root, "config " + path + ": cannot read it: " + e.getMessage());
        }
        Map<String, String> values = new TreeMap<>();
        for (String key : properties.stringPropertyNames()) {
            String problem = check(key);
            if (problem != null) {
                throw new ConfigException(root, path + ": unknown key '" + key + "' (" + problem + ")");
            }
            values.put(key, properties.getProperty(key).trim());
        }
        return values;
    }

    /** Why a key names no option, or null if it names one. */
    private String check(String key) {
        List<String> parts = Arrays.asList(key.split("\\.", -1));
        String name = parts.get(parts.size() - 1);
        CommandLine top = root;
        if (parts.size() > 1 && wholeTree != null && !root.getSubcommands().containsKey(parts.get(0))) {
            if (builtWholeTree == null) {
                builtWholeTree = wholeTree.get();
            }
            top = builtWholeTree;
        }
        CommandLine command = top;
        for (String part : parts.subList(0, parts.size() - 1)) {
            CommandLine sub = command.getSubcommands().get(part);
            if (sub == null) {
                return "there is no command '" + String.join(" ", qualified(command, part)) + "'";
            }
            command = sub;
        }
        if (command == top) {
            if (name.equals("config")) {
                return "the configuration file is chosen by --config or $" + CONFIG_ENV;
            }
            if (SHARED.contains(name)) {
                return null;
            }
        }
        OptionSpec option = command.getCommandSpec().findOption("--" + name);
        if (option == null || !configurable(option) || option.inherited()) {
            return "'" + command.getCommandSpec().qualifiedName() + "' has no option --" + name;
        }
        return null;
    }

    private static List<String> qualified(CommandLine command, String sub) {
        List<String> names = new ArrayList<>(List.of(command.getCommandSpec().qualifiedName().split(" ")));
        names.add(sub);
        return names;
    }

    /** Every option a configuration can set, by key ({@code worker.slots}); for the sample file and its test. */
    static Map<String, OptionSpec> keys(CommandLine root) {
        Map<String, OptionSpec> keys = new LinkedHashMap<>();
        collect(root, keys);
        return keys;
    }

    private static void collect(CommandLine command, Map<String, OptionSpec> keys) {
        List<String> path = commandPath(command.getCommandSpec());
        for (OptionSpec option : command.getCommandSpec().options()) {
            if (configurable(option) && !option.inherited() && !(path.isEmpty() && name(option).equals("config"))) {
                keys.put(key(path, name(option)), option);
            }
        }
        for (CommandLine sub : new LinkedHashMap<>(command.getSubcommands()).values()) {
            if (sub.getParent() == command && !(sub.getCommand() instanceof CommandLine.HelpCommand)) {
                collect(sub, keys);
            }
        }
    }

    private static boolean configurable(OptionSpec option) {
        return !option.usageHelp() && !option.versionHelp() && option.longestName().startsWith("--");
    }

    static String name(OptionSpec option) {
        return option.longestName().substring(2);
    }

    static List<String> commandPath(CommandSpec command) {
        List<String> path = new ArrayList<>();
        for (CommandSpec c = command; c != null && c.parent() != null; c = c.parent()) {
            path.add(0, c.name());
        }
        return path;
    }

    static String key(List<String> path, String name) {
        return path.isEmpty() ? name : String.join(".", path) + "." + name;
    }

    /** {@code worker.join-token} is {@code GRID_WORKER_JOIN_TOKEN}. */
    static String envName(String key) {
        return "GRID_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static String nonBlank(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
