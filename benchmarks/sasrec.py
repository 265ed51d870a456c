"""SASRec's cost at competition scale (issue 15): a training epoch next to its FLOP floor, and the top-10 of every user
next to MF's, measured in one run.

The data: `synthetic_dataset()` (31,360 users x 6,807 items, ~5.1 M interactions, the competition's shape), or a
fraction of it with `--scale`. The model: `fmrec-train --model sasrec`'s defaults (`SASREC_DEFAULTS`: 64 factors,
windows of 50 items drawn at random, 2 layers, 1 head, full softmax over the catalogue, 64 users a batch, Adam at
lr 1e-3), trained by `fmrec_nb.train.fit` without validation; the first epoch is timed apart, then `--epochs` more.

The FLOP floor of an epoch, counted from the shapes (forward; backward counted as 2 x forward):
  * the catalogue softmax: 2 x T x n_items x d, T the (input, target) pairs of real items in the epoch's windows
    (counted on one draw of the windows);
  * the transformer: per position of every window (padding included) and layer, 16 d^2 (the four d x d-sized
    projections and the 2d-wide MLP) + 4 L d (attention's two products over the L = max_len positions).
The floor is those FLOPs at the speed of a one-thread 2048 x 2048 float32 matmul timed in the same run.

The top-10 of every user (`recommend`: encode each user's latest window, then one matmul per block) is timed next to
MF's top-10 with as many factors (the same top-K engine, no encoder): the ratio is what the transformer adds.

    python benchmarks/sasrec.py --json nbs/results/sasrec_bench.json
    python benchmarks/sasrec.py --scale 0.05 --epochs 1        # a quick look
    python benchmarks/sasrec.py --job-epochs 2 --json F        # also a whole `train_validated` job of 2 epochs

With `--job-epochs N`, a whole job as `fmrec-train --model sasrec --epochs N` runs it (split, N epochs each followed
by a validation ranking, the refit for the chosen number of epochs, then the top-10 of every user) and is timed next
to the estimate from the parts above: N x (epoch + top-10) + chosen x epoch + top-10.

Prints a table and, as the last line, one JSON object (also written to `--json`).
"""
import argparse, json, math, os, platform, sys, time
import numpy as np
import torch
from fmrec_nb.data import synthetic_dataset
from fmrec_nb.mf import MF
from fmrec_nb.registry import MODELS, SASREC_DEFAULTS, train_validated
from fmrec_nb.train import fit
sys.path.insert(0, os.path.dirname(__file__))
from cfm import matmul_gflops                                    # the same yardstick as the CFM benchmark


def sasrec_gflop_per_epoch(model, ds) -> dict:
    "Forward + backward GFLOP of one epoch of `model` (SASRec) on `ds`, by part (see the module docstring)."
    model.observe(ds)
    users = torch.from_numpy(np.flatnonzero(np.bincount(ds.users, minlength=ds.n_users) >= 2))
    bs = min(model.batch_users, len(users))
    n_seq = math.ceil(len(users) / bs) * bs                                 # every batch full: fit wraps around
    model.train()
    s = torch.cat([model.random_windows(users[i:i + 4096]) for i in range(0, len(users), 4096)])
    real = (s[:, :-1] != model.n_items) & (s[:, 1:] != model.n_items)
    T = real.sum().item() * n_seq / len(users)
    d, L = model.factors, model.max_len
    return {'catalogue': 3 * 2 * T * model.n_items * d / 1e9,
            'transformer': 3 * n_seq * L * model.layers * (16 * d * d + 4 * L * d) / 1e9, 'pairs': T, 'sequences': n_seq}


def sasrec_epoch(model, ds, epochs: int, threads: int) -> tuple:
    "Seconds of SASRec epochs: (mean over `epochs` epochs after the first, the first)."
    o = SASREC_DEFAULTS
    h = fit(model, ds, None, epochs=epochs + 1, lr=o['lr'], batch_size=o['batch_size'], threads=threads, progress=False, seed=0)
    return float(h.df.seconds.iloc[1:].mean()), float(h.df.seconds.iloc[0])


