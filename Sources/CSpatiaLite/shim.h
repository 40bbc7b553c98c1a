#ifndef FACILITYMAP_CSPATIALITE_SHIM_H
#define FACILITYMAP_CSPATIALITE_SHIM_H
#include <sqlite3.h>
#include <spatialite.h>
#endif
