// torch.save archives: record access through libtorch's zip reader.
#include "ctorch_internal.h"
#include "ctorch_pth.h"

#include <caffe2/serialize/inline_container.h>
#include <cstdio>
#include <unistd.h>
#include <memory>

struct ct_zip_s {
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader;
};

extern "C" {

ct_zip ct_zip_open(const char *path) {
  CT_TRY(nullptr, {
    auto r = std::make_unique<caffe2::serialize::PyTorchStreamReader>(std::string(path));
    return new ct_zip_s{std::move(r)};
  })
}

void ct_zip_close(ct_zip z) { delete z; }

int ct_zip_has_record(ct_zip z, const char *name) {
  CT_TRY(-1, { return z->reader->hasRecord(name) ? 1 : 0; })
}

ct_tensor ct_zip_record(ct_zip z, const char *name) {
  CT_TRY(nullptr, {
    size_t n = z->reader->getRecordSize(name);
    auto out = at::empty({static_cast<int64_t>(n)}, at::TensorOptions().dtype(at::kByte));
    if (n > 0) z->reader->getRecord(name, out.data_ptr(), n);
    return ctorch::wrap(out);
  })
}

struct ct_zip_writer_s {
  FILE *file = nullptr;
  bool failed = false;   // a write came back short (disk full, I/O error)
  bool discard = false;  // closing without finishing: the writer's remaining bytes go nowhere
  std::unique_ptr<caffe2::serialize::PyTorchStreamWriter> writer;
  // PyTorchStreamWriter's destructor finishes the archive when nobody did, and throws (std::terminate, as
  // destructors are noexcept) when an earlier write failed. So finish it here with the output discarded and the
  // exception swallowed; writeEndOfFile marks the writer finalized even when it throws. Should a libtorch version
  // not do so, the writer is leaked rather than destroyed (a few KB, only after a failed write).
  ~ct_zip_writer_s() {
    if (writer && !writer->finalized()) {
      discard = true;
      try { writer->writeEndOfFile(); } catch (...) {}
      if (!writer->finalized()) (void)writer.release();
    }
    try { writer.reset(); } catch (...) {}
    if (file) fclose(file);
  }
};

ct_zip_writer ct_zip_writer_open(const char *path) {
  CT_TRY(nullptr, {
    auto w = std::make_unique<ct_zip_writer_s>();
    w->file = fopen(path, "wb");
    if (!w->file) throw std::runtime_error(std::string("cannot create '") + path + "'");
    auto *raw = w.get();
    w->writer = std::make_unique<caffe2::serialize::PyTorchStreamWriter>([raw](const void *buf, size_t n) -> size_t {
      if (n == 0 || raw->discard) return n;
      size_t done = fwrite(buf, 1, n, raw->file);
      if (done != n) raw->failed = true;
      return done;
    });
    return w.release();
  })
}

int ct_zip_write_record(ct_zip_writer w, const char *name, const void *data, size_t size) {
  CT_TRY(-1, {
    if (w->failed) throw std::runtime_error("an earlier write failed (disk full?)");
    w->writer->writeRecord(name, data, size);
    return 0;
  })
}

int ct_zip_write_tensor(ct_zip_writer w, const char *name, ct_tensor t) {
  CT_TRY(-1, {
    if (w->failed) throw std::runtime_error("an earlier write failed (disk full?)");
    auto c = t->t.detach().to(at::kCPU).contiguous();
    w->writer->writeRecord(name, c.data_ptr(), c.nbytes());
    return 0;
  })
}

int ct_zip_writer_finish(ct_zip_writer w) {
  std::unique_ptr<ct_zip_writer_s> owned(w);
  CT_TRY(-1, {
    owned->writer->writeEndOfFile();
    owned->writer.reset();
    bool bad = owned->failed || fflush(owned->file) != 0 || fsync(fileno(owned->file)) != 0;
    if (fclose(owned->file) != 0) bad = true;
    owned->file = nullptr;
    if (bad) throw std::runtime_error("write failed (disk full?)");
    return 0;
  })
}

// Never throws: the destructor above finishes or leaks the libtorch writer without letting an exception out.
void ct_zip_writer_abort(ct_zip_writer w) { delete w; }

}  // extern "C"
