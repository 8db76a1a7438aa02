/* The floor of bench/timeseries: the same series chips read by the shortest loop over GDAL's C API.
 *
 *   timeseries-floor PLAN T THREADS REPS BATCH FILE...   (FILEs in date order)
 *
 * Each of THREADS threads opens every file once and reads its share of the chips (dynamic, an atomic counter,
 * BATCH chips at a time): for each of the first T files in turn, the 256 x 256 window of every chip of the batch at
 * the plan's pixel offsets, 13 bands into one float32 buffer [T, 13, 256, 256] per chip (one GDALDatasetRasterIOEx
 * per chip and date), and adds the values to a checksum. BATCH 1 is the chip-by-chip order; a larger BATCH reads
 * file by file, so neighbouring chips of one date share GDAL's decoded blocks (the order Strata's loader uses).
 * Prints "floor <T> <THREADS> <chips> <seconds> <checksum>" (best of REPS).
 *
 * Build: cc -O2 -o timeseries-floor timeseries-floor.c $(pkg-config --cflags --libs gdal) -lpthread
 */
#include <gdal.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int g_t, g_n, g_nfiles, g_batch;
static int *g_x, *g_y;
static char **g_files;
static atomic_int g_next;

static double now(void) {
  struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *work(void *arg) {
  double *sum = arg;
  GDALDatasetH *ds = calloc(g_t, sizeof *ds);
  for (int k = 0; k < g_t; k++) {
    ds[k] = GDALOpenEx(g_files[k], GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds[k]) { fprintf(stderr, "cannot open %s\n", g_files[k]); exit(1); }
  }
  size_t plane = 256 * 256, per = 13 * plane;
  float *buf = malloc(sizeof(float) * per * g_t * g_batch);
  double s = 0;
  for (;;) {
    int c0 = atomic_fetch_add(&g_next, g_batch);
    if (c0 >= g_n) break;
    int nb = g_n - c0 < g_batch ? g_n - c0 : g_batch;
    for (int k = 0; k < g_t; k++) {
      for (int b = 0; b < nb; b++) {
        int c = c0 + b;
        if (GDALDatasetRasterIOEx(ds[k], GF_Read, g_x[c], g_y[c], 256, 256, buf + (b * g_t + k) * per, 256, 256,
                                  GDT_Float32, 13, NULL, 0, 0, 0, NULL) != CE_None) {
          fprintf(stderr, "read failed\n"); exit(1);
        }
      }
    }
    for (size_t i = 0; i < per * g_t * nb; i++) s += buf[i];
  }
  *sum = s;
  for (int k = 0; k < g_t; k++) GDALClose(ds[k]);
  free(buf); free(ds);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 7) { fprintf(stderr, "usage: timeseries-floor PLAN T THREADS REPS BATCH FILE...\n"); return 2; }
  GDALAllRegister();
  g_t = atoi(argv[2]);
  int threads = atoi(argv[3]), reps = atoi(argv[4]);
  g_batch = atoi(argv[5]) > 0 ? atoi(argv[5]) : 1;
  g_files = argv + 6; g_nfiles = argc - 6;
  if (g_nfiles < g_t) { fprintf(stderr, "need %d files\n", g_t); return 2; }
  FILE *f = fopen(argv[1], "r");
  int cap = 4096; g_x = malloc(cap * sizeof(int)); g_y = malloc(cap * sizeof(int));
  while (g_n < cap && fscanf(f, "%d %d", &g_x[g_n], &g_y[g_n]) == 2) g_n++;
  fclose(f);
  double best = 1e30, checksum = 0;
  for (int r = 0; r < reps; r++) {
    atomic_store(&g_next, 0);
    pthread_t th[64]; double sums[64];
    double t0 = now();
    for (int i = 0; i < threads; i++) pthread_create(&th[i], NULL, work, &sums[i]);
    double s = 0;
    for (int i = 0; i < threads; i++) { pthread_join(th[i], NULL); s += sums[i]; }
    double dt = now() - t0;
    if (dt < best) best = dt;
    checksum = s;
  }
  printf("floor %d %d %d %.6f %.1f\n", g_t, threads, g_n, best, checksum);
  return 0;
}
