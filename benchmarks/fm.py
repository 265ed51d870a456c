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
     extrapolated as in 1. The full softmax is timed twice: as the models train it (`user_catalogue_loss`: the
     logits made once per distinct user of a batch) and, as the baseline, with one row of logits per interaction
     (`catalogue_loss` of the [batch, n_items] product, the loss before; `softmax per row`). Each has its matmul
     FLOP floor: the logits and their two gradients are three products of (rows x (dim+1)) by ((dim+1) x n_items),
     rows = the batch (per row) or its distinct users (measured on 20 shuffled batches), at the speed of a
     2048 x 2048 float32 matmul timed in the same run with the same threads (`matmul_gflops`). The floor leaves
     out everything else (FM's item-side encoding, the softmax itself, Adam), so the ratio says how much of an
     epoch is not the product. A third run, `softmax by user`, trains with `fit(batch_by='user')`: each batch holds
     whole user histories, timed on the histories of random users, so its rows are the few users of a batch.
  4. FPMC (`--fpmc`, that part only): FM on the ids with the full softmax, without and with the recent field (a window
     of 3: `--model fpmc`), one eager epoch each, shuffled and by user, extrapolated as in 1. With the field every
     row has its own user vector, so its logits are made per row, not per distinct user.
  5. DeepFM's losses (`--deepfm`, that part only): DeepFM (all side fields) one eager epoch with BPR over 4 negatives
     (its former default) and with the sampled softmax over 64 (its default), next to MF's BPR epoch, extrapolated
     as in 1.
  6. A teacher (`--teacher`, that part only): FM on the ids with the full softmax, one eager epoch without and with
     EASE as its teacher (`--teacher ease`, λ `--teacher-lam`, fitted on all the data), extrapolated as in 1, and the
     one-off cost of the teacher: EASE's fit and `teacher_log_probs` (the [users, items] soft targets).
Prints a table with the ratios to MF and, as the last line, one JSON object with the numbers.

    python benchmarks/fm.py                                                  # full scale, CPU
    python benchmarks/fm.py --device cuda                                    # the same on a GPU
    python benchmarks/fm.py --n-users 600 --n-items 300 --n-inter 20000 --batches 3   # smoke test
    python benchmarks/fm.py --only-losses --batches 5 --threads 1                # part 3 only
    python benchmarks/fm.py --fpmc --batches 3 --threads 1                       # part 4 only
    python benchmarks/fm.py --teacher --batches 5 --threads 1                    # part 6 only
"""
import argparse, contextlib, json, math, time
import numpy as np
import torch
import fmrec_nb.fm, fmrec_nb.mf
from fmrec_nb.data import synthetic_dataset
from fmrec_nb.model import catalogue_loss, distinct_rows, teacher_log_probs
from fmrec_nb.mf import EASE, MF
from fmrec_nb.fm import FM, LFM, DeepFM
from fmrec_nb.train import auto_batch_size, epoch_order, fit
from fmrec_nb.topk import resolve_device


def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()


def sample(ds, n, rng, batch_by):
    "About `n` interactions of `ds` at random: single interactions, or (`batch_by='user'`) whole histories of random users."
    if batch_by == 'interaction': return ds.subset(np.sort(rng.choice(ds.n_interactions, n, replace=False)))
    users = rng.permutation(ds.n_users)
    counts = np.bincount(ds.users, minlength=ds.n_users)[users]
    return ds.subset(np.isin(ds.users, users[:np.searchsorted(np.cumsum(counts), n) + 1]))


def time_epoch(model, ds, batches, batch_size, n_neg, dev, compile=False, seed=0, batch_by='interaction'):
    "Seconds of one full epoch of `fit`, extrapolated from `batches` batches of a random sample (of interactions or users)."
    rng = np.random.default_rng(seed)
    n = min(batches, ds.n_interactions // batch_size) * batch_size                 # whole batches: one shape to compile
    warm = sample(ds, 2 * batch_size, rng, batch_by)
    fit(model, warm, None, epochs=1, batch_size=batch_size, n_neg=n_neg, device=dev, progress=False, compile=compile, batch_by=batch_by)
    part = sample(ds, n, rng, batch_by)
    n = part.n_interactions
    sync(dev)
    h = fit(model, part, None, epochs=1, batch_size=batch_size, n_neg=n_neg, device=dev, progress=False, seed=seed + 1,
            compile=compile, batch_by=batch_by)
    sync(dev)
    steps = math.ceil(n / batch_size)                                              # the last one wraps around: full too
    return h.rows[0]['seconds'] / steps * ds.n_interactions / batch_size, steps


def matmul_gflops(dev, n: int = 2048, reps: int = 3) -> float:
    "GFLOP/s of an n x n float32 matmul on `dev` with the current threads (best of `reps`)."
    a, b = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev)
    a @ b; best = math.inf
    for _ in range(reps):
        sync(dev); t = time.perf_counter(); a @ b; sync(dev); best = min(best, time.perf_counter() - t)
    return 2 * n ** 3 / best / 1e9


@contextlib.contextmanager
def softmax_per_row():
    "Inside: MF and FM train the full softmax with one row of logits per interaction (the baseline)."
    saved = fmrec_nb.mf.user_catalogue_loss, fmrec_nb.fm.user_catalogue_loss
    per_row = lambda users, p, q, b, pos, weight=None, teacher=None, teacher_weight=0.0: catalogue_loss(torch.addmm(b, p, q.T), pos, weight)   # no teacher here
    fmrec_nb.mf.user_catalogue_loss = fmrec_nb.fm.user_catalogue_loss = per_row
    try: yield
    finally: fmrec_nb.mf.user_catalogue_loss, fmrec_nb.fm.user_catalogue_loss = saved


def distinct_fraction(ds, bs, seed, batch_by='interaction', n=20) -> float:
    "Mean share of distinct users in the first `n` batches of `bs` interactions of an epoch in `fit`'s order."
    g, U = torch.Generator().manual_seed(seed), torch.from_numpy(ds.users)
    perm = epoch_order(U, ds.n_users, batch_by, g)
    return float(np.mean([len(distinct_rows(U[perm[s:s + bs]])[0]) / bs for s in range(0, min(n * bs, len(U) - bs + 1), bs)]))


def time_losses(ds, losses, a, bs, dev) -> dict:
    "Eager epoch seconds of MF and FM per loss; for the full softmax (per distinct user and per row) its matmul FLOP floor and the ratio."
    gflops, out = matmul_gflops(dev), {}
    softmax_gflop = 6 * ds.n_interactions * ds.n_items * (a.dim + 1) / 1e9          # one row of logits per interaction
    frac, frac_user = distinct_fraction(ds, bs, a.seed), distinct_fraction(ds, bs, a.seed, 'user')
    floors = {'softmax': softmax_gflop * frac / gflops, 'softmax per row': softmax_gflop / gflops,
              'softmax by user': softmax_gflop * frac_user / gflops}
    runs = [l for l in losses if l != 'softmax'] + (['softmax', 'softmax per row', 'softmax by user'] if 'softmax' in losses else [])
    for name, make in (('MF', lambda loss: MF(ds.n_users, ds.n_items, a.dim, loss=loss, reg=3e-3, seed=a.seed)),
                       ('FM', lambda loss: FM(ds, a.dim, loss=loss, seed=a.seed))):
        for run in runs:
            with softmax_per_row() if run == 'softmax per row' else contextlib.nullcontext():
                epoch, _ = time_epoch(make(run.split()[0]).to(dev), ds, a.batches, bs, a.n_neg, dev, False, a.seed,
                                      'user' if run.endswith('by user') else 'interaction')
            row = {'epoch_s': epoch}
            if run in floors: row.update(floor_s=floors[run], ratio_to_floor=epoch / floors[run])
            out[f'{name} {run}'] = row
            print(f"  {name} {run}: {row}", flush=True)
        if 'softmax' in losses:
            per_row = out[f'{name} softmax per row']['epoch_s']
            print(f"  {name} softmax per distinct user: {per_row / out[f'{name} softmax']['epoch_s']:.2f}x faster than per row; "
                  f"batches by user: {per_row / out[f'{name} softmax by user']['epoch_s']:.2f}x", flush=True)
    return {'matmul_gflops': gflops, 'softmax_gflop_per_epoch': softmax_gflop, 'distinct_user_fraction': frac,
            'distinct_user_fraction_by_user': frac_user, 'runs': out}


def time_fpmc(ds, a, bs, dev) -> dict:
    "Eager epoch seconds of FM on the ids with the full softmax, without and with the recent field (window 3), shuffled and by user."
    out = {}
    for name, recent in (('FM ids softmax', None), ('FPMC softmax', 3)):
        for batch_by in ('interaction', 'user'):
            m = FM(ds, a.dim, item_fields=[], loss='softmax', recent=recent, seed=a.seed).to(dev)
            epoch, _ = time_epoch(m, ds, a.batches, bs, a.n_neg, dev, False, a.seed, batch_by)
            out[f'{name}, by {batch_by}'] = epoch
            print(f"  {name}, by {batch_by}: {epoch:.1f} s an epoch", flush=True)
    return out


def time_deepfm(ds, a, bs, dev) -> dict:
    "Eager epoch seconds of MF (BPR, 4 negatives) and of DeepFM with BPR over 4 negatives and the sampled softmax over 64."
    out = {}
    for name, make, loss, n_neg in (('MF bpr, 4 negatives', lambda l: MF(ds.n_users, ds.n_items, a.dim, loss=l, reg=3e-3, seed=a.seed), 'bpr', 4),
                                    ('DeepFM bpr, 4 negatives', lambda l: DeepFM(ds, a.dim, loss=l, seed=a.seed), 'bpr', 4),
                                    ('DeepFM sampled-softmax, 64 negatives', lambda l: DeepFM(ds, a.dim, loss=l, seed=a.seed), 'sampled-softmax', 64)):
        epoch, _ = time_epoch(make(loss).to(dev), ds, a.batches, bs, n_neg, dev, False, a.seed)
        out[name] = epoch
        print(f"  {name}: {epoch:.1f} s an epoch ({epoch / out['MF bpr, 4 negatives']:.1f}x MF's)", flush=True)
    return out


def time_teacher(ds, a, bs, dev) -> dict:
    "Seconds of EASE's fit and of its soft targets, and eager epoch seconds of FM (ids, full softmax) without and with them."
    t = time.perf_counter(); ease = EASE(a.teacher_lam).fit(ds); fit_s = time.perf_counter() - t
    t = time.perf_counter(); lp = teacher_log_probs(ease, ds); targets_s = time.perf_counter() - t
    del ease
    print(f"  EASE fit {fit_s:.1f} s, its soft targets {targets_s:.1f} s ({lp.numel() * 4 / 2**30:.2f} GiB)", flush=True)
    out = {'ease_fit_s': fit_s, 'teacher_targets_s': targets_s}
    for name, teacher in (('FM ids softmax', None), ('FM ids softmax, EASE teacher', lp)):
        m = FM(ds, a.dim, item_fields=[], loss='softmax', seed=a.seed).teach(teacher).to(dev)
        out[name], _ = time_epoch(m, ds, a.batches, bs, a.n_neg, dev, False, a.seed)
        print(f"  {name}: {out[name]:.1f} s an epoch", flush=True)
    out['teacher_epoch_ratio'] = out['FM ids softmax, EASE teacher'] / out['FM ids softmax']
    return out


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
    p.add_argument('--fpmc', action='store_true', help='run part 4 only (FM on the ids, softmax, with and without the recent field)')
    p.add_argument('--teacher', action='store_true', help="run part 6 only (FM's softmax epoch without and with EASE as its teacher)")
    p.add_argument('--teacher-lam', type=float, default=500.0, help="part 6: EASE's L2 weight")
    p.add_argument('--deepfm', action='store_true', help="run part 5 only (DeepFM's epoch with BPR over 4 negatives and the sampled softmax over 64)")
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
    if a.teacher:
        print(json.dumps({'device': str(dev), 'threads': torch.get_num_threads(), 'n_users': ds.n_users, 'n_items': ds.n_items,
                          'n_interactions': ds.n_interactions, 'batch_size': bs, 'teacher': time_teacher(ds, a, bs, dev)}))
        return
    if a.deepfm:
        print(json.dumps({'device': str(dev), 'threads': torch.get_num_threads(), 'n_users': ds.n_users, 'n_items': ds.n_items,
                          'n_interactions': ds.n_interactions, 'batch_size': bs, 'deepfm': time_deepfm(ds, a, bs, dev)}))
        return
    if a.fpmc:
        print(json.dumps({'device': str(dev), 'threads': torch.get_num_threads(), 'n_users': ds.n_users, 'n_items': ds.n_items,
                          'n_interactions': ds.n_interactions, 'batch_size': bs, 'fpmc': time_fpmc(ds, a, bs, dev)}))
        return
    losses = time_losses(ds, [l for l in a.losses.split(',') if l], a, bs, dev) if a.losses else {}
    if losses:
        print(f"\n{'model and loss':24s} {'epoch (s)':>10s} {'x BPR':>6s}   matmul {losses['matmul_gflops']:.0f} GFLOP/s; "
              f"softmax {losses['softmax_gflop_per_epoch']:.0f} GFLOP an epoch per row; "
              f"distinct users {losses['distinct_user_fraction']:.3f} of a batch, {losses['distinct_user_fraction_by_user']:.3f} by user")
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
