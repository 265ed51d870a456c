"""Validation study behind 15a_rerank (not a test: about a minute in all).

For each data set of the scoreboard and seed 0: `fmrec-train --model rerank` without the refit, once with `--ranker auto`
(validation recall@10 of the generator's order, LightGBM and the FM on the same answers) and once with
`--ranker lightgbm` (the trees' gain per feature). One JSON file: nbs/results/rerank_validation.json.
Run from the project root: FMREC_SHARED_DATA=../shared/data python nbs/experiments/rerank_validation.py"""
import json, sys
from pathlib import Path
import numpy as np, torch
from study_data import study_datasets
from fmrec_nb.registry import train_validated
import fmrec_nb.rerank
from fmrec_nb.rerank import lightgbm_module

torch.set_num_threads(1)
out = Path(sys.argv[1] if len(sys.argv) > 1 else 'nbs/results/rerank_validation.json')
DATA = study_datasets()
runs = []
for name, load in DATA.items():
    ds = load()
    _, rep = train_validated(ds, 'rerank', {}, seed=0, refit=False)
    m, rep_l = train_validated(ds, 'rerank', {'ranker': 'lightgbm'}, seed=0, refit=False)
    gain = lightgbm_module().Booster(model_str=m.rank.st['booster']).feature_importance('gain')
    runs.append({'data': name, 'seed': 0, 'rankers': {r['ranker']: r['recall@10'] for r in rep['history']},
                 'chosen': rep['ranker'], 'valid': rep['valid']['recall@10'], 'ranker_rows': rep['ranker_rows'],
                 'gain': dict(zip(rep_l['features'], (gain / gain.sum()).round(4).tolist())), 'seconds': rep['seconds']})
    print(json.dumps(runs[-1]), flush=True)
out.write_text(json.dumps(runs, indent=1) + '\n')
