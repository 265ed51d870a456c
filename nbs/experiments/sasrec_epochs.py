"""SASRec's validation recall@10 epoch by epoch, on all answers and on their two parts (06a_sasrec, "Which epoch").

For each data set: the pseudo-leaderboard's train file (seed 0), its leaderboard-like validation split (seed 0),
`fmrec-train --model sasrec`'s options, trained for a fixed number of epochs (no early stopping); after every epoch the
model is scored on all validation answers, on each user's latest held-out items (`held_last`) and on the random
earlier ones. Writes nbs/results/sasrec_epochs.json.

    python nbs/experiments/sasrec_epochs.py [--epochs 60]
"""
import argparse, json, sys, time
from pathlib import Path
import torch
from fmrec_nb.data import load_dataset, read_movielens, test_data
from fmrec_nb.registry import MODELS, model_options
from fmrec_nb.results import hidden_split
from fmrec_nb.split import held_last, split_like_leaderboard
from fmrec_nb.train import evaluate_model, fit

DATA = {'ml-latest-small': load_dataset, 'ml-100k': lambda: read_movielens(test_data('ml-100k'))}


def curve(name: str, epochs: int, seed: int = 0) -> dict:
    "Per-epoch validation recall@10 (all answers, latest items, random earlier ones) of sasrec with its defaults."
    pool = hidden_split(DATA[name](), seed)[0]
    train, valid = split_like_leaderboard(pool, seed=seed)
    last = held_last(pool, valid, seed=seed)
    opts = model_options('sasrec', {})
    m = MODELS['sasrec'].build(train, {**opts, 'seed': seed})
    rows = []
    def on_epoch(row):
        r = evaluate_model(m, train, valid, parts={'last': last, 'random': ~last}, device='cpu')
        rows.append({'epoch': row['epoch'], 'all': r['recall@10'], 'last': r['last_recall@10'], 'random': r['random_recall@10']})
        print(f"{name} epoch {row['epoch']}: {rows[-1]}", file=sys.stderr, flush=True)
    t = time.perf_counter()
    fit(m, train, valid, epochs=epochs, lr=opts['lr'], patience=0, seed=seed, device='cpu', on_epoch=on_epoch)
    return {'data': name, 'seed': seed, 'options': opts, 'seconds': round(time.perf_counter() - t), 'epochs': rows}


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--epochs', type=int, default=60)
    a = p.parse_args()
    torch.set_num_threads(1)
    out = {'note': __doc__.split('\n\n')[1].replace('\n', ' '), 'runs': [curve(n, a.epochs) for n in DATA]}
    Path(__file__).parent.parent.joinpath('results', 'sasrec_epochs.json').write_text(json.dumps(out, indent=1) + '\n')
