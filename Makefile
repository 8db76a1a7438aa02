# Strata — the two commands: `make demo` and `make test`. Both install what is missing first (scripts/setup).
SWIFT ?= swift
export STRATA_THREADS ?= $(shell nproc)

.PHONY: setup build test demo fixtures bench clean
setup:
	@scripts/setup

build: setup
	$(SWIFT) build -c release --product strata

test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	@scripts/test-consumer

demo: setup
	@scripts/demo

# Regenerates the committed parity fixtures with Python PyTorch/sklearn in a throwaway venv (.deps/pyenv).
fixtures:
	@scripts/make-fixtures

clean:
	rm -rf .build demo-output

# Reruns only the parity suites under each CPU kernel setting (ATEN_CPU_CAPABILITY=default/avx2/avx512 where the CPU
# has it, ONEDNN_MAX_CPU_ISA=AVX2) and prints per suite the worst relative difference and its tolerance.
.PHONY: test-kernels
test-kernels: setup
	@SWIFT="$(SWIFT)" scripts/test-kernels

# A package outside the repository (Examples/LibraryExample) that depends on a tagged snapshot of this checkout by
# version and compiles the README's library example; part of `make test`.
.PHONY: test-consumer
test-consumer: setup
	@scripts/test-consumer

# libFuzzer harnesses (Fuzz/, a package of its own): builds them with -sanitize=fuzzer,address, replays the committed
# regression inputs, fuzzes each harness SECONDS seconds (one at a time; HARNESS= picks some), exits 1 on a crash.
SECONDS ?= 60
.PHONY: fuzz
fuzz: setup
	Fuzz/run $(SECONDS) $(HARNESS)

# Portable GPU benchmark (bench/gpu): `make portable` packs dist/strata-portable.tar.gz (static Swift runtime, CTorch
# shim as source + build-shim.sh) for a machine with PyTorch but no Swift; `make portable-check` builds it, rebuilds the
# shim against .deps/pyenv's torch and runs it next to PyTorch on the CPU (minutes on a first build; not in `make test`).
.PHONY: portable portable-check
portable: setup
	@scripts/build-portable
portable-check: setup
	@scripts/portable-check
