"""Validation study behind 15_blend's default members (not a test: minutes per data set).

    python nbs/experiments/blend_validation.py DATA SEED LOG [MEMBERS]

DATA: ml-latest-small | ml-100k | 'ml-latest-small + side'; MEMBERS: comma-separated registry names (default
ease,mf,sasrec). Each member is trained by `train_validated` on the leaderboard-like split of DATA with SEED,
without refit; then every blend of two or more members is scored by `blend_table` on the weight grid (step 0.1).
Recall@10 is reported on all validation answers, on the last-items part (each user's latest held-out items) and on
the random earlier part, plus the cross-fitted score (`valid`) and the score of the choice (`selection`). One JSON
line per run is appended to LOG (15_blend reads nbs/results/blend_validation.jsonl).
"""
import itertools, json, sys, time
from pathlib import Path
import numpy as np
import torch
from study_data import study_datasets
from fmrec_nb.registry import train_validated
from fmrec_nb.split import held_last, split_like_leaderboard
from fmrec_nb.train import halve_users, cross_fitted
from fmrec_nb.blend import Blend, blend_table, simplex_grid
import fmrec_nb.rerank                   # registers rerank (a member like any other)
from fmrec_nb.metrics import evaluate

torch.set_num_threads(1)
DATASETS = study_datasets()
name, seed, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
wanted = sys.argv[4].split(',') if len(sys.argv) > 4 else ['ease', 'mf', 'sasrec']
ds = DATASETS[name]()
train, valid = split_like_leaderboard(ds, seed=seed)
mask = held_last(ds, valid, seed=seed)                                        # users' latest answers; the rest random
parts_of = (('all', valid), ('last', valid.subset(mask)), ('random', valid.subset(~mask)))

def parts(model) -> dict:
    "Recall@10 of `model` on all validation answers and on each part."
    users = np.unique(valid.users)
    recs = torch.full((train.n_users, 10), -1, dtype=torch.int64)
    recs[torch.from_numpy(users)] = model.recommend(train, 10, users=users, device='cpu')
    return {p: evaluate(recs, d, 10)['recall@10'] for p, d in parts_of}

members, res = {}, {'data': name, 'seed': seed, 'members': {}, 'blends': {}, 'n_last': int(mask.sum()), 'n_random': int((~mask).sum())}
for m in wanted:
    t = time.perf_counter()
    members[m], rep = train_validated(ds, m, {}, seed, refit=False, device='cpu')
    res['members'][m] = {'valid': rep['valid']['recall@10'], 'selection': rep['valid_selection']['recall@10'], 'epochs': rep['epochs'],
                         's': round(time.perf_counter() - t, 1), **parts(members[m])}
    print(name, m, res['members'][m], flush=True)
halves = halve_users(valid, seed)
for r in range(2, len(wanted) + 1):
    for combo in itertools.combinations(wanted, r):
        rows = blend_table([members[c] for c in combo], train, valid, simplex_grid(len(combo), 0.1), combo, halves=halves).to_dict('records')
        best = max(rows, key=lambda x: x['recall@10'])
        w = [best[f'w:{c}'] for c in combo]
        res['blends']['+'.join(combo)] = {'valid': cross_fitted(rows)['recall@10'], 'selection': best['recall@10'],
                                          'weights': dict(zip(combo, w)), **parts(Blend(combo, w, [members[c] for c in combo]))}
        print(name, combo, res['blends']['+'.join(combo)], flush=True)
with open(out, 'a') as f: f.write(json.dumps(res) + '\n')
