# Atlas — make targets. `make run` and `make test` are all a new machine
# needs: both bring PostgreSQL up themselves (see `make db`).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.ONESHELL:
# Recipes say what they do with their own echo lines.
.SILENT:
.DEFAULT_GOAL := help

GO                  ?= go
STATICCHECK_VERSION := v0.8.2
GOBIN               := $(shell $(GO) env GOPATH)/bin
PG_HOST             ?= 127.0.0.1
PG_PORT             ?= 5432
DB_USER             ?= atlas
DB_PASSWORD         ?= atlas
DB_NAME             ?= atlas
PLAYGROUND_DIR      := internal/playground/localslack
MAILDEV_DIR         := internal/playground/maildev

export DATABASE_URL             ?= postgres://$(DB_USER):$(DB_PASSWORD)@$(PG_HOST):$(PG_PORT)/$(DB_NAME)?sslmode=disable
export ATLAS_TEST_DATABASE_URL  ?= $(DATABASE_URL)

.PHONY: help run test lint bench load db build fuzz playground-deps mail-deps poppler chromium clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

build: ## build bin/atlasbot
	$(GO) build -o bin/atlasbot ./cmd/atlasbot

run: db build playground-deps mail-deps ## run Atlas: the playground without Slack tokens, the real workspace with them
	exec ./bin/atlasbot run

