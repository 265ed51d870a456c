"""Competition-scale training and top-10 benchmark for the FM family (issue #6), next to MF.

On seeded synthetic data (`fmrec_nb.data.synthetic_dataset`: 31,360 users x 6,807 items, ~5.15 M interactions,
genre/director/writer/year fields), for MF, FM, LFM and DeepFM (all side fields, 64 factors, the command line's
training settings: 4 sampled negatives per positive, the automatic batch size), times in one process:
  1. training: `fmrec_nb.train.fit` for one epoch over a random sample of `--batches` batches (after a warm-up
     of two batches), extrapolated to a full epoch (n_interactions / batch size batches), eager and with the loss
     compiled by `torch.compile` (what `fit` does by default on a million interactions or more; compilation is
     done in the warm-up and not counted);
  2. full top-10: `model.recommend(seen=all interactions, k=10)` for every user: MF, FM and LFM through their
     factors (one matrix product per block), DeepFM exactly, block by block over all items, and two-stage
     (its FM part's top `--candidates` items re-ranked by the full model).
  3. losses (`--losses`, default bpr,sampled-softmax,softmax): MF and FM (all side fields) one eager epoch per loss,
     extrapolated as in 1; for the full softmax, its matmul FLOP floor: the logits and their two gradients are three
     products of (batch x (dim+1)) by ((dim+1) x n_items), 6 * n_interactions * n_items * (dim + 1) FLOPs an epoch,
     at the speed of a 2048 x 2048 float32 matmul timed in the same run with the same threads (`matmul_gflops`).
     The floor leaves out everything else (FM's item-side encoding, the softmax itself, Adam), so the ratio says
     how much of an epoch is not the product.
Prints a table with the ratios to MF and, as the last line, one JSON object with the numbers.

    python benchmarks/fm.py                                                  # full scale, CPU
    python benchmarks/fm.py --device cuda                                    # the same on a GPU
    python benchmarks/fm.py --n-users 600 --n-items 300 --n-inter 20000 --batches 3   # smoke test
    python benchmarks/fm.py --only-losses --batches 5 --threads 1                # part 3 only
"""
import argparse, json, math, time
import numpy as np
import torch
from fmrec_nb.data import synthetic_dataset
from fmrec_nb.mf import MF
from fmrec_nb.fm import FM, LFM, DeepFM
from fmrec_nb.train import auto_batch_size, fit
from fmrec_nb.topk import resolve_device


def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()


def time_epoch(model, ds, batches, batch_size, n_neg, dev, compile=False, seed=0):
    "Seconds of one full epoch of `fit`, extrapolated from `batches` batches of a random sample of the interactions."
    rng = np.random.default_rng(seed)
    n = min(batches, ds.n_interactions // batch_size) * batch_size                 # whole batches: one shape to compile
    warm = ds.subset(np.sort(rng.choice(ds.n_interactions, 2 * batch_size, replace=False)))
    fit(model, warm, None, epochs=1, batch_size=batch_size, n_neg=n_neg, device=dev, progress=False, compile=compile)
    part = ds.subset(np.sort(rng.choice(ds.n_interactions, n, replace=False)))
    sync(dev)
    h = fit(model, part, None, epochs=1, batch_size=batch_size, n_neg=n_neg, device=dev, progress=False, seed=seed + 1,
            compile=compile)
    sync(dev)
    return h.rows[0]['seconds'] * ds.n_interactions / n, math.ceil(n / batch_size)


def matmul_gflops(dev, n: int = 2048, reps: int = 3) -> float:
    "GFLOP/s of an n x n float32 matmul on `dev` with the current threads (best of `reps`)."
    a, b = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev)
    a @ b; best = math.inf
    for _ in range(reps):
        sync(dev); t = time.perf_counter(); a @ b; sync(dev); best = min(best, time.perf_counter() - t)
    return 2 * n ** 3 / best / 1e9


def time_losses(ds, losses, a, bs, dev) -> dict:
    "Eager epoch seconds of MF and FM per loss; for the full softmax also its matmul FLOP floor and the ratio to it."
    gflops, out = matmul_gflops(dev), {}
    softmax_gflop = 6 * ds.n_interactions * ds.n_items * (a.dim + 1) / 1e9
    floor_s = softmax_gflop / gflops
    for name, make in (('MF', lambda loss: MF(ds.n_users, ds.n_items, a.dim, loss=loss, reg=3e-3, seed=a.seed)),
                       ('FM', lambda loss: FM(ds, a.dim, loss=loss, seed=a.seed))):
        for loss in losses:
            epoch, _ = time_epoch(make(loss).to(dev), ds, a.batches, bs, a.n_neg, dev, False, a.seed)
            row = {'epoch_s': epoch}
            if loss == 'softmax': row.update(floor_s=floor_s, ratio_to_floor=epoch / floor_s)
            out[f'{name} {loss}'] = row
            print(f"  {name} {loss}: {row}", flush=True)
    return {'matmul_gflops': gflops, 'softmax_gflop_per_epoch': softmax_gflop, 'runs': out}


