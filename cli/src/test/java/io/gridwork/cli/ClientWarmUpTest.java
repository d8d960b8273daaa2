package io.gridwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ClientWarmUpTest {

    @AfterEach
    void waitForIt() {
        ClientWarmUp.await();
    }

    @Test
    void clientCommandsAreWarmedUp() {
        assertThat(ClientWarmUp.wanted(new String[] {"status", "job-1"})).isTrue();
        assertThat(ClientWarmUp.wanted(new String[] {"--verbose", "status", "job-1", "--output", "json"})).isTrue();
        assertThat(ClientWarmUp.wanted(new String[] {"--config", "grid.properties", "jobs"})).isTrue();
        assertThat(ClientWarmUp.wanted(new String[] {"submit", "--jar", "x.jar", "--job", "X", "--", "--help"})).isTrue();
        assertThat(ClientWarmUp.wanted(new String[] {"workers"})).isTrue();
        assertThat(ClientWarmUp.wanted(new String[] {"token", "list"})).isTrue();
    }

    @Test
    void helpServersAndTheDemoAreNot() {
        assertThat(ClientWarmUp.wanted(new String[] {})).isFalse();
        assertThat(ClientWarmUp.wanted(new String[] {"--help"})).isFalse();
        assertThat(ClientWarmUp.wanted(new String[] {"--version"})).isFalse();
        assertThat(ClientWarmUp.wanted(new String[] {"help", "status"})).isFalse();
        assertThat(ClientWarmUp.wanted(new String[] {"status", "--help"})).isFalse();
        assertThat(ClientWarmUp.wanted(new String[] {"status", "-h"})).isFalse();
        assertThat(ClientWarmUp.wanted(new String[] {"master", "--port", "0"})).isFalse();
        assertThat(ClientWarmUp.wanted(new String[] {"worker", "--slots", "1"})).isFalse();
        assertThat(ClientWarmUp.wanted(new String[] {"demo"})).isFalse();
        assertThat(ClientWarmUp.wanted(new String[] {"bench", "performance"})).isFalse();
        assertThat(ClientWarmUp.wanted(new String[] {"completion"})).isFalse();
        assertThat(ClientWarmUp.wanted(new String[] {"stauts", "job-1"})).isFalse();
    }

    @Test
    void startedThreadsEndAndAreWaitedFor() {
        ClientWarmUp.start(new String[] {"status", "job-1"});
        assertThat(ClientWarmUp.started()).isTrue();
        ClientWarmUp.await();
        assertThat(ClientWarmUp.started()).isFalse();
        assertThat(warmUpThreads()).isZero();
        ClientWarmUp.await(); // a second wait returns at once
    }

    @Test
    void nothingStartsForAServer() {
        ClientWarmUp.start(new String[] {"master"});
        assertThat(ClientWarmUp.started()).isFalse();
        assertThat(warmUpThreads()).isZero();
    }

    @Test
    void theWarmUpLeavesLogbackSetUpAndNoClientThreads() {
        ClientWarmUp.run();
        assertThat(LoggerFactory.getILoggerFactory()).isInstanceOf(LoggerContext.class);
        // its channel was closed with its network threads: nothing of it keeps a JVM from exiting at once
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.isAlive() && t.getName().startsWith("gridwork-client"));
    }

    private static long warmUpThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("grid-warm-up")).count();
    }
}
