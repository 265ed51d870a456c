"""Seconds per CFM training epoch next to its FLOP floor, and next to an FM epoch on the same data (the speed issue).

The data: seeded synthetic data (`fmrec_nb.data.synthetic_dataset`, by default 100 users x 2,000 items, 15,000
interactions, the issue's size), fields user id | item id, genre, director, writer, year: 6 fields, 15 field pairs.
The models are trained as `fmrec-train --model cfm` trains them (the registry's `CFM_OPTIONS`: 16 factors, batch 256,
1 sampled negative per positive, Adam at lr 1e-3, reg 1e-4; `CFM` defaults: 32 channels, all 15 pairs), by
`fmrec_nb.train.fit` for one epoch (every batch full, so ceil(n_interactions / 256) = 59 batches), eager, no validation,
after a warm-up of two batches. `--steps N` times N batches only and extrapolates them to the epoch (said in the JSON).
Each model's epoch is timed `--repeat` times and the fastest is kept (the machine may be shared).

The FLOP floor. Forward FLOPs per (user, item) pair, counted from the layer shapes (`CubeCNN.plan`):
  * the cube: P d^2 multiplications (one outer product per field pair);
  * each 3-D convolution: 2 x (C_in k_d 2 2) x C_out x (depth x height x width of its output) (multiply + add);
  * the output layer: 2 x its inputs; the first-order terms, the bias and the embedding look-ups are left out
    (O(fields x d) per pair, under 0.1 % of the total).
Backward is counted as 2 x forward (a gradient for the input and one for the weights, each the cost of the forward
product). Per epoch: 3 x forward x (batches x batch size x (1 + n_neg)) pairs. The floor is those FLOPs at the speed
of a one-thread 2048 x 2048 float32 matmul timed in the same run (`matmul_gflops`): `cfm_epoch_s / floor` is the ratio
(1 would be an epoch as fast as a big square matmul; the convolutions' shapes are narrower than that).

    python benchmarks/cfm.py --threads 1 --json nbs/results/cfm_bench.json
    python benchmarks/cfm.py --steps 20                # 20 batches, extrapolated to the epoch
Scoring without a gradient (validation, ranking) is timed as well: `pairs_per_second` of the trained CFM on 8,192
random pairs, the best of three.

Prints a table and, as the last line, one JSON object (also written to `--json`).
"""
import argparse, json, math, platform, time
import torch
from fmrec_nb.data import synthetic_dataset
from fmrec_nb.fm import FM
from fmrec_nb.convfm import CFM, pairs_per_second
from fmrec_nb.registry import CFM_OPTIONS
from fmrec_nb.train import fit


def matmul_gflops(n: int = 2048, repeat: int = 5) -> float:
    "GFLOP/s of an n x n float32 matmul (the fastest of `repeat`, after a warm-up)."
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = math.inf
    for _ in range(repeat):
        t = time.perf_counter(); a @ b; best = min(best, time.perf_counter() - t)
    return 2 * n ** 3 / best / 1e9


def cfm_flops_per_pair(cnn) -> dict:
    "Forward FLOPs of one (user, item) pair through CFM's cube and CNN, by part (see the module docstring)."
    out = {'cube': cnn.n_pairs * cnn.dim ** 2}
    for l, (conv, p) in enumerate(zip(cnn.convs, cnn.plan)):
        out[f'conv{l + 1}'] = 2 * conv.in_channels * math.prod(conv.kernel_size) * conv.out_channels * math.prod(p['out'])
    out['output'] = 2 * cnn.out.in_features
    return out


