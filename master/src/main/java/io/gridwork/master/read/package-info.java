/**
 * The read model: what the dashboard, the metrics and (in time) clients read about jobs, tasks and workers, as plain
 * immutable records, built from the core's public queries ({@code Scheduler.job, jobs, result, workers, detail,
 * runningOn, recentWorkerEvents}) and the store's read methods.
 *
 * <p>Calls go one way: {@code http -> read -> core, store -> model}. This package knows neither the RPC layer nor
 * the web console, so neither protocol messages nor JSON shape what is read; each of those maps from here.
 */
package io.gridwork.master.read;
