#ifndef FACILITYMAP_CSPATIALITE_SHIM_H
#define FACILITYMAP_CSPATIALITE_SHIM_H
#include <sqlite3.h>
#include <spatialite.h>

/* sqlite3_config is variadic, which Swift cannot call. Turns off SQLite's memory statistics, which take a
   global mutex on every allocation; must run before the first connection opens. */
static inline int facilitymap_sqlite_disable_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
#endif
