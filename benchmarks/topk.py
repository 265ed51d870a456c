"""Competition-scale top-10 benchmark for `fmrec_nb.topk` (issue #4).

Times, on seeded synthetic data (31,360 users x 6,807 items, ~5.15 M seen items, 64 factors):
  1. the naive per-user loop (timed on a sample of users and extrapolated),
  2. the batched engine `topk_from_factors`,
  3. the floor: the same blocks' bare matmul + torch.topk, no masking,
  4. the `implicit` library's `recommend` with the same factors,
  5. an FM (user id, item id, genre bag) scored pair by pair through its forward (sampled, extrapolated)
     vs its exact decomposition into user/item vectors fed to `topk_from_factors`.
Prints a table and, as the last line, one JSON object with the times in seconds.

    python benchmarks/topk.py                      # full scale, CPU (+ CUDA when available)
    python benchmarks/topk.py --n-users 600 --n-items 300 --n-seen 20000 --repeats 1   # smoke test
"""
import argparse, json, os, resource, time
import numpy as np
import torch
from fmrec_nb.topk import default_memory_mb, topk_for_users, topk_from_factors, user_blocks, seen_csr


def power_law_seen(n_users, n_items, n_seen, seed=0):
    "Seeded seen CSR: power-law item popularity, heavy-tailed history lengths (>= 16)."
    rng = np.random.default_rng(seed)
    pop = rng.permutation(1.0 / np.arange(1, n_items + 1) ** 0.9); pop /= pop.sum()
    length = 16 + rng.pareto(1.6, n_users)
    length = np.minimum(np.round(length / length.sum() * (n_seen - 16 * n_users)).astype(np.int64) + 16, n_items // 2)
    owner = np.repeat(np.arange(n_users, dtype=np.int64), np.ceil(length * 1.6).astype(np.int64) + 8)
    keys = np.unique(owner * n_items + rng.choice(n_items, len(owner), p=pop))
    u, i = keys // n_items, keys % n_items
    o = np.lexsort((rng.random(len(u)), u)); u, i = u[o], i[o]
    keep = np.arange(len(u)) - np.searchsorted(u, u) < length[u]
    u, i = u[keep], i[keep]
    indptr = np.zeros(n_users + 1, np.int64); np.cumsum(np.bincount(u, minlength=n_users), out=indptr[1:])
    genres = np.zeros((n_items, 3), np.int64)                    # 1..3 genres of 18 per item, 0 = padding
    n_g = rng.integers(1, 4, n_items)
    for j in range(3): genres[:, j] = np.where(j < n_g, rng.integers(1, 19, n_items), 0)
    return indptr, i, genres


def load_seen(args):
    "The lead's `synthetic_dataset` when it exists, else the power-law generator above."
    if args.source in ('auto', 'synthetic'):
        try:
            from fmrec_nb.data import synthetic_dataset
            ds = synthetic_dataset(args.n_users, args.n_items, args.n_seen, seed=args.seed)
            indptr, indices = ds.csr()
            return indptr, indices, ds.item_fields['genre'].index, 'fmrec_nb.data.synthetic_dataset'
        except ImportError:
            if args.source == 'synthetic': raise
    return (*power_law_seen(args.n_users, args.n_items, args.n_seen, args.seed), 'power_law_seen (benchmark)')


def best_of(fn, repeats, sync=lambda: None):
    "Minimum wall time of `repeats` runs after one warm-up run; returns (seconds, last result)."
    out = fn(); sync(); times = []
    for _ in range(repeats):
        t = time.perf_counter(); out = fn(); sync(); times.append(time.perf_counter() - t)
    return min(times), out


def naive_loop(U, V, indptr, indices, users, k=10):
    "The slow way: per user a matrix-vector product, -inf on seen, a full argsort, a list grown by concatenation."
    recs = []
    for u in users:
        scores = U[u] @ V.T
        scores[indices[indptr[u]:indptr[u + 1]]] = float('-inf')
        row = []
        for i in torch.argsort(scores, descending=True):
            if len(row) == k: break
            row = row + [int(i)]
        recs.append(row)
    return recs


def floor(U, VT, blocks, k=10):
    "Bare block matmul + torch.topk, no masking, into a reused buffer: what the engine cannot beat."
    buf = torch.empty(max(e - s for s, e in blocks), VT.shape[1], dtype=VT.dtype, device=VT.device)
    for s, e in blocks: torch.mm(U[s:e], VT, out=buf[:e - s]).topk(k, dim=1)


class TinyFM(torch.nn.Module):
    "Minimal field FM: user id, item id, genre bag; w0 + first order + sum over field pairs of <e_a, e_b>."
    def __init__(self, n_users, n_items, item_genres, d=64, seed=0):
        super().__init__()
        torch.manual_seed(seed)
        n_g = int(item_genres.max()) + 1
        self.user, self.item = torch.nn.Embedding(n_users, d), torch.nn.Embedding(n_items, d)
        self.genre = torch.nn.EmbeddingBag(n_g, d, mode='sum', padding_idx=0)
        self.user_b, self.item_b = torch.nn.Embedding(n_users, 1), torch.nn.Embedding(n_items, 1)
        self.genre_b = torch.nn.EmbeddingBag(n_g, 1, mode='sum', padding_idx=0)
        self.w0 = torch.nn.Parameter(torch.tensor(0.3))
        for m in [self.user, self.item, self.genre, self.user_b, self.item_b, self.genre_b]: torch.nn.init.normal_(m.weight, std=0.1)
        with torch.no_grad(): self.genre.weight[0] = 0; self.genre_b.weight[0] = 0
        self.register_buffer('item_genres', torch.as_tensor(item_genres, dtype=torch.int64))

    def forward(self, u, i):
        g = self.item_genres[i]
        e = torch.stack([self.user(u), self.item(i), self.genre(g)], 1)              # [B, fields, d]
        first = self.w0 + self.user_b(u)[:, 0] + self.item_b(i)[:, 0] + self.genre_b(g)[:, 0]
        return first + 0.5 * (e.sum(1).pow(2) - e.pow(2).sum(1)).sum(1)

    def user_vectors(self):
        "[user factors, user first order, 1]: the user side of the exact decomposition."
        w = self.user.weight
        return torch.cat([w, self.user_b.weight, torch.ones(len(w), 1, device=w.device)], 1)

    def item_vectors(self):
        "[item + genre factors, 1, item first order + item-only pair term]."
        ei, eg = self.item.weight, self.genre(self.item_genres)
        bias = self.item_b.weight[:, 0] + self.genre_b(self.item_genres)[:, 0] + (ei * eg).sum(1)
        return torch.cat([ei + eg, torch.ones(len(ei), 1, device=ei.device), bias[:, None]], 1)
    # forward(u, i) = user_vectors()[u] @ item_vectors()[i] + w0 (w0 is the only user-only term; it does not rank)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--n-users', type=int, default=31_360); p.add_argument('--n-items', type=int, default=6_807)
    p.add_argument('--n-seen', type=int, default=5_150_000); p.add_argument('--factors', type=int, default=64)
    p.add_argument('--seed', type=int, default=0); p.add_argument('--k', type=int, default=10)
    p.add_argument('--source', choices=['auto', 'synthetic', 'powerlaw'], default='auto')
    p.add_argument('--naive-sample', type=int, default=500); p.add_argument('--pairwise-sample', type=int, default=192)
    p.add_argument('--repeats', type=int, default=3); p.add_argument('--memory-mb', type=float, default=None)
    p.add_argument('--sweep', default='', help='comma-separated memory_mb values to time the engine and floor at')
    p.add_argument('--devices', default='auto', help="'auto' = cpu (+ cuda if available), or e.g. 'cpu' / 'cuda'")
    p.add_argument('--skip-implicit', action='store_true')
    a = p.parse_args(argv)
    k, kw = a.k, {} if a.memory_mb is None else {'memory_mb': a.memory_mb}
    devices = (['cpu'] + (['cuda'] if torch.cuda.is_available() else [])) if a.devices == 'auto' else a.devices.split(',')

    t, load0 = time.perf_counter(), os.getloadavg()[0]
    indptr, indices, genres, source = load_seen(a)
    n_users, n_items = len(indptr) - 1, int(genres.shape[0])
    print(f"data: {source}: {n_users:,} users x {n_items:,} items, {len(indices):,} seen "
          f"({time.perf_counter() - t:.1f} s); torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"memory_mb={a.memory_mb or 'default'}; load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    g = torch.Generator().manual_seed(a.seed)
    U = torch.randn(n_users, a.factors, generator=g) * 0.1
    V = torch.randn(n_items, a.factors, generator=g) * 0.1
    seen = (indptr, indices)
    ip, ix = seen_csr(seen)
    res, rows = {}, []
    rng = np.random.default_rng(a.seed)

    # 1. naive loop on a sample, extrapolated
    sample = np.sort(rng.choice(n_users, min(a.naive_sample, n_users), replace=False))
    t = time.perf_counter(); naive = naive_loop(U, V, ip, ix, sample, k); dt = time.perf_counter() - t
    res['naive_loop_s'] = dt * n_users / len(sample)
    rows.append(('naive per-user loop', 'cpu', res['naive_loop_s'], f'{len(sample)} users, extrapolated'))

    # 2. + 3. the engine and the floor
    cpu_recs = None
    for dev in devices:
        sync = torch.cuda.synchronize if dev == 'cuda' else (lambda: None)
        Ud, VTd = U.to(dev), V.to(dev).T.contiguous()
        blocks = user_blocks(ip[1:] - ip[:-1], n_items, a.memory_mb or default_memory_mb(dev))
        tb, recs = best_of(lambda: topk_from_factors(Ud, V, seen, k, device=dev, **kw), a.repeats, sync)
        tf, _ = best_of(lambda: floor(Ud, VTd, blocks, k), a.repeats, sync)
        pre = '' if dev == 'cpu' else 'cuda_'
        res[pre + 'batched_s'], res[pre + 'floor_s'] = tb, tf
        rows.append(('batched topk_from_factors', dev, tb, f'{len(blocks)} blocks'))
        rows.append(('floor: matmul + topk, no mask', dev, tf, 'same blocks'))
        if cpu_recs is None: cpu_recs = recs
        else: print(f"{dev} recs equal cpu recs: {(recs == cpu_recs).float().mean().item():.6f} of slots")
    assert all(naive[j] == cpu_recs[u].tolist() for j, u in enumerate(sample)), 'engine disagrees with the naive loop'
    for s, e in user_blocks(ip[1:] - ip[:-1], n_items, 32):      # never a seen item, checked for every user
        r = cpu_recs[s:e]
        hit = torch.zeros(e - s, n_items + 1, dtype=torch.bool)
        hit[torch.repeat_interleave(torch.arange(e - s), ip[s + 1:e + 1] - ip[s:e]), ix[ip[s]:ip[e]]] = True
        assert not hit.gather(1, r.clamp(min=0)).logical_and(r >= 0).any(), 'a seen item was recommended'

    # sweep of the memory budget (block size), per device
    sweep = {}
    for dev in devices:
        sync = torch.cuda.synchronize if dev == 'cuda' else (lambda: None)
        Ud, VTd = U.to(dev), V.to(dev).T.contiguous()
        for mb in [float(x) for x in a.sweep.split(',') if x]:
            bl = user_blocks(ip[1:] - ip[:-1], n_items, mb)
            tb, _ = best_of(lambda: topk_from_factors(Ud, V, seen, k, memory_mb=mb, device=dev), min(2, a.repeats), sync)
            tf, _ = best_of(lambda: floor(Ud, VTd, bl, k), min(2, a.repeats), sync)
            sweep[f'{dev}:{mb:g}'] = (round(tb, 4), round(tf, 4), max(e - s for s, e in bl))
            print(f"sweep {dev} memory_mb={mb:g}: {len(bl)} blocks of <= {sweep[f'{dev}:{mb:g}'][2]} users: "
                  f"batched {tb:.3f} s, floor {tf:.3f} s", flush=True)
    if 'cuda' in devices:                                         # the engine's own GPU memory, beyond U, V and the result
        Ud = U.to('cuda'); torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats()
        base_mem = torch.cuda.memory_allocated()
        topk_from_factors(Ud, V, seen, k, device='cuda', **kw); torch.cuda.synchronize()
        res['cuda_peak_extra_mb'] = (torch.cuda.max_memory_allocated() - base_mem) / 2**20
        print(f"cuda: engine's peak extra GPU memory {res['cuda_peak_extra_mb']:.1f} MB at memory_mb={a.memory_mb or default_memory_mb('cuda'):g}")

    # 4. implicit
    res['implicit_s'] = None
    if not a.skip_implicit:
        try:
            import scipy.sparse as sp
            from threadpoolctl import threadpool_limits
            from implicit.cpu.als import AlternatingLeastSquares
        except ImportError as e: print(f"implicit not available: {e}")
        else:
            csr = sp.csr_matrix((np.ones(len(indices), np.float32), np.asarray(indices), np.asarray(indptr)), shape=(n_users, n_items))
            model = AlternatingLeastSquares(factors=a.factors, random_state=a.seed)
            model.user_factors, model.item_factors = U.numpy().copy(), V.numpy().copy()
            everyone = np.arange(n_users)
            with threadpool_limits(1, 'blas'):
                model.recommend(everyone[:100], csr[:100], N=k, filter_already_liked_items=True)   # warm-up
                ti, (ids, _) = best_of(lambda: model.recommend(everyone, csr, N=k, filter_already_liked_items=True), a.repeats)
            res['implicit_s'] = ti
            agree = (torch.as_tensor(ids.astype(np.int64)) == cpu_recs).float().mean().item()
            rows.append(('implicit 0.7 recommend', 'cpu', ti, f'blas 1 thread; agrees on {agree:.4%} of slots'))

    # 5. FM: pairwise forward vs exact decomposition
    fm = TinyFM(n_users, n_items, genres, a.factors, a.seed).eval()
    psample = torch.as_tensor(np.sort(rng.choice(n_users, min(a.pairwise_sample, n_users), replace=False)))
    all_items = torch.arange(n_items)
    def pair_scores(ub):                                          # every (user, item) pair through forward
        return fm(ub.repeat_interleave(n_items), all_items.repeat(len(ub))).view(len(ub), n_items)
    with torch.no_grad():
        t = time.perf_counter(); pair_recs = topk_for_users(pair_scores, seen, n_items, k, users=psample, batch_size=4, device='cpu')
        res['pairwise_fm_s'] = (time.perf_counter() - t) * n_users / len(psample)
        def decomposed(dev='cpu'):
            f = fm.to(dev)
            return topk_from_factors(f.user_vectors(), f.item_vectors(), seen, k, device=dev, **kw)
        td, dec_recs = best_of(decomposed, a.repeats)
        res['decomposed_fm_s'] = td
        err = (pair_scores(psample[:8]) - fm.w0 - fm.user_vectors()[psample[:8]] @ fm.item_vectors().T).abs().max().item()
        assert err < 1e-4, f'decomposition is not exact: max error {err}'
        agree = (pair_recs == dec_recs[psample]).float().mean().item()
        if 'cuda' in devices:
            res['cuda_decomposed_fm_s'], _ = best_of(lambda: decomposed('cuda'), a.repeats, torch.cuda.synchronize)
            fm.to('cpu')
    rows.append(('FM pairwise forward', 'cpu', res['pairwise_fm_s'], f'{len(psample)} users, extrapolated'))
    rows.append(('FM decomposed + topk_from_factors', 'cpu', td, f'max |error| {err:.1e}; top-10 agrees {agree:.2%}'))
    if 'cuda_decomposed_fm_s' in res: rows.append(('FM decomposed + topk_from_factors', 'cuda', res['cuda_decomposed_fm_s'], ''))

    base = res['batched_s']
    print(f"\n{'path':36s} {'device':6s} {'seconds':>9s} {'x batched':>10s}  note")
    for name, dev, s, note in rows:
        print(f"{name:36s} {dev:6s} {s:9.3f} {s / base:10.2f}  {note}")
    checks = [('batched <= 1.5 x floor', base / res['floor_s'], base <= 1.5 * res['floor_s']),
              ('implicit / batched >= 1.5', (res['implicit_s'] or float('nan')) / base, res['implicit_s'] is not None and res['implicit_s'] >= 1.5 * base),
              ('decomposed FM <= 2 x batched MF', res['decomposed_fm_s'] / base, res['decomposed_fm_s'] <= 2 * base),
              ('pairwise / decomposed FM >= 100', res['pairwise_fm_s'] / res['decomposed_fm_s'], res['pairwise_fm_s'] >= 100 * res['decomposed_fm_s'])]
    print()
    for name, ratio, ok in checks: print(f"target {name:34s} ratio {ratio:8.2f}  {'met' if ok else 'MISSED'}")
    res['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    res['device'] = '+'.join(devices)
    res['load_avg_start_end'] = [round(load0, 1), round(os.getloadavg()[0], 1)]
    res['memory_mb'] = a.memory_mb or default_memory_mb('cpu')
    if sweep: res['sweep'] = sweep
    print(json.dumps({key: (round(v, 4) if isinstance(v, float) else v) for key, v in res.items()}))


if __name__ == '__main__': main()
