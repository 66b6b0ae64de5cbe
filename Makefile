# make run   — install what is missing, set up instance/songyuan.sqlite, serve on http://127.0.0.1:5000
# make test  — install what is missing, run the whole test suite (PostGIS too with TEST_DATABASE_URL)
# The shell logic lives in scripts/.

SHELL := /bin/bash
HOST ?= 127.0.0.1
PORT ?= 5000
ARGS ?=

.PHONY: install run test

install:
	@bash scripts/install.sh

run: install
	@HOST='$(HOST)' PORT='$(PORT)' bash scripts/run.sh

test: install
	@bash scripts/test.sh $(ARGS)
