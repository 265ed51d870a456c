"""Pseudo-leaderboard runs of one registry model on the 12_results data sets (not a test: minutes a run).

    python nbs/experiments/leaderboard_runs.py DATA SEEDS LABEL MODEL OPTIONS LOG

DATA: ml-latest-small | ml-100k | 'ml-latest-small + side' (the competition's side tables, values on fewer than 2
items folded into `<rare>`, as 12_results builds it); SEEDS: comma-separated; OPTIONS: a JSON object of registry
options ('{}': the defaults as they are when it runs). Each (data, label, seed, model, options) not yet in LOG is run
by `results.scoreboard` (`fmrec-train`'s job on the train file of `hidden_split`, one thread) and appended to LOG.
"""
import json, sys
from pathlib import Path
import torch
from study_data import study_datasets
from fmrec_nb.results import scoreboard

torch.set_num_threads(1)
DATASETS = study_datasets()
data, seeds, label, model, options, log = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5]), Path(sys.argv[6])
scoreboard({data: DATASETS[data]()}, {label: (model, options or None)}, seeds=[int(s) for s in seeds.split(',')], log=log)
