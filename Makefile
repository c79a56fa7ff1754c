# 两条命令：`make run` 启动看板（首次运行自动安装依赖并生成演示数据库），`make test` 运行全部测试。
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench bench-scale demo clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m etl ensure-demo
	$(PY) -m streamlit run dashboard.py --server.address 127.0.0.1 --server.headless true --browser.gatherUsageStats false

test: $(STAMP)
	$(VENV)/bin/ruff check --quiet .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) bench/run_all.py

# 1×、3×、10×、30× 演示库（首次生成后缓存在 ~/.cache/weihai-bench）：各项耗时与内存，以及随数据量的增长。
bench-scale: $(STAMP)
	$(PY) bench/bench_scale.py

clean:
	rm -rf $(VENV) data/*.duckdb
