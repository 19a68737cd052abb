# ortsprofil — `make` lists the targets. Targets the README uses create the venv when missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
ORT    ?= Näsum
LAN    ?= 12
# Extras installed by `make setup`: tests and PDF. JupyterLab (lab) only by `make lab`.
EXTRAS ?= test,pdf
comma  := ,
STAMP   = $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: help setup rapport pdf test test-fast lab orter jamfor alla data-status snapshot bench clean

help: ## visa den här listan
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  Exempel: make rapport ORT=Glimåkra"

$(BIN)/python:
	@echo "Skapar den virtuella miljön $(VENV) …"
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-%: pyproject.toml | $(BIN)/python
	@echo "Installerar beroenden (första gången, ca 1–2 minuter; en rad per paket) …"
	set -o pipefail; $(BIN)/python -m pip install --progress-bar off -e '.[$(EXTRAS)]' \
	  | { grep --line-buffered -E '^(Collecting|Successfully)' || true; }
	@echo "Beroendena är installerade."
	@touch $@

setup: $(STAMP) ## skapa .venv och installera ortsprofil med test- och PDF-tillägg (bara om det saknas)

rapport: $(STAMP) ## bygg ortsprofilen för ORT (standard Näsum) → reports/<ort>/ortsprofil.html
	$(BIN)/ortsprofil rapport "$(ORT)"

pdf: $(STAMP) ## bygg ortsprofilen för ORT som HTML och A4-PDF
	$(BIN)/ortsprofil rapport "$(ORT)" --pdf

jamfor: $(STAMP) ## jämför alla tätorter i LAN mot urvalskriterierna → reports/jamforelse/ (HTML, Excel, CSV)
	$(BIN)/ortsprofil jamfor --lan $(LAN)

alla: $(STAMP) ## bygg profiler för alla orter med 400–4 000 invånare i LAN + reports/index.html
	$(BIN)/ortsprofil alla --lan $(LAN)

orter: $(STAMP) ## lista tätorterna i LAN (standard 12 = Skåne)
	$(BIN)/ortsprofil orter --lan $(LAN) --antal 0

data-status: $(STAMP) ## visa tabellerna i den lokala datakopian
	$(BIN)/ortsprofil data status

test: $(STAMP) ## kör alla tester (enhetstester, notebookar via papermill och nbval)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP) ## kör testerna utan de som kör notebookar
	$(BIN)/python -m pytest -q -m "not slow and not network"

lab: ## öppna JupyterLab på notebooks/ (installerar lab-tillägget vid behov)
	@$(MAKE) --no-print-directory setup EXTRAS=test,pdf,lab
	$(BIN)/jupyter lab --notebook-dir=notebooks $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

snapshot: $(STAMP) ## bygg om data/snapshot/ ur ../shared/data/scb (SCB-CSV:er)
	$(BIN)/ortsprofil data bygg

bench: $(STAMP) ## kör prestandamätningarna i bench/
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean: ## ta bort genererade rapporter (behåller .venv och data)
	find reports -mindepth 1 -not -name .gitkeep -exec rm -rf {} +
