/* The floor of bench/sampling: the same chip windows read by the shortest loop over GDAL's C API — no framework.
 *
 * Reads the plan written by strata-bench-sampling (per configuration: files, optionally a target lattice, and
 * chip windows). Each of N threads opens its own dataset handles once (and, for reprojected configurations, sets
 * up GDAL's warper once per file: same kernel, fixed resampling scale and approximate transformer as Strata) and
 * reads its share of the chips (dynamic, an atomic counter) with one GDALDatasetRasterIOEx call each — or one
 * GDALWarpRegionToBuffer onto the chip's grid — 13 bands into one reused float32 buffer.
 * Prints "<config> <chips> <seconds>" (best of --reps) and a hash of every chip.
 *
 * Build: cc -O2 -o sampling-floor sampling-floor.c $(pkg-config --cflags --libs gdal) -lpthread
 */
#include <gdal.h>
#include <gdal_alg.h>
#include <gdalwarper.h>
#include <cpl_conv.h>
#include <cpl_string.h>
#include <ogr_srs_api.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <math.h>

typedef struct { int warp; char crs[64]; double gt[6]; int w, h; char path[4096]; } File;
typedef struct { int file; double x, y, w, h; } Chip;
typedef struct {
  char name[128]; int threads; int nfiles; File *files; int nchips; Chip *chips;
} Config;

static int g_bands = 13;

