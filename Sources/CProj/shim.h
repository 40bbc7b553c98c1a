#ifndef FACILITYMAP_CPROJ_SHIM_H
#define FACILITYMAP_CPROJ_SHIM_H
/* PROJ's C API (Debian: libproj-dev, which libspatialite-dev brings): a layer's coordinates to WGS-84. */
#include <proj.h>
#endif
