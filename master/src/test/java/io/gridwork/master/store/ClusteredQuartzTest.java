package io.gridwork.master.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gridwork.master.schedule.Schedules;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.TriggerBuilder;
import org.quartz.impl.SchedulerRepository;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;

/**
 * Quartz as the masters run it ({@link Schedules#quartzProperties}): clustered on PostgreSQL, one instance per master
 * (its id), each fire time fired by one of them; not clustered on H2.
 */
class ClusteredQuartzTest {

    private static PostgresFixture postgres;
    /** Fire times (ms) of the test's schedule, and how often each was fired across the cluster. */
    static final Map<Long, AtomicInteger> FIRED = new ConcurrentHashMap<>();

    @BeforeAll
    static void startPostgres() {
        postgres = PostgresFixture.shared();
    }

    public static final class Count implements Job {
        @Override
        public void execute(JobExecutionContext context) {
            FIRED.computeIfAbsent(context.getScheduledFireTime().getTime(), t -> new AtomicInteger()).incrementAndGet();
        }
    }

    private static Scheduler quartz(Store store) throws Exception {
        String name = "cluster-test-" + UUID.randomUUID();
        DataSource ds = store.dataSource();
        DBConnectionManager.getInstance().addConnectionProvider(name, new ConnectionProvider() {
            @Override
            public Connection getConnection() throws SQLException {
                return ds.getConnection();
            }

            @Override
            public void shutdown() {}

            @Override
            public void initialize() {}
        });
        Properties p = Schedules.quartzProperties(store, name);
        Scheduler s = new StdSchedulerFactory(p).getScheduler();
        SchedulerRepository.getInstance().remove(s.getSchedulerName()); // two in one JVM
        return s;
    }

    @Test
    void onH2QuartzIsNotClustered() {
        try (Store store = Store.inMemory("q-" + UUID.randomUUID())) {
            Properties p = Schedules.quartzProperties(store, "x");
            assertThat(p.getProperty("org.quartz.jobStore.isClustered")).isNull();
            assertThat(p.getProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_ID)).isNull();
        }
    }

    @Test
    void twoMastersFormOneClusterAndEachFireTimeFiresOnce() throws Exception {
        StoreConfig config = postgres.newDatabase();
        List<Scheduler> started = new ArrayList<>();
        try (Store one = Store.open(config); Store two = Store.open(config)) {
          try {
            Properties p = Schedules.quartzProperties(one, "x");
            assertThat(p.getProperty("org.quartz.jobStore.isClustered")).isEqualTo("true");
            assertThat(p.getProperty("org.quartz.jobStore.clusterCheckinInterval")).isEqualTo("1000");
            assertThat(p.getProperty("org.quartz.jobStore.acquireTriggersWithinLock")).isEqualTo("true");
            assertThat(p.getProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_ID)).isEqualTo(one.masterId());

            Scheduler a = quartz(one);
            Scheduler b = quartz(two);
            started.add(a);
            started.add(b);
            a.scheduleJob(JobBuilder.newJob(Count.class).withIdentity("every-200ms", "test").build(),
                    TriggerBuilder.newTrigger().withIdentity("every-200ms", "test").startNow()
                            .withSchedule(SimpleScheduleBuilder.repeatSecondlyForever().withIntervalInMilliseconds(200))
                            .build());
            a.start();
            b.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> instances(one).containsAll(List.of(one.masterId(),
                    two.masterId())));
            await().atMost(Duration.ofSeconds(20)).until(() -> FIRED.size() >= 10);
            a.standby();
            b.standby();
            assertThat(FIRED.values()).allSatisfy(n -> assertThat(n.get()).as("fired once").isEqualTo(1));
          } finally {
            for (Scheduler s : started) {
                s.shutdown(true); // before the stores close their pools
            }
          }
        }
    }

    private static List<String> instances(Store store) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection c = store.dataSource().getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT instance_name FROM qrtz_scheduler_state")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }
}
