"""Threads on a busy machine (issue 18): each command with its default threads against `--threads 1` (and `--threads 2`),
while one other process keeps a core busy.

    python benchmarks/threads.py [--repeats 2] [--json out.json]

Commands (ml-latest-small, embedded): `fmrec-train --model ease`, `fmrec-train --model mf --loss bpr --epochs 3`,
`fmrec-sweep --model mf --trials 2 --epochs 2`. The busy process is a Python loop started before and killed after each
timing. Prints, per command, the median wall seconds of each setting and the ratio default / `--threads 1`; the last
line is one JSON object.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time
from pathlib import Path

BIN = Path(sys.executable).parent
COMMANDS = {
    'fmrec-train --model ease': [str(BIN / 'fmrec-train'), '--model', 'ease', '--quiet'],
    'fmrec-train --model mf --loss bpr --epochs 3': [str(BIN / 'fmrec-train'), '--model', 'mf', '--loss', 'bpr', '--epochs', '3', '--quiet'],
    'fmrec-sweep --model mf --trials 2 --epochs 2': [str(BIN / 'fmrec-sweep'), '--model', 'mf', '--trials', '2', '--epochs', '2'],
}

def timed(cmd: list, cwd: str) -> float:
    "Wall seconds of `cmd` while one busy Python loop runs beside it."
    busy = subprocess.Popen([sys.executable, '-c', 'while True: pass'])
    try:
        t = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, env={**os.environ, 'IN_TEST': '1'})
        return time.perf_counter() - t
    finally: busy.kill(); busy.wait()

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--repeats', type=int, default=2)
    p.add_argument('--json', default=None)
    args = p.parse_args(argv)
    out = {'cpus': os.cpu_count(), 'load_avg_at_start': [round(x, 2) for x in os.getloadavg()], 'commands': {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name, cmd in COMMANDS.items():
            row = {}
            for setting, extra in (('default', []), ('threads 1', ['--threads', '1']), ('threads 2', ['--threads', '2'])):
                extra_out = ['--submission', str(Path(tmp) / 'sub.csv')] if 'fmrec-train' in cmd[0] else ['--log', str(Path(tmp) / f'{len(row)}.jsonl')]
                row[setting] = round(statistics.median(timed(cmd + extra + extra_out, tmp) for _ in range(args.repeats)), 2)
            row['default / threads 1'] = round(row['default'] / row['threads 1'], 3)
            row['threads 2 / threads 1'] = round(row['threads 2'] / row['threads 1'], 3)
            out['commands'][name] = row
            print(f"{name:48s} default {row['default']:6.1f} s  --threads 1 {row['threads 1']:6.1f} s  --threads 2 {row['threads 2']:6.1f} s"
                  f"  default/1 {row['default / threads 1']:.2f}  2/1 {row['threads 2 / threads 1']:.2f}", file=sys.stderr, flush=True)
    out['load_avg_at_end'] = [round(x, 2) for x in os.getloadavg()]
    if args.json: Path(args.json).write_text(json.dumps(out, indent=1))
    print(json.dumps(out))

if __name__ == '__main__':
    main()
