#ifndef FACILITYMAP_CEXPAT_SHIM_H
#define FACILITYMAP_CEXPAT_SHIM_H
/* Expat (Debian: libexpat1-dev): the streaming XML parser that reads an .xlsx workbook's parts. */
#include <expat.h>
#endif