def top10_s(model, ds, threads: int, repeat: int = 2) -> float:
    "Seconds of the top-10 of every user (the fastest of `repeat`)."
    torch.set_num_threads(threads)
    best = math.inf
    for _ in range(repeat):
        t = time.perf_counter(); model.recommend(ds, 10, device='cpu'); best = min(best, time.perf_counter() - t)
    return best


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--scale', type=float, default=1.0, help='fraction of the competition size (users and interactions)')
    p.add_argument('--epochs', type=int, default=2, help='epochs timed after the first')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--job-epochs', type=int, default=0, help='also time a whole validated job of this many epochs')
    p.add_argument('--json', default=None, help='also write the JSON object to this file')
    a = p.parse_args(argv)
    if not a.scale > 0 or a.epochs < 1 or a.threads < 1: p.error('--scale must be positive, --epochs and --threads at least 1')
    torch.set_num_threads(a.threads)
    load0 = [round(x, 2) for x in os.getloadavg()]
    ds = synthetic_dataset(n_users=int(31_360 * a.scale), n_interactions=int(5_150_000 * a.scale))
    o = {**SASREC_DEFAULTS, 'seed': 0}
    model = MODELS['sasrec'].build(ds, o)
    print(f"{ds}; {a.threads} thread(s); SASRec d = {model.factors}, windows of {model.max_len} ({model.windows}), "
          f"{model.layers} layers, {model.batch_users} users a batch", file=sys.stderr, flush=True)
    gflops = matmul_gflops()
    flop = sasrec_gflop_per_epoch(model, ds)
    model.reset_parameters()
    epoch, first = sasrec_epoch(model, ds, a.epochs, a.threads)
    print(f"  SASRec epoch {epoch:.1f} s (first {first:.1f} s)", file=sys.stderr, flush=True)
    top_sas = top10_s(model, ds, a.threads)
    mf = MF(ds.n_users, ds.n_items, factors=model.factors)
    top_mf = top10_s(mf, ds, a.threads)
    gflops = max(gflops, matmul_gflops())                                  # before and after: the faster of the two
    gflop = flop['catalogue'] + flop['transformer']
    floor = gflop / gflops
    res = {'dataset': repr(ds), 'threads': a.threads, 'machine': platform.machine(), 'torch': torch.__version__,
           'cpus': os.cpu_count(), 'load_avg_at_start': load0, 'load_avg_at_end': [round(x, 2) for x in os.getloadavg()],
           'options': {k: o[k] for k in ('factors', 'max_len', 'layers', 'heads', 'windows', 'lr')},
           'sequences_per_epoch': flop['sequences'], 'pairs_per_epoch': round(flop['pairs']),
           'sasrec_epoch_s': round(epoch, 2), 'sasrec_first_epoch_s': round(first, 2),
           'gflop_per_epoch': {'catalogue': round(flop['catalogue'], 1), 'transformer': round(flop['transformer'], 1)},
           'matmul_gflops': round(gflops, 1), 'floor_s': round(floor, 2), 'ratio_to_floor': round(epoch / floor, 2),
           'sasrec_top10_s': round(top_sas, 2), 'mf_top10_s': round(top_mf, 2), 'top10_over_mf': round(top_sas / top_mf, 2)}
    if a.job_epochs:
        t = time.perf_counter()
        jm, rep = train_validated(ds, 'sasrec', {'epochs': a.job_epochs}, seed=0, device='cpu', threads=a.threads)
        jm.recommend(ds, 10, device='cpu')
        res['job'] = {'epochs': a.job_epochs, 'chosen': rep['epochs'], 'job_s': round(time.perf_counter() - t, 1),
                      'estimate_s': round(a.job_epochs * (epoch + top_sas) + rep['epochs'] * epoch + top_sas, 1)}
        print(f"  job of {a.job_epochs} epochs: {res['job']['job_s']:.0f} s (estimate {res['job']['estimate_s']:.0f} s)", file=sys.stderr, flush=True)
    print(f"\n{'':28s} {'seconds':>8s}\n{'SASRec epoch':28s} {epoch:8.2f}\n"
          f"{'FLOP floor':28s} {floor:8.2f}   ({gflop:.0f} GFLOP at {gflops:.0f} GFLOP/s)\n"
          f"{'SASRec top-10, every user':28s} {top_sas:8.2f}\n{'MF top-10, every user':28s} {top_mf:8.2f}\n"
          f"epoch / floor = {res['ratio_to_floor']:.2f}, top-10 / MF's = {res['top10_over_mf']:.2f}", file=sys.stderr)
    if a.json:
        with open(a.json, 'w') as fh: json.dump(res, fh, indent=1)
    print(json.dumps(res))


if __name__ == '__main__':
    main()
