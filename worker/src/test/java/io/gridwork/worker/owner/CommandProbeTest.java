package io.gridwork.worker.owner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandProbeTest {

    @TempDir
    Path dir;

    private Path script(String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    @Test
    void exitZeroIsIdleAnythingElseBusy() throws IOException {
        Path flag = dir.resolve("busy");
        CommandProbe probe = CommandProbe.of(script("idle.sh", "test ! -e \"$1\"") + " " + flag);
        assertThat(probe.read()).isEqualTo(OwnerProbe.Reading.IDLE);
        Files.createFile(flag);
        assertThat(probe.read()).isEqualTo(OwnerProbe.Reading.busy("the idle command exited 1"));
    }

    @Test
    void aCommandIsFoundOnThePath() throws IOException {
        script("owner-idle", "exit 3");
        CommandProbe probe = CommandProbe.of("owner-idle --quiet", CommandProbe.TIME_LIMIT, "/nonexistent:" + dir);
        assertThat(probe.command()).containsExactly(dir.resolve("owner-idle").toString(), "--quiet");
        assertThat(probe.read()).isEqualTo(OwnerProbe.Reading.busy("the idle command exited 3"));
    }

    @Test
    void aCommandThatDoesNotExistIsRefused() throws IOException {
        assertThatThrownBy(() -> CommandProbe.of(dir.resolve("nope").toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("idle-command: " + dir.resolve("nope") + " does not exist or is not executable");
        assertThatThrownBy(() -> CommandProbe.of("no-such-owner-command", CommandProbe.TIME_LIMIT, dir.toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("idle-command: no program no-such-owner-command on the PATH");
        Path plain = Files.writeString(dir.resolve("plain.txt"), "not a program");
        assertThatThrownBy(() -> CommandProbe.of(plain.toString())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CommandProbe.of("  ")).hasMessage("idle-command: empty command");
    }

    @Test
    void aCommandThatHangsIsKilledAndCountsAsBusy() throws IOException {
        CommandProbe probe = CommandProbe.of(script("hang.sh", "exec sleep 30").toString(), Duration.ofMillis(300),
                null);
        assertThat(probe.read()).isEqualTo(OwnerProbe.Reading.busy("the idle command did not answer within 300 ms"));
    }
}
