"""A blend's cost at competition scale (issue 15): its top-10 of every user next to its members' own, and its weight
grid next to one EASE top-10, measured in one run.

The data: `synthetic_dataset()` (31,360 users x 6,807 items, ~5.1 M interactions), or a fraction with `--scale`,
split like the leaderboard (seed 0). The members, fitted on the training part: EASE (λ 800, one solve), MF and SASRec
with the registry's default sizes, as initialised (scoring costs the same trained or not; their training is timed by
`benchmarks/train_mf.py`, `benchmarks/fm.py` and `benchmarks/sasrec.py`).

  * top-10: `recommend` of every user for each member alone, then for `Blend(members, equal weights)`, which scores
    each member once per block, standardises each row and sums: `blend / sum of members` is the overhead of blending;
  * the weight grid: `blend_table` on the validation answers for every weight vector of the default step (0.1:
    66 vectors for three members), which `fmrec-train --model blend` runs once, next to one EASE top-10.

With `--job MEMBERS` it times instead the whole `fmrec-train --model blend --members MEMBERS` job on the same data
(`train_validated`: each member's validated job, the weight grid, each member's refit on all data) and the blend's
top-10 of every user, with each step's progress on stderr; with `--alone`, also each member's own job (as
`fmrec-train --model NAME` would run it), so that `job_over_members_alone` shows what the blend costs beyond its members:

    python benchmarks/blend.py --json nbs/results/blend_bench.json
    python benchmarks/blend.py --scale 0.05             # a quick look
    python benchmarks/blend.py --job ease,mf:batch_by=user,rerank --json nbs/results/blend_job_bench.json
    python benchmarks/blend.py --job ease,rerank --alone --scale 0.1 --json nbs/results/blend_shared_bench.json

Prints a table and, as the last line, one JSON object (also written to `--json`).
"""
import argparse, json, os, platform, sys, time
import torch
from fmrec_nb.data import synthetic_dataset
from fmrec_nb.split import split_like_leaderboard
from fmrec_nb.mf import EASE
from fmrec_nb.registry import MODELS, SASREC_DEFAULTS, train_validated
from fmrec_nb.blend import BLEND_DEFAULTS, Blend, blend_members, blend_table, simplex_grid
from fmrec_nb.train import halve_users


def seconds(f) -> tuple:
    "`(seconds, result)` of calling `f()`."
    t = time.perf_counter(); out = f()
    return time.perf_counter() - t, out


def conditions(ds, a, load0) -> dict:
    "What a run measured on: the data, threads, machine, torch and the load average at its start and end."
    return {'dataset': repr(ds), 'threads': a.threads, 'machine': platform.machine(), 'torch': torch.__version__,
            'cpus': os.cpu_count(), 'load_avg_at_start': load0, 'load_avg_at_end': [round(x, 2) for x in os.getloadavg()]}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--scale', type=float, default=1.0, help='fraction of the competition size (users and interactions)')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--json', default=None, help='also write the JSON object to this file')
    p.add_argument('--job', default=None, help="time the whole blend job with these --members (e.g. 'ease,mf:batch_by=user,rerank')")
    p.add_argument('--alone', action='store_true', help="with --job: also time each member's own job (refit included) in the same run")
    a = p.parse_args(argv)
    if not a.scale > 0 or a.threads < 1: p.error('--scale must be positive and --threads at least 1')
    torch.set_num_threads(a.threads)
    load0 = [round(x, 2) for x in os.getloadavg()]
    ds = synthetic_dataset(n_users=int(31_360 * a.scale), n_interactions=int(5_150_000 * a.scale))
    say = lambda *m: print(*m, file=sys.stderr, flush=True)
    say(f"{ds}; {a.threads} thread(s)")
    if a.job: return job(ds, a, load0, say)
    train, valid = split_like_leaderboard(ds, seed=0)
    fit_s, ease = seconds(lambda: EASE(lam=800.0).fit(train))
    say(f"  EASE fit {fit_s:.1f} s")
    mf = MODELS['mf'].build(train, {**MODELS['mf'].defaults, 'seed': 0})
    sas = MODELS['sasrec'].build(train, {**SASREC_DEFAULTS, 'seed': 0}); sas.observe(train)
    members, names = [ease, mf, sas], ['ease', 'mf', 'sasrec']
    top = {}
    for n, m in zip(names, members):
        top[n] = min(seconds(lambda: m.recommend(train, 10, device='cpu'))[0] for _ in range(2))
        say(f"  {n} top-10 {top[n]:.2f} s")
    blend = Blend(names, [1.0] * len(names), members)
    top['blend'] = min(seconds(lambda: blend.recommend(train, 10, device='cpu'))[0] for _ in range(2))
    weights = simplex_grid(len(names), BLEND_DEFAULTS['weight_step'])
    grid_s, table = seconds(lambda: blend_table(members, train, valid, weights, names, halves=halve_users(valid, 0)))
    say(f"  blend top-10 {top['blend']:.2f} s; weight grid ({len(weights)} vectors) {grid_s:.1f} s")
    members_s = sum(top[n] for n in names)
    res = {**conditions(ds, a, load0), 'members': names, 'ease_fit_s': round(fit_s, 2), 'top10_s': {k: round(v, 2) for k, v in top.items()},
           'blend_over_members': round(top['blend'] / members_s, 2), 'weight_vectors': len(weights),
           'valid_users': int(len(set(valid.users.tolist()))), 'grid_s': round(grid_s, 2),
           'grid_over_ease_top10': round(grid_s / top['ease'], 1)}
    say(f"\nblend top-10 / its members' = {res['blend_over_members']:.2f}; weight grid / one EASE top-10 = "
        f"{res['grid_over_ease_top10']:.1f} ({len(weights)} vectors)")
    if a.json:
        with open(a.json, 'w') as fh: json.dump(res, fh, indent=1)
    print(json.dumps(res))


def job(ds, a, load0, say) -> dict:
    "Seconds of `fmrec-train --model blend --members a.job`'s job (refit included) and of its top-10 of every user."
    job_s, (blend, rep) = seconds(lambda: train_validated(ds, 'blend', {'members': a.job}, seed=0, device='cpu', threads=a.threads, say=say))
    top_s, _ = seconds(lambda: blend.recommend(ds, 10, device='cpu'))
    alone = {}
    for name, opts in (blend_members(a.job).items() if a.alone else ()):          # each member's own fmrec-train job
        say(f"\n{name} alone")
        alone[name] = round(seconds(lambda: train_validated(ds, name, opts, seed=0, device='cpu', threads=a.threads, say=say))[0], 1)
    res = {**conditions(ds, a, load0), 'members': a.job, 'job_s': round(job_s, 1), 'top10_s': round(top_s, 2), 'weights': rep['weights'],
           **({'alone_s': alone, 'job_over_members_alone': round(job_s / sum(alone.values()), 2)} if alone else {}),
           'valid_recall@10': round(rep['valid']['recall@10'], 4),
           'member_valid_recall@10': {n: round(m['valid']['recall@10'], 4) for n, m in rep['members'].items()},
           'member_epochs': {n: m['epochs'] for n, m in rep['members'].items()}}
    say(f"\nblend job ({a.job}) {job_s:.0f} s; its top-10 of {ds.n_users:,} users {top_s:.1f} s")
    if alone: say(f"blend job / its members' own jobs = {res['job_over_members_alone']:.2f} ({alone})")
    if a.json:
        with open(a.json, 'w') as fh: json.dump(res, fh, indent=1)
    print(json.dumps(res))
    return res


if __name__ == '__main__':
    main()
