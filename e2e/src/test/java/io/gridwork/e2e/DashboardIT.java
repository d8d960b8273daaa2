package io.gridwork.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.bench.jobs.SleepyJob;
import io.gridwork.bench.jobs.TallyJob;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.client.JobSubmission;
import io.gridwork.testing.TestJars;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real headless browser: Debian's chromium driven by Selenium through the installed
 * chromedriver (never a downloaded one), against a master and two worker JVMs. The overview shows the workers and a
 * running job's progress moving; a worker killed with SIGKILL shows as DEAD. It leaves a screenshot in
 * {@code e2e/target/dashboard.png} (the README's {@code docs/dashboard.png} is one).
 *
 * <p>Without chromium installed the test is skipped, unless {@code GRIDWORK_REQUIRE_BROWSER} is set (as CI does, after
 * installing it): then it fails.
 */
class DashboardIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    static Path dir;

    static GridProcesses grid;
    static GridClient client;
    static String master;
    static String dashboard;
    static String adminToken;
    static Path jar;
    static final Map<String, Process> workers = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (System.getenv("GRIDWORK_REQUIRE_BROWSER") != null) {
            assertThat(installed).as("chromium and chromium-driver must be installed (apt-get install chromium "
                    + "chromium-driver)").isTrue();
        }
        Assumptions.assumeTrue(installed, "chromium and chromium-driver are not installed: skipping the browser test");
        grid = new GridProcesses(dir);
        Path data = dir.resolve("master");
        grid.start("master", "master", "--port", "0", "--bind", "127.0.0.1", "--data", data.toString(),
                "--heartbeat-interval", "500ms");
        Path portFile = data.resolve("master.port");
        Path httpFile = data.resolve("http.port");
        Path credentials = data.resolve(Credentials.FILE_NAME);
        // master.port is written last, once the master serves (http.port comes before it)
        await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(portFile) && !Files.readString(portFile).isBlank()
                && Files.exists(httpFile) && !Files.readString(httpFile).isBlank() && Files.exists(credentials));
        master = "127.0.0.1:" + Files.readString(portFile).trim();
        dashboard = "https://127.0.0.1:" + Files.readString(httpFile).trim() + "/";
        grid.env("GRID_CREDENTIALS", credentials.toString());
        Credentials creds = Credentials.read(credentials);
        adminToken = creds.token().orElseThrow();
        client = GridClient.builder().target(master).credentials(creds).build();
        jar = TestJars.of(dir.resolve("jobs"), "sleepy.jar", SleepyJob.class, TallyJob.class, GatedJob.class);
        for (String name : new String[] {"alpha", "beta"}) {
            workers.put(name, grid.start(name, "worker", "--master", master, "--slots", "1", "--name", name, "--label", "site=lab-1",
                    "--work-dir", dir.resolve(name).toString()));
        }
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() ->
                client.workers(false).stream().filter(w -> w.getState() == WorkerInfo.State.ALIVE).count() == 2);
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (grid != null) {
            grid.close();
        }
    }

    private static String viewerToken(String name) throws Exception {
        GridProcesses.Result r = grid.run("token", "create", "--role", "viewer", "--name", name, "--master", master);
        assertThat(r.code()).as(r.err()).isZero();
        return r.out().trim();
    }

    private static WebDriver browser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--ignore-certificate-errors", "--window-size=1400,1000",
                "--user-data-dir=" + dir.resolve("chromium-profile"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static void signIn(WebDriver browser, String token) {
        browser.get(dashboard);
        WebElement field = await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> browser.findElement(By.id("token")), WebElement::isDisplayed);
        field.sendKeys(token);
        browser.findElement(By.cssSelector("#login-form button")).click();
    }

    private static double progressOf(WebDriver browser, String jobId) {
        WebElement bar = browser.findElement(By.cssSelector("#active-jobs tr[data-job='" + jobId + "'] .bar"));
        return Double.parseDouble(bar.getAttribute("data-progress"));
    }

    @Test
    void theOverviewShowsWorkersAJobMovingAndADeadWorker() throws Exception {
        String viewer = viewerToken("dashboard-viewer");
        // the job runs (its progress moving, 60 ms a task) while the gate file exists, however long the browser takes;
        // deleting the gate below ends its remaining tasks at once
        Path gate = Files.writeString(dir.resolve("overview.gate"), "open");
        int n = 2000;
        String job = client.submit(JobSubmission.builder().jar(jar).jobClass(GatedJob.class.getName())
                .arg("n", Integer.toString(n)).arg("ms", "60").arg("gate", gate.toString()).build());
        WebDriver browser = browser();
        try {
            browser.manage().window().setSize(new Dimension(1400, 1000));
            signIn(browser, viewer);
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                    browser.findElements(By.cssSelector("#workers tr.worker[data-state='ALIVE']")).size() == 2);
            assertThat(browser.findElement(By.id("who")).getText()).contains("dashboard-viewer").contains("viewer");
            assertThat(browser.findElement(By.id("workers")).getText()).contains("alpha").contains("beta")
                    .contains("site=lab-1");

            double first = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> progressOf(browser, job), p -> p > 0 && p < 100);
            double later = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> progressOf(browser, job), p -> p > first);
            assertThat(later).isGreaterThan(first);

            workers.get("beta").destroyForcibly();
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() ->
                    browser.findElements(By.cssSelector("#workers tr.worker[data-worker='beta'][data-state='DEAD']"))
                            .size() == 1);
            assertThat(browser.findElement(By.id("events")).getText()).contains("beta").contains("DEAD");

            Path shot = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
            Path target = GridProcesses.HOME.resolve("e2e/target");
            Files.createDirectories(target);
            Files.copy(shot, target.resolve("dashboard.png"), StandardCopyOption.REPLACE_EXISTING);

            // a worker's page says what it runs on in words and sizes for people, with no empty field
            browser.get(dashboard + "#/workers/alpha");
            String facts = await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                    .until(() -> browser.findElement(By.id("worker-facts")).getText(), t -> t.contains("incarnation"));
            assertThat(facts).contains("site=lab-1").contains(" cores").containsPattern("\\d+\\.\\d [KMGT]iB memory")
                    .contains("Java ").doesNotContain("memoryBytes").doesNotContain("· ·").doesNotStartWith("·")
                    .doesNotEndWith("·");

            // a viewer sees no cancel button on the job page
            browser.get(dashboard + "#/jobs/" + job);
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() ->
                    browser.findElement(By.id("job-progress")).isDisplayed());
            assertThat(browser.findElements(By.id("cancel-job"))).isEmpty();
            assertThat(client.status(job).getState()).as("the job still runs while the gate is there")
                    .isEqualTo(JobStatus.State.RUNNING);
        } finally {
            browser.quit();
            Files.deleteIfExists(gate);
        }
        JobStatus done = client.await(job, Duration.ofMinutes(2), s -> { });
        assertThat(done.getState()).isEqualTo(JobStatus.State.SUCCEEDED);
        assertThat(done.getResult()).as("every task merged exactly once").isEqualTo(TallyJob.expected(n));
        assertThat(done.getTasks().getSucceeded()).isEqualTo(n);
    }

    @Test
    void theApiRefusesAMissingTokenAndAViewerCannotCancel() throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(trustAll()).build();
        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(dashboard + "api/overview")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.body()).contains("missing credential");

        String viewer = viewerToken("api-viewer");
        String job = client.submit(JobSubmission.builder().jar(jar).jobClass(SleepyJob.class.getName())
                .arg("n", "50").arg("ms", "100").build());
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(dashboard + "api/jobs/" + job + "/cancel"))
                .header("Authorization", "Bearer " + viewer).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("may not cancel jobs");

        HttpResponse<String> cancelled = http.send(HttpRequest.newBuilder(URI.create(dashboard + "api/jobs/" + job + "/cancel"))
                .header("Authorization", "Bearer " + adminToken).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
        assertThat(client.status(job).getState()).isEqualTo(JobStatus.State.CANCELLED);

        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(dashboard + "metrics"))
                .header("Authorization", "Bearer " + viewer).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("gridwork_tasks_total{outcome=\"succeeded\"}")
                .contains("gridwork_workers{state=\"ALIVE\"}").contains("gridwork_store_commit_seconds")
                .contains("gridwork_dispatch_latency_seconds").contains("gridwork_jobs{state=\"CANCELLED\"}")
                .contains("gridwork_worker_heartbeat_age_seconds{worker=\"alpha\"}");

        String failing = client.submit(JobSubmission.builder().jar(jar).jobClass(SleepyJob.class.getName())
                .arg("n", "20").arg("ms", "5").arg("failOnce", "3").build());
        assertThat(client.await(failing, Duration.ofMinutes(1), s -> { }).getState()).isEqualTo(JobStatus.State.SUCCEEDED);
        com.google.gson.JsonObject page = com.google.gson.JsonParser.parseString(http.send(HttpRequest.newBuilder(
                URI.create(dashboard + "api/jobs/" + failing)).header("Authorization", "Bearer " + viewer).build(),
                HttpResponse.BodyHandlers.ofString()).body()).getAsJsonObject();
        long timed = 0;
        for (com.google.gson.JsonElement c : page.getAsJsonObject("durations").getAsJsonArray("counts")) {
            timed += c.getAsLong();
        }
        assertThat(timed).as(page.toString()).isEqualTo(20);
        assertThat(page.getAsJsonArray("errors")).hasSize(1);
        assertThat(page.getAsJsonArray("errors").get(0).getAsJsonObject().get("error").getAsString())
                .contains("task 3 fails its first attempt");
        assertThat(page.get("canCancel").getAsBoolean()).isFalse();
        HttpResponse<String> errorTasks = http.send(HttpRequest.newBuilder(URI.create(dashboard + "api/jobs/" + failing
                + "/tasks?filter=errors")).header("Authorization", "Bearer " + viewer).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(errorTasks.body()).contains("\"index\":3").contains("fails its first attempt");

        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create(dashboard + "api/workers?limit=x"))
                .header("Authorization", "Bearer " + viewer).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("limit: not a number");
    }

    @Test
    void aFailedTasksRowShowsWhereEachAttemptRanWithItsOutputAndStackTrace() throws Exception {
        Path noisy = TestJars.of(dir.resolve("noisy-jobs"), "noisy.jar", NoisyJob.class);
        String job = client.submit(JobSubmission.builder().jar(noisy).jobClass(NoisyJob.class.getName()).maxAttempts(2)
                .build());
        assertThat(client.await(job, Duration.ofMinutes(1), s -> { }).getState()).isEqualTo(JobStatus.State.FAILED);
        WebDriver browser = browser();
        try {
            signIn(browser, viewerToken("attempts-viewer"));
            browser.get(dashboard + "#/jobs/" + job);
            WebElement row = await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                    .until(() -> browser.findElement(By.cssSelector("#tasks tr.task[data-task='1']")), WebElement::isDisplayed);
            assertThat(row.findElements(By.tagName("td")).get(3).getText()).as("Ran on").isIn("alpha", "beta");
            row.findElement(By.cssSelector("button.show-attempts")).click();
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() ->
                    browser.findElements(By.cssSelector("#attempts-1 tr.attempt[data-outcome='FAILED']")).size() == 2);
            String attempts = browser.findElement(By.id("attempts-1")).getText();
            assertThat(attempts).contains("attempt 1").contains("attempt 2")
                    .contains("noisy task 1 attempt 1 starts").contains("noisy task 1 attempt 2 warns")
                    .contains("java.lang.IllegalStateException: cannot read the count on attempt 2")
                    .contains("Caused by: java.lang.NumberFormatException");
            assertThat(browser.findElement(By.cssSelector("#attempts-1 tr.attempt a")).getText()).isIn("alpha", "beta");
        } finally {
            browser.quit();
        }
    }

    /** The test trusts the master's self-made CA by not checking: it checks the API, not TLS (the browser does too). */
    private static SSLContext trustAll() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType) { }
            public void checkServerTrusted(X509Certificate[] chain, String authType) { }
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, new SecureRandom());
        return ctx;
    }
}
