#ifndef FACILITYMAP_CREADOSM_SHIM_H
#define FACILITYMAP_CREADOSM_SHIM_H
/* libreadosm's C API (Debian: libreadosm-dev): OpenStreetMap's .osm.pbf and .osm files, node and way callbacks. */
#include <readosm.h>
#endif