def time_topk(fn, dev):
    sync(dev); t = time.perf_counter(); out = fn(); sync(dev)
    return time.perf_counter() - t, out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--n-users', type=int, default=31_360); p.add_argument('--n-items', type=int, default=6_807)
    p.add_argument('--n-inter', type=int, default=5_150_000); p.add_argument('--dim', type=int, default=64)
    p.add_argument('--batches', type=int, default=20, help='batches timed per model (then extrapolated to an epoch)')
    p.add_argument('--batch-size', type=int, default=None, help="default: fit's automatic size for the data")
    p.add_argument('--n-neg', type=int, default=4); p.add_argument('--candidates', type=int, default=100)
    p.add_argument('--device', default='cpu'); p.add_argument('--threads', type=int, default=None)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--losses', default='bpr,sampled-softmax,softmax', help='part 3: the losses timed for MF and FM')
    p.add_argument('--only-losses', action='store_true', help='run part 3 only')
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    dev = resolve_device(a.device)
    t0 = time.perf_counter()
    ds = synthetic_dataset(a.n_users, a.n_items, a.n_inter, seed=a.seed)
    t_data = time.perf_counter() - t0
    bs = a.batch_size or auto_batch_size(ds.n_interactions)
    print(f"{ds} (built in {t_data:.1f} s); device {dev}, {torch.get_num_threads()} threads; "
          f"batch {bs}, {a.n_neg} negatives, {math.ceil(ds.n_interactions / bs)} batches per epoch, {a.batches} timed")
    models = {'MF': lambda: MF(ds.n_users, ds.n_items, a.dim, reg=3e-3, seed=a.seed),
              'FM': lambda: FM(ds, a.dim, seed=a.seed), 'LFM': lambda: LFM(ds, a.dim, seed=a.seed),
              'DeepFM': lambda: DeepFM(ds, a.dim, seed=a.seed)}
    losses = time_losses(ds, [l for l in a.losses.split(',') if l], a, bs, dev) if a.losses else {}
    if losses:
        print(f"\n{'model and loss':24s} {'epoch (s)':>10s} {'x BPR':>6s}   matmul {losses['matmul_gflops']:.0f} GFLOP/s; "
              f"softmax floor {losses['softmax_gflop_per_epoch']:.0f} GFLOP an epoch")
        for k, r in losses['runs'].items():
            bpr = losses['runs'].get(k.split()[0] + ' bpr', {}).get('epoch_s')
            print(f"{k:24s} {r['epoch_s']:10.1f} {r['epoch_s'] / bpr if bpr else math.nan:6.1f}"
                  + (f"   floor {r['floor_s']:.1f} s, {r['ratio_to_floor']:.1f}x the floor" if 'floor_s' in r else ''))
    if a.only_losses:
        print(json.dumps({'device': str(dev), 'threads': torch.get_num_threads(), 'n_users': ds.n_users, 'n_items': ds.n_items,
                          'n_interactions': ds.n_interactions, 'batch_size': bs, 'n_neg': a.n_neg, 'losses': losses}))
        return
    res = {}
    for name, make in models.items():
        m = make().to(dev)
        epoch, n_b = time_epoch(m, ds, a.batches, bs, a.n_neg, dev, False, a.seed)
        epoch_c, _ = time_epoch(m, ds, a.batches, bs, a.n_neg, dev, True, a.seed)
        m.eval()
        with torch.no_grad():
            t_top, _ = time_topk(lambda: m.recommend(ds, 10, device=dev), dev)
            row = {'epoch_s': epoch, 'epoch_compiled_s': epoch_c, 'timed_batches': n_b, 'top10_s': t_top}
            if name == 'DeepFM':
                row['top10_two_stage_s'] = time_topk(lambda: m.recommend(ds, 10, device=dev, candidates=a.candidates), dev)[0]
        res[name] = row
        print(f"  {name}: {row}", flush=True)
    mf = res['MF']
    print(f"\n{'model':8s} {'epoch, eager (s)':>17s} {'× MF':>6s} {'epoch, compiled (s)':>20s} {'× MF':>6s} {'top-10 all users (s)':>21s} {'× MF':>7s}")
    for name, r in res.items():
        print(f"{name:8s} {r['epoch_s']:17.1f} {r['epoch_s'] / mf['epoch_s']:6.1f} {r['epoch_compiled_s']:20.1f} "
              f"{r['epoch_compiled_s'] / mf['epoch_compiled_s']:6.1f} {r['top10_s']:21.2f} {r['top10_s'] / mf['top10_s']:7.1f}")
    d = res['DeepFM']
    print(f"{'DeepFM, two-stage (' + str(a.candidates) + ' FM-part candidates)':60s} {d['top10_two_stage_s']:21.2f} {d['top10_two_stage_s'] / mf['top10_s']:7.1f}")
    print(json.dumps({'device': str(dev), 'threads': torch.get_num_threads(), 'n_users': ds.n_users, 'n_items': ds.n_items,
                      'n_interactions': ds.n_interactions, 'batch_size': bs, 'n_neg': a.n_neg, 'models': res, 'losses': losses}))


if __name__ == '__main__':
    main()
