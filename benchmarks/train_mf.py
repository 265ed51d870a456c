"""Seconds per training epoch of fmrec's MF next to implicit's BPR, at competition scale.

    python benchmarks/train_mf.py                      # synthetic_dataset(): 31,360 users, 6,807 items, ~5.15 M interactions
    python benchmarks/train_mf.py --threads 1 2 --epochs 2 --factors 64
    python benchmarks/train_mf.py --scale 0.1          # a tenth of the users and interactions, for a quick look

Both libraries train the same data with the same number of factors and threads; one implicit BPR epoch samples one
negative per positive, like `fmrec` with `--n-neg 1`; fmrec's default (`--n-neg 4`) is timed as well. Timing only
(no evaluation); the first fmrec epoch (which includes `torch.compile`) is reported apart. Prints a table and writes it as JSON with `--json PATH`.
"""
import argparse, json, time
import torch
from threadpoolctl import threadpool_limits
from implicit.cpu.bpr import BayesianPersonalizedRanking
from fmrec_nb.data import synthetic_dataset
from fmrec_nb.mf import MF, interaction_csr
from fmrec_nb.train import fit


def implicit_bpr_epoch(ds, factors: int, threads: int, epochs: int) -> float:
    "Seconds per epoch of implicit's CPU BPR (mean over `epochs` epochs, after a one-epoch warm-up)."
    X = interaction_csr(ds); X.sum_duplicates()          # canonical CSR, as ImplicitPeer gives implicit
    with threadpool_limits(threads):
        BayesianPersonalizedRanking(factors=factors, iterations=1, num_threads=threads, random_state=0).fit(X, show_progress=False)
        m = BayesianPersonalizedRanking(factors=factors, iterations=epochs, num_threads=threads, random_state=0)
        t0 = time.perf_counter(); m.fit(X, show_progress=False)
    return (time.perf_counter() - t0) / epochs


def fmrec_mf_epoch(ds, factors: int, threads: int, epochs: int, n_neg: int, compile: bool = None) -> tuple:
    "Seconds per epoch of fmrec's MF (BPR, Adam, default batch size): (mean over `epochs` epochs after the first, first epoch)."
    m = MF(ds.n_users, ds.n_items, factors=factors)
    h = fit(m, ds, None, epochs=epochs + 1, n_neg=n_neg, threads=threads, compile=compile, progress=False)
    return float(h.df.seconds.iloc[1:].mean()), float(h.df.seconds.iloc[0])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--scale', type=float, default=1.0, help='fraction of the competition size')
    p.add_argument('--factors', type=int, default=64)
    p.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    p.add_argument('--epochs', type=int, default=2)
    p.add_argument('--json', default=None)
    a = p.parse_args()
    ds = synthetic_dataset(n_users=int(31_360 * a.scale), n_interactions=int(5_150_000 * a.scale))
    print(ds)
    rows = []
    for t in a.threads:
        imp = implicit_bpr_epoch(ds, a.factors, t, a.epochs)
        for n_neg in (1, 4):
            ours, first = fmrec_mf_epoch(ds, a.factors, t, a.epochs, n_neg)
            rows.append({'threads': t, 'n_neg': n_neg, 'implicit BPR s/epoch': round(imp, 2), 'fmrec mf s/epoch': round(ours, 2),
                         'ratio': round(ours / imp, 2), 'fmrec first epoch (compiling)': round(first, 2)})
            print(rows[-1], flush=True)
    if a.json:
        with open(a.json, 'w') as f: json.dump({'dataset': repr(ds), 'factors': a.factors, 'rows': rows}, f, indent=1)


if __name__ == '__main__':
    main()
