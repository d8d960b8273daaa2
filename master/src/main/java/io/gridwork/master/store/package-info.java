/**
 * The master's durable state, by aggregate.
 *
 * <p>{@link io.gridwork.master.store.Store} is what the master opens (from a {@link io.gridwork.master.store.StoreConfig}:
 * embedded H2 by default, or PostgreSQL) and closes. It applies a {@link io.gridwork.master.store.StoreBatch}, the
 * core's journal, in one transaction with its entries in order, and it gives one repository per aggregate:
 * {@link io.gridwork.master.store.JobRepository jobs}, {@link io.gridwork.master.store.TaskRepository tasks} (with the
 * dashboard's pages and histograms), {@link io.gridwork.master.store.WorkerRepository workers} and their events,
 * {@link io.gridwork.master.store.ScheduleRunRepository schedule runs}, {@link io.gridwork.master.store.TokenRepository
 * tokens}, {@link io.gridwork.master.store.AuditRepository audit}, {@link io.gridwork.master.store.JarRowRepository jars}
 * and {@link io.gridwork.master.store.MasterInfoRepository master info} (epoch, master id).
 *
 * <p>The repositories are interfaces; their JDBC implementations are in {@code io.gridwork.master.store.jdbc} and
 * write SQL common to both databases, asking the {@link io.gridwork.master.store.Dialect} for what differs. Only this
 * package and its migrations ({@code db/migration}) touch JDBC. Calls go one way: the core and the layers above call
 * the store; the store knows nothing above it.
 */
package io.gridwork.master.store;
