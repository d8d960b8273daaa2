package io.gridwork.cli;

import io.gridwork.client.Credentials;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Where a command finds its credentials file: {@code --credentials}, else {@code $GRID_CREDENTIALS}, else the default
 * the Java client uses too ({@link Credentials#findDefaultFile}).
 */
final class CredentialOptions {

    static final String CREDENTIALS_ENV = Credentials.FILE_ENV;

    private CredentialOptions() {}

    /** The credentials to use, or null if none is given and there is no default file. */
    static Credentials load(Path option) {
        Path file = option; // $GRID_CREDENTIALS arrives as the option's default (see ConfigDefaults)
        boolean explicit = true;
        if (file == null) {
            explicit = false;
            file = Credentials.findDefaultFile().orElse(null);
            if (file == null) {
                return null;
            }
        }
        try {
            return Credentials.read(file);
        } catch (NoSuchFileException e) {
            throw new CliException(ExitCodes.AUTH, "--credentials: no such file " + file);
        } catch (IOException e) {
            throw new CliException(ExitCodes.AUTH, (explicit ? "--credentials " : "credentials ") + file + ": " + e.getMessage());
        }
    }
}
