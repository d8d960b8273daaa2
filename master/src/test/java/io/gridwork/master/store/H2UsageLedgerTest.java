package io.gridwork.master.store;

import java.util.UUID;

/** The usage ledger on H2. */
class H2UsageLedgerTest extends UsageLedgerContract {

    @Override
    protected StoreConfig freshDatabase() {
        return StoreConfig.h2InMemory("ledger-" + UUID.randomUUID());
    }
}
