// GDAL's C API as one module for Swift: rasters, vectors (OGR), spatial references (OSR/PROJ), warping,
// rasterising, algorithms, and the error/config/string helpers.
#include <gdal.h>
#include <gdal_alg.h>
#include <gdal_utils.h>
#include <gdalwarper.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
