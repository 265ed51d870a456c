"""EASE in seconds (issue 18): the whole `fmrec-train --model ease` job against one plain EASE solve.

Measures in one run, on the same torch threads:
  (a) one plain EASE solve on the whole data set: the Cholesky inverse of XᵀX + λI (λ = 200) of its
      n_items × n_items Gram matrix (building XᵀX is not counted: the solve alone is the yardstick);
  (b) the job of `fmrec-train --model ease`: `fmrec_nb.cli.train_main` in-process, i.e. the leaderboard-like
      split, the λ grid chosen by validation recall@10, the refit on everything, the top-10 of every user and the
      submission and report written (to a temporary folder).
and prints the ratio job/solve for each data set. The last line is one JSON object with the numbers.

    python benchmarks/ease.py                        # ml-latest-small (embedded)
    python benchmarks/ease.py --scale competition    # also the synthetic competition-scale set
                                                     # (31,360 users x 6,807 items, 5.1 M interactions)

At competition scale the data set is generated in memory and handed to `train_main` in place of reading a
folder (generation is not timed). Peak memory is the process's maximum resident size after the job, before (a).
"""
import argparse, json, os, resource, sys, tempfile, time
from pathlib import Path
import torch
import fmrec_nb.cli as cli
import fmrec_nb.data as data_module
from fmrec_nb.data import load_dataset, synthetic_dataset
from fmrec_nb.mf import gram_matrix


def plain_solve(ds, lam: float = 200.0) -> float:
    "Seconds of one Cholesky inverse of XᵀX + λI in float32 (EASE's solve as it was), Gram matrix built beforehand."
    G = gram_matrix(ds)
    G.diagonal().add_(lam)
    t = time.perf_counter()
    P = torch.cholesky_inverse(torch.linalg.cholesky(G))
    seconds = time.perf_counter() - t
    del P, G
    return seconds


def job(ds, name: str) -> dict:
    "Run `fmrec-train --model ease` on `ds` in-process; its seconds, chosen λ and validation recall@10."
    real_load = data_module.load_dataset
    data_module.load_dataset = lambda data: ds              # the data set is already in memory (cli imports it late)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            report = cli.train_main(data=name, model='ease', submission=str(Path(tmp) / 'submission.csv'), device='cpu', quiet=True)
            seconds = time.perf_counter() - t
    finally: data_module.load_dataset = real_load
    return {'job_s': round(seconds, 2), 'lam': report['config']['lam'], 'valid_recall@10': report['valid']['recall@10']}


def measure(ds, name: str) -> dict:
    "Job first (its peak memory), then the plain solve, on the same threads."
    print(f"{name}: {ds.n_users:,} users x {ds.n_items:,} items, {ds.n_interactions:,} interactions", file=sys.stderr, flush=True)
    out = job(ds, name)
    out['peak_rss_mb_after_job'] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(f"  job   {out['job_s']:8.1f} s  (lambda {out['lam']:g}, valid recall@10 {out['valid_recall@10']:.4f})", file=sys.stderr, flush=True)
    out['solve_s'] = round(plain_solve(ds), 2)
    out['ratio_job_over_solve'] = round(out['job_s'] / out['solve_s'], 3)
    print(f"  solve {out['solve_s']:8.1f} s  -> job / solve = {out['ratio_job_over_solve']:.2f}", file=sys.stderr, flush=True)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--scale', choices=['small', 'competition'], default='small', help='competition: also the synthetic set')
    p.add_argument('--threads', type=int, default=1, help='torch threads for both parts')
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    results = {'threads': args.threads, 'load_avg_at_start': [round(x, 2) for x in os.getloadavg()], 'cpus': os.cpu_count()}
    results['ml-latest-small'] = measure(load_dataset('ml-latest-small'), 'ml-latest-small')
    if args.scale == 'competition':
        results['competition'] = measure(synthetic_dataset(), 'synthetic competition-scale')
    results['load_avg_at_end'] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(results))


if __name__ == '__main__':
    main()
