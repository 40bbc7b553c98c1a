#ifndef FACILITYMAP_CGEOS_SHIM_H
#define FACILITYMAP_CGEOS_SHIM_H
/* GEOS's C API (Debian: libgeos-dev), the reentrant functions only. */
#define GEOS_USE_ONLY_R_API
#include <geos_c.h>
#endif
