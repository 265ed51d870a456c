"""Validation study behind 15_blend's `normalise` and default members: scores or ranks, and which members (not a test).

    python nbs/experiments/blend_normalise.py members DATA SEED CACHE     # train the members once, keep their scores
    python nbs/experiments/blend_normalise.py table CACHE OUT              # every blend of the kept scores -> OUT (JSON)

`members`: EASE, MF, rerank and SASRec, each trained by `train_validated` with its defaults on the leaderboard-like
split of DATA (ml-latest-small | ml-100k | 'ml-latest-small + side') with SEED, without refit; their scores for
every validation user are kept in CACHE (a folder, one `.pt` file per data set and seed: a few MB).
`table`: for every blend of two or more of the members and each normalisation (standardised scores; reciprocal ranks
with k = 3, 10, 30, 60), `blend_table` scores the weight grid (step 0.1) on the validation answers, with each part of
them (`last`: the users' latest held-out items; the rest random). One row per (data, seed, members, normalisation):
the cross-fitted recall@10 (`valid`: weights chosen on one half of the users, read on the other, and the reverse),
the score of the choice on all answers (`selection`), the chosen weights and the chosen blend's parts. The members
alone are rows too. The pseudo-leaderboard plays no part.
"""
import itertools, json, sys, time
from pathlib import Path
import numpy as np
import torch
from study_data import study_datasets
from fmrec_nb.model import Recommender, frozen_scorer
from fmrec_nb.registry import train_validated
from fmrec_nb.split import held_last, split_like_leaderboard
from fmrec_nb.train import cross_fitted, halve_users
from fmrec_nb.blend import blend_table, simplex_grid
import fmrec_nb.rerank                   # registers rerank

torch.set_num_threads(1)
DATASETS = study_datasets()
MEMBERS = ['ease', 'mf', 'rerank', 'sasrec']
KINDS = [('z', 10.0), ('rank', 3.0), ('rank', 10.0), ('rank', 30.0), ('rank', 60.0)]


def cache_file(cache: Path, data: str, seed: int) -> Path:
    return cache / f"{data.replace(' + ', '_').replace(' ', '_')}_{seed}.pt"


class KeptScores(Recommender):
    "A member's kept scores `S [len(users), n_items]` for `users`, scored like the member it was."
    def __init__(self, S: torch.Tensor, users: np.ndarray):
        self.S, self.row = S, {int(u): i for i, u in enumerate(users)}
        self.n_users, self.n_items = int(users.max()) + 1, S.shape[1]
    def score_block(self, users) -> torch.Tensor:
        return self.S[torch.tensor([self.row[int(u)] for u in users])]


def members(data: str, seed: int, cache: Path):
    "Train each member on the split of `data` with `seed` (no refit) and keep its scores of the validation users."
    ds = DATASETS[data]()
    train, valid = split_like_leaderboard(ds, seed=seed)
    users = np.unique(valid.users)
    out = {'data': data, 'seed': seed, 'users': users, 'scores': {}, 'reports': {}}
    for m in MEMBERS:
        t = time.perf_counter()
        model, rep = train_validated(ds, m, {}, seed, refit=False, device='cpu')
        f = frozen_scorer(model)
        out['scores'][m] = torch.cat([f(torch.from_numpy(users[s:s + 256])) for s in range(0, len(users), 256)]).float()
        out['reports'][m] = {'valid': rep['valid']['recall@10'], 'epochs': rep['epochs'], 's': round(time.perf_counter() - t, 1)}
        print(data, seed, m, out['reports'][m], flush=True)
    cache.mkdir(parents=True, exist_ok=True)
    torch.save(out, cache_file(cache, data, seed))


def table(cache: Path, out: Path):
    "Every blend of the kept members of every (data, seed) in `cache`, each normalisation: rows to `out`."
    rows, loaded = [], {}
    for f in sorted(cache.glob('*.pt')):
        kept = torch.load(f, weights_only=False)
        data, seed = kept['data'], kept['seed']
        if data not in loaded: loaded[data] = DATASETS[data]()
        ds = loaded[data]
        train, valid = split_like_leaderboard(ds, seed=seed)
        parts, halves = {'last': held_last(ds, valid, seed=seed)}, halve_users(valid, seed)
        parts['random'] = ~parts['last']
        m = {n: KeptScores(kept['scores'][n], kept['users']) for n in MEMBERS}
        for r in range(1, len(MEMBERS) + 1):
            for combo in itertools.combinations(MEMBERS, r):
                for how, k in (KINDS if r > 1 else KINDS[:1]):
                    grid = simplex_grid(len(combo), 0.1) if r > 1 else [(1.0,)]
                    t = blend_table([m[c] for c in combo], train, valid, grid, combo, halves=halves, normalise=how, rank_k=k,
                                    parts=parts).to_dict('records')
                    best = max(t, key=lambda x: x['recall@10'])
                    rows.append({'data': data, 'seed': seed, 'members': '+'.join(combo), 'normalise': how if r > 1 else '-',
                                 'rank_k': k if how == 'rank' else None, 'valid': cross_fitted(t)['recall@10'],
                                 'selection': best['recall@10'], 'last': best['last_recall@10'], 'random': best['random_recall@10'],
                                 'weights': {c: best[f'w:{c}'] for c in combo}})
            print(data, seed, r, 'members done', flush=True)
    out.write_text(json.dumps({'members': MEMBERS, 'kinds': KINDS, 'rows': rows}, indent=0) + '\n')


if __name__ == '__main__':
    if sys.argv[1] == 'members': members(sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]))
    elif sys.argv[1] == 'table': table(Path(sys.argv[2]), Path(sys.argv[3]))
    else: sys.exit(__doc__)