static double cpu(void) {
  struct rusage u; getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

static double now(void) {
  struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Per thread and file: the open dataset and, for reprojected configurations, GDAL's warper set up once (a
 * generic transformer to the target CRS wrapped in gdalwarp's default approximate transformer, bilinear, float32
 * working type, the resampling scale fixed to the source/target pixel-size ratio, as Strata does). */
typedef struct { GDALDatasetH ds; void *gen, *approx; GDALWarpOperationH op; } Handle;

static int open_handle(const File *f, Handle *h) {
  h->ds = GDALOpenEx(f->path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
  if (!h->ds || !f->warp) return h->ds ? 0 : -1;
  OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
  OSRSetFromUserInput(srs, f->crs);
  char *wkt = NULL; OSRExportToWkt(srs, &wkt);
  char **topts = CSLSetNameValue(NULL, "DST_SRS", wkt);
  h->gen = GDALCreateGenImgProjTransformer2(h->ds, NULL, topts);
  CSLDestroy(topts); CPLFree(wkt); OSRDestroySpatialReference(srs);
  if (!h->gen) return -1;
  double sug[6]; int sw, sh;
  GDALSuggestedWarpOutput(h->ds, GDALGenImgProjTransform, h->gen, sug, &sw, &sh);
  h->approx = GDALCreateApproxTransformer(GDALGenImgProjTransform, h->gen, 0.125);
  int n = GDALGetRasterCount(h->ds);
  GDALWarpOptions *wo = GDALCreateWarpOptions();
  wo->hSrcDS = h->ds;
  wo->nBandCount = n;
  wo->panSrcBands = CPLMalloc(sizeof(int) * n);
  wo->panDstBands = CPLMalloc(sizeof(int) * n);
  for (int b = 0; b < n; b++) { wo->panSrcBands[b] = b + 1; wo->panDstBands[b] = b + 1; }
  wo->eResampleAlg = GRA_Bilinear;
  wo->eWorkingDataType = GDT_Float32;
  char v[64];
  snprintf(v, sizeof v, "%.17g", fabs(sug[1]) / f->gt[1]);
  wo->papszWarpOptions = CSLSetNameValue(wo->papszWarpOptions, "XSCALE", v);
  snprintf(v, sizeof v, "%.17g", fabs(sug[5]) / -f->gt[5]);
  wo->papszWarpOptions = CSLSetNameValue(wo->papszWarpOptions, "YSCALE", v);
  wo->papszWarpOptions = CSLSetNameValue(wo->papszWarpOptions, "INIT_DEST", "0");
  wo->papszWarpOptions = CSLSetNameValue(wo->papszWarpOptions, "ERROR_OUT_IF_EMPTY_SOURCE_WINDOW", "FALSE");
  wo->pfnTransformer = GDALApproxTransform;
  wo->pTransformerArg = h->approx;
  h->op = GDALCreateWarpOperation(wo);
  GDALDestroyWarpOptions(wo);
  return h->op ? 0 : -1;
}

static void close_handle(Handle *h) {
  if (h->op) GDALDestroyWarpOperation(h->op);
  if (h->approx) GDALDestroyApproxTransformer(h->approx);
  if (h->gen) GDALDestroyGenImgProjTransformer(h->gen);
  if (h->ds) GDALClose(h->ds);
}

/* Reprojected chip: the warper writes exactly the chip's pixels (destination geotransform moved to the chip). */
static int warp_chip(Handle *h, const File *f, const Chip *k, float *buf) {
  double gt[6] = {f->gt[0] + k->x * f->gt[1], f->gt[1] * k->w / 256, 0, f->gt[3] + k->y * f->gt[5], 0,
                  f->gt[5] * k->h / 256};
  GDALSetGenImgProjTransformerDstGeoTransform(h->gen, gt);
  memset(buf, 0, sizeof(float) * g_bands * 256 * 256);
  return GDALWarpRegionToBuffer(h->op, 0, 0, 256, 256, buf, GDT_Float32, 0, 0, 0, 0) == CE_None ? 0 : -1;
}

/* One chip: the window (fractional pixels of the file or its warped VRT) resampled to 256 × 256 with RasterIO —
 * the part whose pixel centres fall inside the raster, as Strata's WindowReader computes it; the rest is filled. */
static double snapv(double v) { double r = round(v); return fabs(v - r) < 1e-6 ? r : v; }
static int read_chip(GDALDatasetH h, const File *f, const Chip *k, float *buf) {
  const int W = 256, H = 256;
  int width = GDALGetRasterXSize(h), height = GDALGetRasterYSize(h);
  double sx = k->w / W, sy = k->h / H;
  int i0 = (int)fmax(0, ceil(snapv(-k->x / sx - 0.5))), i1 = (int)fmin(W, ceil(snapv((width - k->x) / sx - 0.5)));
  int j0 = (int)fmax(0, ceil(snapv(-k->y / sy - 0.5))), j1 = (int)fmin(H, ceil(snapv((height - k->y) / sy - 0.5)));
  if (i1 <= i0 || j1 <= j0) { memset(buf, 0, sizeof(float) * g_bands * W * H); return 0; }
  if (i0 > 0 || j0 > 0 || i1 < W || j1 < H) memset(buf, 0, sizeof(float) * g_bands * W * H);
  double fx = fmax(0, k->x + i0 * sx), fy = fmax(0, k->y + j0 * sy);
  double fw = fmin((i1 - i0) * sx, width - fx), fh = fmin((j1 - j0) * sy, height - fy);
  double ix = snapv(fx), iy = snapv(fy), iw = snapv(fw), ih = snapv(fh);
  int integral = ix == round(ix) && iy == round(iy) && iw == round(iw) && ih == round(ih);
  GDALRasterIOExtraArg extra;
  INIT_RASTERIO_EXTRA_ARG(extra);
  extra.eResampleAlg = GRIORA_Bilinear;
  int nx = (int)floor(ix), ny = (int)floor(iy);
  int nw = (int)fmax(1, fmin(width - nx, floor(iw + (integral ? 0 : 0.5))));
  int nh = (int)fmax(1, fmin(height - ny, floor(ih + (integral ? 0 : 0.5))));
  if (!integral) {
    extra.bFloatingPointWindowValidity = 1;
    extra.dfXOff = ix; extra.dfYOff = iy; extra.dfXSize = iw; extra.dfYSize = ih;
  }
  (void)f;
  return GDALDatasetRasterIOEx(h, GF_Read, nx, ny, nw, nh, buf + j0 * W + i0, i1 - i0, j1 - j0, GDT_Float32, g_bands,
                               NULL, 4, 4 * W, 4 * W * H, &extra) == CE_None ? 0 : -1;
}

typedef struct { Config *c; atomic_int *next; int failed; } Work;

static void *worker(void *arg) {
  Work *wk = arg;
  Config *c = wk->c;
  Handle *h = calloc(c->nfiles, sizeof *h);
  float *buf = malloc(sizeof(float) * g_bands * 256 * 256);
  for (;;) {
    int i = atomic_fetch_add(wk->next, 1);
    if (i >= c->nchips) break;
    Chip *k = &c->chips[i];
    File *f = &c->files[k->file];
    if (!h[k->file].ds && open_handle(f, &h[k->file]) != 0) { wk->failed = 1; break; }
    if ((f->warp ? warp_chip(&h[k->file], f, k, buf) : read_chip(h[k->file].ds, f, k, buf)) != 0) { wk->failed = 1; break; }
  }
  for (int f = 0; f < c->nfiles; f++) close_handle(&h[f]);
  free(h); free(buf);
  return NULL;
}

static double run(Config *c, double *cpu_used) {
  atomic_int next = 0;
  pthread_t t[16];
  Work w[16];
  double t0 = now(), c0 = cpu();
  for (int i = 0; i < c->threads; i++) {
    w[i].c = c; w[i].next = &next; w[i].failed = 0;
    pthread_create(&t[i], NULL, worker, &w[i]);
  }
  for (int i = 0; i < c->threads; i++) pthread_join(t[i], NULL);
  double dt = now() - t0;
  *cpu_used = cpu() - c0;
  for (int i = 0; i < c->threads; i++) if (w[i].failed) { fprintf(stderr, "floor: read failed in %s: %s\n", c->name, CPLGetLastErrorMsg()); exit(1); }
  return dt;
}

/* FNV-1a 64 over the bytes of the float32 values, as strata-bench-sampling's chipHash (little-endian x86). */
static unsigned long long chip_hash(const float *v, size_t n) {
  unsigned long long h = 0xcbf29ce484222325ULL;
  const unsigned char *p = (const unsigned char *)v;
  for (size_t i = 0; i < n * sizeof(float); i++) h = (h ^ p[i]) * 0x00000100000001b3ULL;
  return h;
}

/* A hash of every chip, outside the timed runs: compared with Strata's, chip by chip. */
static void checks(Config *c, FILE *out) {
  Handle *h = calloc(c->nfiles, sizeof *h);
  float *buf = malloc(sizeof(float) * g_bands * 256 * 256);
  for (int i = 0; i < c->nchips; i++) {
    Chip *k = &c->chips[i];
    File *f = &c->files[k->file];
    if ((!h[k->file].ds && open_handle(f, &h[k->file]) != 0) ||
        (f->warp ? warp_chip(&h[k->file], f, k, buf) : read_chip(h[k->file].ds, f, k, buf)) != 0) {
      fprintf(stderr, "floor: checksum read failed in %s: %s\n", c->name, CPLGetLastErrorMsg());
      exit(1);
    }
    fprintf(out, "%s %d %016llx\n", c->name, i, chip_hash(buf, (size_t)g_bands * 256 * 256));
  }
  for (int f = 0; f < c->nfiles; f++) close_handle(&h[f]);
  free(h); free(buf);
}

int main(int argc, char **argv) {
  if (argc < 5) { fprintf(stderr, "usage: sampling-floor PLAN REPS RESULTS CHECKS\n"); return 2; }
  int reps = atoi(argv[2]);
  GDALAllRegister();
  if (!getenv("GDAL_CACHEMAX") && GDALGetCacheMax64() < (256 << 20)) GDALSetCacheMax64(256 << 20);
  FILE *in = fopen(argv[1], "r"), *res = fopen(argv[3], "w"), *chk = fopen(argv[4], "w");
  if (!in || !res || !chk) { perror("sampling-floor"); return 1; }
  char line[8192];
  Config c; int cap = 0;
  while (fgets(line, sizeof line, in)) {
    if (!strncmp(line, "config ", 7)) {
      memset(&c, 0, sizeof c);
      sscanf(line + 7, "%127s %d %d", c.name, &c.threads, &c.nfiles);
      c.files = calloc(c.nfiles, sizeof(File));
      cap = 1024; c.chips = malloc(cap * sizeof(Chip));
    } else if (!strncmp(line, "file ", 5)) {
      int i; char mode[16]; int off = 0;
      sscanf(line + 5, "%d %15s %n", &i, mode, &off);
      File *f = &c.files[i];
      char *rest = line + 5 + off;
      rest[strcspn(rest, "\n")] = 0;
      if (!strcmp(mode, "warp")) {
        double ox, rx, oy, ry; int n2 = 0;
        f->warp = 1;
        sscanf(rest, "%63s %lf %lf %lf %lf %d %d %n", f->crs, &ox, &rx, &oy, &ry, &f->w, &f->h, &n2);
        double gt[6] = {ox, rx, 0, oy, 0, -ry};
        memcpy(f->gt, gt, sizeof gt);
        strncpy(f->path, rest + n2, sizeof f->path - 1);
      } else {
        int n2 = 0;
        sscanf(rest, "%d %d %n", &f->w, &f->h, &n2);
        strncpy(f->path, rest + n2, sizeof f->path - 1);
      }
    } else if (!strncmp(line, "chip ", 5)) {
      if (c.nchips == cap) { cap *= 2; c.chips = realloc(c.chips, cap * sizeof(Chip)); }
      Chip *k = &c.chips[c.nchips++];
      sscanf(line + 5, "%d %lf %lf %lf %lf", &k->file, &k->x, &k->y, &k->w, &k->h);
    } else if (!strncmp(line, "end", 3)) {
      double best = 1e300, best_cpu = 0;
      for (int r = 0; r < reps; r++) {
        double u, t = run(&c, &u);
        if (t < best) { best = t; best_cpu = u; }
      }
      fprintf(res, "%s %d %.6f %.6f\n", c.name, c.nchips, best, best_cpu);
      printf("%-26s %6d chips  %8.1f chips/s  (floor, %d threads)\n", c.name, c.nchips, c.nchips / best, c.threads);
      fflush(stdout);
      checks(&c, chk);
      free(c.files); free(c.chips);
    }
  }
  fclose(res); fclose(chk); fclose(in);
  return 0;
}
