#ifndef FACILITYMAP_CXLSXWRITER_SHIM_H
#define FACILITYMAP_CXLSXWRITER_SHIM_H
/* libxlsxwriter (Debian: libxlsxwriter-dev): the .xlsx workbooks FacilityMap writes (coverage for leadership). */
#include <xlsxwriter.h>
#endif
