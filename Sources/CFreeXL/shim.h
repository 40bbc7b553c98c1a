#ifndef FACILITYMAP_CFREEXL_SHIM_H
#define FACILITYMAP_CFREEXL_SHIM_H
/* FreeXL (Debian: libfreexl-dev, which libspatialite-dev brings; SpatiaLite links it): Excel 97–2003 .xls sheets. */
#include <freexl.h>
#endif
