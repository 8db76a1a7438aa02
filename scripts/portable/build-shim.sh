#!/usr/bin/env bash
# build-shim.sh — compiles Strata's C shim (CTorch) into lib/libctorch.so against the libtorch of THIS machine.
#
# Part of the portable benchmark (scripts/build-portable): the Swift executable in bin/ only calls the shim's C ABI
# (ct_* functions, include/ctorch*.h), so rebuilding the shim here against another libtorch (another PyTorch
# version, with CUDA) leaves the executable unchanged.
#   libtorch: TORCH_DIR=<dir with include/ and lib/> if set, else the installed PyTorch
#             (`$PYTHON -c 'import torch; print(torch.__path__[0])'`, PYTHON defaults to python3).
#   compiler: CXX (default: c++, g++ or clang++, the first found), JOBS at once (default nproc), standard CXX_STD (default c++20: libtorch 2.15's
#             ATen refuses C++17; older libtorch also builds with it).
# Links libtorch_cuda/libc10_cuda too when that libtorch has them (with --no-as-needed: loading them registers the
# CUDA kernels), and records libtorch's lib/ as the shim's RPATH, so nothing needs LD_LIBRARY_PATH. Linked with
# -z defs: a shim function this libtorch lacks is an error here, not when the benchmark starts.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE/lib}
PYTHON=${PYTHON:-python3}
if [ -z "${TORCH_DIR:-}" ]; then
  TORCH_DIR=$("$PYTHON" -c 'import torch; print(torch.__path__[0])' 2>/dev/null) || {
    echo "build-shim.sh: no libtorch found: set TORCH_DIR=<libtorch with include/ and lib/> or install PyTorch for $PYTHON" >&2
    exit 1; }
fi
[ -d "$TORCH_DIR/include/torch" ] && [ -d "$TORCH_DIR/lib" ] || {
  echo "build-shim.sh: $TORCH_DIR has no include/torch or lib/: TORCH_DIR must be a libtorch (or torch package) folder" >&2
  exit 1; }
if [ -z "${CXX:-}" ]; then
  for c in c++ g++ clang++; do command -v "$c" >/dev/null && { CXX=$c; break; }; done
fi
[ -n "${CXX:-}" ] || { echo "build-shim.sh: no C++ compiler (c++, g++, clang++): install one or set CXX=" >&2; exit 1; }
# The libstdc++ ABI libtorch was built with (PyPI wheels: 1 since 2.7; older: 0). Default 1 when Python can't say.
ABI=${CXX11_ABI:-$("$PYTHON" -c 'import torch; print(int(torch.compiled_with_cxx11_abi()))' 2>/dev/null || echo 1)}
libs=()
for l in torch torch_cpu c10 torch_cuda c10_cuda; do
  [ -e "$TORCH_DIR/lib/lib$l.so" ] && libs+=("-l$l")
done
mkdir -p "$OUT"
CXX_STD=${CXX_STD:-c++20}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 4)}
echo "build-shim.sh: $CXX ($CXX_STD), libtorch $TORCH_DIR, ${libs[*]}, _GLIBCXX_USE_CXX11_ABI=$ABI, $JOBS jobs" >&2
OBJ=$(mktemp -d)
trap 'rm -rf "$OBJ"' EXIT
flags=(-std="$CXX_STD" -O2 -fPIC -D_GLIBCXX_USE_CXX11_ABI="$ABI" -Wno-deprecated-declarations -I"$HERE/shim/include"
       -I"$TORCH_DIR/include" -I"$TORCH_DIR/include/torch/csrc/api/include")
for f in "$HERE"/shim/src/*.cpp; do  # one compiler per file, JOBS at a time (a libtorch translation unit is slow)
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  "$CXX" "${flags[@]}" -c "$f" -o "$OBJ/$(basename "$f" .cpp).o" &
done
wait
for f in "$HERE"/shim/src/*.cpp; do  # the compiler leaves no object behind when it fails
  [ -s "$OBJ/$(basename "$f" .cpp).o" ] || { echo "build-shim.sh: $(basename "$f") did not compile (errors above)" >&2; exit 1; }
done
"$CXX" -shared "$OBJ"/*.o -o "$OUT/libctorch.so.tmp" -Wl,-soname,libctorch.so -Wl,-z,defs \
  -L"$TORCH_DIR/lib" -Wl,--no-as-needed "${libs[@]}" -Wl,--as-needed -Wl,-rpath,"$TORCH_DIR/lib" -ldl -lpthread
mv "$OUT/libctorch.so.tmp" "$OUT/libctorch.so"
echo "build-shim.sh: wrote $OUT/libctorch.so" >&2
