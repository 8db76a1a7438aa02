// CTorch: records of a torch.save zip archive (the pickle itself is interpreted in Swift: StrataTensor's
// TorchPickle), read with libtorch's PyTorchStreamReader (zip64, alignment and the archive folder handled).
#ifndef CTORCH_PTH_H
#define CTORCH_PTH_H

#include "ctorch.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_zip_s *ct_zip;

ct_zip ct_zip_open(const char *path);             // NULL + ct_last_error() if not a torch.save zip archive
void ct_zip_close(ct_zip z);
int ct_zip_has_record(ct_zip z, const char *name);  // names relative to the archive folder ("data.pkl", "data/0")
ct_tensor ct_zip_record(ct_zip z, const char *name);  // the record's bytes as a new 1-D uint8 tensor

// Writing: records go into the folder "archive/" (as torch.save into a buffer); finish writes the zip directory,
// flushes and closes the file, and frees the writer (abort frees it without finishing).
typedef struct ct_zip_writer_s *ct_zip_writer;
ct_zip_writer ct_zip_writer_open(const char *path);
int ct_zip_write_record(ct_zip_writer w, const char *name, const void *data, size_t size);
int ct_zip_write_tensor(ct_zip_writer w, const char *name, ct_tensor t);  // t's values, contiguous, from the CPU
int ct_zip_writer_finish(ct_zip_writer w);
void ct_zip_writer_abort(ct_zip_writer w);

#ifdef __cplusplus
}
#endif
#endif
