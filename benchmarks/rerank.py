"""Re-ranking's cost (issue 15): the `fmrec-train --model rerank` job and its top-10 against EASE's, measured in one run.

For each data set, on the same torch threads: `train_validated` (split, the generator's λ, the cuts, the rankers, the
refit) and the top-10 of every user (`recommend`), first for `--model ease` (the generator alone, the baseline), then
for `--model rerank` with its defaults (or `--ranker`). Prints the seconds and the ratios rerank / EASE; the last line
is one JSON object with the numbers.

    python benchmarks/rerank.py                        # ml-latest-small (embedded)
    python benchmarks/rerank.py --scale competition    # also the synthetic competition-scale set
                                                       # (31,360 users x 6,807 items, 5.1 M interactions)
"""
import argparse, json, os, resource, sys, time
import torch
from fmrec_nb.data import load_dataset, synthetic_dataset
from fmrec_nb.registry import train_validated
import fmrec_nb.rerank                                  # registers --model rerank


def timed(ds, model: str, options: dict, threads: int) -> dict:
    "Seconds of the validated job (refit included) and of the top-10 of every user; validation recall@10."
    say = lambda *a: print('   ', *a, file=sys.stderr, flush=True)
    t = time.perf_counter()
    m, rep = train_validated(ds, model, options, seed=0, device='cpu', threads=threads, say=say)
    job = time.perf_counter() - t
    torch.set_num_threads(threads)
    t = time.perf_counter()
    m.recommend(ds, 10, device='cpu')
    top = time.perf_counter() - t
    return {'job_s': round(job, 2), 'top10_s': round(top, 2), 'valid_recall@10': round(rep['valid']['recall@10'], 4),
            **({'ranker': rep['ranker']} if 'ranker' in rep else {})}


def measure(ds, name: str, options: dict, threads: int) -> dict:
    print(f"{name}: {ds.n_users:,} users x {ds.n_items:,} items, {ds.n_interactions:,} interactions", file=sys.stderr, flush=True)
    out = {'ease': timed(ds, 'ease', {}, threads)}
    print(f"  ease   job {out['ease']['job_s']:8.1f} s, top-10 {out['ease']['top10_s']:6.1f} s", file=sys.stderr, flush=True)
    out['rerank'] = timed(ds, 'rerank', options, threads)
    out['peak_rss_mb'] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    out['job_ratio'] = round(out['rerank']['job_s'] / out['ease']['job_s'], 2)
    out['top10_ratio'] = round(out['rerank']['top10_s'] / max(out['ease']['top10_s'], 1e-3), 2)
    print(f"  rerank job {out['rerank']['job_s']:8.1f} s, top-10 {out['rerank']['top10_s']:6.1f} s "
          f"-> {out['job_ratio']:.2f} x and {out['top10_ratio']:.2f} x EASE's", file=sys.stderr, flush=True)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--scale', choices=['small', 'competition'], default='small', help='competition: also the synthetic set')
    p.add_argument('--threads', type=int, default=1, help='torch (and LightGBM) threads for both models')
    p.add_argument('--ranker', default=None, help='rerank --ranker (default: its default, auto)')
    p.add_argument('--small', action=argparse.BooleanOptionalAction, default=True, help='also ml-latest-small')
    args = p.parse_args(argv)
    opts = {'ranker': args.ranker} if args.ranker else {}
    results = {'threads': args.threads, 'options': opts, 'load_avg_at_start': [round(x, 2) for x in os.getloadavg()], 'cpus': os.cpu_count()}
    if args.small: results['ml-latest-small'] = measure(load_dataset('ml-latest-small'), 'ml-latest-small', opts, args.threads)
    if args.scale == 'competition':
        results['competition'] = measure(synthetic_dataset(), 'synthetic competition-scale', opts, args.threads)
    results['load_avg_at_end'] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(results))


if __name__ == '__main__':
    main()
