# salespulse — run `make help` for the targets.
SHELL := bash
.DEFAULT_GOAL := help
CARGO ?= cargo

.PHONY: help build demo test test-unit lint fmt bench bench-criterion profile mixin broker-start broker-stop clean

help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-13s\033[0m %s\n", $$1, $$2}'

build: ## Build every crate (debug)
	$(CARGO) build --workspace

demo: ## Broker + topics + generator + pipeline, with live KPI lines (Ctrl-C stops all)
	@deploy/local/demo.sh

test: ## Every test, end-to-end included (starts a local broker unless KAFKA_BROKERS is set)
	$(CARGO) build -p salespulse
	@deploy/local/with-broker.sh $(CARGO) test --workspace --all-targets

test-unit: ## Tests that need no broker (the module-graph check included)
	$(CARGO) test --workspace --exclude salespulse-e2e --all-targets
	$(CARGO) build -p salespulse
	$(CARGO) test -p salespulse-e2e --test modules --test rules --test metrics_doc --test dashboards --test deploy --test win_rate

lint: ## rustfmt and clippy, warnings as errors
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt: ## Format the code
	$(CARGO) fmt --all

bench: ## End-to-end benchmark against the local broker, each figure next to its ceiling (target/bench/report.md)
	$(CARGO) build --release -p salespulse -p salespulse-bench
	@deploy/local/with-broker.sh target/release/salespulse-bench $(BENCH_ARGS)

profile: ## CPU profile (perf) of decode and engine on generated traffic: where an event's time goes
	$(CARGO) build --release -p salespulse-bench
	@mkdir -p target/bench
	perf record -F 499 -g -o target/bench/perf.data target/release/salespulse-bench --only inproc
	perf report -i target/bench/perf.data --no-children --percent-limit 1.5 --stdio 2>/dev/null | grep -v '^$$' | head -60

bench-criterion: ## Criterion micro-benchmarks: decode, engine, snapshot (target/criterion)
	$(CARGO) bench --workspace

mixin: ## Regenerate the rules, the PrometheusRule and the dashboards of deploy/ (crates/salespulse-mixin)
	$(CARGO) run -q -p salespulse -- mixin --out deploy

broker-start: ## Start the local broker (tansu) in the background
	@deploy/local/broker.sh start

broker-stop: ## Stop the local broker
	@deploy/local/broker.sh stop

clean: ## Remove build output and local run state (keeps the cached broker)
	$(CARGO) clean
	rm -rf .run
