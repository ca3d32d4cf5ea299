# Convenience front door over CMake presets. `make` builds, `make test` runs every test in the
# optimised and the sanitizer builds, `make demo` shows the system working.
MNP_WERROR ?= OFF
CMAKE_FLAGS := -DMNP_WERROR=$(MNP_WERROR)

.PHONY: all build asan fuzz test test-release test-asan demo screenshots bootstrap format clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	@cmake --preset release $(CMAKE_FLAGS) >/dev/null
	@cmake --build --preset release

asan: bootstrap
	@cmake --preset asan $(CMAKE_FLAGS) >/dev/null
	@cmake --build --preset asan

fuzz: bootstrap
	@cmake --preset fuzz $(CMAKE_FLAGS) >/dev/null
	@cmake --build --preset fuzz

test-release: build
	@ctest --preset release

test-asan: asan
	@ctest --preset asan

# The sanitizer run comes last, so the closing lines are its ctest summary.
test: test-release test-asan

demo: build
	@scripts/demo

# Refreshes docs/screenshots/ from the browser tests (tests/web), which take them.
screenshots: build
	@MNP_BIN_DIR=$(CURDIR)/build/bin MNP_SOURCE_DIR=$(CURDIR) \
		MNP_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots bash tests/web/ui.sh

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-fuzz