test: db lint playground-deps mail-deps poppler chromium ## lint, then every test with the race detector, then a short fuzz of each parser; leaves no test database behind
	# Each package's TestMain (pgtest.Main) drops the databases it made; the
	# shared template is dropped here, once every package is done. If the
	# run fails, what it left is still dropped on the way out.
	trap 'status=$$?; if [ $$status != 0 ]; then $(GO) run ./internal/pgtest/cmd/pgtestsweep -quiet || true; fi' EXIT
	echo "test: go test -race ./..."
	$(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory fuzz
	echo "test: dropping the test template; checking no test database is left"
	$(GO) run ./internal/pgtest/cmd/pgtestsweep

fuzz: ## run each fuzz target for 20,000 inputs (a count, not a time: a timed run can end in the fuzzer's own deadline error)
	@for target in $$(grep -rhoE '^func Fuzz[A-Za-z0-9_]+' --include='*_test.go' . | sed 's/^func //' | sort -u); do
		pkg=$$(grep -rlE "^func $$target\(" --include='*_test.go' . | head -1 | xargs dirname)
		echo "fuzz: $$target in $$pkg"
		$(GO) test -run='^$$' -fuzz="^$$target$$" -fuzztime=$${FUZZTIME:-20000x} "$$pkg"
	done

lint: ## gofmt, go vet and staticcheck
	echo "lint: gofmt"
	unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	echo "lint: go vet"
	$(GO) vet ./...
	if [ "$$($(GOBIN)/staticcheck -version 2>/dev/null | awk '{print $$3}')" != "($(STATICCHECK_VERSION:v%=%))" ]; then
		echo "lint: installing staticcheck $(STATICCHECK_VERSION)"
		$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	fi
	echo "lint: staticcheck"
	$(GOBIN)/staticcheck ./...

bench: db mail-deps ## benchmarks, each reported beside a floor measured in the same run
	$(GO) test -run='^$$' -bench=. -benchmem -count=1 ./...

load: db build ## the load test: a large practice, REPLICAS atlasbot processes (default 1), 50 people paced, in bursts and unpaced, 3 runs
	echo "load: building the practice and starting $${REPLICAS:-1} replica(s); this takes a few minutes"
	$(GO) run ./cmd/atlasload -replicas $${REPLICAS:-1} -runs $${RUNS:-3}

playground-deps: ## install the local Slack stand-in used by the playground (npm ci, pinned)
	if [ -n "$${SLACK_BOT_TOKEN:-}" ] && [ "$(MAKECMDGOALS)" = run ]; then exit 0; fi
	if ! command -v npm >/dev/null 2>&1; then
		echo "playground: npm is missing; installing Node.js and npm with apt-get"
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
		$$SUDO apt-get update -q
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm
	fi
	if [ "$$(uname -m)" != x86_64 ]; then
		echo "playground: local-slack is packaged for Linux x86_64 only; this machine is $$(uname -m)"
		exit 1
	fi
	if [ ! -x $(PLAYGROUND_DIR)/node_modules/.bin/local-slack ] && [ ! -x $(PLAYGROUND_DIR)/node_modules/local-slack-linux-x64/bin/local-slack ]; then
		echo "playground: installing local-slack with npm ci"
		npm ci --prefix $(PLAYGROUND_DIR) --no-audit --no-fund --loglevel=error
	fi

mail-deps: ## install maildev, the local mail server of the playground and the mail tests (npm ci, pinned)
	# make run needs maildev only for the playground's own mail server.
	if [ -n "$${SMTP_HOST:-}$${SLACK_BOT_TOKEN:-}" ] && [ "$(MAKECMDGOALS)" = run ]; then exit 0; fi
	want=$$(sed -n 's/.*"maildev": "\(.*\)".*/\1/p' $(MAILDEV_DIR)/package.json)
	have=$$(sed -n 's/^  "version": "\(.*\)".*/\1/p' $(MAILDEV_DIR)/node_modules/maildev/package.json 2>/dev/null || true)
	if [ "$$have" != "$$want" ] || [ ! -e $(MAILDEV_DIR)/node_modules/.bin/maildev ]; then
		if ! command -v npm >/dev/null 2>&1; then
			echo "mail: npm is missing; installing Node.js and npm with apt-get"
			if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
			$$SUDO apt-get update -q
			$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm
		fi
		echo "mail: installing maildev $$want with npm ci"
		npm ci --prefix $(MAILDEV_DIR) --no-audit --no-fund --loglevel=error
	fi

chromium: ## install Chromium where missing: the portal's browser test drives it headless
	if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
		echo "chromium: chromium is missing; installing it with apt-get"
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
		$$SUDO apt-get update -q
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
	fi

poppler: ## install poppler-utils where missing: the PDF tests read documents back with pdftotext, pdfinfo and pdffonts
	if ! command -v pdftotext >/dev/null 2>&1 || ! command -v pdfinfo >/dev/null 2>&1 || ! command -v pdffonts >/dev/null 2>&1; then
		echo "poppler: pdftotext, pdfinfo or pdffonts is missing; installing poppler-utils with apt-get"
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
		$$SUDO apt-get update -q
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q poppler-utils
	fi

db: ## make PostgreSQL ready: install or start it, create the role and database (idempotent)
	say() { echo "db: $$*"; }
	as_root() { if [ "$$(id -u)" = 0 ]; then "$$@"; else sudo "$$@"; fi; }
	as_postgres() { if [ "$$(id -u)" = 0 ]; then (cd /tmp && runuser -u postgres -- "$$@"); else (cd /tmp && sudo -u postgres "$$@"); fi; }
	if ! command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -q -h $(PG_HOST) -p $(PG_PORT) 2>/dev/null; then
		say "PostgreSQL is not installed; installing it with apt-get"
		as_root apt-get update -q
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
	fi
	if pg_isready -q -h $(PG_HOST) -p $(PG_PORT); then
		say "PostgreSQL is running on $(PG_HOST):$(PG_PORT)"
	else
		version=$$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
		if [ -z "$$version" ] || [ ! -d /etc/postgresql/$$version/main ]; then
			version=$$(ls /usr/lib/postgresql | sort -V | tail -1)
			say "creating PostgreSQL $$version cluster 'main' on port $(PG_PORT)"
			as_root pg_createcluster --port $(PG_PORT) $$version main
		fi
		say "starting PostgreSQL $$version cluster 'main'"
		as_root pg_ctlcluster --skip-systemctl-redirect $$version main start || true
		for i in $$(seq 1 60); do pg_isready -q -h $(PG_HOST) -p $(PG_PORT) && break; sleep 0.5; done
		pg_isready -q -h $(PG_HOST) -p $(PG_PORT) || { say "PostgreSQL did not start; see /var/log/postgresql/"; exit 1; }
		say "PostgreSQL is up on $(PG_HOST):$(PG_PORT)"
	fi
	psql_pg() { as_postgres psql -p $(PG_PORT) -qtAX -v ON_ERROR_STOP=1 "$$@"; }
	if [ "$$(psql_pg -c "SELECT 1 FROM pg_roles WHERE rolname = '$(DB_USER)'")" != 1 ]; then
		say "creating role $(DB_USER) (login, createdb)"
		psql_pg -c "CREATE ROLE $(DB_USER) LOGIN CREATEDB PASSWORD '$(DB_PASSWORD)'"
	fi
	if [ "$$(psql_pg -c "SELECT 1 FROM pg_database WHERE datname = '$(DB_NAME)'")" != 1 ]; then
		say "creating database $(DB_NAME) owned by $(DB_USER)"
		psql_pg -c "CREATE DATABASE $(DB_NAME) OWNER $(DB_USER)"
	fi
	version=$$(psql_pg -c "SHOW server_version_num")
	if [ "$$version" -lt 150000 ]; then
		say "PostgreSQL 15 or newer is needed (this server is $$(psql_pg -c 'SHOW server_version'))"
		exit 1
	fi
	say "ready: $(DB_USER)@$(PG_HOST):$(PG_PORT)/$(DB_NAME)"

clean: ## remove build output
	rm -rf bin
