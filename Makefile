# Shortcuts for the scripts under packaging/ and benchmarks/. The tests do not need make:
# `python3 packaging/bootstrap.py test` is the test command (CI runs it through .ci/run).
PY ?= $(if $(wildcard .venv/bin/python),.venv/bin/python,python3)

.PHONY: help package package-smoke package-install package-uninstall icons examples bench bench-quick

help:
	@echo "make package          build the desktop app into dist/neural-playground/ (needs PyInstaller)"
	@echo "make package-smoke    start the built app: --version, check, train 20 steps offscreen and quit"
	@echo "make package-install  add the built app, its icons and the .playground file type to ~/.local/share"
	@echo "make icons            render resources/icons/*.png from the SVG"
	@echo "make examples         rewrite resources/examples/ (packaging/make_examples.py)"
	@echo "make bench            every benchmark, one table (benchmarks/run_all.py); bench-quick: shorter"

package:
	$(PY) packaging/pyinstaller/build.py

package-smoke:
	$(PY) packaging/pyinstaller/smoke.py

package-install:
	$(PY) packaging/pyinstaller/install_desktop.py

package-uninstall:
	$(PY) packaging/pyinstaller/install_desktop.py --uninstall

icons:
	$(PY) packaging/pyinstaller/render_icons.py

examples:
	$(PY) packaging/make_examples.py

bench:
	$(PY) benchmarks/run_all.py

bench-quick:
	$(PY) benchmarks/run_all.py --quick
