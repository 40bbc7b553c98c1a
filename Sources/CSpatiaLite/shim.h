#ifndef FACILITYMAP_CSPATIALITE_SHIM_H
#define FACILITYMAP_CSPATIALITE_SHIM_H
#include <sqlite3.h>
#include <spatialite.h>

/* sqlite3_config is variadic, which Swift cannot call. Turns off SQLite's memory statistics, which take a
   global mutex on every allocation; must run before the first connection opens. */
static inline int facilitymap_sqlite_disable_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

#if defined(__linux__)
#include <stdint.h>
/* sync_file_range(2), which glibc declares only under _GNU_SOURCE (Swift's Glibc module is built without it).
   Starts writing a file range's dirty pages to disk without waiting: the store calls it on its WAL and database
   files while a bulk load commits, so that SQLite's fdatasync finds most pages written. */
extern int sync_file_range(int fd, int64_t offset, int64_t nbytes, unsigned int flags);
static inline int facilitymap_start_writeback(int fd, int64_t offset, int64_t nbytes) {
    return sync_file_range(fd, offset, nbytes, 2 /* SYNC_FILE_RANGE_WRITE */);
}
#endif
#endif
