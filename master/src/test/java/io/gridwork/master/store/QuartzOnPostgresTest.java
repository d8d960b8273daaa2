package io.gridwork.master.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quartz.CronScheduleBuilder;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.SchedulerRepository;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;

/**
 * The Quartz tables the V5 migration creates on PostgreSQL (from the Quartz jar's tables_postgres.sql) work with
 * Quartz's JDBC job store and its PostgreSQL delegate: a schedule stored through one scheduler is read back by the
 * next one, as after a master restart.
 */
class QuartzOnPostgresTest {

    private static final String INSTANCE = "gridwork-store-test";

    private static PostgresFixture postgres;

    @BeforeAll
    static void startPostgres() {
        postgres = PostgresFixture.shared();
    }

    /** A job Quartz never runs here (the scheduler is not started). */
    public static final class Nothing implements Job {
        @Override
        public void execute(JobExecutionContext context) {}
    }

    @Test
    void aScheduleStoredByQuartzIsThereAfterARestart() throws Exception {
        try (Store store = Store.open(postgres.newDatabase())) {
            JobKey key = JobKey.jobKey("nightly", "gridwork");
            Scheduler first = quartz(store);
            try {
                JobDetail job = JobBuilder.newJob(Nothing.class).withIdentity(key).usingJobData("jar", "a".repeat(64))
                        .storeDurably().build();
                Trigger trigger = TriggerBuilder.newTrigger().withIdentity("nightly", "gridwork").forJob(key)
                        .withSchedule(CronScheduleBuilder.cronSchedule("0 0 2 * * ?")).build();
                first.scheduleJob(job, trigger);
            } finally {
                first.shutdown();
            }
            Scheduler second = quartz(store);
            try {
                assertThat(second.checkExists(key)).isTrue();
                assertThat(second.getJobDetail(key).getJobDataMap().getString("jar")).isEqualTo("a".repeat(64));
                assertThat(second.getTriggersOfJob(key)).singleElement()
                        .satisfies(t -> assertThat(t.getNextFireTime()).isNotNull());
            } finally {
                second.shutdown();
            }
        }
    }

    private static Scheduler quartz(Store store) throws Exception {
        String name = "store-test-" + UUID.randomUUID();
        DBConnectionManager.getInstance().addConnectionProvider(name, new ConnectionProvider() {
            @Override
            public Connection getConnection() throws SQLException {
                return store.dataSource().getConnection();
            }

            @Override
            public void shutdown() {}

            @Override
            public void initialize() {}
        });
        Properties p = new Properties();
        // Quartz keys its rows by the scheduler's name: the same name is the same scheduler after a restart.
        p.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_NAME, INSTANCE);
        p.setProperty("org.quartz.threadPool.threadCount", "1");
        p.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
        p.setProperty(StdSchedulerFactory.PROP_JOB_STORE_CLASS, "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        p.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
        p.setProperty("org.quartz.jobStore.useProperties", "true");
        p.setProperty("org.quartz.jobStore.dataSource", name);
        Scheduler scheduler = new StdSchedulerFactory(p).getScheduler();
        SchedulerRepository.getInstance().remove(INSTANCE);
        return scheduler;
    }
}
