# Thin wrapper over CMake. `make run` starts a devnet, `make test` runs every test.
.PHONY: all deps build build-asan build-fuzz fuzz-smoke run test bench fuzz web clean

JOBS    ?= $(shell nproc)
WORKERS ?= 3
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 3
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

all: build web

deps:
	@./scripts/deps.sh

# Release build (optimised, with debug info); links ./cpcd ./cpc-cli ./cpc-worker.
build: deps
	@cmake -S . -B build $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCPC_ROOT_LINKS=ON >/dev/null
	@cmake --build build -j $(JOBS)

# Test build: ASan + UBSan, -Werror.
build-asan: deps
	@cmake -S . -B build-asan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DCPC_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j $(JOBS)

run: build web
	@WORKERS=$(WORKERS) ./scripts/devnet.sh

# The clang tree (fuzz-smoke) first, so ctest's summary stays the last line.
# The dashboard is built first: ctest runs its unit and browser tests (web.*).
test: build-asan fuzz-smoke web
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

# Ledger throughput, the market (market:, verify:, detect:), then the worker
# (hashpow:, matmul:, vanity:), then, where nvidia-smi sees a GPU and nvcc is
# there, the GPU line (bench/cuda/run.sh: cuda_matmul:), then the login times
# of a known and an unknown email (login_timing:, login_timing_locked:), then
# the rentals' settlement at block end (rentals:), then webhook delivery (webhooks:).
bench: build
	@./build/bin/bench_ledger
	@./build/bin/bench_market
	@./build/bin/bench_state_root
	@./build/bin/bench_worker
	@if nvidia-smi -L >/dev/null 2>&1 && { command -v nvcc >/dev/null || [ -x /usr/local/cuda/bin/nvcc ]; }; then \
	  bash bench/cuda/run.sh; \
	else echo "bench: no GPU or no nvcc here: bench/cuda/run.sh (cuda_matmul:) runs on a GPU machine"; fi
	@./build/bin/bench_login_timing
	@./build/bin/bench_rentals
	@./build/bin/bench_webhooks

# The whole tree (binaries, benches, libFuzzer targets) built by clang with -Werror.
build-fuzz: deps
	@cmake -S . -B build-fuzz $(CMAKE_GEN) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCPC_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS)

fuzz: build-fuzz
	@./scripts/fuzz.sh build-fuzz/bin $(FUZZ_SECONDS)

# Part of `make test`: gcc builds the tests, clang builds the tree too, and
# each fuzz target runs a few seconds, so no README command breaks unseen.
fuzz-smoke: build-fuzz
	@./scripts/fuzz.sh build-fuzz/bin $(FUZZ_SMOKE_SECONDS)

# The web dashboard (web/, React + Vite) into web/dist, which cpcd serves at /.
web:
	@./scripts/web.sh

clean:
	rm -rf build build-asan build-fuzz cpcd cpc-cli cpc-worker
