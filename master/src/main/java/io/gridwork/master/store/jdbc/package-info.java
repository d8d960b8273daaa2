/**
 * The JDBC implementations of the store's repositories, used only by {@link io.gridwork.master.store.Store}: each
 * writes SQL common to H2 and PostgreSQL and asks the {@link io.gridwork.master.store.Dialect} for the rest (upserts,
 * sequences, generated keys). Methods that take a {@link java.sql.Connection} write within the transaction of a
 * {@link io.gridwork.master.store.StoreBatch} being applied.
 */
package io.gridwork.master.store.jdbc;
