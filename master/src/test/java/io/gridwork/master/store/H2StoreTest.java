package io.gridwork.master.store;

import java.util.UUID;

/** The store contract on H2, the embedded default: a fresh in-memory database per test. */
class H2StoreTest extends StoreContract {

    @Override
    protected StoreConfig freshDatabase() {
        return StoreConfig.h2InMemory("store-" + UUID.randomUUID());
    }
}
