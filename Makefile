# peapod: `make demo` and `make test` are the two entry points (run as root on Debian 12).
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps build test unit demo demo-stop bench clean

all: build

deps:
	scripts/install-deps

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

# Every test: unit, root integration, end-to-end, then the leak check.
test: build
	cd $(BUILD) && ctest --output-on-failure --timeout 300

unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit

demo: build
	scripts/demo

demo-stop:
	scripts/demo stop

bench: build
	bench/run

clean:
	rm -rf $(BUILD)