def time_epoch(model, ds, o: dict, steps: int, repeat: int, threads: int) -> dict:
    "Seconds of one epoch of `fit` (the fastest of `repeat`; `steps` batches extrapolated when given), after a warm-up."
    kw = dict(batch_size=o['batch_size'], n_neg=o['n_neg'], lr=o['lr'], threads=threads, compile=False, progress=False)
    n_batches = math.ceil(ds.n_interactions / o['batch_size'])
    fit(model, ds, None, epochs=1, max_steps=2, **kw)                           # warm-up
    best = math.inf
    for r in range(repeat):
        h = fit(model, ds, None, epochs=1, max_steps=steps, seed=r + 1, **kw)
        best = min(best, h.rows[0]['seconds'] * n_batches / (steps or n_batches))
    return {'epoch_s': best, 'batches': n_batches, 'timed_batches': steps or n_batches}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--n-users', type=int, default=100); p.add_argument('--n-items', type=int, default=2_000)
    p.add_argument('--n-inter', type=int, default=15_000); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--steps', type=int, default=None, help='time this many batches and extrapolate (default: the whole epoch)')
    p.add_argument('--repeat', type=int, default=2, help='epochs timed per model; the fastest is kept')
    p.add_argument('--threads', type=int, default=1); p.add_argument('--label', default='')
    p.add_argument('--json', default=None, help='also write the JSON object to this file')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    ds = synthetic_dataset(a.n_users, a.n_items, a.n_inter, seed=a.seed)
    o = dict(CFM_OPTIONS)
    cfm = CFM(ds, factors=o['factors'], reg=o['reg'], seed=a.seed)
    fm = FM(ds, o['factors'], reg=o['reg'], seed=a.seed)
    print(f"{ds}; {torch.get_num_threads()} thread(s); CFM: {len(cfm.pairs)} pairs, d = {o['factors']}, "
          f"{cfm.cnn.convs[0].out_channels} channels, layers {[p['out'] for p in cfm.cnn.plan]}; "
          f"batch {o['batch_size']}, {o['n_neg']} negative(s)", flush=True)
    gflops = matmul_gflops()
    c = time_epoch(cfm, ds, o, a.steps, a.repeat, a.threads)
    print(f"  CFM epoch {c['epoch_s']:.2f} s", flush=True)
    f = time_epoch(fm, ds, o, None, a.repeat, a.threads)
    print(f"  FM epoch {f['epoch_s']:.2f} s", flush=True)
    pps = max(pairs_per_second(cfm, 8192, seed=i) for i in range(3))
    gflops = max(gflops, matmul_gflops())                                   # before and after: the faster of the two
    parts = cfm_flops_per_pair(cfm.cnn)
    pairs = c['batches'] * o['batch_size'] * (1 + o['n_neg'])
    gflop = 3 * sum(parts.values()) * pairs / 1e9
    floor = gflop / gflops
    res = {'label': a.label, 'dataset': repr(ds), 'threads': torch.get_num_threads(), 'machine': platform.machine(),
           'torch': torch.__version__, 'factors': o['factors'], 'batch_size': o['batch_size'], 'n_neg': o['n_neg'],
           'pairs_per_epoch': pairs, 'batches': c['batches'], 'timed_batches': c['timed_batches'],
           'forward_flops_per_pair': parts, 'cfm_epoch_s': round(c['epoch_s'], 3), 'cfm_gflop_per_epoch': round(gflop, 2),
           'matmul_gflops': round(gflops, 1), 'floor_s': round(floor, 3), 'fm_epoch_s': round(f['epoch_s'], 3),
           'ratio_to_floor': round(c['epoch_s'] / floor, 2), 'cfm_over_fm': round(c['epoch_s'] / f['epoch_s'], 1),
           'cfm_score_pairs_per_s': round(pps)}
    print(f"\n{'':24s} {'seconds':>8s}\n{'CFM epoch':24s} {res['cfm_epoch_s']:8.2f}\n"
          f"{'FLOP floor':24s} {floor:8.2f}   ({gflop:.0f} GFLOP at {gflops:.0f} GFLOP/s)\n"
          f"{'FM epoch':24s} {res['fm_epoch_s']:8.2f}\nCFM / floor = {res['ratio_to_floor']:.2f}, CFM / FM = {res['cfm_over_fm']:.1f}\n"
          f"CFM scoring without a gradient: {pps:,.0f} pairs/s")
    if a.json:
        with open(a.json, 'w') as fh: json.dump(res, fh, indent=1)
    print(json.dumps(res))


if __name__ == '__main__':
    main()
