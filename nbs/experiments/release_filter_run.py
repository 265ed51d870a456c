"""The release filter on one trained model (not a test: seconds to minutes a run).

    python nbs/experiments/release_filter_run.py DATA SEED MODEL LOG

DATA as in validation_run.py. The model is trained by `train_validated` with its defaults on the leaderboard-like
split of DATA with SEED, without refit, one thread; then the same model ranks the validation users twice, without
and with `release_filter` (03_model: no item released after the year of the user's latest training interaction).
One JSON line is appended to LOG: recall@10 of both rankings on all answers, on the users' latest answers and on the
random earlier ones, the share of each ranking's top 10 that is newer than its user, and the share of the answers
that are. The studies in nbs/experiments/valid_split_study read it from nbs/results/release_filter.jsonl.
"""
import json, sys, time
from pathlib import Path
import numpy as np
import torch
from study_data import study_datasets
from fmrec_nb.metrics import evaluate
from fmrec_nb.model import newer_items, release_limits
from fmrec_nb.registry import train_validated
from fmrec_nb.split import held_last, split_like_leaderboard
import fmrec_nb.blend, fmrec_nb.rerank                                   # register blend and rerank

torch.set_num_threads(1)
DATASETS = study_datasets()
data, seed, model, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
ds = DATASETS[data]()
train, valid = split_like_leaderboard(ds, seed=seed)
last = held_last(ds, valid, seed=seed)
t = time.perf_counter()
m, rep = train_validated(ds, model, {}, seed, refit=False, device='cpu')
users = np.unique(valid.users)
item_year, user_year = release_limits(train)
res = {'data': data, 'model': model, 'seed': seed, 'epochs': rep['epochs'], 'valid': rep['valid']['recall@10'],
       'answers_newer': float((item_year[valid.items] > user_year[valid.users]).float().mean())}
for name, flag in (('plain', False), ('filtered', True)):
    m.release_filter = flag
    recs = torch.full((train.n_users, 10), -1, dtype=torch.int64)
    recs[torch.from_numpy(users)] = m.recommend(train, 10, users=users, device='cpu')
    r = recs[torch.from_numpy(users)]
    res[f'{name}_newer'] = float(newer_items(train, users, r).float().mean())
    for part, d in (('all', valid), ('last', valid.subset(last)), ('random', valid.subset(~last))):
        res[f'{name}_{part}'] = evaluate(recs, d, 10)['recall@10']
res['s'] = round(time.perf_counter() - t, 1)
print(json.dumps(res), flush=True)
with open(out, 'a') as f: f.write(json.dumps(res) + '\n')
