"""Does `train.refit_gain` (one more cut, one level down) predict what the refit adds? (not a test: minutes a run)

    python nbs/experiments/refit_gain_run.py DATA SEED MODEL LOG

On the pseudo-leaderboard's train file of DATA (`results.hidden_split`), `train_validated` without refit gives the
cross-fitted validation score s1 (model on the split's training part T1, answers V1). The split is cut once more (T2 ⊂ T1,
answers V2); the same model trained on T2 for the epochs each half chose (a closed form: fitted with the λ chosen) is
scored on V1 (T1 masked), cross-fitted: s2 (`refit_gain`), and on its own cut's answers V2 (T2 masked): v2, the validation
score one level down. s1 − s2 is what the V1-sized step of data added one level down; s1 − v2 is the whole step from one
level to the next (more data, and answers further ahead with fewer unknown items competing). Logs s1, s2, v2 and the
no-refit leaderboard score; the refitted model's leaderboard score is in the scoreboard logs (same seed, same model).
"""
import json, sys, time
from pathlib import Path
import numpy as np
import torch
from study_data import study_datasets
from fmrec_nb.metrics import evaluate
from fmrec_nb.registry import FIT_OPTIONS, MODELS, epoch_metric, train_validated
from fmrec_nb.results import hidden_split
from fmrec_nb.split import split_like_leaderboard
from fmrec_nb.train import evaluate_model, halve_users, refit_gain, smaller_cut

torch.set_num_threads(1)
DATASETS = study_datasets()
data, seed, model, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
ds = DATASETS[data]()
pool, hidden = hidden_split(ds, seed)
t = time.perf_counter()
m, rep = train_validated(pool, model, None, seed, refit=False, device='cpu')
lb_norefit = evaluate(m.recommend(pool, 10, device='cpu'), hidden)['recall@10']
t1 = time.perf_counter()
opts = {k: v for k, v in rep['config'].items() if k not in ('seed', 'device', 'threads', 'split')}
train, valid = split_like_leaderboard(pool, seed=seed)
halves, below = halve_users(valid, seed), {}
spec = MODELS[model]
if spec.trains:
    parts, metric = epoch_metric(opts, pool, valid, seed)
    gain = refit_gain(lambda tr: spec.build(tr, {**opts, 'seed': seed, 'threads': 1}), train, valid, rep['history'], halves,
                      seed, metric, 10, 'cpu', None, parts, below=below, threads=1,
                      **{k: opts[k] for k in FIT_OPTIONS if k in opts and k not in ('epochs', 'patience')})['recall@10']
else:                                     # a closed form with what was chosen (EASE's λ): fitted on the smaller cut
    smaller, answers = smaller_cut(train, seed)                                # refit_gain's second cut
    m2 = spec.build(smaller, {**opts, 'seed': seed, 'threads': 1}).fit(smaller)
    gain = rep['valid']['recall@10'] - evaluate_model(m2, train, valid, 10, 'cpu')['recall@10']
    below = evaluate_model(m2, smaller, answers, 10, 'cpu')
s2 = rep['valid']['recall@10'] - gain
res = {'data': data, 'model': model, 'seed': seed, 'valid': rep['valid']['recall@10'], 's2': s2, 'v2': below['recall@10'],
       'gain': gain, 'lb_norefit': lb_norefit, 'epochs': rep['epochs'], 'options': {k: v for k, v in opts.items() if k == 'lam'},
       's_valid': round(t1 - t, 1), 's_gain': round(time.perf_counter() - t1, 1)}
print(json.dumps(res), flush=True)
with open(out, 'a') as f: f.write(json.dumps(res) + '\n')
