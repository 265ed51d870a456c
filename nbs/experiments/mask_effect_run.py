"""How much do the unknown answers that are not scored (the hidden ones) lower a validation score? (not a test)

    python nbs/experiments/mask_effect_run.py DATA SEED MODEL LOG

On the pseudo-leaderboard's train file P of DATA, the validation split is T1 + V1; the hidden answers H are unknown to
both. Validation scores the model on T1 against V1 while H's items still compete for its top 10 (unscored); on the
leaderboard the refit model sees all of P and only H is unknown. One level down (T1 cut again: T2 + V2, the model
trained on T2 for the chosen epochs, or fitted with the chosen λ) the same effect can be measured: V2 scored with T2
masked (`v2`: V1's and H's items compete) and with T2 and V1 masked (`v2_v1masked`: only H's compete). Their
difference `mask` estimates what the unscored competitors cost; `s2` (V1 scored, T1 masked) gives the refit's gain.
Logs them with the validation score, and the leaderboard score of the model trained on T1 (`lb_norefit`).
"""
import json, sys, time
from pathlib import Path
import numpy as np
import torch
from study_data import study_datasets
from fmrec_nb.metrics import evaluate
from fmrec_nb.registry import MODELS, refit_validated, train_validated
from fmrec_nb.results import hidden_split
from fmrec_nb.split import split_like_leaderboard
from fmrec_nb.train import evaluate_model, smaller_cut

def without(ds, other):
    "`ds` less the interactions of `other` (matched on user, item and time)."
    key = lambda d: (d.users.astype(np.int64) * d.n_items + d.items) * 10**10 + (d.times.astype(np.int64) % 10**10)
    return ds.subset(np.flatnonzero(~np.isin(key(ds), key(other))))

torch.set_num_threads(1)
data, seed, model, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
ds = study_datasets()[data]()
pool, hidden = hidden_split(ds, seed)
t = time.perf_counter()
m, rep = train_validated(pool, model, None, seed, refit=False, device='cpu')
lb_norefit = evaluate(m.recommend(pool, 10, device='cpu'), hidden)['recall@10']
train, valid = split_like_leaderboard(pool, seed=seed)
smaller, answers = smaller_cut(train, seed)
assert without(train, answers).n_interactions == smaller.n_interactions
opts = {k: rep['config'][k] for k in MODELS[model].defaults}
m2 = refit_validated(smaller, model, opts, rep['epochs'], seed, 'cpu', 1)
r = lambda seen, ans: evaluate_model(m2, seen, ans, 10, 'cpu')['recall@10']
res = {'data': data, 'model': model, 'seed': seed, 'valid': rep['valid']['recall@10'],
       'valid_all': evaluate_model(m, train, valid, 10, 'cpu')['recall@10'], 'lb_norefit': lb_norefit,
       's2': r(train, valid), 'v2': r(smaller, answers), 'v2_v1masked': r(without(pool, answers), answers),
       'epochs': rep['epochs'], 'seconds': round(time.perf_counter() - t, 1)}
res['mask'] = res['v2_v1masked'] - res['v2']
print(json.dumps(res), flush=True)
with open(out, 'a') as f: f.write(json.dumps(res) + '\n')
