"""One validation run of a registry model with given options (not a test: seconds to minutes a run).

    python nbs/experiments/validation_run.py DATA SEED MODEL OPTIONS LOG [MIN_COUNT]

DATA: ml-latest-small | ml-100k | 'ml-latest-small + side' (the competition's side tables, values on fewer than
MIN_COUNT items, default 2, folded into `<rare>`); OPTIONS: a JSON object of registry options (e.g. '{"recency": 1.0}', '{"fields": "none"}').
The model is trained by `train_validated` on the leaderboard-like split of DATA with SEED, without refit, one thread.
One JSON line is appended to LOG: the cross-fitted validation recall@10 (`valid`), the score of the chosen epoch on
all answers (`all`, = `selection`), on the users' latest answers (`last`) and on the random earlier ones (`random`),
the epochs and the seconds. With FMREC_PROGRESS=1 in the environment the job's progress (each epoch) goes to stderr. The studies of nbs/experiments/fm_study read such logs from nbs/results/.
"""
import json, os, sys, time
from pathlib import Path
import numpy as np
import torch
from study_data import study_datasets
from fmrec_nb.metrics import evaluate
from fmrec_nb.registry import train_validated
from fmrec_nb.split import held_last, split_like_leaderboard

torch.set_num_threads(1)
data, seed, model, options, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4]), Path(sys.argv[5])
min_count = int(sys.argv[6]) if len(sys.argv) > 6 else 2
ds = study_datasets(min_count)[data]()
train, valid = split_like_leaderboard(ds, seed=seed)
mask = held_last(ds, valid, seed=seed)
t = time.perf_counter()
say = (lambda *a: print(*a, file=sys.stderr, flush=True)) if os.environ.get('FMREC_PROGRESS') else None   # FMREC_PROGRESS=1: epochs on stderr
m, rep = train_validated(ds, model, options, seed, refit=False, device='cpu', say=say)
users = np.unique(valid.users)
recs = torch.full((train.n_users, 10), -1, dtype=torch.int64)
recs[torch.from_numpy(users)] = m.recommend(train, 10, users=users, device='cpu')
res = {'data': data, 'model': model, 'options': options, 'seed': seed, **({'min_count': min_count} if 'side' in data else {}),
       'valid': rep['valid']['recall@10'],
       'epochs': rep['epochs'], 's': round(time.perf_counter() - t, 1),
       **{p: evaluate(recs, d, 10)['recall@10'] for p, d in (('all', valid), ('last', valid.subset(mask)), ('random', valid.subset(~mask)))}}
print(json.dumps(res), flush=True)
with open(out, 'a') as f: f.write(json.dumps(res) + '\n')
